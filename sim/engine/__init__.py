"""Workload engines: from traffic and serving terms to a usage ledger.

The usage ledger (tokens per month by billing category) is independent of
price. This release ships the ``fluid`` engine: expectations in closed form,
with the prompt-cache hit ratio taken from the scenario as an assumption.
"""

from sim.engine.ledger import UsageLedger

__all__ = ["UsageLedger"]

"""Workload engines: from traffic and serving terms to a usage ledger.

Two implementations share one contract (:func:`simulate_usage`): ``des``,
a request-level simpy simulation on sampled slices (the reference
semantics), and ``fluid``, the same expectations in closed form,
vectorised over paths and months. ``auto`` uses the DES where the fluid
model has no exact closed form (sessions whose turns cluster on a prefix,
capacity queues, LRU response caches) and the fluid model elsewhere.
"""

from __future__ import annotations

from datetime import date

from sim.catalog import ProviderTerms
from sim.engine.ledger import FloatArray, UsageLedger
from sim.scenario import Candidate, Workload

ENGINES = ("auto", "des", "fluid")

__all__ = ["ENGINES", "UsageLedger", "choose_engine", "simulate_usage"]


def choose_engine(engine: str, workload: Workload, cand: Candidate) -> str:
    """The engine ``auto`` picks for one workload on one candidate."""
    if engine != "auto":
        return engine
    rc = workload.response_cache
    needs_des = (
        workload.session_turns > 1
        or cand.rate_limit is not None
        or cand.provisioned is not None
        or (rc is not None and rc.capacity_entries is not None)
    )
    return "des" if needs_des else "fluid"


def simulate_usage(
    engine: str,
    workload: Workload,
    cand: Candidate,
    terms: ProviderTerms,
    start: date,
    requests: FloatArray,
    days: FloatArray,
    seed: int,
) -> tuple[UsageLedger, str]:
    """Usage of ``workload`` on ``cand`` and the name of the engine used."""
    chosen = choose_engine(engine, workload, cand)
    if chosen == "des":
        from sim.engine import des

        ledger = des.simulate_usage(workload, cand, terms, start, requests, days, seed)
    else:
        from sim.engine import fluid

        ledger = fluid.simulate_usage(workload, cand, terms, start, requests, days)
    return ledger, chosen

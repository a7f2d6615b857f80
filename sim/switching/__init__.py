"""Factor 12, lock-in risk: switching costs and the savings lock-in forgoes.

The step between costs and scores (DESIGN 5.5). :func:`build_ledger` and
:func:`build_ledgers` give per candidate a :class:`SwitchingLedger` of
what leaving its provider costs (line items in USD, lead time, dual run,
blockers and warnings with the price sheets' sources), from
``[scenario.switching]``, ``[candidate.lock_in]`` and the provider facts.
The switching policy on the cost paths follows.
"""

from sim.switching.facts import Flag
from sim.switching.keys import MITIGATIONS, STATE_KINDS, LockIn, Switching
from sim.switching.ledger import (
    DRIVERS,
    MITIGATION_SHARES,
    LineItem,
    SwitchCost,
    SwitchingLedger,
    blended_usd_per_mtok,
    build_ledger,
    build_ledgers,
)

__all__ = [
    "DRIVERS",
    "MITIGATIONS",
    "MITIGATION_SHARES",
    "STATE_KINDS",
    "Flag",
    "LineItem",
    "LockIn",
    "SwitchCost",
    "Switching",
    "SwitchingLedger",
    "blended_usd_per_mtok",
    "build_ledger",
    "build_ledgers",
]

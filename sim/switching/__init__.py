"""Factor 12, lock-in risk: switching costs and the savings lock-in forgoes.

The step between costs and scores (DESIGN 5.5). Two entry points:

* :func:`build_ledger` / :func:`build_ledgers`: per candidate, a
  :class:`SwitchingLedger` of what leaving its provider costs (line items
  in USD, lead time, dual run, blockers and warnings with the price
  sheets' sources), from ``[scenario.switching]``, ``[candidate.lock_in]``
  and the provider facts;
* :func:`simulate_switching`: on the candidates' cost paths (the same
  demand and price paths for all), the switching policy, the lock-in cost
  and the factor 12 score, per candidate a :class:`LockInResult`.

Modules: :mod:`~sim.switching.keys` (scenario keys and defaults),
:mod:`~sim.switching.facts` (provider facts), :mod:`~sim.switching.ledger`,
:mod:`~sim.switching.policy` (the policy on paths),
:mod:`~sim.switching.lock_in` (the three runs and the result) and
:mod:`~sim.switching.score` (bands).
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
from sim.switching.lock_in import GatewayTradeoff, LockInResult, simulate_switching
from sim.switching.score import score_lock_in, score_switching_months

__all__ = [
    "DRIVERS",
    "MITIGATIONS",
    "MITIGATION_SHARES",
    "STATE_KINDS",
    "Flag",
    "GatewayTradeoff",
    "LineItem",
    "LockIn",
    "LockInResult",
    "SwitchCost",
    "Switching",
    "SwitchingLedger",
    "blended_usd_per_mtok",
    "build_ledger",
    "build_ledgers",
    "score_lock_in",
    "score_switching_months",
    "simulate_switching",
]

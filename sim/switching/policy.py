"""The switching policy, simulated on the same Monte Carlo paths as the TCO.

On each path the deployment starts on one candidate (the incumbent). In
each month ``t`` that it is not already migrating, the policy compares the
incumbent's expected discounted cost over the rest of the horizon with
every candidate of another provider, and moves to the best one when::

    savings > (switching cost + dual run) x (1 + hysteresis)

It then pays both in month ``t`` and is billed at the incumbent until the
lead time ends; from month ``t + L`` the new provider serves. A move to
``j`` costs the incumbent's :class:`~sim.switching.ledger.SwitchCost` at
``t``, its eval tokens at ``j``'s price, and ``dual_run_months`` of
``j``'s current spend. Among destinations the one with the largest
margin ``savings - cost x (1 + hysteresis)`` wins.

What the policy may know at ``t`` (no peeking at the path's future):
every candidate's cost in month ``t`` on this path, and the forecast's
outlook, i.e. how each candidate's cost is expected to move from ``t`` to
``s``, read as the ratio of its mean cost over the *other* paths
(``outlook="ensemble"``, the default)::

    E_t[c_k(s)] = c_k(t) x m_k(s) / m_k(t),   m_k = mean over other paths

This carries expected demand growth and expected price cuts, and is
exact when a cost path's future ratios do not depend on its past.
``outlook="flat"`` holds month ``t``'s cost flat instead. Savings are
discounted with :func:`sim.stats.discount_factors` (month-end cash flows),
the costs paid at ``t`` by the factor of month ``t``.

Limitations: the rule is a threshold rule, not the optimal stopping
policy; with a small hysteresis it can switch on gaps that close again
and do worse than never switching (Dixit 1989, methods B2), which is why
the hysteresis term exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.stats import FloatArray, discount_factors
from sim.switching.ledger import SwitchCost

IntArray = npt.NDArray[np.int64]
OUTLOOKS = ("ensemble", "flat")


@dataclass(frozen=True)
class Market:
    """Every candidate's cost paths and what the policy reads from them.

    Attributes:
        costs: (candidates, paths, months) monthly cost, USD, on shared
            demand paths.
        providers: provider of each candidate; moves go to other ones.
        usd_per_mtok: (candidates,) blended price of each, USD per 1M
            tokens, for eval tokens at the destination.
        rate: effective annual discount rate.
        discount: (months,) discount factor of each month.
        level: (candidates, paths, months) the outlook's expected level
            ``m_k(s)`` seen from each path.
        ahead: (candidates, paths, months) ``sum over s >= t of d(s)
            m_k(s)``, with a trailing zero column for ``t = months``.
    """

    costs: FloatArray
    providers: tuple[str, ...]
    usd_per_mtok: FloatArray
    rate: float
    discount: FloatArray
    level: FloatArray
    ahead: FloatArray

    @property
    def months(self) -> int:
        """Months of the horizon."""
        return int(self.costs.shape[2])

    def annuity(self, k: int, paths: IntArray, t: int, lead: int) -> FloatArray:
        """Expected discounted cost of ``k`` from ``t + lead`` on, per unit
        of its month-``t`` cost, on ``paths``."""
        later = self.ahead[k, paths, min(t + lead, self.months)]
        return np.asarray(later / self.level[k, paths, t])


@dataclass(frozen=True)
class PolicyRun:
    """One start candidate's paths under the policy.

    Attributes:
        cost_usd: (paths, months) billed cost plus switching charges.
        switching_usd: (paths, months) the switching charges alone.
        switches: (paths,) moves decided on each path.
        decided: (months,) moves decided in each month, over all paths.
    """

    cost_usd: FloatArray
    switching_usd: FloatArray
    switches: IntArray
    decided: IntArray


def prepare_market(
    costs: Sequence[FloatArray],
    providers: Sequence[str],
    usd_per_mtok: Sequence[float],
    discount_rate: float,
    outlook: str = "ensemble",
) -> Market:
    """Stack cost paths (paths, months) and derive the policy's outlook.

    Raises:
        ValueError: if the arrays differ in shape or ``outlook`` is unknown.
    """
    if outlook not in OUTLOOKS:
        raise ValueError(f"outlook '{outlook}' is unknown; expected one of {OUTLOOKS}")
    stack = np.stack([np.asarray(c, dtype=np.float64) for c in costs])
    if stack.ndim != 3:
        raise ValueError(f"costs must be (paths, months) each, got {stack.shape[1:]}")
    d = discount_factors(stack.shape[2], discount_rate)
    level = _level(stack) if outlook == "ensemble" else np.ones_like(stack)
    tail = np.cumsum((level * d)[:, :, ::-1], axis=2)[:, :, ::-1]
    ahead = np.concatenate([tail, np.zeros(stack.shape[:2] + (1,))], axis=2)
    return Market(
        costs=stack,
        providers=tuple(providers),
        usd_per_mtok=np.asarray(usd_per_mtok, dtype=np.float64),
        rate=discount_rate,
        discount=d,
        level=level,
        ahead=ahead,
    )


def run_policy(
    market: Market, start: int, exits: Sequence[SwitchCost], hysteresis: float
) -> PolicyRun:
    """Simulate the threshold policy from candidate ``start`` on every path.

    Args:
        exits: per candidate, the cost of leaving it.
        hysteresis: extra margin savings must clear, as a share of the
            cost (0 switches as soon as savings exceed the cost).
    """
    _, paths, months = market.costs.shape
    state = _State(paths, start)
    charges = np.zeros((paths, months))
    decided = np.zeros(months, dtype=np.int64)
    for t in range(months):
        state.arrive(t)
        # Who is free is fixed before any decision of the month, so that a
        # path that moves with no lead time does not decide twice.
        serving, free = state.serving.copy(), state.arrival < 0
        for k, exit_cost in enumerate(exits):
            paths_k = np.flatnonzero((serving == k) & free)
            moved = _decide(market, state, paths_k, k, t, exit_cost, hysteresis)
            charges[moved.paths, t] += moved.usd
            decided[t] += moved.paths.size
    billed = market.costs[state.billed, np.arange(paths)[:, None], np.arange(months)]
    return PolicyRun(billed + charges, charges, state.switches, decided)


class _State:
    """Who serves each path, and pending moves, as the months go by."""

    def __init__(self, paths: int, start: int) -> None:
        self.serving = np.full(paths, start, dtype=np.int64)
        self.target = np.full(paths, -1, dtype=np.int64)
        self.arrival = np.full(paths, -1, dtype=np.int64)
        self.switches = np.zeros(paths, dtype=np.int64)
        self.history: list[IntArray] = []

    @property
    def billed(self) -> IntArray:
        """(paths, months so far) the candidate that served each month."""
        return np.stack(self.history, axis=1)

    def arrive(self, t: int) -> None:
        """Moves whose lead time ends at ``t`` take effect; bill ``t``.

        Called once per month before the decisions; decisions with no lead
        time then overwrite month ``t``'s entry (see :meth:`move`).
        """
        due = self.arrival == t
        self.serving[due] = self.target[due]
        self.arrival[due] = -1
        self.history.append(self.serving.copy())

    def move(self, paths: IntArray, to: IntArray, t: int, lead: int) -> None:
        """Start moves on ``paths`` decided at ``t``."""
        self.switches[paths] += 1
        if lead == 0:
            self.serving[paths] = to
            self.history[t][paths] = to
        else:
            self.target[paths] = to
            self.arrival[paths] = t + lead


@dataclass(frozen=True)
class _Moves:
    """Moves decided in one month: their paths and what each paid, USD."""

    paths: IntArray
    usd: FloatArray


def _decide(
    market: Market,
    state: _State,
    paths: IntArray,
    k: int,
    t: int,
    exit_cost: SwitchCost,
    hysteresis: float,
) -> _Moves:
    """Decide at ``t`` on ``paths``, free and served by ``k``; start moves."""
    others = [j for j, p in enumerate(market.providers) if p != market.providers[k]]
    if paths.size == 0 or not others:
        return _Moves(paths[:0], np.zeros(0))

    lead = exit_cost.lead_time_months
    now = market.costs[:, paths, t]  # (candidates, paths)
    stay = now[k] * market.annuity(k, paths, t, lead)
    margin = np.full((paths.size, len(market.providers)), -np.inf)
    cost = np.zeros_like(margin)
    for j in others:
        cost[:, j] = _move_cost(market, exit_cost, j, t, now[j])
        saving = stay - now[j] * market.annuity(j, paths, t, lead)
        margin[:, j] = saving - market.discount[t] * cost[:, j] * (1 + hysteresis)

    best = np.argmax(margin, axis=1)
    rows = np.flatnonzero(margin[np.arange(paths.size), best] > 0)
    state.move(paths[rows], best[rows], t, lead)
    return _Moves(paths[rows], cost[rows, best[rows]])


def _move_cost(
    market: Market, exit_cost: SwitchCost, j: int, t: int, spend_j: FloatArray
) -> FloatArray:
    """USD paid at ``t`` to move to ``j``: exit, eval tokens, dual run."""
    evals = exit_cost.eval_mtok * market.usd_per_mtok[j]
    return np.asarray(
        exit_cost.exit_usd[t] + evals + exit_cost.dual_run_months * spend_j
    )


def _level(costs: FloatArray) -> FloatArray:
    """Leave-one-out mean cost of each candidate and month, per path.

    A path's own future never enters its outlook. A candidate whose mean
    cost is not positive in every month gets a flat outlook on that path.
    """
    paths = costs.shape[1]
    if paths < 2:
        return np.ones_like(costs)
    total = costs.sum(axis=1, keepdims=True)
    level = (total - costs) / (paths - 1)
    positive = (level > 0).all(axis=2, keepdims=True)
    return np.where(positive, level, 1.0)

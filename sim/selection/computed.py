"""The three computed factors as per-path scores, from the run's own arrays.

Each function turns what an earlier step returns into a
:class:`~sim.selection.composite.Score` whose ``paths`` hold the factor on
every Monte Carlo path, by the same formula that step used for its p10
and p90, so that the robustness analysis draws factors 3, 11 and 12 from
the same paths together.

Not imported by :mod:`sim.selection` itself: :mod:`sim.forecast.trajectory`
imports :mod:`sim.scenario`, which imports the selection's scenario keys,
so importing this module from the package would close a cycle. Import it
by its full name, ``from sim.selection.computed import ...``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from sim.forecast.trajectory import PricingTrajectory, annual_rates, trajectory_score
from sim.scoring import CostScore, cost_score_of
from sim.selection.composite import Score, fixed_score, path_score
from sim.stats import FloatArray
from sim.switching import LockInResult, score_lock_in

DELAY_KEY = "delay_p95_seconds"  # the engine's per-month capacity signal


def cost_paths_score(cost: CostScore, tco_usd: FloatArray) -> Score:
    """Factor 3 on each path from (paths,) TCO in USD and the run's score.

    The headline is the score of the mean TCO, as in :mod:`sim.scoring`.
    """
    per_path = cost_score_of(tco_usd, cost.anchor_usd)
    return path_score(cost.score, per_path, "TCO against the anchor, per path")


def trajectory_paths_score(
    trajectory: PricingTrajectory, price_usd: FloatArray
) -> Score:
    """Factor 11 on each path from (paths, >= 25 months) prices of a request.

    A path's score compares its own annual log change of price with the
    market's, as :func:`sim.forecast.trajectory.score_trajectory` does.
    """
    rates = annual_rates(np.log(np.asarray(price_usd, dtype=np.float64)))
    per_path = trajectory_score(rates - trajectory.market_log_change)
    return path_score(trajectory.score, per_path, "price paths against the market")


def lock_in_paths_score(result: LockInResult) -> Score:
    """Factor 12 on each path: the lock-in share of that path's NPV.

    Without another provider to move to, the score rests on the switching
    cost in months of spend, the same on every path.
    """
    if result.basis != "simulation":
        return fixed_score(result.score, f"lock-in from {result.basis}")
    forgone = result.npv_usd - result.reference_npv_usd
    per_path = score_lock_in(forgone / result.never_npv_usd)
    return path_score(result.score, per_path, "savings forgone, per path")


def worst_delay_seconds(
    stats: Sequence[Mapping[str, FloatArray]],
) -> FloatArray | None:
    """The largest 95th-percentile queueing delay over workloads, seconds.

    Args:
        stats: each workload's ``UsageLedger.stats``.

    Returns:
        (paths, months) elementwise maximum of ``delay_p95_seconds``; None
        when no workload reports a delay (no rate limit with delay).
    """
    found = [s[DELAY_KEY] for s in stats if DELAY_KEY in s]
    if not found:
        return None
    return np.asarray(np.maximum.reduce(found))

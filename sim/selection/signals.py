"""What tcosim knows about two team-scored factors: latency and fine-tuning.

Factor 2, latency: the team scores the provider's own speed (time to first
token, tokens per second), which the engine does not model. What the
engine does see is the wait a rate limit adds when traffic exceeds it
(``on_limit = "delay"``). That wait takes points off the team's score on
each path::

    penalty = log2(1 + d / budget)

with ``d`` the path's worst monthly 95th-percentile queueing delay, in
seconds, and ``budget`` the delay a user of the workload notices
(``latency_budget_seconds``, default 1 s, an assumption: a spoken or
typed turn feels stalled past about a second). A wait equal to the budget
costs one point, three budgets two points; the result is clipped to
[1, 5].

Factor 9, fine-tuning: without a team score, the price sheet's
``fine_tuning`` fact gives a range: ``no`` or ``n/a`` scores 1; ``yes``
with a wind-down (closing, deprecated) 1-2; ``yes`` 3-5, since how good
the tuning is stays for the team to judge; ``partial``, ``unknown`` or no
fact 1-5, the widest range.
"""

from __future__ import annotations

import numpy as np

from sim.catalog import Fact
from sim.selection.composite import Score, fixed_score, path_score, range_score
from sim.selection.factors import SCORE_MAX, SCORE_MIN
from sim.selection.gates import fact_status
from sim.stats import FloatArray

LATENCY_BUDGET_SECONDS = 1.0
WIND_DOWN = ("closing", "deprecat", "wind", "retir", "sunset")


def latency_penalty(
    delay_p95_seconds: FloatArray, budget_seconds: float = LATENCY_BUDGET_SECONDS
) -> FloatArray:
    """Points off factor 2 per path, from (paths, months) p95 delays in s."""
    if budget_seconds <= 0:
        raise ValueError(f"budget_seconds must be positive, got {budget_seconds}")
    worst = np.asarray(delay_p95_seconds, dtype=np.float64).max(axis=1)
    return np.asarray(np.log2(1.0 + worst / budget_seconds))


def latency_score(
    team: tuple[float, float],
    delay_p95_seconds: FloatArray | None,
    budget_seconds: float = LATENCY_BUDGET_SECONDS,
    seed: int = 0,
) -> Score:
    """Factor 2: the team's range, less the queueing delay on each path.

    Args:
        team: the team's ``(low, high)`` score, equal ends for a number.
        delay_p95_seconds: (paths, months) the engine's 95th-percentile
            queueing delay; None or all zero when no rate limit binds.
        seed: seeds the team score's draw on each path.
    """
    low, high = team
    if delay_p95_seconds is None or not np.any(delay_p95_seconds):
        return range_score(low, high, "team score")
    penalty = latency_penalty(delay_p95_seconds, budget_seconds)
    team_paths = np.random.default_rng(seed).uniform(low, high, size=penalty.size)
    paths = np.clip(team_paths - penalty, SCORE_MIN, SCORE_MAX)
    headline = np.clip((low + high) / 2 - float(penalty.mean()), SCORE_MIN, SCORE_MAX)
    source = (
        f"team score less queueing delay: {float(penalty.mean()):.2f} points "
        f"on average for a {budget_seconds:g} s budget"
    )
    return path_score(float(headline), paths, source)


def fine_tuning_prior(fact: Fact | None, provider: str) -> Score:
    """Factor 9 from the sheet's ``fine_tuning`` fact, when the team is silent."""
    if fact is None:
        return range_score(1.0, 5.0, f"no fine_tuning fact in {provider}'s sheet")
    status = fact_status(fact.value)
    cited = f"{provider}'s sheet: fine_tuning '{fact.value}'"
    if fact.source:
        cited += f" ({fact.source})"
    if status == "no":
        return fixed_score(1.0, cited)
    if status == "yes" and any(w in fact.value.lower() for w in WIND_DOWN):
        return range_score(1.0, 2.0, cited)
    if status == "yes":
        return range_score(3.0, 5.0, cited)
    return range_score(1.0, 5.0, cited)

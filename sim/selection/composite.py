"""Composite score and the robustness of the ranking (DESIGN 5.6).

The composite of a candidate is the weighted mean of its twelve factor
scores, each in [1, 5]; with weights summing to one it stays in [1, 5].
Because every factor score is anchored rather than ranked within the
shortlist, adding or removing a candidate never changes another's
composite, so the winner at the given weights cannot reverse that way.

Robustness is SMAA-2 style Monte Carlo (methods C2, after Lahdelma and
Salminen 2001), over ``draws`` draws:

* Weights: Dirichlet(``concentration`` x w) over the factors of positive
  weight; a factor weighted 0 stays at 0. The relative standard deviation
  of weight j is about sqrt((1 - w_j) / (w_j (concentration + 1))): the
  default 120 gives about +/-30% for a weight of 1/12 and +/-13% for 1/3.
* Uncertain scores: a :class:`Score` with ``paths`` (factors 3, 11 and
  12, from the run's price and demand paths) takes the value of one path
  per draw, the same path for every factor and every candidate, so the
  three move jointly as they did in the simulation; a range (the team's
  ``[low, high]``) is drawn uniformly; a fixed score stays fixed.
* Ranks per draw, highest composite first; exact ties are broken at
  random, so that rank shares stay probabilities summing to one.

Each candidate's uniform draws come from its own random stream, seeded
from the scenario seed and its name: adding or removing a candidate
leaves every other candidate's draws unchanged.

The report: P(rank first) with its Monte Carlo standard error
sqrt(p (1 - p) / draws) (at most 0.5 / sqrt(draws), 0.005 at 10,000),
P(top two), the share of draws at each rank, the head-to-head matrix
P(row ranks above column), each candidate's central weights (mean
weights over the draws it wins), and per factor the smallest change of
that one weight, the others rescaled to keep their proportions, that
changes the winner (Triantaphyllou and Sanchez 1997), solved exactly.

Verdict (methods C3): a *robust winner* only when the candidate most
often first has P(first) >= 0.5 and leads the runner-up by >= 0.15;
otherwise a *statistical tie* between the candidates with P(first) >=
0.2 or within 0.15 of the leader, and at least the two most often first.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.selection.factors import SCORE_MAX, SCORE_MIN
from sim.stats import FloatArray

DRAWS = 10_000
CONCENTRATION = 120.0
ROBUST = "robust winner"
TIE = "statistical tie"
P_FIRST_MIN = 0.5  # methods C3
LEAD_MIN = 0.15  # methods C3
TIE_FLOOR = 0.2  # methods C3: candidates shown in a tie
# Composites closer than this count as equal; the tie is then broken at
# random. Far below any difference a score can express, far above the
# rounding error of a twelve-term weighted sum.
TIE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Score:
    """One candidate's score on one factor, in [1, 5], and its uncertainty.

    Build it with :func:`fixed_score`, :func:`range_score` or
    :func:`path_score`.

    Attributes:
        value: the headline score, used by the composite at the given
            weights and by the weight sensitivity.
        low, high: the range; draws are uniform on it when ``paths`` is
            None (``low == high``: fixed). With ``paths``, the 10th and
            90th percentiles, for display.
        paths: (paths,) the score on each Monte Carlo path of the run.
        source: where the score comes from, one line.
    """

    value: float
    low: float
    high: float
    paths: FloatArray | None = None
    source: str = ""


def fixed_score(value: float, source: str = "") -> Score:
    """A score without uncertainty."""
    return Score(float(value), float(value), float(value), None, source)


def range_score(low: float, high: float, source: str = "") -> Score:
    """A score drawn uniformly from ``[low, high]``; its midpoint heads it."""
    if not SCORE_MIN <= low <= high <= SCORE_MAX:
        raise ValueError(f"expected 1 <= low <= high <= 5, got [{low}, {high}]")
    return Score((low + high) / 2.0, float(low), float(high), None, source)


def path_score(value: float, paths: FloatArray, source: str = "") -> Score:
    """A score known on each Monte Carlo path, headed by ``value``.

    Args:
        value: the headline (for factor 3, the score of the mean TCO).
        paths: (paths,) the score on each path, in [1, 5].
    """
    arr = np.asarray(paths, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"paths must be a non-empty 1-d array, got {arr.shape}")
    low, high = np.quantile(arr, [0.1, 0.9])
    return Score(float(value), float(low), float(high), arr, source)


def weighted_mean(weights: Mapping[str, float], scores: Mapping[str, float]) -> float:
    """Weighted mean of factor scores; weights need not sum to one.

    Raises:
        ValueError: if no weight is positive or a weighted factor has no
            score.
    """
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("expected at least one positive weight")
    missing = [f for f, w in weights.items() if w > 0 and f not in scores]
    if missing:
        raise ValueError(f"no score for weighted factor(s) {', '.join(missing)}")
    return sum(w * scores[f] for f, w in weights.items() if w > 0) / total


@dataclass(frozen=True)
class WeightFlip:
    """The smallest change of one weight that changes the winner.

    The other weights are rescaled to keep their proportions (and their
    sum one minus the new weight).

    Attributes:
        factor: the weight changed.
        weight: its current (normalised) weight.
        flip_weight: the weight at which ``by`` draws level with the
            winner; beyond it ``by`` ranks first.
        by: the candidate that takes first place.
    """

    factor: str
    weight: float
    flip_weight: float
    by: str

    @property
    def change(self) -> float:
        """``flip_weight - weight``: negative means lowering the weight."""
        return self.flip_weight - self.weight

    @property
    def relative_change(self) -> float | None:
        """The change as a share of the weight; None for a zero weight."""
        return self.change / self.weight if self.weight > 0 else None


@dataclass(frozen=True)
class Robustness:
    """How sure the ranking is; dictionaries are keyed by candidate name.

    Attributes:
        candidates: names, in the order given.
        weights: the normalised weights, by factor.
        composite: weighted mean of the headline scores at ``weights``.
        winner: the highest ``composite`` (the first given, on a tie).
        draws, concentration, seed: the Monte Carlo settings.
        p_first: share of draws ranking the candidate first.
        p_first_se: Monte Carlo standard error of ``p_first``.
        p_top2: share of draws ranking it first or second.
        rank_shares: share of draws at each rank, first rank first.
        head_to_head: ``[row][column]``, share of draws where the row
            ranks above the column (0 on the diagonal).
        central_weights: mean weights over the draws the candidate ranks
            first; only candidates that rank first at least once.
        leader: the candidate most often first.
        verdict: :data:`ROBUST` or :data:`TIE`.
        tie: the candidates in the tie, most often first first; empty for
            a robust winner.
        flips: per factor the smallest flipping change, smallest first;
            factors whose weight cannot change the winner are left out.
    """

    candidates: tuple[str, ...]
    weights: dict[str, float]
    composite: dict[str, float]
    winner: str
    draws: int
    concentration: float
    seed: int
    p_first: dict[str, float]
    p_first_se: dict[str, float]
    p_top2: dict[str, float]
    rank_shares: dict[str, tuple[float, ...]]
    head_to_head: dict[str, dict[str, float]]
    central_weights: dict[str, dict[str, float]]
    leader: str
    verdict: str
    tie: tuple[str, ...]
    flips: tuple[WeightFlip, ...]

    @property
    def robust_winner(self) -> str | None:
        """The robust winner, or None when the verdict is a tie."""
        return self.leader if self.verdict == ROBUST else None

    @property
    def smallest_flip(self) -> WeightFlip | None:
        """The smallest single-weight change that changes the winner."""
        return self.flips[0] if self.flips else None

    @property
    def se_bound(self) -> float:
        """The largest standard error any P(first) can have: 0.5/sqrt(draws)."""
        return 0.5 / float(np.sqrt(self.draws))


def assess_robustness(
    weights: Mapping[str, float],
    scores: Mapping[str, Mapping[str, Score]],
    draws: int = DRAWS,
    concentration: float = CONCENTRATION,
    seed: int = 0,
) -> Robustness:
    """Composite, rank probabilities and weight sensitivity of candidates.

    Args:
        weights: factor -> weight, not negative; normalised here.
        scores: candidate -> factor -> :class:`Score`; every factor of
            positive weight needs a score for every candidate. A factor
            weighted 0 enters the weight sensitivity when every candidate
            has a score for it, and is ignored otherwise.
        draws: Monte Carlo draws.
        concentration: Dirichlet concentration of the weight draws.
        seed: seeds every random stream.

    Raises:
        ValueError: for no candidate, no positive weight, a missing score,
            per-path scores of different lengths, or ``draws`` or
            ``concentration`` not positive.
    """
    names, factors, w = _inputs(weights, scores, draws, concentration)
    values = np.array([[scores[c][f].value for f in factors] for c in names])
    composite = values @ w
    winner = int(np.argmax(composite))

    weight_draws = _draw_weights(w, draws, concentration, seed)
    score_draws = _draw_scores(names, factors, scores, draws, seed)
    totals = np.einsum("dcf,df->dc", score_draws, weight_draws)
    ranks = _ranks(totals, _tie_keys(names, draws, seed))
    return _assemble(
        names,
        factors,
        w,
        composite,
        winner,
        weight_draws,
        ranks,
        (draws, concentration, seed),
        _flips(values, w, factors, names, winner),
    )


def verdict_of(
    names: Sequence[str], p_first: Sequence[float]
) -> tuple[str, str, tuple[str, ...]]:
    """The leader, the verdict and the tie set, by the rule of methods C3.

    Args:
        names: candidate names.
        p_first: their shares of first ranks, in the same order.

    Returns:
        ``(leader, verdict, tie)``; ``tie`` is empty for a robust winner
        and otherwise lists the tied candidates, most often first first.
    """
    order = sorted(range(len(names)), key=lambda i: -p_first[i])
    lead = p_first[order[0]]
    runner_up = p_first[order[1]] if len(order) > 1 else 0.0
    leader = names[order[0]]
    if lead >= P_FIRST_MIN and lead - runner_up >= LEAD_MIN:
        return leader, ROBUST, ()
    tied = [i for i in order if p_first[i] >= TIE_FLOOR or lead - p_first[i] < LEAD_MIN]
    if len(tied) < 2:
        # The leader's win is not robust, so its closest rival shares the tie.
        tied = order[:2]
    return leader, TIE, tuple(names[i] for i in tied)


# --- inputs ---------------------------------------------------------------------


def _inputs(
    weights: Mapping[str, float],
    scores: Mapping[str, Mapping[str, Score]],
    draws: int,
    concentration: float,
) -> tuple[list[str], list[str], FloatArray]:
    """Candidate names, the factors used and their normalised weights."""
    names = list(scores)
    if not names:
        raise ValueError("expected at least one candidate")
    if draws < 1 or not concentration > 0:
        raise ValueError(
            f"draws ({draws}) and concentration ({concentration}) must be positive"
        )
    if any(v < 0 for v in weights.values()) or sum(weights.values()) <= 0:
        raise ValueError(f"expected weights >= 0 with one positive, got {weights}")
    for name in names:
        missing = [f for f, v in weights.items() if v > 0 and f not in scores[name]]
        if missing:
            raise ValueError(f"{name}: no score for {', '.join(missing)}")
    factors = [
        f for f, v in weights.items() if v > 0 or all(f in scores[c] for c in names)
    ]
    w = np.array([weights[f] for f in factors], dtype=np.float64)
    return names, factors, w / w.sum()


def _stream(seed: int, *parts: str) -> np.random.Generator:
    """A random stream of its own for ``parts`` (names), stable across runs."""
    keys = [zlib.crc32(p.encode("utf-8")) for p in parts]
    return np.random.default_rng([seed, *keys])


# --- draws ----------------------------------------------------------------------


def _draw_weights(
    w: FloatArray, draws: int, concentration: float, seed: int
) -> FloatArray:
    """(draws, factors) Dirichlet weights around ``w``; zeros stay zero."""
    out = np.zeros((draws, w.size))
    positive = w > 0
    rng = _stream(seed, "weights")
    out[:, positive] = rng.dirichlet(concentration * w[positive], size=draws)
    return out


def _draw_scores(
    names: list[str],
    factors: list[str],
    scores: Mapping[str, Mapping[str, Score]],
    draws: int,
    seed: int,
) -> FloatArray:
    """(draws, candidates, factors) scores; per-path scores share paths."""
    path_index = _path_index(names, factors, scores, draws, seed)
    out = np.empty((draws, len(names), len(factors)))
    for c, name in enumerate(names):
        for f, factor in enumerate(factors):
            score = scores[name][factor]
            if score.paths is not None:
                assert path_index is not None  # set when any score has paths
                out[:, c, f] = score.paths[path_index]
            elif score.high > score.low:
                rng = _stream(seed, "score", name, factor)
                out[:, c, f] = rng.uniform(score.low, score.high, size=draws)
            else:
                out[:, c, f] = score.value
    return out


def _path_index(
    names: list[str],
    factors: list[str],
    scores: Mapping[str, Mapping[str, Score]],
    draws: int,
    seed: int,
) -> np.ndarray | None:
    """One path per draw, shared by all per-path scores; None if there are none."""
    sizes = {
        scores[c][f].paths.size  # type: ignore[union-attr]
        for c in names
        for f in factors
        if scores[c][f].paths is not None
    }
    if not sizes:
        return None
    if len(sizes) > 1:
        raise ValueError(f"per-path scores have different lengths {sorted(sizes)}")
    return _stream(seed, "paths").integers(0, sizes.pop(), size=draws)


def _tie_keys(names: list[str], draws: int, seed: int) -> FloatArray:
    """(draws, candidates) random keys that break exact ties."""
    return np.stack([_stream(seed, "tie", n).random(draws) for n in names], axis=1)


def _ranks(totals: FloatArray, tie_keys: FloatArray) -> np.ndarray:
    """(draws, candidates) rank of each candidate, 0 = first."""
    level = np.round(totals / TIE_TOLERANCE)
    # lexsort sorts by its last key first: composite down, then tie key.
    order = np.lexsort((tie_keys, -level), axis=-1)
    return np.argsort(order, axis=-1)


# --- results --------------------------------------------------------------------


def _assemble(
    names: list[str],
    factors: list[str],
    w: FloatArray,
    composite: FloatArray,
    winner: int,
    weight_draws: FloatArray,
    ranks: np.ndarray,
    settings: tuple[int, float, int],
    flips: tuple[WeightFlip, ...],
) -> Robustness:
    draws, concentration, seed = settings
    n = len(names)
    shares = np.stack([(ranks == r).mean(axis=0) for r in range(n)], axis=1)
    p_first = shares[:, 0]
    leader, verdict, tie = verdict_of(names, [float(p) for p in p_first])
    return Robustness(
        candidates=tuple(names),
        weights=dict(zip(factors, (float(x) for x in w), strict=True)),
        composite=_by_name(names, composite),
        winner=names[winner],
        draws=draws,
        concentration=concentration,
        seed=seed,
        p_first=_by_name(names, p_first),
        p_first_se=_by_name(names, np.sqrt(p_first * (1 - p_first) / draws)),
        p_top2=_by_name(names, shares[:, :2].sum(axis=1)),
        rank_shares={
            c: tuple(float(x) for x in shares[i]) for i, c in enumerate(names)
        },
        head_to_head=_head_to_head(names, ranks),
        central_weights=_central_weights(names, factors, weight_draws, ranks),
        leader=leader,
        verdict=verdict,
        tie=tie,
        flips=flips,
    )


def _by_name(names: list[str], values: FloatArray) -> dict[str, float]:
    return {c: float(v) for c, v in zip(names, values, strict=True)}


def _head_to_head(names: list[str], ranks: np.ndarray) -> dict[str, dict[str, float]]:
    return {
        a: {b: float((ranks[:, i] < ranks[:, k]).mean()) for k, b in enumerate(names)}
        for i, a in enumerate(names)
    }


def _central_weights(
    names: list[str], factors: list[str], weight_draws: FloatArray, ranks: np.ndarray
) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for i, name in enumerate(names):
        wins = ranks[:, i] == 0
        if wins.any():
            mean = weight_draws[wins].mean(axis=0)
            out[name] = {f: float(x) for f, x in zip(factors, mean, strict=True)}
    return out


# --- weight sensitivity ---------------------------------------------------------


def _flips(
    values: FloatArray,
    w: FloatArray,
    factors: list[str],
    names: list[str],
    winner: int,
) -> tuple[WeightFlip, ...]:
    """Per factor, the nearest weight at which another candidate draws level."""
    found = []
    for k, factor in enumerate(factors):
        crossing = _crossing(values, w, k, winner)
        if crossing is not None:
            t, by = crossing
            found.append(WeightFlip(factor, float(w[k]), t, names[by]))
    return tuple(sorted(found, key=lambda f: abs(f.change)))


def _crossing(
    values: FloatArray, w: FloatArray, k: int, winner: int
) -> tuple[float, int] | None:
    """The weight ``t`` of factor ``k`` nearest ``w[k]`` where someone ties.

    With the other weights rescaled by ``(1 - t) / (1 - w[k])``, candidate
    i's composite is ``t x s_ik + (1 - t) x rest_i``, where ``rest_i`` is
    its weighted mean over the other factors. Its lead over the winner is
    linear in t, so the tie point solves one linear equation.
    """
    if values.shape[1] < 2:
        return None  # one factor always holds all the weight
    rest = _rest(values, w, k)
    a = values[:, k] - values[winner, k]  # lead at t = 1
    b = rest - rest[winner]  # lead at t = 0
    best: tuple[float, int] | None = None
    for i in range(values.shape[0]):
        if i == winner or a[i] == b[i]:
            continue
        t = float(b[i] / (b[i] - a[i]))
        if not 0.0 <= t <= 1.0:
            continue
        if best is None or abs(t - w[k]) < abs(best[0] - w[k]):
            best = (t, i)
    return best


def _rest(values: FloatArray, w: FloatArray, k: int) -> FloatArray:
    """Each candidate's weighted mean over the factors other than ``k``.

    When ``k`` holds all the weight, the others have no proportions to
    keep; the weight it gives up is then shared equally among them.
    """
    others = np.delete(w, k)
    scores = np.delete(values, k, axis=1)
    if others.sum() <= 0:
        return np.asarray(scores.mean(axis=1))
    return np.asarray(scores @ (others / others.sum()))

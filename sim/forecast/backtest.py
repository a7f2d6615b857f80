"""Rolling-origin backtest of the jump model and its baselines.

At each origin every model is fitted on the history as known at the end of
that month (:meth:`PriceHistory.until`: later values are not there to see)
and forecasts the log class index 6, 12 and 24 months ahead. Forecasts are
scored against what the price sheets say happened:

* ``male``: mean absolute log error of the median (``exp(male)`` is the
  typical factor off);
* ``bias``: mean of median minus actual (positive: forecasts too high);
* ``coverage_50``/``_80``/``_95``: share of actuals inside the central
  intervals;
* ``coverage_80_randomized``: the same with a randomised PIT (Czado,
  Gneiting and Held 2009): where the actual lands on a point mass of the
  forecast (a price that did not move, forecast to stay put with some
  probability), it counts as inside by the share of that mass within the
  interval. A calibrated forecast with point masses covers *more* than
  80% by the plain count; this one is 80% in expectation either way;
* ``interval_score``: Winkler score of the 80% interval (width plus
  ``2 / 0.2`` times any miss; lower is better);
* ``crps``: continuous ranked probability score, integrated over the
  predictive quantiles;
* ``pit_deciles``: where actuals fell in their forecasts, as the share of
  randomised PITs in each tenth of the forecast distribution, lowest
  first. A calibrated model puts 0.1 in each; too little in the first
  deciles means the lower tail is too long.

For the jump model the backtest also counts price steps
(:class:`StepCount`): how many down and up steps its paths expected over
every series-origin pair, against how many the price sheets show. The
counts say whether a miscalibration comes from how often prices move or
from how far.

Series are the class indices of the default token mix with at least
:data:`MIN_HISTORY` months at the origin. Origins run every
:data:`ORIGIN_STEP` months back from the latest usable one: neighbouring
monthly origins share almost all their data, and the statsmodels fits of
the baselines are the slow part.

The model tcosim uses is :data:`CHOSEN`; the backtest shows whether the
data support that choice (:func:`acceptance`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.catalog import Catalog
from sim.demand import rng_for
from sim.forecast.baselines import (
    BASELINES,
    CRPS_LEVELS,
    INTERVALS,
    LEVELS,
    FitLog,
    Quantiles,
)
from sim.forecast.index import FloatArray, PriceHistory, build_history, default_mix
from sim.forecast.market import fit_market
from sim.forecast.paths import draw_market, simulate_steps

log = logging.getLogger(__name__)

HORIZONS = (6, 12, 24)
MIN_HISTORY = 12
ORIGIN_STEP = 3
SAMPLES = 1000
SEED = 20250312  # any fixed seed: the backtest must give one table
CHOSEN = "jump"
MODELS = (CHOSEN, *BASELINES)
ACCEPT_COVERAGE_80 = (0.70, 0.90)
ACCEPT_HORIZON = 12
ACCEPT_MIN_PAIRS = 30


@dataclass(frozen=True)
class Score:
    """One model at one horizon over every series-origin pair."""

    n: int
    male: float
    bias: float
    coverage_50: float
    coverage_80: float
    coverage_95: float
    coverage_80_randomized: float
    interval_score: float
    crps: float
    pit_deciles: tuple[float, ...]


@dataclass(frozen=True)
class StepCount:
    """The jump model's expected price steps against the actual ones.

    Sums over every series-origin pair at one horizon of the steps in the
    months after the origin up to the horizon: expected is the mean over
    the pair's paths, realised is counted in the price sheets.
    """

    n: int
    expected_down: float
    realised_down: int
    expected_up: float
    realised_up: int


@dataclass(frozen=True)
class Backtest:
    """Scores by model and horizon, with what each model's fits reported."""

    scores: Mapping[str, Mapping[int, Score]]
    logs: Mapping[str, FitLog]
    origins: tuple[str, ...]
    series: int
    data_end: str
    steps: Mapping[int, StepCount]
    hazard_decay: float

    @property
    def chosen(self) -> str:
        """The model tcosim uses for price paths."""
        return CHOSEN


def run_backtest(catalog: Catalog, hazard_decay: float = 0.0) -> Backtest:
    """Backtest every model on the catalog's history (cached per data).

    ``hazard_decay`` (per year) is the jump model's optional slowdown, as a
    scenario's ``[scenario.forecast] hazard_decay`` sets it; the baselines
    do not read it.
    """
    key = (catalog.sha256, hazard_decay)
    if key not in _RESULTS:
        _RESULTS[key] = _run(build_history(catalog, default_mix()), hazard_decay)
    return _RESULTS[key]


_RESULTS: dict[tuple[str, float], Backtest] = {}


def acceptance(result: Backtest) -> dict[str, object]:
    """Whether the chosen model meets the bar the issue sets.

    Its 80% intervals must cover 70-90% of actuals over at least 30 pairs
    at 12 months, with an interval score no worse than the random walk's.
    """
    mine = result.scores[CHOSEN][ACCEPT_HORIZON]
    walk = result.scores["rw_drift"][ACCEPT_HORIZON]
    low, high = ACCEPT_COVERAGE_80
    checks = {
        "pairs": mine.n >= ACCEPT_MIN_PAIRS,
        "coverage_80": low <= mine.coverage_80 <= high,
        "interval_score_vs_rw_drift": mine.interval_score <= walk.interval_score,
    }
    return {"horizon": ACCEPT_HORIZON, "passed": all(checks.values()), **checks}


def origins_of(history: PriceHistory) -> list[int]:
    """Origin months, every :data:`ORIGIN_STEP` back from the latest."""
    last = len(history.months) - 1 - min(HORIZONS)
    return sorted(range(last, MIN_HISTORY - 2, -ORIGIN_STEP))


# --- running -------------------------------------------------------------------

Pairs = dict[str, dict[int, list[tuple[float, FloatArray]]]]
# Per horizon: (expected down, realised down, expected up, realised up) a pair.
Counts = dict[int, list[tuple[float, int, float, int]]]


def _run(history: PriceHistory, hazard_decay: float) -> Backtest:
    began = time.perf_counter()
    pairs: Pairs = {m: {h: [] for h in HORIZONS} for m in MODELS}
    counts: Counts = {h: [] for h in HORIZONS}
    logs = {m: FitLog() for m in MODELS}
    origins = origins_of(history)
    used: set[str] = set()
    for origin in origins:
        used |= _forecast_origin(history, origin, hazard_decay, pairs, counts, logs)
    log.info(
        "backtest: %d origins, %d series in %.1f s",
        len(origins),
        len(used),
        time.perf_counter() - began,
    )
    scores = {m: {h: _score(pairs[m][h]) for h in HORIZONS} for m in MODELS}
    labels = tuple(f"{history.months[o]:%Y-%m}" for o in origins)
    steps = {h: _count(counts[h]) for h in HORIZONS}
    end = f"{history.data_end:%Y-%m}"
    return Backtest(scores, logs, labels, len(used), end, steps, hazard_decay)


def _count(pairs: Sequence[tuple[float, int, float, int]]) -> StepCount:
    e_down, r_down, e_up, r_up = (sum(p[k] for p in pairs) for k in range(4))
    return StepCount(len(pairs), float(e_down), int(r_down), float(e_up), int(r_up))


def _forecast_origin(
    history: PriceHistory,
    origin: int,
    hazard_decay: float,
    pairs: Pairs,
    counts: Counts,
    logs: dict[str, FitLog],
) -> set[str]:
    """Fit every model as known at ``origin`` and file its forecasts."""
    known = history.until(origin)
    jump = _JumpAtOrigin(known, hazard_decay)
    logs[CHOSEN].fits += 1
    used = set()
    for key, series in known.classes.items():
        y = np.log(series.usd)
        if np.isfinite(y).sum() < MIN_HISTORY or not np.isfinite(y[-1]):
            continue
        actual = np.log(history.classes[key].usd)
        horizons = [h for h in HORIZONS if origin + h < actual.size]
        if not horizons:
            continue
        used.add(key)
        start = int(np.argmax(np.isfinite(y)))
        quantiles, expected = jump(key, horizons, y[-1])
        forecasts = {CHOSEN: quantiles}
        seen = history.classes[key].steps()
        for h in horizons:
            ahead = [s.log_change for s in seen if origin < s.month <= origin + h]
            down = sum(change < 0 for change in ahead)
            e_down, e_up = expected[h]
            counts[h].append((e_down, down, e_up, len(ahead) - down))
        for name, baseline in BASELINES.items():
            forecasts[name] = baseline(
                y[start:], known.months[start], horizons, logs[name]
            )
        for name, quantiles in forecasts.items():
            for h in horizons:
                pairs[name][h].append((float(actual[origin + h]), quantiles[h]))
    return used


class _JumpAtOrigin:
    """The jump model fitted at one origin, forecasting any of its series."""

    def __init__(self, known: PriceHistory, hazard_decay: float = 0.0) -> None:
        self.fit = fit_market(known)
        self.market = draw_market(self.fit, SEED, SAMPLES, max(HORIZONS), hazard_decay)
        self.origin = f"{known.data_end:%Y-%m}"

    def __call__(
        self, key: str, horizons: Sequence[int], last: float
    ) -> tuple[Quantiles, dict[int, tuple[float, float]]]:
        """Quantiles of the log price and the mean (down, up) steps by horizon."""
        series = self.fit.history.classes[key]
        jump, level = self.fit.level(pinned=False)
        rng = rng_for(SEED, "backtest", key, self.origin)
        steps = simulate_steps(
            jump, level, series.provider, series.capability_class, self.market, rng
        )
        quantiles = {
            h: last + np.quantile(steps.log_change[:, h - 1], LEVELS) for h in horizons
        }
        downs = np.cumsum(steps.down_steps, axis=1).mean(axis=0)
        ups = np.cumsum(steps.steps - steps.down_steps, axis=1).mean(axis=0)
        expected = {h: (float(downs[h - 1]), float(ups[h - 1])) for h in horizons}
        return quantiles, expected


# --- scoring -------------------------------------------------------------------


def _score(pairs: Sequence[tuple[float, FloatArray]]) -> Score:
    if not pairs:
        nan = float("nan")
        return Score(0, nan, nan, nan, nan, nan, nan, nan, nan, (nan,) * 10)
    y = np.asarray([p[0] for p in pairs])
    q = np.stack([p[1] for p in pairs])
    median = q[:, _at(0.5)]
    cover = {
        level: float(np.mean((q[:, _at(lo)] <= y) & (y <= q[:, _at(hi)])))
        for level, (lo, hi) in INTERVALS.items()
    }
    return Score(
        n=y.size,
        male=float(np.mean(np.abs(median - y))),
        bias=float(np.mean(median - y)),
        coverage_50=cover[0.5],
        coverage_80=cover[0.8],
        coverage_95=cover[0.95],
        coverage_80_randomized=float(np.mean(_randomized_cover(q, y, 0.8))),
        interval_score=float(np.mean(_winkler(q, y, 0.8))),
        crps=float(np.mean(_crps(q, y))),
        pit_deciles=tuple(float(v) for v in _pit_histogram(q, y, 10)),
    )


def _winkler(q: FloatArray, y: FloatArray, level: float) -> FloatArray:
    lo, hi = INTERVALS[level]
    lower, upper = q[:, _at(lo)], q[:, _at(hi)]
    alpha = 1.0 - level
    miss = np.maximum(lower - y, 0.0) + np.maximum(y - upper, 0.0)
    return np.asarray(upper - lower + 2.0 / alpha * miss)


def _randomized_cover(q: FloatArray, y: FloatArray, level: float) -> FloatArray:
    """Expected share of a randomised PIT inside the central interval.

    The PIT of an actual is uniform on ``[F(y-), F(y)]``, read off the
    evenly spaced quantiles; a continuous forecast gives a single point.
    """
    lo, hi = INTERVALS[level]
    below, upto = _pit_range(q, y)
    width = upto - below
    inside = np.clip(upto, lo, hi) - np.clip(below, lo, hi)
    point = ((below >= lo) & (below <= hi)).astype(np.float64)
    share = np.divide(inside, width, out=point, where=width > 0)
    return np.asarray(share)


def _pit_histogram(q: FloatArray, y: FloatArray, bins: int) -> FloatArray:
    """Share of randomised PITs in each of ``bins`` equal bins of [0, 1].

    Each actual's PIT is uniform on ``[F(y-), F(y)]`` (a point where the
    forecast is continuous at ``y``) and spreads over the bins it crosses.
    """
    below, upto = _pit_range(q, y)
    edges = np.linspace(0.0, 1.0, bins + 1)
    lo = np.clip(below[:, None], edges[None, :-1], edges[None, 1:])
    hi = np.clip(upto[:, None], edges[None, :-1], edges[None, 1:])
    width = (upto - below)[:, None]
    # A point PIT falls in the bin holding it; 1.0 belongs to the last bin.
    index = np.minimum((below * bins).astype(np.int64), bins - 1)
    point = (np.arange(bins)[None, :] == index[:, None]).astype(np.float64)
    share = np.divide(hi - lo, width, out=point, where=width > 0)
    return np.asarray(share.mean(axis=0))


def _pit_range(q: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``F(y-)`` and ``F(y)`` of each actual, read off the quantile grid."""
    grid = q[:, [_at(t) for t in CRPS_LEVELS]]
    below = (grid < y[:, None]).mean(axis=1)
    upto = (grid <= y[:, None]).mean(axis=1)
    return np.asarray(below), np.asarray(upto)


def _crps(q: FloatArray, y: FloatArray) -> FloatArray:
    """CRPS as twice the mean pinball loss over evenly spaced quantiles."""
    taus = np.asarray(CRPS_LEVELS)
    index = [_at(t) for t in CRPS_LEVELS]
    u = y[:, None] - q[:, index]
    pinball = u * (taus[None, :] - (u < 0))
    return np.asarray(2.0 * pinball.mean(axis=1))


def _at(level: float) -> int:
    return int(np.argmin(np.abs(LEVELS - level)))

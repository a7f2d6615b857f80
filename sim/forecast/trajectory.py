"""Price paths per candidate, and factor 11 (pricing trajectory) from them.

Each candidate gets a multiplier ``m[p, t]`` on the deterministic monthly
prices billing builds from the dated regimes. ``m`` is 1 up to the last
month of data and then moves by the simulated steps of the series the
candidate follows:

* ``track`` (the default): the provider's class index, i.e. the candidate
  moves to the provider's cheapest current model of its class whenever
  the index steps; a share of steps (as in the history) is a move to
  another model, which costs the scenario's ``migration_usd``;
* ``pin``: the candidate's model alone, i.e. only the provider's list
  price changes on that model.

Factor 11 compares the candidate's annualised log price change over the
next :data:`HORIZON_MONTHS` months with the market's::

    g = (12 / 24) log(price[24] / price[0])          per path
    a = median(g) + 0.5 (P80(g) - median(g))         risk-adjusted
    relative = a - median over providers of the class of their own a
    score = clip(3 - relative / ln 1.5, 1, 5)

Each 1.5x a year faster (risk-adjusted) decline than the median provider
is worth one point. A candidate whose provider shows fewer than
:data:`LOW_EVIDENCE_STEPS` steps of its own is flagged "low evidence":
its score then rests mostly on the pooled market.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np

from sim.catalog import Catalog
from sim.demand import rng_for
from sim.forecast.index import (
    FloatArray,
    PriceHistory,
    PriceSeries,
    build_history,
    months_between,
    scenario_mix,
)
from sim.forecast.market import MarketFit, fit_market
from sim.forecast.paths import MarketDraws, draw_market, simulate_steps
from sim.scenario import Candidate, Scenario

HORIZON_MONTHS = 24
RISK_WEIGHT = 0.5  # how far the median is pushed toward the 80th percentile
POINT_LOG = math.log(1.5)  # one score point per 1.5x a year
LOW_EVIDENCE_STEPS = 3


@dataclass(frozen=True)
class PricingTrajectory:
    """Factor 11 for one candidate; rates are annual natural-log changes.

    ``score_p10``/``score_p90`` are percentiles of the score across paths
    (a path's own ``g`` in place of the risk-adjusted rate).
    """

    score: float
    score_p10: float
    score_p90: float
    annual_log_change: float
    risk_adjusted_log_change: float
    market_log_change: float
    relative: float
    low_evidence: bool
    own_steps: int
    price_model: str


@dataclass(frozen=True)
class CandidatePrices:
    """One candidate's price paths over the scenario and the score window.

    Attributes:
        multiplier: (paths, months) on the deterministic prices; 1 until
            the data run out.
        migrations: (paths, months) moves to another model per month.
        price_usd: (paths, window) cost of one request of the scenario mix,
            deterministic prices times ``multiplier``, over
            ``max(months, 25)`` months.
        followed: the series whose steps the candidate takes.
        own_model: the candidate's model's own price history.
    """

    multiplier: FloatArray
    migrations: FloatArray
    price_usd: FloatArray
    trajectory: PricingTrajectory
    followed: PriceSeries
    own_model: PriceSeries


@dataclass(frozen=True)
class PriceForecast:
    """The forecast behind a run: per-candidate paths and the fit's notes."""

    candidates: Mapping[str, CandidatePrices]
    history: PriceHistory
    diagnostics: tuple[str, ...]
    hazard_decay: float

    @property
    def data_end(self) -> date:
        """The last month of price data."""
        return self.history.data_end


def score_window(months: int) -> int:
    """Months of prices a run needs: its horizon and the score's 24 ahead."""
    return max(months, HORIZON_MONTHS + 1)


def forecast_prices(
    scenario: Scenario, catalog: Catalog, unit_usd: Mapping[str, FloatArray]
) -> PriceForecast:
    """Price paths and factor 11 for every candidate of ``scenario``.

    Args:
        unit_usd: per candidate, the deterministic cost of one request of
            its workloads in each month of :func:`score_window`, USD.
    """
    history = build_history(catalog, scenario_mix(scenario))
    fit = fit_market(history)
    offsets = _offsets(scenario, history.data_end)
    ahead = np.maximum(offsets, 0)
    market = draw_market(
        fit, scenario.seed, scenario.paths, int(ahead.max()), scenario.hazard_decay
    )
    window = _Window(scenario, fit, market, offsets)
    out = {
        cand.name: _candidate_prices(cand, window, unit_usd[cand.name])
        for cand in scenario.candidates
    }
    return PriceForecast(out, history, fit.diagnostics, scenario.hazard_decay)


def series_rng(seed: int, key: str, pinned: bool) -> np.random.Generator:
    """The draws of one followed series, keyed by seed, level and series.

    Keyed by the series, not the candidate: two candidates on the same
    model (say, list and negotiated prices) face the same future list
    prices, and a provider's class index moves the same way whether a
    candidate tracks it or the market median reads it.
    """
    return rng_for(seed, "prices", "model" if pinned else "class", key)


def history_key(cand: Candidate, pinned: bool) -> str:
    """Key of the series a candidate follows in the price history."""
    if pinned:
        return cand.model.key
    return f"{cand.provider}/{cand.model.capability_class}"


def risk_adjusted(rates: FloatArray) -> float:
    """Median pushed :data:`RISK_WEIGHT` of the way to the 80th percentile."""
    median, p80 = np.quantile(rates, [0.5, 0.8])
    return float(median + RISK_WEIGHT * (p80 - median))


def trajectory_score(relative: float | FloatArray) -> FloatArray:
    """``clip(3 - relative / ln 1.5, 1, 5)``, elementwise."""
    return np.asarray(np.clip(3.0 - np.asarray(relative) / POINT_LOG, 1.0, 5.0))


def annual_rates(log_price: FloatArray) -> FloatArray:
    """Annualised log change from month 0 to :data:`HORIZON_MONTHS`."""
    span = log_price[:, HORIZON_MONTHS] - log_price[:, 0]
    return np.asarray(span * 12.0 / HORIZON_MONTHS)


def score_trajectory(
    price: FloatArray, market: float, own_steps: int, price_model: str
) -> PricingTrajectory:
    """Factor 11 from price paths (paths, >= 25 months) and the market rate.

    Args:
        price: price of one request on each path, month 0 on.
        market: the median provider's risk-adjusted annual log change.
        own_steps: steps in the provider's own history.
    """
    g = annual_rates(np.log(price))
    adjusted = risk_adjusted(g)
    relative = adjusted - market
    per_path = trajectory_score(g - market)
    low, high = np.quantile(per_path, [0.1, 0.9])
    return PricingTrajectory(
        score=float(trajectory_score(relative)),
        score_p10=float(low),
        score_p90=float(high),
        annual_log_change=float(np.median(g)),
        risk_adjusted_log_change=adjusted,
        market_log_change=market,
        relative=relative,
        low_evidence=own_steps < LOW_EVIDENCE_STEPS,
        own_steps=own_steps,
        price_model=price_model,
    )


# --- per candidate ---------------------------------------------------------------


def _offsets(scenario: Scenario, data_end: date) -> np.ndarray:
    """Months from the last month of data to each month of the window."""
    window = range(score_window(scenario.months))
    offsets = [months_between(data_end, scenario.month_start(t)) for t in window]
    return np.asarray(offsets, dtype=np.int64)


def _candidate_prices(
    cand: Candidate, window: _Window, unit_usd: FloatArray
) -> CandidatePrices:
    pinned = cand.price_model == "pin"
    jump, _ = window.fit.level(pinned)
    key = history_key(cand, pinned)
    log_m, moves = window.follow(
        key, cand.provider, cand.model.capability_class, pinned
    )
    price = unit_usd[None, :] * np.exp(log_m)
    own = (
        jump.steps_of_provider(cand.provider)
        if pinned
        else jump.steps_by_series.get(key, 0)
    )
    market = window.market(cand.model.capability_class)
    months = window.scenario.months
    history = window.fit.history
    return CandidatePrices(
        multiplier=np.exp(log_m[:, :months]),
        migrations=moves[:, :months],
        price_usd=price,
        trajectory=score_trajectory(price, market, own, cand.price_model),
        followed=(history.models if pinned else history.classes)[key],
        own_model=history.models[cand.model.key],
    )


def _on_window(log_change: FloatArray, ahead: np.ndarray) -> FloatArray:
    """Cumulative log change at each window month (0 before data end)."""
    start = np.zeros((log_change.shape[0], 1))
    full = np.concatenate([start, log_change], axis=1)
    return np.asarray(full[:, ahead])


def _per_window_month(moves: np.ndarray, ahead: np.ndarray) -> FloatArray:
    """Moves in each window month; those before the window's start drop."""
    out = np.zeros((moves.shape[0], ahead.size))
    for t, k in enumerate(ahead):
        # Month k ahead maps to one window month; earlier ones fall before
        # the scenario starts and cost nothing within it.
        if k >= 1 and (t == 0 or ahead[t - 1] != k):
            out[:, t] = moves[:, k - 1]
    return out


class _Window:
    """The months a run needs, and the paths of series followed in them.

    Paths are keyed by series, so a class index a candidate tracks and the
    same index read for the market median are one draw.
    """

    def __init__(
        self,
        scenario: Scenario,
        fit: MarketFit,
        market: MarketDraws,
        offsets: np.ndarray,
    ) -> None:
        self.scenario = scenario
        self.fit = fit
        self.draws = market
        self.offsets = offsets
        self.ahead = np.maximum(offsets, 0)
        self._markets: dict[str, float] = {}

    def follow(
        self, key: str, provider: str, capability_class: str, pinned: bool
    ) -> tuple[FloatArray, FloatArray]:
        """Log price multiplier and migrations of a series, per window month."""
        jump, level = self.fit.level(pinned)
        rng = series_rng(self.scenario.seed, key, pinned)
        steps = simulate_steps(jump, level, provider, capability_class, self.draws, rng)
        # Drawn after the steps, so the steps match every other reader's.
        share = 0.0 if pinned else jump.new_model_share
        moves = rng.binomial(steps.steps, share)
        return _on_window(steps.log_change, self.ahead), _per_window_month(
            moves, self.ahead
        )

    def market(self, capability_class: str) -> float:
        """Median over providers offering the class of their adjusted rate."""
        if capability_class not in self._markets:
            rates = [
                self._index_rate(series)
                for series in self.fit.history.classes.values()
                if series.capability_class == capability_class
                and np.isfinite(series.usd[-1])
            ]
            self._markets[capability_class] = float(np.median(rates))
        return self._markets[capability_class]

    def _index_rate(self, series: PriceSeries) -> float:
        """Risk-adjusted rate of one provider's class index."""
        log_m, _ = self.follow(
            series.key, series.provider, series.capability_class, pinned=False
        )
        known = _known_log_index(series, self.fit.history, self.offsets)
        return risk_adjusted(annual_rates(known[None, :] + log_m))


def _known_log_index(
    series: PriceSeries, history: PriceHistory, offsets: np.ndarray
) -> FloatArray:
    """Log of the index from the data at each window month.

    ``offsets`` are months from the last month of data (negative before
    it). Months after the data hold the last value, and the simulated steps
    go on top; months before the series began hold its first value.
    """
    logs = np.log(series.usd)
    first = int(np.argmax(np.isfinite(logs)))
    end = len(history.months) - 1
    position = np.clip(end + np.minimum(offsets, 0), first, end)
    return np.asarray(logs[position])

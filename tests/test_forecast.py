"""The price forecast: index, jump model, shock, paths and factor 11.

Synthetic histories are generated from known hazards, step sizes and shock
parameters, so every fit can be checked against the truth it came from.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace
from datetime import date
from types import MappingProxyType

import numpy as np
import pytest

from sim.catalog import Catalog
from sim.forecast.backtest import _JumpAtOrigin
from sim.forecast.baselines import FitLog, rw_drift
from sim.forecast.frontier import class_market, record_trend
from sim.forecast.index import (
    PriceHistory,
    PriceSeries,
    add_months,
    build_history,
    data_end,
    default_mix,
)
from sim.forecast.jump import build_panel, fit_jump
from sim.forecast.market import fit_market
from sim.forecast.paths import draw_market, draw_sizes
from sim.forecast.shock import PI_GRID, Q_GRID, fit_shock, provider_months
from sim.forecast.trajectory import (
    POINT_LOG,
    risk_adjusted,
    score_trajectory,
    trajectory_score,
)

Z95 = 1.959963984540054


def synthetic_series(
    rng: np.random.Generator,
    n: int,
    months: int,
    h_down: float,
    h_up: float,
    shock: tuple[float, float] = (0.0, 0.0),
) -> dict[str, PriceSeries]:
    """Series with known hazards; sizes N(-0.5, 0.15) down, N(0.4, 0.1) up.

    ``shock`` is (q, pi): in a shock month each series also cuts with
    probability pi.
    """
    q, pi = shock
    strikes = rng.random(months) < q
    out = {}
    for i in range(n):
        down = (rng.random(months) < h_down) | (strikes & (rng.random(months) < pi))
        up = rng.random(months) < h_up
        down[0] = up[0] = False
        change = down * np.minimum(rng.normal(-0.5, 0.15, months), -0.01)
        change += up * np.maximum(rng.normal(0.4, 0.1, months), 0.01)
        usd = np.exp(np.cumsum(change))
        models = tuple(f"m{k}" for k in np.cumsum(down | up))
        key = f"p{i:02d}/mid"
        out[key] = PriceSeries(key, f"p{i:02d}", "mid", usd, models)
    return out


def inside(truth: float, mean: float, sd: float) -> bool:
    return mean - Z95 * sd <= truth <= mean + Z95 * sd


# --- recovery of known parameters --------------------------------------------


def test_hazards_and_sizes_are_recovered_within_their_intervals() -> None:
    rng = np.random.default_rng(7)
    series = synthetic_series(rng, n=30, months=60, h_down=0.08, h_up=0.03)
    fit = fit_jump(build_panel(series, 60), "class")
    for hazard, truth in ((fit.down, 0.08), (fit.up, 0.03)):
        assert not hazard.fallback
        mean, sd = hazard.logit("p03", "mid")
        assert inside(math.log(truth / (1 - truth)), mean, sd), hazard.kind
    for sizes, truth in ((fit.down_sizes, -0.5), (fit.up_sizes, 0.4)):
        se = sizes.std(ddof=1) / math.sqrt(sizes.size)
        assert inside(truth, float(sizes.mean()), se)
    # Every step moved to a new model in this history.
    assert fit.new_model_share == 1.0


def test_a_provider_with_faster_cuts_is_told_apart_from_the_market() -> None:
    rng = np.random.default_rng(11)
    series = synthetic_series(rng, n=20, months=48, h_down=0.04, h_up=0.02)
    fast = synthetic_series(rng, n=1, months=48, h_down=0.25, h_up=0.02)
    series["fast/mid"] = replace(fast["p00/mid"], key="fast/mid", provider="fast")
    fit = fit_jump(build_panel(series, 48), "class")
    # A provider the panel never saw gets the pooled rate, not zero.
    pooled = fit.down.hazard("unseen", "mid")
    assert 0.02 < pooled < 0.08
    assert fit.down.hazard("fast", "mid") > 2 * pooled
    # Shrunk toward the market, yet the truth stays inside its interval.
    assert inside(math.log(0.25 / 0.75), *fit.down.logit("fast", "mid"))


def test_market_shock_is_recovered_within_its_credible_interval() -> None:
    rng = np.random.default_rng(3)
    series = synthetic_series(
        rng, n=12, months=96, h_down=0.02, h_up=0.01, shock=(0.2, 0.5)
    )
    panel = build_panel(series, 96)
    shock = fit_shock(provider_months(panel, fit_jump(panel, "class")))
    q = shock.classes.sum(axis=(1, 2))
    pi = shock.classes.sum(axis=(0, 2))
    for grid, marginal, truth in ((Q_GRID, q, 0.2), (PI_GRID, pi, 0.5)):
        cdf = np.cumsum(marginal)
        low, high = grid[np.searchsorted(cdf, [0.025, 0.975])]
        assert low <= truth <= high


def test_shock_participation_is_per_series_for_multi_series_providers() -> None:
    """Three series a provider, each joining a shock with 0.35: the fit gives
    0.35, not the 1 - 0.65^3 = 0.73 at which a provider cuts in a shock."""
    rng = np.random.default_rng(13)
    raw = synthetic_series(
        rng, n=30, months=96, h_down=0.02, h_up=0.01, shock=(0.2, 0.35)
    )
    classes = ("small", "mid", "frontier")
    series = {}
    for i, one in enumerate(raw.values()):
        provider, cls = f"p{i // 3:02d}", classes[i % 3]
        key = f"{provider}/{cls}"
        series[key] = replace(one, key=key, provider=provider, capability_class=cls)
    panel = build_panel(series, 96)
    shock = fit_shock(provider_months(panel, fit_jump(panel, "class")))
    pi = shock.classes.sum(axis=(0, 2))
    low, high = PI_GRID[np.searchsorted(np.cumsum(pi), [0.025, 0.975])]
    assert low <= 0.35 <= high
    assert high < 1 - 0.65**3


def test_no_shock_in_independent_cuts() -> None:
    rng = np.random.default_rng(5)
    series = synthetic_series(rng, n=12, months=96, h_down=0.05, h_up=0.01)
    panel = build_panel(series, 96)
    shock = fit_shock(provider_months(panel, fit_jump(panel, "class")))
    assert shock.q_mean * shock.pi_mean(0) < 0.03


# --- no leak from the future -------------------------------------------------


def altered_future(history: PriceHistory, origin: int) -> PriceHistory:
    """The same history with every value after ``origin`` scrambled."""
    rng = np.random.default_rng(0)

    def scramble(series: PriceSeries) -> PriceSeries:
        usd = series.usd.copy()
        usd[origin + 1 :] *= np.exp(rng.normal(0, 1, usd.size - origin - 1))
        return replace(series, usd=usd)

    classes = {k: scramble(s) for k, s in history.classes.items()}
    models = {k: scramble(s) for k, s in history.models.items()}
    # A different source, so that no cache can hand back the original fit.
    return replace(
        history,
        classes=MappingProxyType(classes),
        models=MappingProxyType(models),
        source="altered",
    )


def test_fitting_at_an_origin_uses_nothing_after_it(catalog: Catalog) -> None:
    history = build_history(catalog, default_mix())
    origin = 30
    known = history.until(origin)
    assert known.data_end == history.months[origin]
    assert all(s.usd.size == origin + 1 for s in known.classes.values())

    other = altered_future(history, origin).until(origin)
    first, second = fit_market(known), fit_market(other)
    assert first is not second
    for a, b in ((first.classes, second.classes), (first.models, second.models)):
        np.testing.assert_array_equal(a.down.params, b.down.params)
        np.testing.assert_array_equal(a.up.params, b.up.params)
        np.testing.assert_array_equal(a.down_sizes, b.down_sizes)
    np.testing.assert_array_equal(first.shock.classes, second.shock.classes)
    np.testing.assert_array_equal(first.shock.models, second.shock.models)

    a, b = _JumpAtOrigin(known), _JumpAtOrigin(other)
    key = "openai/small"
    last = float(np.log(known.classes[key].usd[-1]))
    (q_a, steps_a), (q_b, steps_b) = a(key, [6, 12], last), b(key, [6, 12], last)
    assert steps_a == steps_b
    for h, quantiles in q_a.items():
        np.testing.assert_array_equal(quantiles, q_b[h])


def test_the_grid_ends_at_the_latest_effective_from(catalog: Catalog) -> None:
    history = build_history(catalog, default_mix())
    latest = max(
        r.effective_from
        for sheet in catalog.sheets.values()
        for model in sheet.models.values()
        for r in model.regimes
    )
    assert history.data_end == data_end(catalog) == latest.replace(day=1)
    assert history.months[1] == add_months(history.months[0], 1)


# --- the index ---------------------------------------------------------------


def test_class_index_is_the_cheapest_current_model(catalog: Catalog) -> None:
    history = build_history(catalog, default_mix())
    index = history.class_index("openai", "small")
    t = history.months.index(date(2024, 9, 1))
    # gpt-4o-mini at 0.15 / 0.60: 2,400 x 0.15 + 400 x 0.60 = 600 USD per
    # million requests, below gpt-3.5-turbo-0125 at 0.50 / 1.50.
    assert index.models[t] == "gpt-4o-mini-2024-07-18"
    assert index.usd[t] == pytest.approx((2_400 * 0.15 + 400 * 0.60) / 1e6)


def test_a_successor_priced_higher_is_an_up_step(catalog: Catalog) -> None:
    index = build_history(catalog, default_mix()).class_index("anthropic", "small")
    ups = [s for s in index.steps() if s.log_change > 0 and s.new_model]
    # Claude 3.5 Haiku (0.80-1.00 / 4-5) replaced Claude 3 Haiku (0.25 / 1.25).
    assert ups
    assert ups[0].log_change == pytest.approx(math.log((2_400 + 400 * 5) / 1_100))


# --- paths -------------------------------------------------------------------


def test_market_draws_depend_on_the_seed_alone(catalog: Catalog) -> None:
    fit = fit_market(build_history(catalog, default_mix()))
    one, two = draw_market(fit, 9, 200, 24), draw_market(fit, 9, 200, 24)
    np.testing.assert_array_equal(one.shock, two.shock)
    np.testing.assert_array_equal(one.pi, two.pi)
    assert not np.array_equal(one.shock, draw_market(fit, 10, 200, 24).shock)


def test_hazard_decay_thins_the_shocks(catalog: Catalog) -> None:
    fit = fit_market(build_history(catalog, default_mix()))
    flat = draw_market(fit, 1, 2_000, 36)
    fading = draw_market(fit, 1, 2_000, 36, hazard_decay=1.0)
    assert fading.shock[:, 24:].mean() < 0.5 * flat.shock[:, 24:].mean()
    assert fading.decay[11] == pytest.approx(math.exp(-1.0))


def test_step_sizes_come_from_the_pool() -> None:
    pool = np.asarray([-1.0, -0.5, -0.2])
    sizes = draw_sizes(pool, np.random.default_rng(0), 500, 12)
    assert set(np.unique(sizes)) <= set(pool)
    assert draw_sizes(np.asarray([]), np.random.default_rng(0), 3, 2).sum() == 0


# --- factor 11 ---------------------------------------------------------------


def test_factor_11_worked_by_hand() -> None:
    # Five paths whose price moves by g x 2 over 24 months: annual rates g.
    g = np.asarray([-1.0, -0.5, 0.0, 0.5, 1.0])
    months = np.arange(25) / 24.0
    price = 2.0 * np.exp(2.0 * g[:, None] * months[None, :])
    result = score_trajectory(price, market=-0.2, own_steps=2, price_model="track")
    # Median 0; P80 by linear interpolation at position 3.2: 0.5 + 0.2 x 0.5
    # = 0.6; risk-adjusted 0 + 0.5 x (0.6 - 0) = 0.3; relative 0.3 + 0.2 =
    # 0.5; score 3 - 0.5 / ln 1.5 = 1.7668.
    assert result.annual_log_change == pytest.approx(0.0)
    assert result.risk_adjusted_log_change == pytest.approx(0.3)
    assert result.relative == pytest.approx(0.5)
    assert result.score == pytest.approx(3 - 0.5 / math.log(1.5))
    assert result.score == pytest.approx(1.7668, abs=1e-4)
    assert result.low_evidence  # two own steps, fewer than three
    assert risk_adjusted(g) == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("relative", "score"),
    [(0.0, 3.0), (-POINT_LOG, 4.0), (POINT_LOG, 2.0), (-5.0, 5.0), (5.0, 1.0)],
)
def test_one_point_per_1_5x_a_year(relative: float, score: float) -> None:
    assert float(trajectory_score(relative)) == pytest.approx(score)


def test_rw_drift_widens_with_the_horizon() -> None:
    y = np.log(np.asarray([4.0, 4.0, 2.0, 2.0, 2.0, 1.0]))
    quantiles = rw_drift(y, date(2024, 1, 1), [6, 12], FitLog())
    assert np.ptp(quantiles[12]) > np.ptp(quantiles[6])
    assert np.median(quantiles[12]) == pytest.approx(y[-1] + 12 * np.diff(y).mean())


# --- the market at constant class ------------------------------------------------


def test_record_trend_fits_the_record_lows_only() -> None:
    # Records at months 0, 2 and 4 (halving every two months); the repeats
    # and the gap are no records.
    y = np.log(np.asarray([8.0, 8.0, 4.0, np.nan, 2.0, 3.0]))
    records, rate, (low, high) = record_trend(y)
    assert records == 3
    assert rate == pytest.approx(12 * math.log(0.5) / 2)
    assert low == pytest.approx(rate) and high == pytest.approx(rate)
    assert math.isnan(record_trend(np.log(np.asarray([2.0, 1.0, 1.0])))[1])


def test_class_market_reads_every_provider_of_the_class(catalog: Catalog) -> None:
    history = build_history(catalog, default_mix())
    keys = [k for k, s in history.classes.items() if s.capability_class == "mid"]
    # No provider moves: the cheapest stays the cheapest, at rate 0.
    still = {k: np.zeros((10, 24)) for k in keys}
    market = class_market(history, "mid", still)
    assert market.providers == len(keys)
    assert market.median_provider_rate == 0.0
    np.testing.assert_array_equal(market.frontier_rates, 0.0)
    # The sheets' record lows fall faster than 5x a year in the mid class.
    assert market.records >= 3 and market.history_rate < math.log(1 / 5)


# --- fits that fail ----------------------------------------------------------------


def test_a_fit_that_does_not_converge_falls_back_to_the_pooled_rate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    fit_regularized = GLM.fit_regularized

    def failing(self: GLM, *args: object, **kwargs: object) -> object:
        result = fit_regularized(self, *args, **kwargs)
        message = "GLM ridge optimization may have failed"
        warnings.warn(message, ConvergenceWarning, stacklevel=2)
        return result

    monkeypatch.setattr(GLM, "fit_regularized", failing)
    series = synthetic_series(np.random.default_rng(2), 10, 36, 0.1, 0.05)
    fit = fit_jump(build_panel(series, 36), "class")
    for hazard in (fit.down, fit.up):
        assert hazard.fallback
        assert not hazard.params.any()
        pooled = (hazard.events + 0.5) / (hazard.exposure + 1)
        assert hazard.hazard("p01", "mid") == pytest.approx(pooled)
    assert "class down-step hazard: fit failed; pooled rate used for every series" in (
        fit.diagnostics
    )
    assert (
        "class up-step hazard: ConvergenceWarning: GLM ridge optimization may "
        "have failed" in fit.diagnostics
    )

"""The rolling-origin backtest: scoring rules by hand, and the real table.

The acceptance bar comes from the issue: the chosen model's 80% intervals
cover 70-90% of actual prices over at least 30 series-origin pairs at 12
months, with an interval score no worse than the random walk with drift.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from sim.catalog import Catalog
from sim.forecast.backtest import (
    CHOSEN,
    HORIZONS,
    MODELS,
    Backtest,
    Score,
    _JumpAtOrigin,
    _score,
    acceptance,
    origins_of,
    run_backtest,
)
from sim.forecast.baselines import LEVELS, FitLog, ets, llt, ols_records
from sim.forecast.index import build_history, default_mix


@pytest.fixture(scope="module")
def backtest(catalog: Catalog) -> Backtest:
    return run_backtest(catalog)


def at_12(backtest: Backtest, model: str) -> Score:
    return backtest.scores[model][12]


# --- the real history ------------------------------------------------------------


def test_every_model_is_scored_on_the_same_pairs(backtest: Backtest) -> None:
    for h in HORIZONS:
        assert len({backtest.scores[m][h].n for m in MODELS}) == 1
    assert at_12(backtest, CHOSEN).n >= 30


def test_chosen_model_beats_the_random_walk_on_interval_score(
    backtest: Backtest,
) -> None:
    mine, walk = at_12(backtest, CHOSEN), at_12(backtest, "rw_drift")
    assert mine.interval_score <= walk.interval_score
    assert mine.crps <= walk.crps
    assert mine.male <= walk.male


@pytest.mark.xfail(
    strict=True,
    reason="0.91 on the bundled history: the intervals are wide on the calm "
    "2025-26 windows, for the reasons given with the plain-coverage test below "
    "(README: Backtest).",
)
def test_chosen_model_is_calibrated_by_randomised_pit(backtest: Backtest) -> None:
    assert 0.70 <= at_12(backtest, CHOSEN).coverage_80_randomized <= 0.90


@pytest.mark.xfail(
    strict=True,
    reason="0.94 on the bundled history: the 2025-26 windows were calmer than "
    "any fit on earlier data expects (47 down steps of class indices where the "
    "jump model expected 105 at 12 months; no actual in the lowest fifth of "
    "its forecast), and half the pairs did not move at all, which any "
    "forecast with a real chance of no change covers. Without parameter "
    "uncertainty, without the shock, with a calendar trend or per-provider "
    "step sizes it stays at 0.91-0.97; only a hazard decay of about 2 a year, "
    "picked on these very pairs, brings it under 0.90. Reported, not tuned "
    "away (README: Backtest).",
)
def test_chosen_model_plain_coverage_within_70_to_90_percent(
    backtest: Backtest,
) -> None:
    assert 0.70 <= at_12(backtest, CHOSEN).coverage_80 <= 0.90


def test_acceptance_reports_each_check(backtest: Backtest) -> None:
    verdict = acceptance(backtest)
    assert verdict["pairs"] is True
    assert verdict["interval_score_vs_rw_drift"] is True
    assert verdict["passed"] == all(
        verdict[k] for k in ("pairs", "coverage_80", "interval_score_vs_rw_drift")
    )


def test_origins_leave_a_year_of_history_and_six_months_ahead(
    catalog: Catalog,
) -> None:
    history = build_history(catalog, default_mix())
    origins = origins_of(history)
    assert origins[-1] == len(history.months) - 1 - 6
    assert all(b - a == 3 for a, b in zip(origins, origins[1:], strict=False))
    assert origins[0] >= 11


# --- scoring rules ------------------------------------------------------------


def point(value: float) -> np.ndarray:
    return np.full(LEVELS.size, value)


def test_a_point_forecast_scores_its_absolute_error() -> None:
    score = _score([(1.0, point(0.5)), (0.0, point(0.5))])
    assert score.male == pytest.approx(0.5)
    assert score.bias == pytest.approx(0.0)
    assert score.crps == pytest.approx(0.5)
    # Width 0, both miss by 0.5: (2 / 0.2) x 0.5 = 5 each.
    assert score.interval_score == pytest.approx(5.0)
    assert score.coverage_80 == 0.0


def test_a_hit_on_a_point_mass_counts_by_its_share_inside() -> None:
    score = _score([(0.5, point(0.5))])
    assert score.coverage_80 == 1.0  # the plain count: inside
    # The randomised PIT is uniform on [0, 1]: 80% of it lies in [0.1, 0.9].
    assert score.coverage_80_randomized == pytest.approx(0.8)


def test_a_uniform_forecast_covers_by_its_quantiles() -> None:
    uniform = LEVELS.copy()  # quantiles of U(0, 1)
    pairs = [(y, uniform) for y in np.linspace(0.005, 0.995, 100)]
    score = _score(pairs)
    assert score.coverage_80 == pytest.approx(0.8)
    assert score.coverage_80_randomized == pytest.approx(0.8)
    assert score.interval_score == pytest.approx(0.8 + 10 * 2 * 0.1 * 0.05, abs=0.01)


def test_pit_deciles_of_a_uniform_forecast_are_flat() -> None:
    uniform = LEVELS.copy()
    pairs = [(y, uniform) for y in np.linspace(0.005, 0.995, 100)]
    assert _score(pairs).pit_deciles == pytest.approx((0.1,) * 10, abs=0.011)


def test_pit_deciles_place_points_and_spread_point_masses() -> None:
    # Below a point forecast: PIT 0, the first tenth. Above it: PIT 1, the
    # last. On it: uniform on [0, 1], a tenth in each.
    score = _score([(0.0, point(0.5)), (1.0, point(0.5)), (0.5, point(0.5))])
    expected = [(1.0 + 0.1) / 3] + [0.1 / 3] * 8 + [(1.0 + 0.1) / 3]
    assert score.pit_deciles == pytest.approx(expected)


def test_pit_deciles_of_a_point_mass_inside_a_forecast() -> None:
    # 30% below 0, 40% on 0, 30% above: an actual 0 spreads over PIT
    # [0.3, 0.7], 0.25 in each of the fourth to seventh tenths.
    q = np.where(LEVELS < 0.3, -1.0, np.where(LEVELS <= 0.7, 0.0, 1.0))
    shares = _score([(0.0, q)]).pit_deciles
    assert shares == pytest.approx([0, 0, 0, 0.25, 0.25, 0.25, 0.25, 0, 0, 0])


def test_step_counts_match_the_moves_in_the_price_sheets(
    catalog: Catalog, backtest: Backtest
) -> None:
    """Realised steps, counted again from the log index's month-on-month moves."""
    history = build_history(catalog, default_mix())
    origins = [
        next(i for i, m in enumerate(history.months) if f"{m:%Y-%m}" == label)
        for label in backtest.origins
    ]
    for h in HORIZONS:
        down = up = pairs = 0
        for origin in origins:
            for key, series in history.until(origin).classes.items():
                known = np.log(series.usd)
                full = np.log(history.classes[key].usd)
                if np.isfinite(known).sum() < 12 or not np.isfinite(known[-1]):
                    continue
                if origin + h >= full.size:
                    continue
                moves = np.diff(full[origin : origin + h + 1])
                pairs += 1
                down += int((moves < 0).sum())
                up += int((moves > 0).sum())
        count = backtest.steps[h]
        assert (count.n, count.realised_down, count.realised_up) == (pairs, down, up)
        assert pairs == backtest.scores[CHOSEN][h].n


def test_hazard_decay_thins_expected_cuts_and_leaves_rises(catalog: Catalog) -> None:
    history = build_history(catalog, default_mix())
    origin = origins_of(history)[-1]
    known = history.until(origin)
    key = "openai/mid"
    last = float(np.log(known.classes[key].usd[-1]))
    _, plain = _JumpAtOrigin(known)(key, HORIZONS, last)
    _, thinned = _JumpAtOrigin(known, 1.0)(key, HORIZONS, last)
    for h in HORIZONS:
        assert thinned[h][0] < plain[h][0]
        assert thinned[h][1] == plain[h][1]  # rises are not thinned


# --- baselines ---------------------------------------------------------------------


@pytest.mark.parametrize("baseline", [ets, llt])
def test_flat_series_fall_back_to_the_random_walk(baseline: object) -> None:
    log = FitLog()
    y = np.zeros(24)
    quantiles = baseline(y, date(2024, 1, 1), [6], log)  # type: ignore[operator]
    assert np.ptp(quantiles[6]) == 0.0
    assert log.fallbacks == {"no price change yet: zero variance": 1}


def test_record_trend_needs_three_records() -> None:
    log = FitLog()
    ols_records(np.log([4.0, 4.0, 2.0, 2.0]), date(2024, 1, 1), [6], log)
    assert log.fallbacks == {"fewer than 3 record prices": 1}
    log = FitLog()
    y = np.log([8.0, 4.0, 4.0, 2.0, 1.0])
    quantiles = ols_records(y, date(2024, 1, 1), [6], log)
    assert log.fits == 1
    # Records at months 0, 1, 3 and 4 (the second 4.0 is no record); their
    # line, 1.0397 - 0.4852 (t - 2), is at -2.842 in month 10.
    slope, intercept = np.polyfit([0, 1, 3, 4], y[[0, 1, 3, 4]], 1)
    assert float(np.median(quantiles[6])) == pytest.approx(intercept + slope * 10)
    assert intercept + slope * 10 == pytest.approx(-2.842, abs=1e-3)


def test_statsmodels_warnings_are_recorded_with_their_fallbacks(
    backtest: Backtest,
) -> None:
    llt = backtest.logs["llt"]
    warned = sum(n for text, n in llt.warnings.items() if "ConvergenceWarning" in text)
    assert warned == llt.fallbacks.get("fit did not converge", 0) > 0
    assert backtest.logs["rw_drift"].warnings == {}

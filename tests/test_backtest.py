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


def test_chosen_model_is_calibrated_by_randomised_pit(backtest: Backtest) -> None:
    assert 0.70 <= at_12(backtest, CHOSEN).coverage_80_randomized <= 0.90


@pytest.mark.xfail(
    strict=True,
    reason="about half the 12-month pairs are prices that did not move, which "
    "the jump model forecasts as a point mass at 'no change'; a calibrated "
    "forecast with a point mass covers more than its nominal 80% by a plain "
    "count (0.94 here; 0.90 by randomised PIT). Reported, not tuned away. "
    "Hazards that follow a slowing market (a half-life picked per origin by "
    "prequential likelihood, or a logit-linear calendar trend) cut the bias "
    "but widen the intervals further (0.94-0.97), because discounting old "
    "months widens the hazards' parameter uncertainty, the main source of "
    "the width; neither was kept.",
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

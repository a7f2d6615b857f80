"""NPV, budget quantiles and the cost score against hand-worked numbers."""

from __future__ import annotations

import numpy as np
import pytest

from sim.scoring import calc_cost_score, cost_score_of
from sim.stats import annual_budgets, discount_factors, npv


def test_npv_of_a_flat_year_matches_the_geometric_series() -> None:
    # 100 USD at each month end for 12 months at 10%/year effective:
    # sum_{t=1..12} 100 q^t with q = 1.1^(-1/12) = 100 q (1 - q^12) / (1 - q).
    q = 1.1 ** (-1 / 12)
    closed = 100 * q * (1 - q**12) / (1 - q)
    costs = np.full((1, 12), 100.0)
    assert npv(costs, 0.10)[0] == pytest.approx(closed, rel=1e-12)
    # About 12 x 100 x 1.1^(-6.5/12) = 1139.7 by the mean discount.
    assert closed == pytest.approx(1140.05, abs=0.01)


def test_month_zero_is_discounted_by_one_month() -> None:
    assert discount_factors(1, 0.2)[0] == pytest.approx(1.2 ** (-1 / 12))


def test_annual_quantiles_are_of_annual_sums_not_sums_of_monthly() -> None:
    # Two paths that trade places: each year totals 10 on both paths, while
    # the monthly 80th percentiles (8 and 8 by linear interpolation) sum to 16.
    costs = np.array([[10.0, 0.0], [0.0, 10.0]])
    (year,) = annual_budgets(costs, ["2027-01", "2027-02"])
    assert (year.p50_usd, year.p80_usd, year.p90_usd) == (10.0, 10.0, 10.0)
    assert year.contingency_usd == 0.0
    monthly_p80 = np.quantile(costs, 0.8, axis=0).sum()
    assert monthly_p80 == pytest.approx(16.0)


def test_short_last_year_counts_its_months() -> None:
    costs = np.ones((3, 30))
    years = annual_budgets(costs, [f"m{i}" for i in range(30)])
    assert [(y.year, y.months, y.first_month) for y in years] == [
        (1, 12, "m0"),
        (2, 12, "m12"),
        (3, 6, "m24"),
    ]
    assert years[2].p50_usd == 6.0


def test_contingency_on_a_known_spread() -> None:
    # Annual totals 1..10 across ten paths: linear-interpolated quantiles.
    costs = np.arange(1.0, 11.0)[:, None]
    (year,) = annual_budgets(costs, ["2027-01"])
    assert year.p50_usd == pytest.approx(5.5)
    assert year.p80_usd == pytest.approx(8.2)
    assert year.contingency_usd == pytest.approx(2.7)


@pytest.mark.parametrize(
    ("ratio", "score"),
    [(1.0, 4.0), (2.0, 3.0), (0.5, 5.0), (4.0, 2.0), (64.0, 1.0), (0.1, 5.0)],
)
def test_cost_score_formula(ratio: float, score: float) -> None:
    assert float(cost_score_of(ratio * 1000.0, 1000.0)) == pytest.approx(score)


def test_cost_score_summarises_paths_and_rejects_bad_anchor() -> None:
    tco = np.array([1000.0, 2000.0, 4000.0])
    result = calc_cost_score(tco, 1000.0)
    assert result.tco_mean_usd == pytest.approx(7000 / 3)
    assert result.score == pytest.approx(4 - np.log2(7 / 3))
    assert result.score_p90 > result.score_p10
    with pytest.raises(ValueError, match="anchor_usd must be positive, got 0"):
        calc_cost_score(tco, 0.0)

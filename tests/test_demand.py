"""Demand paths against volumes worked out by hand."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pytest

from sim.demand import growth_factors, simulate_requests, weekday_days
from sim.profiles import WEEKLY_PROFILES, normalise
from sim.scenario import Growth, TokenDist, Workload

FLAT_DAY = (1.0,) * 24
FLAT_WEEK = (1.0,) * 7


def workload(**changes: object) -> Workload:
    base = Workload(
        name="chat",
        requests_per_day=20_000,
        growth=Growth(),
        daily_profile=FLAT_DAY,
        weekly_profile=FLAT_WEEK,
        input_tokens=TokenDist(2400),
        output_tokens=TokenDist(400),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


class FakeScenario:
    """The three fields demand reads."""

    def __init__(self, months: int = 3, paths: int = 4, seed: int = 7) -> None:
        self.start = date(2027, 1, 1)
        self.months = months
        self.paths = paths
        self.seed = seed


def test_flat_volume_is_requests_per_day_times_calendar_days() -> None:
    requests = simulate_requests(workload(), FakeScenario())  # type: ignore[arg-type]
    # January 31, February 28 (2027 is not a leap year), March 31 days.
    expected = np.array([620_000.0, 560_000.0, 620_000.0])
    assert requests.shape == (4, 3)
    np.testing.assert_allclose(requests, np.tile(expected, (4, 1)), rtol=1e-12)


@pytest.mark.parametrize(
    ("growth", "month3"),
    [
        (Growth("linear", rate=0.05), 1.15),
        (Growth("exponential", rate=0.05), 1.05**3),
        # cap / (1 + (cap - 1) exp(-r t)) with cap 4, r 0.5, t 3
        (Growth("logistic", rate=0.5, cap=4.0), 4 / (1 + 3 * np.exp(-1.5))),
    ],
)
def test_growth_curves_at_month_three(growth: Growth, month3: float) -> None:
    factors = growth_factors(growth, 4, np.array([growth.rate]))
    assert factors[0, 0] == pytest.approx(1.0)
    assert factors[0, 3] == pytest.approx(month3, rel=1e-12)


def test_linear_decline_stops_at_zero() -> None:
    factors = growth_factors(Growth("linear", rate=-0.5), 4, np.array([-0.5]))
    assert factors[0].tolist() == [1.0, 0.5, 0.0, 0.0]


def test_weekly_profile_keeps_start_month_total() -> None:
    weekly = normalise(WEEKLY_PROFILES["weekdays"])
    wl = workload(weekly_profile=weekly)
    requests = simulate_requests(wl, FakeScenario(months=2))  # type: ignore[arg-type]
    # 2027-01-01 is a Friday: January has five Fridays, Saturdays, Sundays.
    mean = 5.45 / 7
    jan = 28 + (1.0 + 0.25 + 0.2) / mean
    feb = 28.0  # four of every weekday, weights of mean 1
    assert weekday_days(date(2027, 1, 1), 2, weekly) == pytest.approx([jan, feb])
    assert requests[0, 0] == pytest.approx(20_000 * 31)
    assert requests[0, 1] == pytest.approx(20_000 * 31 / jan * feb)


def test_growth_sd_is_drawn_once_per_path_and_seeded() -> None:
    wl = workload(growth=Growth("exponential", rate=0.02, sd=0.01))
    sc = FakeScenario(months=12, paths=4000)
    a = simulate_requests(wl, sc)  # type: ignore[arg-type]
    b = simulate_requests(wl, sc)  # type: ignore[arg-type]
    np.testing.assert_array_equal(a, b)
    # One rate per path: month-on-month ratios are constant along a path.
    days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    per_day = a / days[None, :]
    ratios = per_day[:, 1:] / per_day[:, :-1]
    np.testing.assert_allclose(ratios, ratios[:, :1] * np.ones((1, 11)), rtol=1e-9)
    rates = ratios[:, 0] - 1
    assert rates.mean() == pytest.approx(0.02, abs=4 * 0.01 / np.sqrt(4000))
    assert rates.std() == pytest.approx(0.01, rel=0.05)


def test_draws_do_not_depend_on_other_workloads_or_differ_by_seed() -> None:
    wl = workload(growth=Growth("linear", rate=0.02, sd=0.01))
    a = simulate_requests(wl, FakeScenario(seed=1))  # type: ignore[arg-type]
    b = simulate_requests(wl, FakeScenario(seed=2))  # type: ignore[arg-type]
    assert not np.array_equal(a, b)


def test_volume_noise_has_mean_one() -> None:
    wl = workload(volume_sd=0.2)
    scenario = FakeScenario(months=1, paths=20_000)
    requests = simulate_requests(wl, scenario)  # type: ignore[arg-type]
    noise = requests[:, 0] / 620_000
    assert noise.mean() == pytest.approx(1.0, abs=4 * 0.2 / np.sqrt(20_000))
    assert noise.std() == pytest.approx(0.2, rel=0.05)

"""Demand paths: monthly request volumes per workload and Monte Carlo path.

A workload's volume in month ``t`` (0 = start month) on path ``p`` is::

    requests[p, t] = r0 * weekday_days(t) * growth_p(t) * noise[p, t]

``weekday_days(t)`` sums the weekly profile (mean 1) over the days of the
month, so a flat profile gives the calendar days; ``r0`` is set so that the
start month holds exactly ``requests_per_day x days`` requests. The growth
rate is drawn once per path (``rate + sd x z``), which keeps each path
internally consistent; ``noise`` is optional month-to-month lognormal noise
with mean 1. With no growth, no sd and no noise, every path equals the
closed form and no randomness enters.
"""

from __future__ import annotations

import calendar
import zlib
from datetime import date

import numpy as np
import numpy.typing as npt

from sim.scenario import Growth, Scenario, Workload

FloatArray = npt.NDArray[np.float64]


def rng_for(seed: int, *names: str) -> np.random.Generator:
    """A generator keyed by the seed and stable names.

    Keying by name (not by position) keeps a workload's draws unchanged when
    other workloads are added to or removed from a scenario.
    """
    keys = [seed, *(zlib.crc32(n.encode()) for n in names)]
    return np.random.default_rng(keys)


def month_days(start: date, months: int) -> npt.NDArray[np.int64]:
    """Calendar days of each month of the horizon."""
    out = np.empty(months, dtype=np.int64)
    for t in range(months):
        year, month = _shift(start, t)
        out[t] = calendar.monthrange(year, month)[1]
    return out


def weekday_days(start: date, months: int, weekly: tuple[float, ...]) -> FloatArray:
    """Sum of weekly-profile weights over the days of each month."""
    out = np.empty(months, dtype=np.float64)
    for t in range(months):
        year, month = _shift(start, t)
        first, days = calendar.monthrange(year, month)
        weekdays = (first + np.arange(days)) % 7
        out[t] = float(np.asarray(weekly)[weekdays].sum())
    return out


def growth_factors(growth: Growth, months: int, rates: FloatArray) -> FloatArray:
    """Volume relative to the start month, shape (paths, months).

    Args:
        growth: the workload's growth curve.
        months: horizon length.
        rates: the monthly rate drawn for each path, shape (paths,).
    """
    t = np.arange(months, dtype=np.float64)[None, :]
    r = rates[:, None]
    if growth.kind == "none":
        return np.ones((rates.size, months))
    if growth.kind == "linear":
        return np.maximum(1.0 + r * t, 0.0)
    if growth.kind == "exponential":
        # A drawn rate at or below -100%/month would flip the sign.
        return np.power(np.maximum(1.0 + r, 1e-9), t)
    cap = float(growth.cap or 1.0)
    return cap / (1.0 + (cap - 1.0) * np.exp(-r * t))


def simulate_requests(workload: Workload, scenario: Scenario) -> FloatArray:
    """Requests per month for every path, shape (paths, months)."""
    rng = rng_for(scenario.seed, "demand", workload.name)
    n, months = scenario.paths, scenario.months
    rates = workload.growth.rate + workload.growth.sd * rng.standard_normal(n)
    factors = growth_factors(workload.growth, months, rates)

    shaped = weekday_days(scenario.start, months, workload.weekly_profile)
    start_days = float(month_days(scenario.start, 1)[0])
    r0 = workload.requests_per_day * start_days / shaped[0]
    requests = r0 * shaped[None, :] * factors

    if workload.volume_sd > 0:
        requests = requests * _lognormal_noise(rng, workload.volume_sd, n, months)
    return np.asarray(requests, dtype=np.float64)


def _lognormal_noise(
    rng: np.random.Generator, cv: float, n: int, months: int
) -> FloatArray:
    """Multiplicative noise with mean 1 and coefficient of variation ``cv``."""
    sigma2 = np.log1p(cv**2)
    z = rng.standard_normal((n, months))
    return np.asarray(np.exp(np.sqrt(sigma2) * z - 0.5 * sigma2))


def _shift(start: date, t: int) -> tuple[int, int]:
    index = start.year * 12 + start.month - 1 + t
    return index // 12, index % 12 + 1

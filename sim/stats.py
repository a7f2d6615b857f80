"""Money over time: NPV, annual totals, quantile summaries.

All arrays are shaped (paths, months) unless stated; quantiles are taken
across paths of the quantity itself (an annual P80 is the 80th percentile
of annual sums, never a sum of monthly percentiles).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Band:
    """Mean and percentiles of one quantity across Monte Carlo paths."""

    mean: float
    p10: float
    p50: float
    p90: float

    @classmethod
    def of(cls, values: FloatArray) -> Band:
        """Summarise a 1-d array of per-path values."""
        p10, p50, p90 = np.quantile(values, [0.1, 0.5, 0.9])
        return cls(float(values.mean()), float(p10), float(p50), float(p90))

    def as_dict(self) -> dict[str, float]:
        """Plain mapping for JSON."""
        return {"mean": self.mean, "p10": self.p10, "p50": self.p50, "p90": self.p90}


@dataclass(frozen=True)
class YearBudget:
    """One budget year's total across paths, for contingency planning."""

    year: int
    months: int
    first_month: str
    p50_usd: float
    p80_usd: float
    p90_usd: float

    @property
    def contingency_usd(self) -> float:
        """P80 - P50: the reserve that covers four years in five."""
        return self.p80_usd - self.p50_usd


def discount_factors(months: int, annual_rate: float) -> FloatArray:
    """Month ``t`` cash flows (at month end) discounted to the start."""
    t = np.arange(months, dtype=np.float64)
    return np.power(1.0 + annual_rate, -(t + 1.0) / 12.0)


def npv(costs: FloatArray, annual_rate: float) -> FloatArray:
    """Net present value per path of monthly costs, shape (paths,)."""
    return np.asarray(costs @ discount_factors(costs.shape[1], annual_rate))


def annual_budgets(costs: FloatArray, labels: list[str]) -> list[YearBudget]:
    """Per budget year (12 months from the start), P50/P80/P90 of its total.

    A horizon that is not a whole number of years ends with a short year,
    whose ``months`` says how many months it holds.
    """
    out = []
    for year, first in enumerate(range(0, costs.shape[1], 12)):
        block = costs[:, first : first + 12].sum(axis=1)
        p50, p80, p90 = np.quantile(block, [0.5, 0.8, 0.9])
        out.append(
            YearBudget(
                year=year + 1,
                months=min(12, costs.shape[1] - first),
                first_month=labels[first],
                p50_usd=float(p50),
                p80_usd=float(p80),
                p90_usd=float(p90),
            )
        )
    return out

"""The market at a constant capability class, against published anchors.

For each class, the cheapest price across providers (the class frontier)
is read two ways:

* **history**: Epoch AI's method on the price sheets, i.e. a log-linear
  OLS (statsmodels) through the months that set a new lowest price, with
  a 90% interval on the slope;
* **forecast**: the cheapest across every provider's simulated class
  index, and the median provider's own index, over the months ahead.

Published anchors for the cheapest price at constant capability: about 10x
a year (a16z, "Welcome to LLMflation", Nov 2024) and 9x to 900x a year by
benchmark threshold, median about 50x (Epoch AI, "LLM inference prices
have fallen rapidly but unequally across tasks", Mar 2025).

Limitations: classes are tiers (a "mid" model of 2026 does more than one
of 2024), and the forecast moves only the providers already in the sheets:
new entrants undercutting them, which made the history's largest drops,
are not simulated, so the forecast frontier falls more slowly than the
history's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.forecast.index import FloatArray, PriceHistory

ANCHORS = (
    "a16z 2024: about 10x a year cheaper at constant capability",
    "Epoch AI 2025: 9x to 900x a year by benchmark threshold, median about 50x",
)
QUANTILES = (0.1, 0.5, 0.9)
MIN_RECORDS = 3


@dataclass(frozen=True)
class ClassMarket:
    """One capability class; rates are natural-log changes a year.

    Attributes:
        history_rate: slope of the record-setting fit, NaN with fewer than
            three records; ``history_interval`` its 90% interval.
        median_provider_rate: median over providers of their own median
            forecast rate.
        frontier_rates: p10, p50 and p90 of the forecast rate of the
            cheapest price across providers.
    """

    capability_class: str
    providers: int
    records: int
    history_rate: float
    history_interval: tuple[float, float]
    median_provider_rate: float
    frontier_rates: FloatArray


def class_market(
    history: PriceHistory,
    capability_class: str,
    log_change: Mapping[str, FloatArray],
) -> ClassMarket:
    """The class's frontier from history and from simulated paths.

    Args:
        log_change: per class-index key, simulated cumulative log changes
            (paths, months ahead); every provider of the class must be in.
    """
    series = [
        s
        for s in history.classes.values()
        if s.capability_class == capability_class and np.isfinite(s.usd[-1])
    ]
    now = np.log([float(s.usd[-1]) for s in series])
    ends = np.stack([log_change[s.key][:, -1] for s in series])  # (providers, paths)
    years = next(iter(log_change.values())).shape[1] / 12.0
    # Today's cheapest against each path's cheapest at the end.
    frontier = ((now[:, None] + ends).min(axis=0) - now.min()) / years
    own = np.median(ends, axis=1) / years
    records, rate, interval = record_trend(_frontier_history(history, capability_class))
    return ClassMarket(
        capability_class=capability_class,
        providers=len(series),
        records=records,
        history_rate=rate,
        history_interval=interval,
        median_provider_rate=float(np.median(own)),
        frontier_rates=np.asarray(np.quantile(frontier, QUANTILES)),
    )


def record_trend(log_usd: FloatArray) -> tuple[int, float, tuple[float, float]]:
    """Records, slope a year and its 90% interval of an OLS on record lows.

    Months without a value are skipped; with fewer than three records the
    slope and interval are NaN.
    """
    from statsmodels.regression.linear_model import OLS

    months = np.flatnonzero(np.isfinite(log_usd))
    y = log_usd[months]
    low = y < np.minimum.accumulate(np.r_[np.inf, y[:-1]])
    if low.sum() < MIN_RECORDS:
        nan = float("nan")
        return int(low.sum()), nan, (nan, nan)
    x = np.column_stack([np.ones(low.sum()), months[low].astype(np.float64)])
    fit = OLS(y[low], x).fit()
    # The t interval of the slope, per month, scaled to a year.
    low_ci, high_ci = np.asarray(fit.conf_int(0.1))[1] * 12.0
    return int(low.sum()), float(fit.params[1]) * 12.0, (float(low_ci), float(high_ci))


def _frontier_history(history: PriceHistory, capability_class: str) -> FloatArray:
    """Log of the cheapest price across providers, month by month."""
    stack = np.stack(
        [
            s.usd
            for s in history.classes.values()
            if s.capability_class == capability_class
        ]
    )
    known = np.isfinite(stack)
    cheapest = np.where(known, stack, np.inf).min(axis=0)
    logs = np.full(cheapest.size, np.nan)
    logs[known.any(axis=0)] = np.log(cheapest[known.any(axis=0)])
    return logs

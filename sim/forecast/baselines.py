"""Baseline forecasts of one log price series, for the backtest.

Each baseline sees a series' log values up to an origin and returns, for
every horizon, predictive quantiles of the log value at that horizon on the
level grid :data:`LEVELS`. They are the cross-checks the jump model must
beat in :mod:`sim.forecast.backtest`:

* ``rw_drift``: random walk with drift, in closed form (the drift's own
  uncertainty included);
* ``ols_records``: log-linear trend on record-setting (new lowest) prices,
  statsmodels OLS with its t prediction interval, Epoch AI's method;
* ``ets``: exponential smoothing with additive error and damped additive
  trend on log prices, statsmodels ``ETSModel``;
* ``llt``: local linear trend, statsmodels ``UnobservedComponents``.

The last three refuse what they cannot fit honestly and fall back to the
random walk, counting the fallback: fewer than :data:`MIN_POINTS` months,
a flat series (zero variance: every model would claim certainty), fewer
than three records, or a fit that did not converge. Every warning a fit
raises is recorded, not shown.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from statistics import NormalDist
from typing import Any
from warnings import WarningMessage

import numpy as np

from sim.forecast.index import FloatArray

INTERVALS = {0.5: (0.25, 0.75), 0.8: (0.1, 0.9), 0.95: (0.025, 0.975)}
# Midpoints of 100 equal bins: the quantile grid CRPS is integrated on.
CRPS_LEVELS = tuple((k - 0.5) / 100 for k in range(1, 101))
LEVELS = np.asarray(
    sorted({0.5, *(q for pair in INTERVALS.values() for q in pair), *CRPS_LEVELS})
)
MIN_POINTS = 12
MIN_RECORDS = 3
Z = np.asarray([NormalDist().inv_cdf(q) for q in LEVELS])


@dataclass
class FitLog:
    """What happened over a baseline's fits: counts and warnings."""

    fits: int = 0
    fallbacks: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)

    def fell_back(self, reason: str) -> None:
        """Count a fallback to the random walk and its reason."""
        self.fallbacks[reason] = self.fallbacks.get(reason, 0) + 1

    def record(self, caught: Sequence[WarningMessage]) -> None:
        """Count each warning by its category and first line."""
        for item in caught:
            text = f"{item.category.__name__}: {str(item.message).splitlines()[0]}"
            self.warnings[text] = self.warnings.get(text, 0) + 1


Quantiles = dict[int, FloatArray]  # horizon -> quantiles of the log value
Baseline = Callable[[FloatArray, date, Sequence[int], FitLog], Quantiles]


def rw_drift(
    y: FloatArray, first: date, horizons: Sequence[int], log: FitLog
) -> Quantiles:
    """Random walk with drift: mean ``y_T + h d``, var ``s^2 (h + h^2 / n)``."""
    log.fits += 1
    diffs = np.diff(y)
    n = diffs.size
    drift = float(diffs.mean()) if n else 0.0
    var = float(diffs.var(ddof=1)) if n > 1 else 0.0
    return {
        h: y[-1] + h * drift + math.sqrt(var * (h + h * h / max(n, 1))) * Z
        for h in horizons
    }


def ols_records(
    y: FloatArray, first: date, horizons: Sequence[int], log: FitLog
) -> Quantiles:
    """OLS of log price on month over the record-setting (lowest) months."""
    from scipy import stats
    from statsmodels.regression.linear_model import OLS

    months = np.flatnonzero(y < np.minimum.accumulate(np.r_[np.inf, y[:-1]]))
    if months.size < MIN_RECORDS:
        log.fell_back(f"fewer than {MIN_RECORDS} record prices")
        return rw_drift(y, first, horizons, FitLog())
    x = np.column_stack([np.ones(months.size), months.astype(np.float64)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = OLS(y[months], x).fit()
        ahead = np.column_stack(
            [np.ones(len(horizons)), y.size - 1 + np.asarray(horizons, dtype=float)]
        )
        pred = fit.get_prediction(ahead)
        mean = np.asarray(pred.predicted_mean)
        sd = np.sqrt(np.asarray(pred.se_mean) ** 2 + float(fit.scale))
        t = np.asarray(stats.t.ppf(LEVELS, max(fit.df_resid, 1.0)))
    log.record(caught)
    log.fits += 1
    return {h: mean[i] + sd[i] * t for i, h in enumerate(horizons)}


def ets(y: FloatArray, first: date, horizons: Sequence[int], log: FitLog) -> Quantiles:
    """ETS(A, Ad, N) on log prices, exact Gaussian prediction intervals."""

    def fit_and_predict(series: object, steps: int) -> tuple[Any, Any]:
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        model = ETSModel(series, error="add", trend="add", damped_trend=True)
        fit = model.fit(disp=False)
        return fit, fit.get_prediction(start=y.size, end=y.size + steps - 1)

    return _fit_gaussian(y, first, horizons, log, fit_and_predict)


def llt(y: FloatArray, first: date, horizons: Sequence[int], log: FitLog) -> Quantiles:
    """Local linear trend (level and slope random walks) on log prices."""

    def fit_and_predict(series: object, steps: int) -> tuple[Any, Any]:
        from statsmodels.tsa.statespace.structural import UnobservedComponents

        fit = UnobservedComponents(series, "local linear trend").fit(disp=False)
        return fit, fit.get_forecast(steps)

    return _fit_gaussian(y, first, horizons, log, fit_and_predict)


def _fit_gaussian(
    y: FloatArray,
    first: date,
    horizons: Sequence[int],
    log: FitLog,
    fit_and_predict: Callable[[object, int], tuple[Any, Any]],
) -> Quantiles:
    """Fit a statsmodels model with Gaussian forecasts, or fall back.

    A series that cannot be fitted honestly, or a fit that does not
    converge, falls back to the random walk with drift and says why; every
    warning the fit raises is recorded, none is silenced.
    """
    reason = _unfit_reason(y)
    if reason:
        log.fell_back(reason)
        return rw_drift(y, first, horizons, FitLog())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit, pred = fit_and_predict(_series(y, first), max(horizons))
    log.record(caught)
    if not fit.mle_retvals.get("converged", False):
        log.fell_back("fit did not converge")
        return rw_drift(y, first, horizons, FitLog())
    log.fits += 1
    return _gaussian(pred.predicted_mean, pred.var_pred_mean, horizons)


BASELINES: dict[str, Baseline] = {
    "rw_drift": rw_drift,
    "ols_records": ols_records,
    "ets": ets,
    "llt": llt,
}


def _unfit_reason(y: FloatArray) -> str:
    """Why a series cannot be fitted honestly; '' when it can."""
    if y.size < MIN_POINTS:
        return f"fewer than {MIN_POINTS} months"
    if float(np.var(np.diff(y))) == 0.0:
        return "no price change yet: zero variance"
    return ""


def _series(y: FloatArray, first: date) -> object:
    """A pandas Series with an explicit monthly frequency.

    statsmodels' ETS prediction fails on a bare array, and warns when it
    has to guess the frequency.
    """
    import pandas as pd

    index = pd.date_range(first, periods=y.size, freq="MS")
    return pd.Series(y, index=index)


def _gaussian(mean: object, var: object, horizons: Sequence[int]) -> Quantiles:
    mu = np.asarray(mean, dtype=np.float64)
    sd = np.sqrt(np.maximum(np.asarray(var, dtype=np.float64), 0.0))
    return {h: mu[h - 1] + sd[h - 1] * Z for h in horizons}

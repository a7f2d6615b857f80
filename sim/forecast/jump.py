"""The pooled jump model: monthly hazards of price steps and their sizes.

A series (a class index or a model's price) is flat most months and then
steps. Each month it steps down with probability ``h_down`` and up with
probability ``h_up``; a step's size (a log ratio) is drawn from the pooled
history of steps of that direction.

Hazards are discrete-time logit models fitted with statsmodels' binomial
GLM on the panel of series-months::

    logit h = logit(pooled rate) + b0 + b_provider + b_class

The pooled rate enters as an offset and every coefficient has a ridge
penalty equal to a normal prior with sd :data:`PRIOR_SD` on the log-odds,
so a provider with few months or no steps is pulled toward the market
rather than estimated at zero. Parameter uncertainty is the Laplace
approximation at the penalised optimum (inverse of the penalised Hessian);
price paths draw each path's hazard from it.

A fit that does not converge, or whose Hessian cannot be inverted, falls
back to the pooled rate alone (no provider or class effects) and says so
in its diagnostics. Every statsmodels warning raised during a fit is
recorded with the fit, never silenced globally.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from sim.forecast.index import FloatArray, PriceSeries, Step

BoolArray = npt.NDArray[np.bool_]

# Prior sd of a provider's or class's effect on the log-odds of a step: a
# provider stepping e^1 = 2.7 times as often as the market is plausible,
# e^3 = 20 times is not.
PRIOR_SD = 1.0


@dataclass(frozen=True)
class Panel:
    """Series by month, as the GLM and the shock model read them.

    ``active[i, t]`` is true when series ``i`` had a value in months
    ``t - 1`` and ``t``, so a step into month ``t`` could be seen.
    """

    keys: tuple[str, ...]
    providers: tuple[str, ...]
    classes: tuple[str, ...]
    active: BoolArray
    down: BoolArray
    up: BoolArray
    steps: tuple[Step, ...]

    @property
    def months(self) -> int:
        """Months on the grid."""
        return int(self.active.shape[1])


@dataclass(frozen=True)
class HazardFit:
    """Monthly probability of one kind of step, by provider and class.

    Attributes:
        columns: names of the coefficients: ``intercept``,
            ``provider:<id>``, ``class:<name>``.
        offset: logit of the pooled rate (events + 0.5) / (exposure + 1).
        params: penalised estimates, on the log-odds scale.
        cov: their Laplace covariance.
        fallback: true when the fit failed and the pooled rate is used.
        warnings: every warning raised during the fit, as text.
    """

    kind: str
    columns: tuple[str, ...]
    offset: float
    params: FloatArray
    cov: FloatArray
    events: int
    exposure: int
    fallback: bool = False
    warnings: tuple[str, ...] = ()

    def row(self, provider: str, capability_class: str) -> FloatArray:
        """Design row of a series; unseen names get the pooled effect 0."""
        names = {"intercept", f"provider:{provider}", f"class:{capability_class}"}
        return np.asarray([1.0 if c in names else 0.0 for c in self.columns])

    def logit(self, provider: str, capability_class: str) -> tuple[float, float]:
        """Mean and sd of the log-odds of a step for one series."""
        x = self.row(provider, capability_class)
        mean = self.offset + float(x @ self.params)
        var = float(x @ self.cov @ x)
        return mean, math.sqrt(max(var, 0.0))

    def hazard(self, provider: str, capability_class: str) -> float:
        """Point estimate of the monthly step probability."""
        return _expit(self.logit(provider, capability_class)[0])

    def draw(
        self, provider: str, capability_class: str, rng: np.random.Generator, n: int
    ) -> FloatArray:
        """``n`` hazards from the parameter uncertainty, one per path."""
        mean, sd = self.logit(provider, capability_class)
        return np.asarray(_expit_array(mean + sd * rng.standard_normal(n)))


@dataclass(frozen=True)
class JumpFit:
    """Hazards and step sizes fitted on one panel (class or model level).

    Attributes:
        down_sizes, up_sizes: pooled log ratios of past steps.
        new_model_share: share of past steps that moved to another model;
            on class indices, how often following the index means a
            migration.
        steps_by_series: steps seen in each series' history.
    """

    level: str
    down: HazardFit
    up: HazardFit
    down_sizes: FloatArray
    up_sizes: FloatArray
    new_model_share: float
    steps_by_series: Mapping[str, int]

    def steps_of_provider(self, provider: str) -> int:
        """Steps seen in all of a provider's series."""
        prefix = f"{provider}/"
        return sum(n for k, n in self.steps_by_series.items() if k.startswith(prefix))

    @property
    def diagnostics(self) -> tuple[str, ...]:
        """Fallbacks and warnings of both hazard fits, as sentences."""
        out = []
        for fit, sizes in ((self.down, self.down_sizes), (self.up, self.up_sizes)):
            name = f"{self.level} {fit.kind}-step hazard"
            if fit.fallback:
                out.append(f"{name}: fit failed; pooled rate used for every series")
            if sizes.size == 0:
                out.append(f"{name}: no such step in the history; none simulated")
            out += [f"{name}: {text}" for text in fit.warnings]
        return tuple(out)


def build_panel(series: Mapping[str, PriceSeries], months: int) -> Panel:
    """The panel of a set of series on a grid of ``months`` months."""
    keys = tuple(series)
    shape = (len(keys), months)
    active = np.zeros(shape, dtype=bool)
    down = np.zeros(shape, dtype=bool)
    up = np.zeros(shape, dtype=bool)
    steps: list[Step] = []
    for i, key in enumerate(keys):
        known = np.isfinite(series[key].usd[:months])
        active[i, 1 : known.size] = known[1:] & known[:-1]
        for step in series[key].steps():
            steps.append(step)
            (down if step.log_change < 0 else up)[i, step.month] = True
    return Panel(
        keys,
        tuple(series[k].provider for k in keys),
        tuple(series[k].capability_class for k in keys),
        active,
        down,
        up,
        tuple(steps),
    )


def fit_jump(panel: Panel, level: str) -> JumpFit:
    """Fit down and up hazards and collect step sizes of one panel."""
    changes = np.asarray([s.log_change for s in panel.steps], dtype=np.float64)
    moved = [s.new_model for s in panel.steps]
    counts = Counter(s.series for s in panel.steps)
    return JumpFit(
        level=level,
        down=fit_hazard("down", panel, panel.down),
        up=fit_hazard("up", panel, panel.up),
        down_sizes=np.sort(changes[changes < 0]),
        up_sizes=np.sort(changes[changes > 0]),
        new_model_share=float(np.mean(moved)) if moved else 0.0,
        steps_by_series=MappingProxyType({k: counts.get(k, 0) for k in panel.keys}),
    )


def fit_hazard(kind: str, panel: Panel, events: BoolArray) -> HazardFit:
    """Penalised binomial GLM of ``events`` on provider and class effects.

    Raises:
        ValueError: if the panel has no series-month to learn from.
    """
    rows, cols = np.nonzero(panel.active)
    if rows.size == 0:
        raise ValueError("the price history has no two consecutive months")
    y = events[rows, cols].astype(np.float64)
    columns, x = _design(panel, rows)
    pooled = (y.sum() + 0.5) / (y.size + 1.0)
    offset = math.log(pooled / (1.0 - pooled))

    params, caught = _fit_ridge(y, x, offset)
    cov = _laplace_cov(x, offset, params) if params is not None else None
    fit = HazardFit(
        kind=kind,
        columns=columns,
        offset=offset,
        params=np.zeros(len(columns)) if params is None else params,
        cov=_pooled_cov(len(columns), y.size, pooled) if cov is None else cov,
        events=int(y.sum()),
        exposure=y.size,
        fallback=cov is None,
        warnings=caught,
    )
    return fit


# --- fitting -------------------------------------------------------------------


def _design(
    panel: Panel, rows: npt.NDArray[np.intp]
) -> tuple[tuple[str, ...], FloatArray]:
    """Intercept, then one indicator per provider and per class seen."""
    providers = sorted(set(panel.providers))
    classes = sorted(set(panel.classes))
    columns = (
        "intercept",
        *(f"provider:{p}" for p in providers),
        *(f"class:{c}" for c in classes),
    )
    x = np.zeros((rows.size, len(columns)))
    x[:, 0] = 1.0
    for j, row in enumerate(rows):
        x[j, columns.index(f"provider:{panel.providers[row]}")] = 1.0
        x[j, columns.index(f"class:{panel.classes[row]}")] = 1.0
    return columns, x


def _fit_ridge(
    y: FloatArray, x: FloatArray, offset: float
) -> tuple[FloatArray | None, tuple[str, ...]]:
    """statsmodels' ridge GLM fit, its warnings recorded, not shown.

    Returns None for the parameters when the optimiser reports failure
    (statsmodels warns ConvergenceWarning) or gives non-finite values.
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    # statsmodels minimises -loglike/n + alpha |b|^2 / 2: alpha = 1/(n sd^2)
    # makes the penalty a N(0, sd^2) prior on each coefficient.
    alpha = np.full(x.shape[1], 1.0 / (y.size * PRIOR_SD**2))
    model = sm.GLM(y, x, family=sm.families.Binomial(), offset=np.full(y.size, offset))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = model.fit_regularized(alpha=alpha, L1_wt=0.0)
    texts = tuple(f"{w.category.__name__}: {w.message}" for w in caught)
    failed = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    params = np.asarray(result.params, dtype=np.float64)
    if failed or not np.all(np.isfinite(params)):
        return None, texts
    return params, texts


def _laplace_cov(x: FloatArray, offset: float, params: FloatArray) -> FloatArray | None:
    """Inverse of the penalised Hessian at the optimum; None if singular."""
    mu = _expit_array(offset + x @ params)
    weights = mu * (1.0 - mu)
    hessian = (x * weights[:, None]).T @ x + np.eye(x.shape[1]) / PRIOR_SD**2
    try:
        cov = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        return None
    return np.asarray(cov) if np.all(np.isfinite(cov)) else None


def _pooled_cov(k: int, exposure: int, pooled: float) -> FloatArray:
    """The fallback's covariance: binomial uncertainty of the pooled rate."""
    cov = np.zeros((k, k))
    cov[0, 0] = 1.0 / (exposure * pooled * (1.0 - pooled))
    return cov


def _expit(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _expit_array(z: FloatArray) -> FloatArray:
    # Clipped so that exp cannot overflow for extreme draws.
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0))))

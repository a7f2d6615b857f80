"""The market-wide shock: months in which many providers cut at once.

Price cuts cluster (the wave of August to October 2024 is the clearest in
the sheets), and clustering matters downstream: correlated cuts leave less
to gain by switching. The model splits each provider's fitted monthly cut
probability ``h`` (from :mod:`sim.forecast.jump`) in two:

* each month a market shock happens with probability ``q``; in a shock
  month each of a provider's series joins it (steps down) with
  probability ``pi``, so a provider with ``k`` series in the panel cuts
  with probability ``1 - (1 - pi)^k``;
* otherwise it cuts on its own, with ``h' = expit(logit(h) + c)``: the
  shift ``c`` (usually negative) takes out what the shocks explain.

The evidence is the provider-month: a provider counts as cutting in a month
if any of its series in the panel stepped down, so a provider repricing its
whole line at once is one event, not a market shock. ``pi`` is per series
because a price path moves one series (a candidate's class index or its
model): read per provider, it would overstate how often one series joins,
the more so the more series a provider has (dozens of models each).

On the class-index panel ``q``, ``pi`` and ``c`` get a flat prior on a grid
and an exact posterior (each month's likelihood mixes shock and calm).
The model-price panel then gets its own ``pi`` and ``c`` given each month's
posterior shock probability from the class panel: a two-stage estimate,
so the model panel does not inform which months were shocks. Each price
path draws its own parameters from these posteriors.

Limitations: a provider's several series count as one cut; the fitted
``h`` enter as point estimates (their uncertainty is drawn separately on
each path).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.forecast.index import FloatArray
from sim.forecast.jump import BoolArray, JumpFit, Panel

Q_GRID = np.linspace(0.01, 0.49, 25)
PI_GRID = np.linspace(0.0, 0.6, 21)
C_GRID = np.linspace(-3.0, 0.5, 15)
EDGE = 1e-9  # keeps logs finite at probabilities of exactly 0 or 1


@dataclass(frozen=True)
class ProviderMonths:
    """One panel seen by provider and month.

    ``down[p, t]``: provider ``p`` cut in month ``t``; ``series[p, t]``:
    how many of its series could step; ``hazard[p, t]``: fitted probability
    that any of those steps down in month ``t``.
    """

    down: BoolArray
    hazard: FloatArray
    series: FloatArray

    @property
    def active(self) -> BoolArray:
        """Provider-months with at least one series that could step."""
        return np.asarray(self.series > 0)


@dataclass(frozen=True)
class ShockFit:
    """Posteriors of the shock parameters.

    Attributes:
        classes: over (Q_GRID, PI_GRID, C_GRID), the class-index panel.
        models: over (PI_GRID, C_GRID), the model-price panel.
        shock_month: each month's posterior probability of a shock.
    """

    classes: FloatArray
    models: FloatArray
    shock_month: FloatArray

    @property
    def q_mean(self) -> float:
        """Posterior mean of the monthly shock probability."""
        return float((self.classes.sum(axis=(1, 2)) * Q_GRID).sum())

    def pi_mean(self, level: int) -> float:
        """Posterior mean of a level's participation probability."""
        if level == 0:
            return float((self.classes.sum(axis=(0, 2)) * PI_GRID).sum())
        return float((self.models.sum(axis=1) * PI_GRID).sum())

    def draw(
        self, rng: np.random.Generator, n: int
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``n`` draws of ``q`` (n,), ``pi`` (n, 2) and ``c`` (n, 2).

        Each draw picks a grid cell by its posterior mass, then a uniform
        point within half a grid step, so draws are not stuck on the grid.
        """
        q, pi_c, c_c = _draw_cells(self.classes, (Q_GRID, PI_GRID, C_GRID), rng, n)
        pi_m, c_m = _draw_cells(self.models, (PI_GRID, C_GRID), rng, n)
        pi = np.clip(np.stack([pi_c, pi_m], axis=1), 0.0, 1.0)
        return np.clip(q, 0.0, 1.0), pi, np.stack([c_c, c_m], axis=1)


def provider_months(panel: Panel, fit: JumpFit) -> ProviderMonths:
    """Collapse a panel's series to providers, with their cut hazards."""
    names = sorted(set(panel.providers))
    shape = (len(names), panel.months)
    down = np.zeros(shape, dtype=bool)
    stay = np.ones(shape)  # probability that no active series steps down
    count = np.zeros(shape)
    for i, provider in enumerate(panel.providers):
        p = names.index(provider)
        h = fit.down.hazard(provider, panel.classes[i])
        down[p] |= panel.down[i] & panel.active[i]
        count[p] += panel.active[i]
        stay[p] *= np.where(panel.active[i], 1.0 - h, 1.0)
    return ProviderMonths(down, 1.0 - stay, count)


def fit_shock(
    classes: ProviderMonths, models: ProviderMonths | None = None
) -> ShockFit:
    """Grid posteriors of the shock, from the class panel then the models.

    Raises:
        ValueError: if the panels do not share one month grid.
    """
    with_shock, calm = _panel_loglik(classes)  # (PI, C, T) and (C, T)
    log_q = np.log(Q_GRID)[:, None, None, None]
    log_calm = np.log1p(-Q_GRID)[:, None, None, None]
    shock = log_q + with_shock[None]
    quiet = log_calm + calm[None, None]
    joint = np.logaddexp(shock, quiet)  # (Q, PI, C, T)
    posterior = _normalise(joint.sum(axis=-1))
    shock_month = (posterior[..., None] * np.exp(shock - joint)).sum(axis=(0, 1, 2))
    return ShockFit(posterior, _second_stage(models, shock_month), shock_month)


def _second_stage(models: ProviderMonths | None, shock_month: FloatArray) -> FloatArray:
    """Posterior of a second panel's ``pi`` and ``c`` given shock months."""
    if models is None:
        return _normalise(np.ones((PI_GRID.size, C_GRID.size)))
    if models.down.shape[1] != shock_month.size:
        raise ValueError(
            f"panels on different month grids: {models.down.shape[1]} and "
            f"{shock_month.size} months"
        )
    with_shock, calm = _panel_loglik(models)
    r = np.clip(shock_month, EDGE, 1.0 - EDGE)
    each = np.logaddexp(np.log(r) + with_shock, np.log1p(-r) + calm[None])
    return _normalise(each.sum(axis=-1))


def _panel_loglik(panel: ProviderMonths) -> tuple[FloatArray, FloatArray]:
    """Each month's log-likelihood with a shock, (PI, C, T), and without, (C, T)."""
    h = np.clip(panel.hazard, EDGE, 1.0 - EDGE)
    logit = np.log(h) - np.log1p(-h)
    own = 1.0 / (1.0 + np.exp(-(logit[None] + C_GRID[:, None, None])))  # (C, P, T)
    own = np.clip(own, EDGE, 1.0 - EDGE)
    d = panel.down.astype(np.float64)[None]
    a = panel.active.astype(np.float64)[None]
    calm = (a * (d * np.log(own) + (1 - d) * np.log1p(-own))).sum(axis=1)

    # No series of the provider joins the shock: (1 - pi)^k, (PI, 1, P, T).
    log_miss = np.log(np.clip(1.0 - PI_GRID, EDGE, 1.0))[:, None, None, None]
    log_miss = log_miss * panel.series[None, None]
    cut = 1.0 - (1.0 - own[None]) * np.exp(log_miss)  # (PI, C, P, T), >= own
    stay = np.log1p(-own[None]) + log_miss
    with_shock = (a[None] * (d[None] * np.log(cut) + (1 - d[None]) * stay)).sum(axis=2)
    return with_shock, calm


def _normalise(loglik: FloatArray) -> FloatArray:
    weights = np.exp(loglik - loglik.max())
    return np.asarray(weights / weights.sum())


def _draw_cells(
    posterior: FloatArray,
    grids: tuple[FloatArray, ...],
    rng: np.random.Generator,
    n: int,
) -> list[FloatArray]:
    """Values drawn cell by posterior mass, jittered within each cell."""
    flat = posterior.ravel()
    cells = rng.choice(flat.size, size=n, p=flat / flat.sum())
    index = np.unravel_index(cells, posterior.shape)
    jitter = rng.random((n, len(grids))) - 0.5
    return [
        grid[ix] + jitter[:, k] * (grid[1] - grid[0])
        for k, (grid, ix) in enumerate(zip(grids, index, strict=True))
    ]

"""Monte Carlo price paths from a fitted market.

A path is a series of monthly log changes after the last month of data.
Its draws come in two streams, so that results are reproducible and each
candidate's draws are independent of the others:

* the **market** stream (:func:`draw_market`), keyed by the seed alone:
  the shock parameters and the months in which the market shock strikes,
  shared by every series on the same path;
* a **series** stream per candidate or provider (:func:`simulate_steps`):
  the path's own hazards (drawn from the fit's parameter uncertainty), its
  own steps and their sizes.

Step sizes come from the pooled history with Bayesian-bootstrap weights
drawn per path, so a path may see more large cuts than the sample did, or
fewer. An optional hazard decay scales the down-step hazard and the shock
probability by ``exp(-decay x years ahead)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.demand import rng_for
from sim.forecast.index import FloatArray
from sim.forecast.jump import BoolArray, JumpFit
from sim.forecast.market import MarketFit

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class MarketDraws:
    """The shared part of every path.

    Attributes:
        shock: (paths, months), true where the market shock strikes.
        q: (paths,) the path's monthly shock probability.
        pi: (paths, levels) the path's participation probabilities.
        shift: (paths, levels) logit shift from a series' fitted cut
            hazard to its own hazard outside shocks.
        decay: (months,) hazard multiplier of each month ahead.
    """

    shock: BoolArray
    q: FloatArray
    pi: FloatArray
    shift: FloatArray
    decay: FloatArray

    @property
    def paths(self) -> int:
        """Number of paths."""
        return int(self.q.size)

    @property
    def months(self) -> int:
        """Months ahead covered."""
        return int(self.decay.size)


@dataclass(frozen=True)
class StepPaths:
    """One series' simulated moves.

    Attributes:
        log_change: (paths, months) cumulative log change after each month
            ahead, relative to the last month of data.
        steps: (paths, months) steps taken in each month (0, 1 or 2).
        down_steps: (paths, months) of those, down steps (0 or 1).
    """

    log_change: FloatArray
    steps: IntArray
    down_steps: IntArray


def decay_factors(months: int, hazard_decay: float) -> FloatArray:
    """``exp(-decay x years)`` for months 1..``months`` ahead."""
    years = np.arange(1, months + 1, dtype=np.float64) / 12.0
    return np.asarray(np.exp(-hazard_decay * years))


def draw_market(
    fit: MarketFit,
    seed: int,
    paths: int,
    months: int,
    hazard_decay: float = 0.0,
) -> MarketDraws:
    """The shared market draws, keyed by the seed alone."""
    rng = rng_for(seed, "prices", "market")
    q, pi, shift = fit.shock.draw(rng, paths)
    decay = decay_factors(months, hazard_decay)
    shock = rng.random((paths, months)) < q[:, None] * decay[None, :]
    return MarketDraws(shock, q, pi, shift, decay)


def simulate_steps(
    fit: JumpFit,
    level: int,
    provider: str,
    capability_class: str,
    market: MarketDraws,
    rng: np.random.Generator,
) -> StepPaths:
    """Steps of one series over ``market.months`` months ahead.

    Args:
        fit: the jump model of the series' level (class or model).
        level: the level's index into ``market.pi``.
        rng: the series' own stream.
    """
    down, up = _events(fit, level, provider, capability_class, market, rng)
    n, months = down.shape
    down_size = draw_sizes(fit.down_sizes, rng, n, months)
    up_size = draw_sizes(fit.up_sizes, rng, n, months)

    # With no step of a direction in the history there is no size to draw:
    # that direction is not simulated (the fit's diagnostics say so).
    up &= fit.up_sizes.size > 0
    down &= fit.down_sizes.size > 0
    change = np.where(down, down_size, 0.0) + np.where(up, up_size, 0.0)
    downs = down.astype(np.int64)
    return StepPaths(np.cumsum(change, axis=1), downs + up.astype(np.int64), downs)


def draw_sizes(
    pool: FloatArray, rng: np.random.Generator, n: int, months: int
) -> FloatArray:
    """Step sizes from ``pool``, weighted per path by a Bayesian bootstrap.

    Returns zeros of shape (n, months) when the pool is empty.
    """
    size = max(pool.size, 1)
    weights = rng.dirichlet(np.ones(size), size=n)
    u = rng.random((n, months))
    if pool.size == 0:
        return np.zeros((n, months))
    cumulative = np.cumsum(weights, axis=1)
    index = (u[:, :, None] > cumulative[:, None, :]).sum(axis=2)
    return np.asarray(pool[np.minimum(index, pool.size - 1)])


def _events(
    fit: JumpFit,
    level: int,
    provider: str,
    capability_class: str,
    market: MarketDraws,
    rng: np.random.Generator,
) -> tuple[BoolArray, BoolArray]:
    """Months with a down step and with an up step, (paths, months) each."""
    n, months = market.paths, market.months
    h_down = fit.down.draw(provider, capability_class, rng, n)
    h_up = fit.up.draw(provider, capability_class, rng, n)
    own = _shifted(h_down, market.shift[:, level])
    pi = market.pi[:, level]
    # Every array is drawn whatever the data, so that streams stay aligned.
    falls = rng.random((n, months)) < own[:, None] * market.decay[None, :]
    joins = rng.random((n, months)) < pi[:, None]
    rises = rng.random((n, months)) < h_up[:, None]
    return falls | (market.shock & joins), rises


def _shifted(hazard: FloatArray, shift: FloatArray) -> FloatArray:
    """``expit(logit(hazard) + shift)``: the hazard outside market shocks."""
    h = np.clip(hazard, 1e-12, 1.0 - 1e-12)
    return np.asarray(1.0 / (1.0 + (1.0 - h) / h * np.exp(-shift)))

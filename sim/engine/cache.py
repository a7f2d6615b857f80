"""Cache hit ratios in closed form, and exactly on a request trace.

A TTL cache whose entries are refreshed on every access holds a key at time
``t`` exactly when the key was last requested less than ``ttl`` seconds
before ``t``. Hence:

* on a trace, a request hits iff the previous request for the same key came
  less than ``ttl`` earlier (:func:`trace_hits`), which is exact whatever
  the arrival process;
* for Poisson arrivals of rate ``lam`` on a key, the gap to the previous
  arrival is exponential, so the hit probability is ``1 - exp(-lam ttl)``
  (:class:`HitCurve` sums this over keys of unequal popularity).

A capacity limit (LRU) is handled with Che's approximation: the cache keeps
a key for a characteristic time ``T_C`` solving
``sum_k (1 - exp(-lam_k T_C)) = capacity``, so the effective TTL is
``min(ttl, T_C)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# Rates (requests per second on all keys together) the hit curve is
# tabulated over; beyond them the curve is flat at its end values.
_LOG_RATE_GRID = np.linspace(math.log(1e-7), math.log(1e5), 481)


@dataclass(frozen=True)
class Popularity:
    """Keys grouped by popularity: ``counts[i]`` keys of share ``weights[i]``.

    Grouping keeps sums over millions of Zipf-popular keys cheap: ranks past
    the first thousand are pooled in log-spaced bins, within which shares
    differ by under 1%.
    """

    weights: FloatArray
    counts: FloatArray

    @property
    def keys(self) -> int:
        """Number of keys."""
        return int(self.counts.sum())

    def total(self, values: FloatArray) -> FloatArray:
        """``sum_k values_k`` for per-group values (last axis: groups)."""
        return np.asarray(np.sum(values * self.counts, axis=-1))


@lru_cache(maxsize=256)
def popularity(keys: int, kind: str = "uniform", exponent: float = 1.0) -> Popularity:
    """Shares of requests over ``keys`` keys, summing to 1."""
    if kind == "uniform":
        return Popularity(np.array([1.0 / keys]), np.array([float(keys)]))
    edges = _rank_edges(keys).astype(np.float64)
    lo, hi = edges[:-1], edges[1:]
    counts = hi - lo
    weights = _mean_power(lo, hi, exponent)
    norm = float(np.sum(weights * counts))
    return Popularity(weights / norm, counts)


def _mean_power(lo: FloatArray, hi: FloatArray, s: float) -> FloatArray:
    """Mean of ``k^-s`` over the ranks ``lo <= k < hi`` of each bin.

    Single ranks are exact; wider bins (ranks past 1,000) use the integral
    over ``[lo - 1/2, hi - 1/2]`` (midpoint rule), accurate to well under
    0.1% there.
    """
    a, b = lo - 0.5, hi - 0.5
    with np.errstate(divide="ignore", invalid="ignore"):
        powered = (b ** (1 - s) - a ** (1 - s)) / (1 - s) if s != 1.0 else 0.0
    integral = np.log(b / a) if s == 1.0 else powered
    return np.where(hi - lo == 1, lo**-s, integral / (hi - lo))


@lru_cache(maxsize=256)
def hit_curve(
    keys: int,
    kind: str,
    exponent: float,
    ttl_seconds: float,
    capacity: int | None = None,
    weighting: str = "requests",
) -> HitCurve:
    """A tabulated :class:`HitCurve`, shared by every caller in a process."""
    return HitCurve(popularity(keys, kind, exponent), ttl_seconds, capacity, weighting)


def _rank_edges(keys: int) -> npt.NDArray[np.int64]:
    exact = min(keys, 1000)
    edges = list(range(1, exact + 2))
    if keys > exact:
        tail = np.unique(np.geomspace(exact + 1, keys + 1, 400).astype(np.int64))
        edges += [int(e) for e in tail if e > edges[-1]]
        edges[-1] = keys + 1
    return np.asarray(edges, dtype=np.int64)


def _hit(pop: Popularity, rate: float, ttl: float) -> float:
    lam = rate * pop.weights
    return float(pop.total(pop.weights * -np.expm1(-lam * ttl)))


class HitCurve:
    """Hit probability of a request as a function of the total request rate.

    ``hit(rate) = sum_k w_k (1 - exp(-rate w_k ttl))`` for Poisson arrivals
    spread over keys with shares ``w_k``; with an LRU capacity the TTL is
    capped by Che's characteristic time at that rate. Tabulated once on a
    log grid of rates, so evaluating it on (paths x months x hours) arrays
    costs an interpolation, not a sum over keys.
    """

    def __init__(
        self,
        pop: Popularity,
        ttl_seconds: float,
        capacity: int | None = None,
        weighting: str = "requests",
    ) -> None:
        self.pop = pop
        self.ttl_seconds = ttl_seconds
        self.capacity = capacity
        # "requests": hit probability of a request; "keys": expected number
        # of keys alive at a random time (the same sum without the weights).
        self.weighting = weighting
        self._table = np.array([self.exact(r) for r in np.exp(_LOG_RATE_GRID)])

    def exact(self, rate: float) -> float:
        """Hit probability (or keys alive) at one total rate (per second)."""
        ttl = self.ttl_seconds
        if self.capacity is not None:
            ttl = min(ttl, che_time(rate, self.pop, self.capacity))
        if self.weighting == "keys":
            alive = -np.expm1(-rate * self.pop.weights * ttl)
            return float(self.pop.total(alive))
        return _hit(self.pop, rate, ttl)

    def __call__(self, rate: FloatArray) -> FloatArray:
        """Hit probability at each total rate (requests per second)."""
        logs = np.log(np.maximum(rate, 1e-300))
        return np.asarray(np.interp(logs, _LOG_RATE_GRID, self._table))


def che_time(rate: float, pop: Popularity, capacity: int) -> float:
    """Characteristic time (s) of an LRU cache holding ``capacity`` keys."""
    if capacity >= pop.keys:
        return math.inf
    lam = rate * pop.weights

    def occupancy(t: float) -> float:
        return float(pop.total(-np.expm1(-lam * t)))

    hi = 1.0
    while occupancy(hi) < capacity:
        hi *= 2.0
    lo = 0.0
    for _ in range(60):  # bisection: occupancy grows with t
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if occupancy(mid) < capacity else (lo, mid)
    return 0.5 * (lo + hi)


def history_hit(think_seconds: float, ttl_seconds: float) -> float:
    """Chance a session's next turn finds its history still cached.

    Gaps between turns are exponential with mean ``think_seconds``.
    """
    return -math.expm1(-ttl_seconds / think_seconds)


def trace_alive_seconds(
    times: FloatArray, keys: npt.NDArray[np.int64], ttl: float, end: float
) -> float:
    """Seconds of key-lifetime inside ``[0, end)`` on a trace, summed over keys.

    Each use keeps its key alive until the next use or ``ttl`` later,
    whichever comes first (the entry refreshed on every use).
    """
    order = np.lexsort((times, keys))
    k, t = keys[order], times[order]
    last = np.r_[k[1:] != k[:-1], True]
    until = np.where(last, t + ttl, np.minimum(np.r_[t[1:], np.inf], t + ttl))
    lo, hi = np.clip(t, 0.0, end), np.clip(until, 0.0, end)
    return float(np.sum(hi - lo))


def trace_hits(
    times: FloatArray, keys: npt.NDArray[np.int64], ttl: float
) -> npt.NDArray[np.bool_]:
    """Exact hits of a TTL-refreshed cache on a trace of requests.

    Args:
        times: request times in seconds, any order.
        keys: the cache key of each request.
        ttl: entry lifetime after its last access, seconds.

    Returns:
        For each request, whether its key was requested less than ``ttl``
        seconds before it.
    """
    order = np.lexsort((times, keys))
    sorted_keys, sorted_times = keys[order], times[order]
    same = np.zeros(times.size, dtype=bool)
    same[1:] = sorted_keys[1:] == sorted_keys[:-1]
    gaps = np.full(times.size, np.inf)
    gaps[1:] = sorted_times[1:] - sorted_times[:-1]
    hits = np.empty(times.size, dtype=bool)
    hits[order] = same & (gaps < ttl)
    return hits

"""Simulated traffic for the DES engine: one slice of requests with simpy.

Clock: seconds. Sessions arrive as a Poisson process at the slice's rate;
each session is a simpy process that sends its turns separated by
exponential think times. Every request then gets its prefix, its
first-turn query and its token draws. A slice measures about
:func:`slice_requests` requests after a warm-up that covers all but 1 in
10,000 session lengths, so that every cache key's own timing inside the
window is exact. Traces depend only on the workload, the rate and the
seed, so one trace serves every candidate (:func:`cached_trace`).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.demand import rng_for
from sim.engine import cache as cache_model
from sim.engine.cache import FloatArray, Popularity
from sim.engine.traffic import new_tokens_sigma
from sim.scenario import Workload

IntArray = npt.NDArray[np.int64]

REQUESTS_PER_RATE = 4000
GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0  # step of the evenly spread sequences


@dataclass(frozen=True)
class Trace:
    """Requests of one simulated slice, in the order they were sent.

    ``times`` are seconds from the start of the measured window (negative
    in the warm-up); ``measured`` marks requests inside the window.
    """

    rate: float
    duration: float
    times: FloatArray
    session: IntArray
    turn: IntArray
    prefix: IntArray
    query: IntArray
    new_tokens: FloatArray
    output_tokens: FloatArray

    @property
    def measured(self) -> npt.NDArray[np.bool_]:
        """Requests inside the measured window."""
        return (self.times >= 0) & (self.times < self.duration)


def simulate_trace(
    workload: Workload,
    rate: float,
    rng: np.random.Generator,
    requests: int = REQUESTS_PER_RATE,
    warmup_cap_seconds: float = 3600.0,
) -> Trace:
    """Simulate sessions at ``rate`` requests per second with simpy."""
    import simpy

    turns = max(workload.session_turns, 1.0)
    duration = requests / rate
    # Sessions that started earlier still send turns into the window: the
    # warm-up covers all but 1 in 10,000 session lengths, within a budget
    # of ten times the measured requests.
    longest = _geometric_quantile(1.0 - 1e-4, turns) * workload.think_seconds
    warmup = min(min(warmup_cap_seconds, 3.0 * duration) + longest, 10.0 * duration)
    env = simpy.Environment(initial_time=-warmup)
    log: list[tuple[float, int, int]] = []
    env.process(_session_source(env, rate / turns, duration, turns, workload, rng, log))
    env.run()
    return _trace_from_log(workload, rate, duration, log, rng)


def _session_source(
    env: Any,
    session_rate: float,
    end: float,
    mean_turns: float,
    workload: Workload,
    rng: np.random.Generator,
    log: list[tuple[float, int, int]],
) -> Generator[Any, Any, None]:
    """Start sessions as a Poisson process until ``end``.

    Session lengths are geometric, drawn by inverse CDF at evenly spread
    points (see :func:`spread`): long sessions, rare but decisive for
    long-context shares, then appear in every slice at their true rate.
    """
    session = 0
    think = workload.think_seconds
    start = rng.random()
    while True:
        yield env.timeout(rng.exponential(1.0 / session_rate))
        if env.now >= end:
            return
        point = (start + GOLDEN * session) % 1.0
        turns = _geometric_quantile(point, mean_turns)
        env.process(_session(env, session, turns, think, rng, log))
        session += 1


def _session(
    env: Any,
    session: int,
    turns: int,
    think: float,
    rng: np.random.Generator,
    log: list[tuple[float, int, int]],
) -> Generator[Any, Any, None]:
    """One conversation: send a turn, think, send the next."""
    for turn in range(turns):
        log.append((env.now, session, turn))
        if turn + 1 < turns:
            yield env.timeout(rng.exponential(think))


def _trace_from_log(
    workload: Workload,
    rate: float,
    duration: float,
    log: list[tuple[float, int, int]],
    rng: np.random.Generator,
) -> Trace:
    """Attach prefixes, queries and token draws to the simulated arrivals."""
    times = np.array([e[0] for e in log], dtype=np.float64)
    session = np.array([e[1] for e in log], dtype=np.int64)
    turn = np.array([e[2] for e in log], dtype=np.int64)
    sessions = int(session.max()) + 1 if session.size else 0

    pop = cache_model.popularity(
        workload.prefixes, workload.prefix_popularity, workload.zipf_exponent
    )
    prefix = _draw_keys(pop, sessions, rng)[session]
    query = np.full(times.size, -1, dtype=np.int64)
    rc = workload.response_cache
    if rc is not None and rc.distinct_queries is not None:
        qpop = cache_model.popularity(rc.distinct_queries, "zipf", rc.zipf_exponent)
        first = turn == 0
        query[first] = _draw_keys(qpop, int(first.sum()), rng)

    prefix_tokens = float(workload.cacheable_prefix_tokens)
    new_mean = workload.input_tokens.mean - prefix_tokens
    new = _lognormal(rng, new_mean, new_tokens_sigma(workload), times.size)
    out = _lognormal(
        rng, workload.output_tokens.mean, workload.output_tokens.sigma, times.size
    )
    return Trace(rate, duration, times, session, turn, prefix, query, new, out)


def _draw_keys(pop: Popularity, n: int, rng: np.random.Generator) -> IntArray:
    """Key ids drawn by popularity (ids of a group are equally likely)."""
    group_p = pop.weights * pop.counts
    groups = rng.choice(group_p.size, size=n, p=group_p / group_p.sum())
    offsets = np.concatenate([[0.0], np.cumsum(pop.counts)[:-1]])
    within = np.floor(rng.random(n) * pop.counts[groups])
    return (offsets[groups] + within).astype(np.int64)


def _lognormal(
    rng: np.random.Generator, mean: float, sigma: float, n: int
) -> FloatArray:
    """Draws with the given mean and log-sd (constant when sigma is 0).

    The draws are rescaled so that their sample mean is exactly ``mean``:
    a variance reduction that keeps the slice's token totals on target
    while the shape (what crosses a long-context threshold, what falls
    below a cache minimum) stays random.
    """
    if sigma == 0 or mean <= 0 or n == 0:
        return np.full(n, max(mean, 0.0))
    mu = math.log(mean) - 0.5 * sigma**2
    draws = rng.lognormal(mu, sigma, n)
    return np.asarray(draws * (mean / draws.mean()))


def _geometric_quantile(point: float, mean: float) -> int:
    """Turns at quantile ``point`` of a geometric law with this mean (>= 1)."""
    if mean <= 1.0:
        return 1
    return 1 + int(math.log1p(-point) / math.log1p(-1.0 / mean))


def spread(n: int, rng: np.random.Generator) -> FloatArray:
    """``n`` numbers in [0, 1) spread evenly from a random start.

    Used where requests split by a share (router, a given hit ratio): each
    share is met exactly over any stretch of consecutive requests, so the
    split adds no sampling noise, while the random start keeps it unbiased.
    """
    return np.asarray((rng.random() + GOLDEN * np.arange(n)) % 1.0)


@lru_cache(maxsize=128)
def cached_trace(workload: Workload, rate: float, seed: int) -> Trace:
    """One slice per workload, rate and seed, shared by every candidate."""
    rng = rng_for(seed, "des-trace", workload.name, f"{rate:.9g}")
    return simulate_trace(workload, rate, rng, slice_requests(workload))


def slice_requests(workload: Workload) -> int:
    """Requests measured per slice: more for long sessions.

    A slice of long sessions holds few of them, and the history sums that
    decide long-context shares are heavy-tailed, so the sample grows with
    the square root of the mean turns (4,000 at one turn, 17,900 at 20).
    """
    scale = math.sqrt(max(workload.session_turns, 1.0))
    return int(min(REQUESTS_PER_RATE * scale, 5 * REQUESTS_PER_RATE))

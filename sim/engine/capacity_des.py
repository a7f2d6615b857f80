"""Capacity, simulated: the provider calls of one time slice through simpy.

:func:`simulate_capacity` runs the model of :mod:`sim.engine.capacity`
(provisioned units, then the on-demand rate limit and its FIFO queue) on a
trace of calls and returns a :class:`~sim.engine.capacity.SliceCapacity`,
sums that callers pool across slices with
:func:`~sim.engine.capacity.pool_slices`. :func:`simulate_capacity_naive`
is its reference, one simpy process per call, for tests.

Clock: seconds. Provisioned units and on-demand limits are token buckets
refilled continuously at their per-minute rate.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from sim.engine.capacity import SliceCapacity, check_on_limit
from sim.engine.ledger import FloatArray
from sim.scenario import Provisioned, RateLimit

log = logging.getLogger(__name__)


class _TokenBucket:
    """Up to ``size`` tokens, refilled at ``rate`` per second; starts full.

    The level is brought up to date lazily at each use, so the bucket costs
    nothing between calls.
    """

    __slots__ = ("rate", "size", "level", "stamp")

    def __init__(self, per_minute: float, size: float) -> None:
        self.rate = per_minute / 60.0
        self.size = size
        self.level = size
        self.stamp = 0.0

    def level_at(self, t: float) -> float:
        """Tokens held at time ``t`` (seconds, not before the last use)."""
        return min(self.size, self.level + self.rate * (t - self.stamp))

    def take(self, amount: float, t: float) -> None:
        """Remove ``amount`` tokens at time ``t``."""
        self.level = self.level_at(t) - amount
        self.stamp = t

    def wait(self, amount: float, t: float) -> float:
        """Seconds from ``t`` until the bucket holds ``amount`` (inf: never)."""
        if amount > self.size:
            return math.inf
        short = amount - self.level_at(t)
        return short / self.rate if short > 0 else 0.0


class _Gates:
    """The buckets a call passes: provisioned first, then the on-demand limit."""

    def __init__(
        self, provisioned: Provisioned | None, limit: RateLimit | None
    ) -> None:
        self.provisioned = (
            _TokenBucket(provisioned.tpm, provisioned.tpm)
            if provisioned is not None
            else None
        )
        rpm = limit.rpm if limit is not None else None
        tpm = limit.tpm if limit is not None else None
        # A minute's burst, but at least one call, so that an rpm below one
        # still admits a call now and then.
        self.rpm = _TokenBucket(rpm, max(rpm, 1.0)) if rpm is not None else None
        self.tpm = _TokenBucket(tpm, tpm) if tpm is not None else None
        self.queue = limit is not None and limit.on_limit == "delay"

    def serve_provisioned(self, tokens: float, t: float) -> bool:
        """Serve the call on provisioned units if they hold its tokens now."""
        bucket = self.provisioned
        if bucket is None or bucket.level_at(t) < tokens:
            return False
        bucket.take(tokens, t)
        return True

    def limit_wait(self, tokens: float, t: float) -> float:
        """Seconds from ``t`` until the limit admits the call (inf: never)."""
        wait = 0.0 if self.rpm is None else self.rpm.wait(1.0, t)
        if self.tpm is not None:
            wait = max(wait, self.tpm.wait(tokens, t))
        return wait

    def admit(self, tokens: float, t: float) -> None:
        """Charge the limit for a call admitted at ``t``."""
        if self.rpm is not None:
            self.rpm.take(1.0, t)
        if self.tpm is not None:
            self.tpm.take(tokens, t)


def simulate_capacity(
    times_s: FloatArray,
    tokens: FloatArray,
    duration_s: float,
    provisioned: Provisioned | None,
    limit: RateLimit | None,
    warmup_s: float = 0.0,
) -> SliceCapacity:
    """Simulate one slice of provider calls through capacity and limits.

    Provisioned units are a token bucket refilled at ``C / 60`` tokens per
    second, holding at most ``C`` (a minute's capacity): a call is served
    there when the bucket holds all its tokens at arrival, else it spills,
    whole, to on-demand. The on-demand limit is one bucket per stated
    limit, ``rpm`` (one per call, holding a minute's ``rpm``, at least one)
    and ``tpm`` (the call's tokens, holding a minute's ``tpm``), refilled
    continuously; a call passes when every bucket holds its share. With
    delay, calls wait in FIFO order (no call overtakes one waiting before
    it) until the buckets admit them; with fallback or drop a call the
    buckets cannot admit at arrival leaves and takes nothing from them. A
    call larger than the tpm limit is never admitted. Buckets start full:
    use ``warmup_s`` to start the counted window in a realistic state.

    One simpy process walks the sorted trace; since the queue is FIFO and
    the buckets refill deterministically, each admission time follows from
    the previous one, so no call needs a process of its own
    (:func:`simulate_capacity_naive` does that, with identical results).
    No random numbers are drawn: a seeded trace gives a reproducible result.

    Args:
        times_s: arrival times, seconds from the slice start, in
            [0, duration_s), any order (ties keep trace order).
        tokens: input + output tokens of each call.
        duration_s: length of the slice, seconds.
        provisioned: the candidate's provisioned units, or None.
        limit: the candidate's on-demand rate limit, or None.
        warmup_s: calls arriving earlier are simulated but not counted.

    Returns:
        Counts and sums of the counted calls (see :class:`SliceCapacity`).

    Raises:
        ValueError: if the trace or the window is malformed.

    Limitations: a rejected call does not count against the limit, and
    nothing is retried; with delay the over-limit count (queue growth over
    the window) means calls a day never serves only when the window is a
    whole periodic day after a warm-up, and the delays of an overloaded
    queue keep growing with the window instead of being bounded.
    """
    started = time.perf_counter()
    times, toks = _sorted_trace(times_s, tokens, duration_s, warmup_s, limit)
    if provisioned is None and limit is None:
        return _uncapped(times, toks, warmup_s)
    gates = _Gates(provisioned, limit)
    on_provisioned, admitted = _new_outcomes(times.size)
    env = simpy.Environment()
    env.process(_walk(env, times, toks, gates, on_provisioned, admitted))
    env.run()
    result = _summarise(
        times, toks, on_provisioned, admitted, gates, duration_s, warmup_s
    )
    log.debug(
        "capacity: %d calls simulated in %.3f s",
        times.size,
        time.perf_counter() - started,
    )
    return result


def simulate_capacity_naive(
    times_s: FloatArray,
    tokens: FloatArray,
    duration_s: float,
    provisioned: Provisioned | None,
    limit: RateLimit | None,
    warmup_s: float = 0.0,
) -> SliceCapacity:
    """Reference for :func:`simulate_capacity`: one simpy process per call.

    Delayed calls queue for a one-place ``simpy.Resource`` (FIFO) and wait
    with timeouts until the buckets admit them. Same arguments and results
    as :func:`simulate_capacity`, far slower: for tests.
    """
    times, toks = _sorted_trace(times_s, tokens, duration_s, warmup_s, limit)
    gates = _Gates(provisioned, limit)
    on_provisioned, admitted = _new_outcomes(times.size)
    env = simpy.Environment()
    gate = simpy.Resource(env, capacity=1)
    for i, (t, tok) in enumerate(zip(times.tolist(), toks.tolist(), strict=True)):
        env.process(_naive_call(env, gate, gates, i, t, tok, on_provisioned, admitted))
    env.run()
    return _summarise(
        times, toks, on_provisioned, admitted, gates, duration_s, warmup_s
    )


def _sorted_trace(
    times_s: FloatArray,
    tokens: FloatArray,
    duration_s: float,
    warmup_s: float,
    limit: RateLimit | None,
) -> tuple[FloatArray, FloatArray]:
    """Check the trace and sort it by arrival (stable, so ties keep order)."""
    if times_s.ndim != 1 or tokens.shape != times_s.shape:
        raise ValueError(
            f"times_s, tokens: shapes {times_s.shape} and {tokens.shape} "
            "are not one equal length"
        )
    if not 0 <= warmup_s < duration_s:
        raise ValueError(
            f"warmup_s: {warmup_s} is not in [0, duration_s = {duration_s})"
        )
    if not np.all((times_s >= 0) & (times_s < duration_s)):
        raise ValueError(f"times_s: expected arrivals in [0, {duration_s}) seconds")
    if not np.all(np.isfinite(tokens) & (tokens >= 0)):
        raise ValueError("tokens: expected finite counts >= 0")
    if limit is not None:
        check_on_limit(limit)
    order = np.argsort(times_s, kind="stable")
    return times_s[order].astype(np.float64), tokens[order].astype(np.float64)


def _new_outcomes(calls: int) -> tuple[list[bool], list[float]]:
    """Per call: served on provisioned, and admission time (nan: left)."""
    return [False] * calls, [math.nan] * calls


def _walk(
    env: simpy.Environment,
    times: FloatArray,
    tokens: FloatArray,
    gates: _Gates,
    on_provisioned: list[bool],
    admitted: list[float],
) -> Generator[simpy.Event, Any, None]:
    """The single process: every call, in arrival order."""
    last = 0.0  # admission time of the latest admitted call
    for i, (t, tok) in enumerate(zip(times.tolist(), tokens.tolist(), strict=True)):
        if t > env.now:
            yield env.timeout(t - env.now)
        if gates.serve_provisioned(tok, t):
            on_provisioned[i], admitted[i] = True, t
            continue

        # FIFO: a queued call starts waiting once the one before is admitted.
        start = max(t, last) if gates.queue else t
        wait = gates.limit_wait(tok, start)
        if wait == 0.0 or (gates.queue and not math.isinf(wait)):
            last = start + wait
            gates.admit(tok, last)
            admitted[i] = last


def _naive_call(
    env: simpy.Environment,
    gate: simpy.Resource,
    gates: _Gates,
    i: int,
    t: float,
    tok: float,
    on_provisioned: list[bool],
    admitted: list[float],
) -> Generator[simpy.Event, Any, None]:
    """One call as its own process (see :func:`simulate_capacity_naive`)."""
    yield env.timeout(t)
    if gates.serve_provisioned(tok, t):
        on_provisioned[i], admitted[i] = True, t
        return
    wait = gates.limit_wait(tok, t)
    if not gates.queue or math.isinf(wait):
        if wait == 0.0:
            gates.admit(tok, t)
            admitted[i] = t
        return

    with gate.request() as turn:
        yield turn
        start = env.now
        wait = gates.limit_wait(tok, start)
        if wait > 0:
            yield env.timeout(wait)
        gates.admit(tok, start + wait)
        admitted[i] = start + wait


def _summarise(
    times: FloatArray,
    tokens: FloatArray,
    on_provisioned: list[bool],
    admitted: list[float],
    gates: _Gates,
    duration_s: float,
    warmup_s: float,
) -> SliceCapacity:
    """Counts and sums over the calls arriving after the warm-up."""
    counted = times >= warmup_s
    provisioned = np.asarray(on_provisioned) & counted
    admit = np.asarray(admitted, dtype=np.float64)
    served = ~np.isnan(admit)
    left = counted & ~served

    growth_calls, growth_tokens = 0, 0.0
    if gates.queue:
        growth_calls, growth_tokens = _queue_growth(
            times, tokens, admit, warmup_s, duration_s
        )
    window = duration_s - warmup_s
    bucket = gates.provisioned
    return SliceCapacity(
        calls=int(counted.sum()),
        tokens=float(tokens[counted].sum()),
        provisioned_tokens=float(tokens[provisioned].sum()),
        over_limit_calls=int(left.sum()) + growth_calls,
        over_limit_tokens=float(tokens[left].sum()) + growth_tokens,
        capacity_tokens=bucket.rate * window if bucket is not None else 0.0,
        delays_seconds=(admit - times)[counted & served],
    )


def _queue_growth(
    times: FloatArray,
    tokens: FloatArray,
    admit: FloatArray,
    warmup_s: float,
    duration_s: float,
) -> tuple[int, float]:
    """Calls (and tokens) by which the queue grew over the counted window."""
    # nan admission times (calls that left) compare False: never queued.
    at_start = (times < warmup_s) & (admit > warmup_s)
    at_end = admit > duration_s
    calls = int(at_end.sum()) - int(at_start.sum())
    if calls <= 0:
        return 0, 0.0
    return calls, max(float(tokens[at_end].sum() - tokens[at_start].sum()), 0.0)


def _uncapped(times: FloatArray, tokens: FloatArray, warmup_s: float) -> SliceCapacity:
    """No provisioned units and no limit: every call served at once."""
    counted = times >= warmup_s
    return SliceCapacity(
        calls=int(counted.sum()),
        tokens=float(tokens[counted].sum()),
        provisioned_tokens=0.0,
        over_limit_calls=0,
        over_limit_tokens=0.0,
        capacity_tokens=0.0,
        delays_seconds=np.zeros(int(counted.sum())),
    )

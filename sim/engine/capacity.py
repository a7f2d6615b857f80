"""Capacity: provisioned throughput, on-demand rate limits and their queue.

The model and its closed form; :mod:`sim.engine.capacity_des` simulates the
same model with simpy. This module holds what both share and the closed
form:

* :class:`CapacityOutcome` and :class:`SliceCapacity`, the results, and
  :func:`pool_slices`, which sums slices;
* :func:`limit_calls_per_second` and :func:`check_on_limit`;
* :func:`fluid_capacity`: closed form per path, month and UTC hour, with
  rates constant within each hour.

Clock: seconds. Capacities are stated as providers state them: tokens
(input + output) per minute (``tpm``) and requests per minute (``rpm``).

The model. Provisioned units serve up to ``C = provisioned.tpm``; a call that
does not fit spills, whole, to on-demand. On-demand calls meet the account's
rate limit (``rpm``, ``tpm`` or both, the tighter one binding). What the
limit does not admit waits in a FIFO queue (``on_limit = "delay"``) or
leaves at once (``"fallback"``: the caller bills it to the fallback
candidate; ``"drop"``: lost). Every share is a share of all provider calls
(or of their tokens), so the provisioned share, the on-demand share within
the limit and the over-limit share add up to one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.engine.ledger import FloatArray
from sim.scenario import Provisioned, RateLimit

HOUR_SECONDS = 3600.0
HOURS = 24
ON_LIMIT = ("delay", "fallback", "drop")
DELAY_QUANTILES = (0.50, 0.95, 0.99)


@dataclass(frozen=True)
class CapacityOutcome:
    """Per path and month, shape (paths, months) each.

    Attributes:
        provisioned_token_share: share of tokens served on provisioned units.
        over_limit_share: share of all calls that the on-demand limit turns
            away (fallback, drop) or, with delay, never serves.
        utilisation: provisioned tokens served / provisioned capacity of the
            month (0 without provisioned units).
        delay_p50_seconds: queueing delay percentiles over the calls served
            (0 when no queue).
        delay_p95_seconds: see ``delay_p50_seconds``.
        delay_p99_seconds: see ``delay_p50_seconds``.
    """

    provisioned_token_share: FloatArray
    over_limit_share: FloatArray
    utilisation: FloatArray
    delay_p50_seconds: FloatArray
    delay_p95_seconds: FloatArray
    delay_p99_seconds: FloatArray


@dataclass(frozen=True)
class SliceCapacity:
    """What one simulated slice did, as sums that pool across slices.

    Everything counts the calls arriving at or after the warm-up.

    Attributes:
        calls: counted calls.
        tokens: their input + output tokens.
        provisioned_tokens: tokens served on provisioned units.
        over_limit_calls: calls the limit turns away (fallback, drop, or a
            call larger than the tpm limit); with delay, also the growth of
            the queue over the counted window (calls a periodic day would
            never serve).
        over_limit_tokens: the tokens of those calls.
        capacity_tokens: tokens the provisioned units serve in the counted
            window at ``C / 60`` per second. Their bucket starts full, so
            without a warm-up utilisation can exceed 1 by up to 60 s / window.
        delays_seconds: the wait of each counted call the limit admits, in
            arrival order; 0 for calls served on provisioned or at once.
    """

    calls: int
    tokens: float
    provisioned_tokens: float
    over_limit_calls: int
    over_limit_tokens: float
    capacity_tokens: float
    delays_seconds: FloatArray

    @property
    def provisioned_token_share(self) -> float:
        """Share of tokens served on provisioned units."""
        return _share(self.provisioned_tokens, self.tokens)

    @property
    def over_limit_share(self) -> float:
        """Share of calls over the on-demand limit."""
        return _share(self.over_limit_calls, self.calls)

    @property
    def utilisation(self) -> float:
        """Provisioned tokens served / provisioned capacity of the window."""
        return _share(self.provisioned_tokens, self.capacity_tokens)

    def delay_seconds(self, q: float) -> float:
        """Delay percentile ``q`` in [0, 1]: the least d with F(d) >= q."""
        if self.delays_seconds.size == 0:
            return 0.0
        return float(np.quantile(self.delays_seconds, q, method="inverted_cdf"))


def pool_slices(slices: Sequence[SliceCapacity]) -> SliceCapacity:
    """Sum the counts of several slices and join their delays."""
    empty = np.zeros(0)
    return SliceCapacity(
        calls=sum(s.calls for s in slices),
        tokens=sum(s.tokens for s in slices),
        provisioned_tokens=sum(s.provisioned_tokens for s in slices),
        over_limit_calls=sum(s.over_limit_calls for s in slices),
        over_limit_tokens=sum(s.over_limit_tokens for s in slices),
        capacity_tokens=sum(s.capacity_tokens for s in slices),
        delays_seconds=np.concatenate([empty, *(s.delays_seconds for s in slices)]),
    )


def limit_calls_per_second(limit: RateLimit, tokens_per_request: float) -> float:
    """The binding on-demand limit in calls per second (inf: none binds)."""
    rpm = limit.rpm if limit.rpm is not None else math.inf
    tpm = limit.tpm if limit.tpm is not None else math.inf
    by_tokens = tpm / tokens_per_request if tokens_per_request > 0 else math.inf
    return min(rpm, by_tokens) / 60.0


def check_on_limit(limit: RateLimit) -> None:
    """Raise ValueError if ``limit.on_limit`` is not in :data:`ON_LIMIT`."""
    if limit.on_limit not in ON_LIMIT:
        raise ValueError(
            f"on_limit: {limit.on_limit!r} is not one of {', '.join(ON_LIMIT)}"
        )


# --- fluid -----------------------------------------------------------------


def fluid_capacity(
    rates: FloatArray,
    tokens_per_request: float,
    days: FloatArray,
    provisioned: Provisioned | None,
    limit: RateLimit | None,
) -> CapacityOutcome:
    """Capacity outcome in closed form, per path and month.

    Within each hour the call rate is constant and every call carries
    ``tokens_per_request``. With ``L_h`` the hour's tokens per minute,
    provisioned units serve ``min(L_h, C)``: the hour spills
    ``max(0, 1 - C / L_h)`` of its tokens (and, tokens per call being fixed,
    of its calls); utilisation is served tokens / (C x minutes of the month).

    The on-demand limit, in calls per second, is ``R = min(rpm, tpm /
    tokens_per_request) / 60``. With fallback or drop an hour whose
    on-demand rate is ``o_h`` sends ``max(0, o_h - R)`` calls per second
    over the limit, and nothing waits. With delay a FIFO fluid queue holds
    the backlog ``B`` (calls), drained at ``R``; a call arriving when the
    backlog is ``B`` waits ``B / R`` seconds, ``B`` moving linearly within
    each hour. The average day is cycled from an empty queue. From any
    backlog ``b`` at midnight a day ends at ``max(b + X, M)``, with ``X``
    the day's net inflow and ``M`` the largest rise of the inflow towards
    midnight, so when ``X <= 0`` one day reaches the periodic backlog ``M``
    and the second day is the periodic one. When ``X > 0`` (a day brings
    more on-demand calls than the limit admits in a day) the backlog grows
    without bound: the excess is reported as over-limit calls that are
    never served, taken evenly from every hour, and the delays are those of
    the rest at the smallest periodic backlog.

    Delay percentiles are taken over the calls served (those on provisioned
    wait 0), each hour weighted by its volume, as the least delay ``d``
    whose share of calls waiting at most ``d`` reaches the percentile.

    Args:
        rates: calls per second by path, month and UTC hour, (P, T, 24).
        tokens_per_request: mean input + output tokens per call.
        days: days in each month, (T,).
        provisioned: the candidate's provisioned units, or None.
        limit: the candidate's on-demand rate limit, or None.

    Returns:
        The outcome, each array of shape (P, T).

    Raises:
        ValueError: if a shape is wrong, a rate or token count negative, or
            ``limit.on_limit`` unknown.

    Limitations: no bursts within an hour (the DES has them, and its token
    buckets allow a minute's burst the fluid queue ignores); the mean call
    stands for all calls, so large calls spill no more often than small
    ones; one average day stands for every day of the month; with an
    unbounded backlog the delays are a lower bound, since in truth clients
    would time out after long waits rather than leave evenly.
    """
    _check_fluid(rates, tokens_per_request, days)
    tokens_per_minute = rates * (60.0 * tokens_per_request)
    capacity = provisioned.tpm if provisioned is not None else 0.0
    served_per_minute = np.minimum(tokens_per_minute, capacity)

    served = _monthly_tokens(served_per_minute, days)
    share = _ratios(served, _monthly_tokens(tokens_per_minute, days))
    minutes = np.broadcast_to(days * 1440.0, served.shape)
    utilisation = _ratios(served, capacity * minutes)

    on_demand = rates
    if provisioned is not None:  # calls of no tokens always fit on units
        spilled = tokens_per_minute - served_per_minute
        on_demand = rates * _ratios(spilled, tokens_per_minute)
    over, (p50, p95, p99) = _fluid_limit(rates, on_demand, tokens_per_request, limit)
    return CapacityOutcome(share, over, utilisation, p50, p95, p99)


def _check_fluid(
    rates: FloatArray, tokens_per_request: float, days: FloatArray
) -> None:
    if rates.ndim != 3 or rates.shape[-1] != HOURS:
        raise ValueError(f"rates: shape {rates.shape} is not (paths, months, 24)")
    if days.shape != rates.shape[1:2]:
        raise ValueError(f"days: shape {days.shape} is not ({rates.shape[1]},)")
    if not np.all(np.isfinite(rates) & (rates >= 0)):
        raise ValueError("rates: expected finite rates >= 0 calls per second")
    if not tokens_per_request >= 0 or math.isinf(tokens_per_request):
        raise ValueError(
            f"tokens_per_request: {tokens_per_request} is not a finite count >= 0"
        )


def _monthly_tokens(per_minute: FloatArray, days: FloatArray) -> FloatArray:
    """Tokens per month from tokens per minute by hour (60 minutes each)."""
    return np.asarray(per_minute.sum(axis=-1) * 60.0 * days)


def _ratios(part: FloatArray, whole: FloatArray) -> FloatArray:
    return np.divide(part, whole, out=np.zeros_like(part), where=whole > 0)


def _fluid_limit(
    rates: FloatArray,
    on_demand: FloatArray,
    tokens_per_request: float,
    limit: RateLimit | None,
) -> tuple[FloatArray, tuple[FloatArray, ...]]:
    """Over-limit share and delay percentiles, each (P, T)."""
    zeros = np.zeros(rates.shape[:-1])
    no_delay = tuple(zeros for _ in DELAY_QUANTILES)
    if limit is None:
        return zeros, no_delay
    check_on_limit(limit)
    per_second = limit_calls_per_second(limit, tokens_per_request)
    if math.isinf(per_second):
        return zeros, no_delay

    calls = rates.sum(axis=-1)
    if limit.on_limit != "delay":
        over = np.maximum(on_demand - per_second, 0.0).sum(axis=-1)
        return _ratios(over, calls), no_delay

    daily = on_demand.sum(axis=-1)
    excess = np.maximum(daily - HOURS * per_second, 0.0)
    kept = on_demand * _ratios(daily - excess, daily)[..., None]
    delays = _queue_delays(rates - on_demand, kept, per_second)
    return _ratios(excess, calls), delays


def _queue_delays(
    at_once: FloatArray, queued: FloatArray, per_second: float
) -> tuple[FloatArray, ...]:
    """Delay percentiles of a day's calls behind the fluid FIFO queue.

    Args:
        at_once: calls per second that never queue (on provisioned).
        queued: on-demand calls per second that meet the limit.
        per_second: the limit's calls per second.
    """
    start, end = _periodic_backlog(queued, per_second)
    low = np.minimum(start, end) / per_second
    high = np.maximum(start, end) / per_second

    # Calls in an hour wait while the backlog lasts, for the whole hour
    # when inflow keeps up with the limit, else until the backlog drains.
    drain = (per_second - queued) * HOUR_SECONDS
    busy = np.divide(start, drain, out=np.ones_like(start), where=drain > 0)
    waiting = queued * np.minimum(busy, 1.0)
    zero = (at_once + queued - waiting).sum(axis=-1)
    return _mixture_quantiles(zero, low, high, waiting)


def _periodic_backlog(
    inflow: FloatArray, per_second: float
) -> tuple[FloatArray, FloatArray]:
    """Backlog (calls) at the start and end of each hour of the periodic day."""
    net = (inflow - per_second) * HOUR_SECONDS
    backlog = np.zeros(inflow.shape[:-1])
    start = np.empty_like(inflow)
    # From empty, one day reaches the periodic backlog (see fluid_capacity);
    # the second pass records it.
    for _ in range(2):
        for hour in range(HOURS):
            start[..., hour] = backlog
            backlog = np.maximum(backlog + net[..., hour], 0.0)
    end = np.concatenate([start[..., 1:], backlog[..., None]], axis=-1)
    return start, end


def _mixture_quantiles(
    zero: FloatArray, low: FloatArray, high: FloatArray, mass: FloatArray
) -> tuple[FloatArray, ...]:
    """Quantiles of an atom at 0 plus, per hour, a uniform on [low, high].

    A sweep over the sorted ends: between two ends the distribution
    function F rises linearly at the summed density of the uniforms open
    there, and a uniform of zero width is a jump. Each quantile is the
    least x with F(x) >= q, so exact.

    Args:
        zero: mass at 0, (...).
        low: lower ends by hour, (..., 24).
        high: upper ends by hour, (..., 24).
        mass: mass of each hour's uniform, (..., 24).

    Returns:
        One array (...) per quantile of :data:`DELAY_QUANTILES`.
    """
    width = high - low
    density = np.divide(mass, width, out=np.zeros_like(mass), where=width > 0)
    order = np.argsort(np.concatenate([low, high], axis=-1), axis=-1)

    def by_end(values: FloatArray) -> FloatArray:
        return np.take_along_axis(values, order, axis=-1)

    ends = by_end(np.concatenate([low, high], axis=-1))
    jump = by_end(np.concatenate([np.where(width > 0, 0.0, mass), 0.0 * mass], -1))
    step = by_end(np.concatenate([density, -density], axis=-1))
    gaps = ends.copy()  # from the previous end (the first from 0)
    gaps[..., 1:] -= ends[..., :-1]
    # Mass gained in the gap before each end, at the slope open in it.
    gain = (np.cumsum(step, axis=-1) - step) * gaps
    after = zero[..., None] + np.cumsum(gain + jump, axis=-1)
    sweep = _Sweep(ends, gaps, gain, after - jump - gain, after)
    return tuple(sweep.quantile(q) for q in DELAY_QUANTILES)


@dataclass(frozen=True)
class _Sweep:
    """Distribution function of a mixture at its sorted ends, (..., ends).

    Attributes:
        ends: the ends, ascending.
        gaps: distance from the previous end (the first from 0).
        gain: mass of the gap before each end; F is linear in it.
        opening: F at the start of that gap.
        after: F just after the end, its own jump included.
    """

    ends: FloatArray
    gaps: FloatArray
    gain: FloatArray
    opening: FloatArray
    after: FloatArray

    def quantile(self, q: float) -> FloatArray:
        """The least x with F(x) >= q x total (0 at or below the atom at 0)."""
        target = q * self.after[..., -1:]
        k = np.argmax(self.after >= target, axis=-1)[..., None]
        x_k = np.take_along_axis(self.ends, k, axis=-1)
        x_before = x_k - np.take_along_axis(self.gaps, k, axis=-1)
        gain_k = np.take_along_axis(self.gain, k, axis=-1)
        short = target - np.take_along_axis(self.opening, k, axis=-1)

        # The target falls inside the gap before end k, where F is linear,
        # or on the end's own jump. short <= 0 only at the atom at 0 (k = 0).
        in_gap = (short > 0) & (gain_k >= short)
        frac = np.divide(short, gain_k, out=np.ones_like(short), where=in_gap)
        x = np.where(in_gap, x_before + frac * (x_k - x_before), x_k)
        return np.asarray(np.where(short <= 0, 0.0, x)[..., 0])


def _share(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0

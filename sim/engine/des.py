"""The discrete-event engine: request-level simulation on sampled slices.

Clock: seconds. The engine never simulates every request of a multi-year
horizon. Hourly request rates (paths x months x 24) span a range; the engine
picks a few representative rates on a log grid across it, and at each one
takes a slice of traffic simulated with simpy (:mod:`sim.engine.trace`:
sessions as a Poisson process, each a process sending its turns separated
by exponential think times), measured after a warm-up so that every cache
key's own timing is exact inside the slice.

Caches are then evaluated exactly on the slice's trace (a TTL-refreshed
entry is alive iff its key was used less than TTL ago), per candidate, so
one simulated trace serves every candidate. Per-request results at the
grid rates are interpolated in log rate to every path, month and hour.

Sampling error: each slice is cut into time batches; the spread of batch
means gives the standard error of the cache hit ratio, reported as the
``cache_hit_ratio_se`` statistic.

Capacity: provisioned units and limits that turn calls away are simulated
on each slice with :func:`sim.engine.capacity_des.simulate_capacity`; a queue
of delayed calls can outlast the hour a slice stands for, so with
``on_limit = "delay"`` both engines use the fluid queue that carries the
backlog across hours.

Limitations: within a slice the hour's rate holds, also during the
warm-up (at most an hour plus the longest sessions, and at most ten times
the measured window), so a TTL longer than the warm-up sees fewer earlier
arrivals than a real day would give; the weekly profile shapes monthly
volumes only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from sim.catalog import ProviderTerms
from sim.demand import rng_for
from sim.engine.cache import (
    FloatArray,
    trace_alive_seconds,
    trace_hits,
)
from sim.engine.capacity import (
    CapacityOutcome,
    SliceCapacity,
    fluid_capacity,
)
from sim.engine.capacity_des import simulate_capacity
from sim.engine.fluid import (
    CacheRules,
    Slot,
    add_tiers,
    cache_rules,
    hourly_rates,
    long_context_threshold,
    router_slots,
    storage_key,
)
from sim.engine.ledger import UsageLedger
from sim.engine.serving import (
    apply_capacity,
    capacity_applies,
    eligible,
    limits_for,
)
from sim.engine.trace import Trace, cached_trace, spread
from sim.scenario import Candidate, Workload

IntArray = npt.NDArray[np.int64]

GRID_POINTS = 8
BATCHES = 20


@dataclass(frozen=True)
class RatePoint:
    """Per application request results of one slice (one rate)."""

    rate: float
    tokens: dict[str, FloatArray]  # slot -> 8 kinds in SLOTS_KINDS order
    hits: float
    calls: float
    answered: float
    hit_ratio_se: float
    main_calls: float = 1.0
    capacity: SliceCapacity | None = None
    alive_prefixes: dict[str, float] | None = None


@dataclass(frozen=True)
class _History:
    """Per request: conversation so far and the previous turn's index."""

    cacheable: FloatArray
    prev_cacheable: FloatArray
    prev_index: IntArray  # -1 for first turns


def _history(trace: Trace, prefix_tokens: float) -> _History:
    order = np.lexsort((trace.turn, trace.session))
    grown = (trace.new_tokens + trace.output_tokens)[order]
    csum = np.cumsum(grown)
    starts = np.r_[True, trace.session[order][1:] != trace.session[order][:-1]]
    base = np.maximum.accumulate(np.where(starts, csum - grown, 0.0))
    before = csum - grown - base  # tokens of earlier turns of the session
    cacheable = np.empty(trace.times.size)
    cacheable[order] = prefix_tokens + before
    prev = np.full(trace.times.size, -1, dtype=np.int64)
    prev[order[1:]] = np.where(starts[1:], -1, order[:-1])
    prev_cacheable = np.where(prev >= 0, cacheable[np.maximum(prev, 0)], 0.0)
    return _History(cacheable, prev_cacheable, prev)


def evaluate_trace(
    trace: Trace,
    workload: Workload,
    cand: Candidate,
    terms: ProviderTerms,
    start: date,
    rng: np.random.Generator,
) -> tuple[RatePoint, list[str]]:
    """Caches, router and token counts of one candidate on one trace."""
    hist = _history(trace, float(workload.cacheable_prefix_tokens))
    answered = _response_cache(trace, workload, rng)
    measured = trace.measured
    apps = max(int(measured.sum()), 1)
    tokens: dict[str, FloatArray] = {}
    hit_count = np.zeros(trace.times.size, dtype=np.int64)
    called_any = np.zeros(trace.times.size, dtype=np.int64)
    notes: list[str] = []
    capacity, main_calls = None, 0.0
    alive: dict[str, float] = {}
    for slot, on_slot in _route_calls(trace, cand, answered, rng):
        rules = cache_rules(workload, slot.model, terms, cand.cache_ttl, start)
        notes += list(rules.notes)
        per_call, hits = _slot_tokens(trace, hist, rules, slot, on_slot, workload, rng)
        tokens[slot.name] = per_call[measured & on_slot].sum(axis=0) / apps
        hit_count += hits & on_slot
        called_any += on_slot
        if rules.storage_usd_per_mtok_hour is not None and rules.effective:
            alive[slot.name] = _alive(trace, on_slot, rules)
        if slot.name == "main":
            main_calls = float((on_slot & measured).sum()) / apps
        if slot.name == "main" and capacity_applies(cand, workload):
            calls_tokens = per_call.sum(axis=1)
            capacity = _capacity_slice(
                trace, on_slot, calls_tokens, cand, workload, rng
            )
    point = RatePoint(
        rate=trace.rate,
        tokens=tokens,
        hits=float(hit_count[measured].sum()) / apps,
        calls=float(called_any[measured].sum()) / apps,
        answered=_answered_share(trace, answered),
        hit_ratio_se=_batch_se(trace, hit_count, called_any),
        main_calls=main_calls,
        capacity=capacity,
        alive_prefixes=alive,
    )
    return point, notes


def _alive(trace: Trace, on_slot: npt.NDArray[np.bool_], rules: CacheRules) -> float:
    """Mean number of prefix entries alive during the measured window."""
    seconds = trace_alive_seconds(
        trace.times[on_slot], trace.prefix[on_slot], rules.ttl_seconds, trace.duration
    )
    return seconds / trace.duration


def _capacity_slice(
    trace: Trace,
    on_slot: npt.NDArray[np.bool_],
    call_tokens: FloatArray,
    cand: Candidate,
    workload: Workload,
    rng: np.random.Generator,
) -> SliceCapacity:
    """Run the main model's interactive calls through capacity and limits."""
    prov, limit = limits_for(cand, workload)
    interactive = spread(trace.times.size, rng) >= workload.batch_share
    keep = on_slot & interactive & (trace.times < trace.duration)
    warmup = -float(trace.times.min()) if trace.times.size else 0.0
    return simulate_capacity(
        trace.times[keep] + warmup,
        call_tokens[keep],
        trace.duration + warmup,
        prov,
        limit,
        warmup_s=warmup,
    )


def _response_cache(
    trace: Trace, workload: Workload, rng: np.random.Generator
) -> npt.NDArray[np.bool_]:
    """Which requests the application cache answers (first turns only)."""
    rc = workload.response_cache
    first = trace.turn == 0
    if rc is None:
        return np.zeros(trace.times.size, dtype=bool)
    if rc.hit_ratio is not None:
        return np.asarray(first & (spread(trace.times.size, rng) < rc.hit_ratio))
    assert rc.ttl_seconds is not None
    idx = np.flatnonzero(first)
    if rc.capacity_entries is None:
        hits = trace_hits(trace.times[idx], trace.query[idx], rc.ttl_seconds)
    else:
        hits = _lru_ttl_hits(
            trace.times[idx], trace.query[idx], rc.ttl_seconds, rc.capacity_entries
        )
    out = np.zeros(trace.times.size, dtype=bool)
    out[idx] = hits
    return out


def _lru_ttl_hits(
    times: FloatArray, keys: IntArray, ttl: float, capacity: int
) -> npt.NDArray[np.bool_]:
    """Exact hits of an LRU cache of ``capacity`` entries with a TTL."""
    from collections import OrderedDict

    order = np.argsort(times, kind="stable")
    held: OrderedDict[int, float] = OrderedDict()
    hits = np.zeros(times.size, dtype=bool)
    for i in order:
        key, now = int(keys[i]), float(times[i])
        last = held.pop(key, None)
        hits[i] = last is not None and now - last < ttl
        held[key] = now  # a hit refreshes, a miss stores the new response
        if len(held) > capacity:
            held.popitem(last=False)
    return hits


def _answered_share(trace: Trace, answered: npt.NDArray[np.bool_]) -> float:
    first = (trace.turn == 0) & trace.measured
    return float(answered[first].sum()) / max(int(first.sum()), 1)


def _route_calls(
    trace: Trace,
    cand: Candidate,
    answered: npt.NDArray[np.bool_],
    rng: np.random.Generator,
) -> list[tuple[Slot, npt.NDArray[np.bool_]]]:
    """Each model behind the router with the requests it serves."""
    called = ~answered
    slots = router_slots(cand)
    if len(slots) == 1:
        return [(slots[0], called)]
    draw = spread(trace.times.size, rng)
    main, alt = slots
    if cand.route is not None and cand.route.kind == "route":
        return [
            (main, called & (draw >= alt.share)),
            (alt, called & (draw < alt.share)),
        ]
    return [(main, called & (draw < main.share)), (alt, called)]


def _slot_tokens(
    trace: Trace,
    hist: _History,
    rules: CacheRules,
    slot: Slot,
    on_slot: npt.NDArray[np.bool_],
    workload: Workload,
    rng: np.random.Generator,
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Tokens by kind (requests x 8) and cache hits of one model's calls."""
    minimum = max(rules.min_prefix_tokens, 1)
    prefix = float(workload.cacheable_prefix_tokens)
    cache_ok = rules.effective & (hist.cacheable >= minimum)
    shared_hit = _shared_hits(trace, rules, on_slot, prefix >= minimum, rng)
    hist_hit = _history_hits(trace, hist, rules, on_slot, minimum)

    read = np.where(hist_hit, hist.prev_cacheable, np.where(shared_hit, prefix, 0.0))
    read = np.where(cache_ok, read, 0.0)
    hit = cache_ok & (hist_hit | shared_hit)
    write = np.where(cache_ok & rules.separate_writes, hist.cacheable - read, 0.0)
    prompt = hist.cacheable + trace.new_tokens
    plain = prompt - read - write
    threshold = long_context_threshold(slot.model)
    lc = prompt > threshold if threshold is not None else np.zeros_like(hit)
    parts = (plain, read, write, trace.output_tokens)
    columns = [np.where(lc, 0.0, x) for x in parts] + [
        np.where(lc, x, 0.0) for x in parts
    ]
    return np.stack(columns, axis=1), hit


def _shared_hits(
    trace: Trace,
    rules: CacheRules,
    on_slot: npt.NDArray[np.bool_],
    shared_ok: bool,
    rng: np.random.Generator,
) -> npt.NDArray[np.bool_]:
    hits = np.zeros(trace.times.size, dtype=bool)
    if not (rules.effective and shared_ok):
        return hits
    idx = np.flatnonzero(on_slot)
    if rules.override_hit is not None:
        hits[idx] = spread(idx.size, rng) < rules.override_hit
    else:
        hits[idx] = trace_hits(trace.times[idx], trace.prefix[idx], rules.ttl_seconds)
    return hits


def _history_hits(
    trace: Trace,
    hist: _History,
    rules: CacheRules,
    on_slot: npt.NDArray[np.bool_],
    minimum: int,
) -> npt.NDArray[np.bool_]:
    """The previous turn was served by this model, recently, and cacheable."""
    prev = hist.prev_index
    has_prev = prev >= 0
    p = np.maximum(prev, 0)
    recent = trace.times - trace.times[p] < rules.ttl_seconds
    return (
        rules.effective
        & has_prev
        & on_slot
        & on_slot[p]
        & recent
        & (hist.prev_cacheable >= minimum)
    )


def _batch_se(trace: Trace, hits: IntArray, calls: IntArray) -> float:
    """Standard error of the hit ratio (hits per call) from time batches."""
    keep = trace.measured & (calls > 0)
    if keep.sum() < 2 * BATCHES:
        return float("nan")
    position = trace.times[keep] / trace.duration * BATCHES
    batch = np.minimum(position.astype(int), BATCHES - 1)
    hit_sums = np.bincount(batch, weights=hits[keep], minlength=BATCHES)
    call_sums = np.bincount(batch, weights=calls[keep], minlength=BATCHES)
    means = hit_sums / np.maximum(call_sums, 1)
    return float(means.std(ddof=1) / math.sqrt(BATCHES))


def rate_grid(rates: FloatArray, points: int = GRID_POINTS) -> FloatArray:
    """Representative rates (requests per second) spanning ``rates``."""
    positive = rates[rates > 0]
    if positive.size == 0:  # no traffic at all: any rate gives zero usage
        return np.array([1.0])
    lo, hi = float(positive.min()), float(positive.max())
    if hi / lo < 1.02:
        return np.array([math.sqrt(lo * hi)])
    return np.geomspace(lo, hi, points)


def simulate_usage(
    workload: Workload,
    cand: Candidate,
    terms: ProviderTerms,
    start: date,
    requests: FloatArray,
    days: FloatArray,
    seed: int,
) -> UsageLedger:
    """Usage of ``workload`` on ``cand`` from simulated slices.

    Same contract as :func:`sim.engine.fluid.simulate_usage`.
    """
    rates = hourly_rates(requests, days, workload.daily_profile)
    grid = rate_grid(rates)
    points, notes = [], set()
    for rate in grid:
        trace = cached_trace(workload, float(rate), seed)
        rng = rng_for(seed, "des-eval", workload.name, cand.name, f"{rate:.9g}")
        point, found = evaluate_trace(trace, workload, cand, terms, start, rng)
        points.append(point)
        notes.update(found)
    tokens, stats = _assemble(workload, cand, requests, rates, grid, points, days)
    return UsageLedger(requests, tokens, tuple(sorted(notes)), stats)


def _assemble(
    workload: Workload,
    cand: Candidate,
    requests: FloatArray,
    rates: FloatArray,
    grid: FloatArray,
    points: list[RatePoint],
    days: FloatArray,
) -> tuple[dict[str, FloatArray], dict[str, FloatArray]]:
    """Interpolate the grid results to every path, month and hour."""
    hour_w = np.asarray(workload.daily_profile) / 24.0
    log_rates = np.log(np.maximum(rates, 1e-300))

    def hourly(values: list[float]) -> FloatArray:
        return np.asarray(np.interp(log_rates, np.log(grid), values))

    def monthly(values: list[float]) -> FloatArray:
        return np.asarray((hourly(values) * hour_w).sum(axis=-1))

    tokens: dict[str, FloatArray] = {}
    for slot in points[0].tokens:
        per_req = np.stack(
            [monthly([p.tokens[slot][i] for p in points]) for i in range(8)],
            axis=-1,
        )
        add_tiers(tokens, workload, slot, requests[:, :, None] * per_req)
    hits = monthly([p.hits for p in points])
    calls = monthly([p.calls for p in points])
    stats = {
        "cache_hit_ratio": np.divide(
            hits, calls, out=np.zeros_like(hits), where=calls > 0
        ),
        "response_cache_hit_ratio": monthly([p.answered for p in points]),
        "cache_hit_ratio_se": monthly([p.hit_ratio_se for p in points]),
    }
    for slot in points[0].alive_prefixes or {}:
        alive = hourly([(p.alive_prefixes or {})[slot] for p in points])
        held = alive.sum(axis=-1) * days[None, :] * workload.cacheable_prefix_tokens
        tokens[storage_key(slot)] = np.asarray(held)
    if points[0].capacity is not None:
        main = monthly([p.main_calls for p in points])
        calls_main = requests * main * (1.0 - workload.batch_share)
        outcome = _capacity_outcome(points, hourly, hour_w)
        prov, limit = limits_for(cand, workload)
        if limit is not None and limit.on_limit == "delay":
            # A queue can outlast the hour a slice stands for: the fluid
            # queue carries backlog across hours.
            per_call = sum(float(v.sum()) for k, v in tokens.items() if eligible(k))
            per_call /= max(float(calls_main.sum()), 1e-300)
            share = main[..., None] * (1.0 - workload.batch_share)
            outcome = fluid_capacity(rates * share, per_call, days, prov, limit)
        stats |= apply_capacity(tokens, outcome, cand, workload, calls_main, days)
    return tokens, stats


def _capacity_outcome(
    points: list[RatePoint],
    hourly: Callable[[list[float]], FloatArray],
    hour_w: FloatArray,
) -> CapacityOutcome:
    """Monthly capacity results from the slices at the grid rates.

    Shares and delays are traffic-weighted over hours; utilisation is the
    plain mean over hours, since capacity is the same every hour. A monthly
    delay percentile is approximated by the traffic-weighted mean of the
    hourly ones.
    """
    slices = [p.capacity for p in points]
    assert all(s is not None for s in slices)

    def weighted(values: list[float]) -> FloatArray:
        return np.asarray((hourly(values) * hour_w).sum(axis=-1))

    util = hourly([s.utilisation for s in slices if s is not None]).mean(axis=-1)
    return CapacityOutcome(
        provisioned_token_share=weighted(
            [s.provisioned_token_share for s in slices if s is not None]
        ),
        over_limit_share=weighted(
            [s.over_limit_share for s in slices if s is not None]
        ),
        utilisation=np.asarray(util),
        delay_p50_seconds=weighted(
            [s.delay_seconds(0.5) for s in slices if s is not None]
        ),
        delay_p95_seconds=weighted(
            [s.delay_seconds(0.95) for s in slices if s is not None]
        ),
        delay_p99_seconds=weighted(
            [s.delay_seconds(0.99) for s in slices if s is not None]
        ),
    )

"""The fluid engine: expected usage per month in closed form.

Per path, month and hour of the day the engine takes the request rate
(requests per second, from the month's volume and the daily profile; the
weekly profile shapes monthly volumes only), then:

1. the application response cache answers a share ``a`` of first turns
   (a given ratio, or the TTL/LRU closed forms of :mod:`sim.engine.cache`);
2. the router splits what remains between the main model and a second
   model (``route``: a share; ``cascade``: all requests to the small model,
   a share escalated to the main one);
3. on each model, the provider prompt cache: the shared prefix hits with
   probability ``h_s = sum_k w_k (1 - exp(-rate w_k TTL))`` (Poisson arrivals
   on each prefix), a session's history with ``1 - exp(-TTL / think)``;
   below the provider's minimum cacheable length nothing is cached;
4. tokens split by service tier and long-context threshold.

Every per-request token count is linear in ``h_s`` and in ``1 - a``, so the
hourly mix averages exactly to the monthly one; the engine evaluates each
turn's mix at ``h_s = 0`` and ``1`` and interpolates.

Limitations: arrivals on a prefix are taken as Poisson, although turns of
one session cluster (the ``des`` engine simulates them); batch requests
share the interactive hit ratio; the weekly profile does not change hourly
rates within a month.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np

from sim.catalog import Model, ProviderTerms
from sim.engine import cache as cache_model
from sim.engine.cache import FloatArray
from sim.engine.capacity import fluid_capacity
from sim.engine.ledger import KINDS, UsageLedger, category
from sim.engine.serving import apply_capacity, capacity_applies, eligible, limits_for
from sim.engine.traffic import TurnMix, turn_mix
from sim.scenario import Candidate, Workload

SECONDS_PER_DAY = 86_400.0
# Where a sheet gives no cache lifetime (Gemini implicit, DeepSeek disk
# cache), the common 5-minute default is assumed and said in the notes.
ASSUMED_TTL_SECONDS = 300.0
# Per-request vectors hold one entry per (kind, long_context) in this order.
SLOTS_KINDS = tuple((k, lc) for lc in (False, True) for k in KINDS)


@dataclass(frozen=True)
class CacheRules:
    """How the provider's prompt cache treats one workload on one model."""

    effective: bool
    separate_writes: bool
    min_prefix_tokens: int = 0
    ttl_seconds: float = ASSUMED_TTL_SECONDS
    override_hit: float | None = None
    notes: tuple[str, ...] = ()
    storage_usd_per_mtok_hour: float | None = None


def cache_rules(
    workload: Workload,
    model: Model,
    terms: ProviderTerms,
    ttl_name: str | None,
    start: date,
) -> CacheRules:
    """Decide whether the provider caches this workload, and at what TTL."""
    cache = terms.cache
    if workload.cacheable_prefix_tokens == 0 and workload.session_turns <= 1:
        return CacheRules(False, False)
    if workload.cache_hit_ratio == 0:
        return CacheRules(False, False)
    regime = model.regime_at(start)
    has_read_price = regime is not None and (
        regime.cached_input_usd_per_mtok is not None
        or (cache is not None and cache.read_multiplier is not None)
    )
    if not has_read_price or cache is None or cache.mode == "none":
        reason = _no_cache_note(model, has_read_price)
        return CacheRules(False, False, notes=(reason,))
    ttl = ttl_name or cache.default_ttl
    minimum = cache.min_prefix_tokens_for(model)
    notes = [_minimum_note(workload, model, minimum)]
    if ttl is None or ttl not in cache.ttl_seconds:
        notes.append(
            f"{model.provider}: the price sheet gives no lifetime for its "
            f"{cache.mode} prompt cache; {ASSUMED_TTL_SECONDS:.0f} s assumed"
        )
    # Storage is billed for explicit caches, which a candidate buys by
    # naming a TTL; automatic caching carries no storage charge.
    storage = cache.storage_for(model) if ttl_name is not None else None
    return CacheRules(
        effective=True,
        separate_writes=_separate_writes(model, terms, ttl or "", start),
        min_prefix_tokens=minimum or 0,
        ttl_seconds=float(cache.ttl_seconds.get(ttl or "", ASSUMED_TTL_SECONDS)),
        override_hit=workload.cache_hit_ratio,
        notes=tuple(n for n in notes if n),
        storage_usd_per_mtok_hour=storage,
    )


def _no_cache_note(model: Model, has_read_price: bool) -> str:
    if has_read_price:
        return (
            f"{model.key}: the price sheet lists a cached-input price but no "
            "cache rules (TTL, minimum, automatic or explicit); prompts are "
            "billed as uncached input"
        )
    return f"{model.key}: no prompt-cache price known; prompts billed as input"


def _minimum_note(workload: Workload, model: Model, minimum: int | None) -> str:
    prefix = workload.cacheable_prefix_tokens
    if minimum is None or prefix == 0 or prefix >= minimum:
        return ""
    return (
        f"{model.key}: cacheable prefix {prefix} tokens is below the "
        f"provider minimum of {minimum}; it is cached only inside sessions "
        "whose history reaches the minimum"
        if workload.session_turns > 1
        else f"{model.key}: cacheable prefix {prefix} tokens is below the "
        f"provider minimum of {minimum}; nothing is cached"
    )


def _separate_writes(model: Model, terms: ProviderTerms, ttl: str, start: date) -> bool:
    regime = model.regime_at(start)
    if regime is not None and regime.cache_write_usd_per_mtok is not None:
        return True
    cache = terms.cache
    return cache is not None and cache.write_multipliers.get(ttl, 1.0) != 1.0


def long_context_threshold(model: Model) -> int | None:
    """The model's long-context threshold over its history (None: flat)."""
    found = [r.long_context.threshold_tokens for r in model.regimes if r.long_context]
    return min(found) if found else None


def _long_context_shares(
    mix: TurnMix, threshold: int | None
) -> tuple[FloatArray, FloatArray]:
    """Per turn, shares of requests and of prompt tokens above ``threshold``.

    Turn ``j``'s prompt is ``P`` plus a sum of independent lognormal draws
    (its new tokens and the earlier turns' new and output tokens). The sum
    is matched by a lognormal of the same mean and variance
    (Fenton-Wilkinson), whose tail above ``threshold - P`` is closed form.
    """
    from sim.scenario import TokenDist

    req = np.zeros_like(mix.cacheable)
    tok = np.zeros_like(mix.cacheable)
    if threshold is None:
        return req, tok
    variance = mix.prompt_variance()
    room = threshold - mix.prefix_tokens
    for j, prompt in enumerate(mix.prompt):
        drawn = prompt - mix.prefix_tokens
        if room <= 0:
            req[j], tok[j] = 1.0, 1.0
            continue
        sigma = math.sqrt(math.log1p(variance[j] / drawn**2)) if drawn > 0 else 0.0
        req[j], tok_drawn = TokenDist(max(drawn, 1e-9), sigma).share_above(room)
        tok[j] = (mix.prefix_tokens * req[j] + drawn * tok_drawn) / prompt
    return req, tok


def _split_long_context(
    mix: TurnMix, req_lc: FloatArray, tok_lc: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Shares of new and of history tokens that sit in long-context requests.

    A prompt is its history ``c`` plus new tokens ``u``. Crossing the
    threshold selects large values of whichever part varies more: the
    excess of long requests' tokens over their share of requests is split
    in proportion to each part's variance (exact for Gaussian parts, the
    regression of a part on the sum).
    """
    prompt = mix.prompt
    excess = tok_lc * prompt - req_lc * prompt
    var_all = mix.prompt_variance()
    var_new = (mix.new_tokens * math.sqrt(math.expm1(mix.new_sigma**2))) ** 2
    part_new = np.divide(var_new, var_all, out=np.ones_like(var_all), where=var_all > 0)
    new = max(mix.new_tokens, 1e-9)
    tok_new = (req_lc * new + part_new * excess) / new
    history = np.maximum(mix.cacheable, 1e-9)
    tok_hist = (req_lc * mix.cacheable + (1 - part_new) * excess) / history
    return np.clip(tok_new, 0.0, 1.0), np.clip(tok_hist, 0.0, 1.0)


def turn_tokens(
    mix: TurnMix,
    rules: CacheRules,
    shared_hit: float,
    history_hit: float,
    lc_threshold: int | None,
) -> tuple[FloatArray, FloatArray]:
    """Per turn, mean tokens by (kind, long-context) and the hit chance.

    Returns:
        tokens of shape (turns, 8) in :data:`SLOTS_KINDS` order, and the
        chance that each turn reads anything from the prompt cache.
    """
    cache_ok = rules.effective & (mix.cacheable >= max(rules.min_prefix_tokens, 1))
    hist_ok = cache_ok & (mix.prev_cacheable >= max(rules.min_prefix_tokens, 1))
    shared_ok = rules.effective and mix.prefix_tokens >= max(rules.min_prefix_tokens, 1)
    ph = np.where(hist_ok, history_hit, 0.0)
    hs = shared_hit if shared_ok else 0.0
    read = np.where(
        cache_ok, ph * mix.prev_cacheable + (1 - ph) * hs * mix.prefix_tokens, 0.0
    )
    hit = np.where(cache_ok, ph + (1 - ph) * hs, 0.0)
    write = np.where(cache_ok, mix.cacheable - read, 0.0)
    if not rules.separate_writes:
        write = np.zeros_like(write)

    prompt = mix.prompt
    req_lc, tok_lc = _long_context_shares(mix, lc_threshold)
    tok_new, tok_hist = _split_long_context(mix, req_lc, tok_lc)
    new = mix.new_tokens
    old_plain = np.maximum(mix.cacheable - read - write, 0.0)
    out = np.full_like(prompt, mix.output_tokens)
    columns = [
        (1 - tok_new) * new + (1 - tok_hist) * old_plain,
        (1 - tok_hist) * read,
        (1 - tok_hist) * write,
        (1 - req_lc) * out,
        tok_new * new + tok_hist * old_plain,
        tok_hist * read,
        tok_hist * write,
        req_lc * out,
    ]
    return np.stack(columns, axis=1), hit


@dataclass(frozen=True)
class Slot:
    """One model behind the candidate's router and its share of calls."""

    name: str
    model: Model
    share: float


def router_slots(cand: Candidate) -> list[Slot]:
    """The models a candidate calls, with calls per provider-bound request."""
    route = cand.route
    if route is None:
        return [Slot("main", cand.model, 1.0)]
    if route.kind == "route":
        return [
            Slot("main", cand.model, 1.0 - route.share),
            Slot("alt", route.model, route.share),
        ]
    # Cascade: every request tries the small model; escalations call both.
    return [Slot("main", cand.model, route.share), Slot("alt", route.model, 1.0)]


def hourly_rates(
    requests: FloatArray, days: FloatArray, daily: tuple[float, ...]
) -> FloatArray:
    """Requests per second by path, month and UTC hour, shape (P, T, 24)."""
    per_day = requests / days[None, :]
    weights = np.asarray(daily) / SECONDS_PER_DAY
    return np.asarray(per_day[:, :, None] * weights[None, None, :])


def response_hits(workload: Workload, first_turn_rate: FloatArray) -> FloatArray:
    """Share of first turns the application cache answers, per hour."""
    rc = workload.response_cache
    if rc is None:
        return np.zeros_like(first_turn_rate)
    if rc.hit_ratio is not None:
        return np.full_like(first_turn_rate, rc.hit_ratio)
    assert rc.ttl_seconds is not None and rc.distinct_queries is not None
    curve = cache_model.hit_curve(
        rc.distinct_queries,
        "zipf",
        rc.zipf_exponent,
        rc.ttl_seconds,
        rc.capacity_entries,
    )
    return curve(first_turn_rate)


def simulate_usage(
    workload: Workload,
    cand: Candidate,
    terms: ProviderTerms,
    start: date,
    requests: FloatArray,
    days: FloatArray,
) -> UsageLedger:
    """Expected usage of ``workload`` on ``cand`` for the given volumes.

    Args:
        requests: requests per month, shape (paths, months).
        days: days in each month, shape (months,).
    """
    mix = turn_mix(workload)
    rates = hourly_rates(requests, days, workload.daily_profile)
    first = float(mix.weights[0])
    answered = response_hits(workload, rates * first)
    calls = 1.0 - first * answered  # provider-bound share of requests
    hour_w = np.asarray(workload.daily_profile) / 24.0

    tokens: dict[str, FloatArray] = {}
    hits = np.zeros_like(requests)
    called = np.zeros_like(requests)
    notes: list[str] = []
    for slot in router_slots(cand):
        rules = cache_rules(workload, slot.model, terms, cand.cache_ttl, start)
        notes.extend(rules.notes)
        shared = _shared_hit(workload, rules, rates * calls * slot.share)
        per_req, slot_hits = _slot_mix(
            workload, mix, rules, slot, answered, shared, hour_w
        )
        add_tiers(tokens, workload, slot.name, requests[:, :, None] * per_req)
        hits += requests * slot_hits
        called += requests * slot.share * (hour_w * calls).sum(axis=-1)
        if rules.storage_usd_per_mtok_hour is not None and rules.effective:
            alive = _alive_prefixes(workload, rules, rates * calls * slot.share)
            tokens[storage_key(slot.name)] = _token_hours(workload, alive, days)
    stats = _capacity(
        workload, cand, tokens, requests, rates * calls, hour_w * calls, days
    )
    stats |= {
        "cache_hit_ratio": np.divide(
            hits, called, out=np.zeros_like(hits), where=called > 0
        ),
        "response_cache_hit_ratio": np.asarray((hour_w * answered).sum(-1)),
    }
    return UsageLedger(requests, tokens, tuple(notes), stats)


def _capacity(
    workload: Workload,
    cand: Candidate,
    tokens: dict[str, FloatArray],
    requests: FloatArray,
    call_rates: FloatArray,
    hourly_calls: FloatArray,
    days: FloatArray,
) -> dict[str, FloatArray]:
    """Rate limits and provisioned units on the main model's calls."""
    if not capacity_applies(cand, workload):
        return {}
    prov, limit = limits_for(cand, workload)
    share = router_slots(cand)[0].share * (1.0 - workload.batch_share)
    calls = requests * share * hourly_calls.sum(axis=-1)
    per_call = sum(float(v.sum()) for k, v in tokens.items() if eligible(k))
    per_call /= max(float(calls.sum()), 1e-300)
    outcome = fluid_capacity(call_rates * share, per_call, days, prov, limit)
    return apply_capacity(tokens, outcome, cand, workload, calls, days)


def storage_key(slot: str) -> str:
    """Ledger key of explicit-cache storage (token-hours) of one model."""
    return "storage/token_hours" if slot == "main" else f"{slot}:storage/token_hours"


def _alive_prefixes(
    workload: Workload, rules: CacheRules, rate: FloatArray
) -> FloatArray:
    """Expected prefix entries alive, by path, month and hour.

    An entry is alive while its key was used less than a TTL ago: for
    Poisson use at ``rate w_k`` that is a share ``1 - exp(-rate w_k TTL)``
    of the time.
    """
    curve = cache_model.hit_curve(
        workload.prefixes,
        workload.prefix_popularity,
        workload.zipf_exponent,
        rules.ttl_seconds,
        weighting="keys",
    )
    return curve(rate)


def _token_hours(workload: Workload, alive: FloatArray, days: FloatArray) -> FloatArray:
    """Prefix tokens held in cache x hours, per path and month."""
    per_day = alive.sum(axis=-1)  # each hour of the day: one hour of storage
    return np.asarray(per_day * days[None, :] * workload.cacheable_prefix_tokens)


def _shared_hit(workload: Workload, rules: CacheRules, rate: FloatArray) -> FloatArray:
    """Hit chance of the shared prefix per path, month and hour."""
    if not rules.effective:
        return np.zeros_like(rate)
    if rules.override_hit is not None:
        return np.full_like(rate, rules.override_hit)
    curve = cache_model.hit_curve(
        workload.prefixes,
        workload.prefix_popularity,
        workload.zipf_exponent,
        rules.ttl_seconds,
    )
    return curve(rate)


def _slot_mix(
    workload: Workload,
    mix: TurnMix,
    rules: CacheRules,
    slot: Slot,
    answered: FloatArray,
    shared: FloatArray,
    hour_w: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Tokens (P, T, 8) and cache hits (P, T) per application request."""
    # A history entry lives on the model that served the previous turn:
    # routing draws each turn afresh, so it is this model with its share.
    history = cache_model.history_hit(workload.think_seconds, rules.ttl_seconds)
    history *= min(slot.share, 1.0)
    lc = long_context_threshold(slot.model)
    tok0, hit0 = turn_tokens(mix, rules, 0.0, history, lc)
    tok1, hit1 = turn_tokens(mix, rules, 1.0, history, lc)
    w = mix.weights
    # Per application request: w1 (1 - a) T1(h) + sum_{j>1} w_j T_j(h),
    # averaged over hours; linear in h, so three hourly sums suffice.
    c1 = (hour_w * w[0] * (1 - answered)).sum(-1)
    c2 = (hour_w * w[0] * (1 - answered) * shared).sum(-1)
    c3 = (hour_w * shared).sum(-1)
    rest0, rest1 = w[1:] @ tok0[1:], w[1:] @ tok1[1:]
    per_req = (
        c1[..., None] * tok0[0]
        + c2[..., None] * (tok1[0] - tok0[0])
        + rest0
        + c3[..., None] * (rest1 - rest0)
    )
    hr0, hr1 = float(w[1:] @ hit0[1:]), float(w[1:] @ hit1[1:])
    hits = c1 * hit0[0] + c2 * (hit1[0] - hit0[0]) + hr0 + c3 * (hr1 - hr0)
    return slot.share * per_req, slot.share * hits


def add_tiers(
    tokens: dict[str, FloatArray], workload: Workload, slot: str, per_month: FloatArray
) -> None:
    """Split (P, T, 8) tokens over service tiers into ledger categories."""
    shares = {
        "batch": workload.batch_share,
        "flex": workload.flex_share,
        "priority": workload.priority_share,
    }
    shares["standard"] = max(1.0 - sum(shares.values()), 0.0)
    for tier, share in shares.items():
        if share <= 0:
            continue
        for i, (kind, lc) in enumerate(SLOTS_KINDS):
            values = per_month[..., i] * share
            if np.any(values > 0):
                key = category(tier, kind, lc, slot)
                tokens[key] = tokens.get(key, 0) + values

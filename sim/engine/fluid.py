"""The fluid engine: expected usage per month in closed form.

Every request of a workload carries the mean token mix; tokens per month
are requests per month times that mix, split by service tier and by the
long-context threshold. Prompt caching uses the scenario's assumed hit
ratio ``h`` on the cacheable prefix ``P``: a hit reads ``P`` tokens at the
cached price, a miss writes them (at the write price where the provider
bills writes apart from input, otherwise as plain input).

Limitations: the hit ratio is an assumption, not derived from traffic; the
cache rules and long-context threshold are those of the model at the start
month; output length is taken as independent of prompt length when
splitting long-context requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from sim.catalog import Model, ProviderTerms
from sim.engine.ledger import FloatArray, UsageLedger, category
from sim.scenario import Workload


@dataclass(frozen=True)
class CacheFacts:
    """What the provider's cache does for this workload on this model."""

    effective: bool
    separate_writes: bool
    note: str = ""


def describe_cache(
    workload: Workload, model: Model, terms: ProviderTerms, start: date
) -> CacheFacts:
    """Decide whether the workload's prefix is cached and how writes bill."""
    prefix = workload.cacheable_prefix_tokens
    if prefix == 0 or workload.cache_hit_ratio == 0:
        return CacheFacts(False, False)
    regime = model.regime_at(start)
    cache = terms.cache
    has_read_price = regime is not None and (
        regime.cached_input_usd_per_mtok is not None
        or (cache is not None and cache.read_multiplier is not None)
    )
    if not has_read_price or (cache is not None and cache.mode == "none"):
        note = f"{model.key}: no prompt-cache price known; prefix billed as input"
        return CacheFacts(False, False, note)
    minimum = cache.min_prefix_tokens_for(model) if cache else None
    if minimum is not None and prefix < minimum:
        note = (
            f"{model.key}: cacheable prefix {prefix} tokens is below the "
            f"provider minimum of {minimum}; nothing is cached"
        )
        return CacheFacts(False, False, note)
    return CacheFacts(True, _separate_writes(model, terms, start))


def _separate_writes(model: Model, terms: ProviderTerms, start: date) -> bool:
    regime = model.regime_at(start)
    if regime is not None and regime.cache_write_usd_per_mtok is not None:
        return True
    cache = terms.cache
    if cache is None or cache.default_ttl is None:
        return False
    return cache.write_multipliers.get(cache.default_ttl, 1.0) != 1.0


def long_context_threshold(model: Model) -> int | None:
    """The model's long-context threshold over its history (None: flat)."""
    found = [r.long_context.threshold_tokens for r in model.regimes if r.long_context]
    return min(found) if found else None


def simulate_usage(
    workload: Workload,
    model: Model,
    terms: ProviderTerms,
    start: date,
    requests: FloatArray,
) -> UsageLedger:
    """Expected usage of ``workload`` on ``model`` for the given volumes.

    Args:
        requests: requests per month, shape (paths, months).
    """
    cache = describe_cache(workload, model, terms, start)
    per_request = _per_request_tokens(workload, model, cache)
    tiers = _tier_shares(workload)
    tokens: dict[str, FloatArray] = {}
    for tier, share in tiers.items():
        for key, amount in per_request.items():
            tier_key = tier + key[key.index("/") :]
            if share * amount > 0:
                tokens[tier_key] = requests * (share * amount)
    notes = (cache.note,) if cache.note else ()
    return UsageLedger(requests=requests, tokens=tokens, notes=notes)


def _per_request_tokens(
    workload: Workload, model: Model, cache: CacheFacts
) -> dict[str, float]:
    """Mean tokens per request by category, on a placeholder tier ``x``."""
    mean_in = workload.input_tokens.mean
    mean_out = workload.output_tokens.mean
    prefix = float(workload.cacheable_prefix_tokens) if cache.effective else 0.0
    hit = workload.cache_hit_ratio
    cached, written = hit * prefix, (1.0 - hit) * prefix
    if not cache.separate_writes:
        written = 0.0

    threshold = long_context_threshold(model)
    req_lc, tok_lc = (0.0, 0.0)
    if threshold is not None:
        req_lc, tok_lc = workload.input_tokens.share_above(threshold)

    lc_plain = max(tok_lc * mean_in - req_lc * (cached + written), 0.0)
    # Each request carries its prefix; long-context ones carry req_lc of it.
    plain = (1 - tok_lc) * mean_in - (1 - req_lc) * (cached + written)
    return {
        category("x", "input"): max(plain, 0.0),
        category("x", "cached_input"): (1 - req_lc) * cached,
        category("x", "cache_write"): (1 - req_lc) * written,
        category("x", "output"): (1 - req_lc) * mean_out,
        category("x", "input", True): lc_plain,
        category("x", "cached_input", True): req_lc * cached,
        category("x", "cache_write", True): req_lc * written,
        category("x", "output", True): req_lc * mean_out,
    }


def _tier_shares(workload: Workload) -> dict[str, float]:
    shares = {
        "batch": workload.batch_share,
        "flex": workload.flex_share,
        "priority": workload.priority_share,
    }
    shares["standard"] = max(1.0 - sum(shares.values()), 0.0)
    return shares


def mean_tokens(ledger: UsageLedger, kind: str) -> FloatArray:
    """Mean over paths of one kind's tokens per month, shape (months,)."""
    return np.asarray(ledger.total(kind).mean(axis=0))

"""Capacity outcomes applied to a usage ledger.

Both engines compute a :class:`~sim.engine.capacity.CapacityOutcome` for the
calls a candidate's capacity settings serve (the main model's interactive
calls of one workload: batch requests never run on provisioned units, and
the second model behind a router has its own quota), then this module moves
tokens between ledger categories:

* the provisioned share goes to tier ``provisioned`` (no per-token price);
  the units' hours go to ``provisioned/unit_hours``, billed every hour;
* over-limit calls go to the fallback candidate (``fb:`` keys, billed at its
  prices), or are dropped (with ``delay``, the calls a queue that grows
  without bound never serves count as dropped);
* what remains stays on its on-demand tier.

Limitations: capacity serves one workload (``workload`` key), and calls over
the limit are taken to carry the mean tokens of a call.
"""

from __future__ import annotations

import numpy as np

from sim.engine.capacity import CapacityOutcome
from sim.engine.ledger import FloatArray, category, slot_of, split_category
from sim.scenario import Candidate, Provisioned, RateLimit, Workload

PROVISIONED_HOURS = "provisioned/unit_hours"


def capacity_applies(cand: Candidate, workload: Workload) -> bool:
    """Whether the candidate's rate limit or provisioned units serve this."""
    for part in (cand.rate_limit, cand.provisioned):
        if part is not None and part.workload in (None, workload.name):
            return True
    return False


def limits_for(
    cand: Candidate, workload: Workload
) -> tuple[Provisioned | None, RateLimit | None]:
    """The (provisioned, rate limit) settings that serve ``workload``."""
    prov = cand.provisioned
    limit = cand.rate_limit
    if prov is not None and prov.workload not in (None, workload.name):
        prov = None
    if limit is not None and limit.workload not in (None, workload.name):
        limit = None
    return prov, limit


def eligible(key: str) -> bool:
    """Ledger keys capacity acts on: the main model's interactive tiers."""
    return slot_of(key) == "main" and split_category(key)[0] != "batch"


def apply_capacity(
    tokens: dict[str, FloatArray],
    outcome: CapacityOutcome,
    cand: Candidate,
    workload: Workload,
    calls: FloatArray,
    days: FloatArray,
) -> dict[str, FloatArray]:
    """Move tokens by the outcome; return the capacity statistics.

    Args:
        tokens: the ledger's tokens, changed in place.
        calls: main-model interactive calls per month, shape (paths, months).
        days: days in each month.
    """
    prov, limit = limits_for(cand, workload)
    on_prov = outcome.provisioned_token_share
    over = outcome.over_limit_share
    fallback = limit is not None and limit.on_limit == "fallback"
    for key in [k for k in tokens if eligible(k)]:
        values = tokens[key]
        _, kind, lc = split_category(key)
        _add(tokens, category("provisioned", kind, lc), values * on_prov)
        if fallback:
            _add(tokens, f"fb:{key}", values * over)
        tokens[key] = values * (1.0 - on_prov - over)
    if prov is not None:
        hours = prov.units * 24.0 * days[None, :]
        tokens[PROVISIONED_HOURS] = np.broadcast_to(hours, calls.shape).copy()
    over_calls = calls * over
    return {
        "provisioned_token_share": on_prov,
        "provisioned_utilisation": outcome.utilisation,
        "spill_requests": calls * (1.0 - on_prov) if prov is not None else 0 * calls,
        "fallback_requests": over_calls if fallback else 0 * calls,
        "dropped_requests": 0 * calls if fallback else over_calls,
        "delay_p50_seconds": outcome.delay_p50_seconds,
        "delay_p95_seconds": outcome.delay_p95_seconds,
        "delay_p99_seconds": outcome.delay_p99_seconds,
    }


def _add(tokens: dict[str, FloatArray], key: str, values: FloatArray) -> None:
    if np.any(values > 0):
        tokens[key] = tokens.get(key, 0 * values) + values

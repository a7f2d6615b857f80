"""Scenario keys of factor 12: team-wide switching terms and per-candidate ties.

``[scenario.switching]`` (:class:`Switching`) holds what is the same
whichever provider the deployment runs on: the team's day and hour rates,
the portable part of the application (integration, prompts, evals, tool
schemas, process), the policy's hysteresis and lead time, the gateway's
fee. ``[[candidate]].lock_in`` (:class:`LockIn`) holds what ties the
deployment to that candidate's provider (held state, fine-tunes, a vector
store on its embeddings, proprietary features, contracts, data to move)
and the mitigations declared for it.

Defaults marked *methods* come from ``shared/reference/methods.md`` Part B,
which cites the original sources; the others are assumptions, shown as
such in the report. The JSON Schema in :mod:`sim.scenario_schema` reads
its defaults from these classes, so the two cannot drift apart.

Validation: the schema checks types, ranges and names; :func:`check_lock_in`
adds the cross-field rules (a key that only matters with another one,
duplicate list entries), one problem per line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from sim.errors import ProblemLog

MITIGATIONS = ("gateway", "portable_evals", "client_side_state", "open_weight_fallback")
STATE_KINDS = ("conversations", "files", "vector_stores", "stored_responses", "agents")


@dataclass(frozen=True)
class Switching:
    """Team-wide switching terms, ``[scenario.switching]``.

    Money in USD, effort in engineer-days or hours, tokens as counts.

    Attributes:
        engineer_day_usd: loaded cost of one engineer-day (assumption).
        review_hour_usd: cost of one hour of expert review (assumption).
        hysteresis: switch only when savings exceed (cost + dual run) x
            (1 + hysteresis) (methods B2: 0.5 in its simulation).
        lead_time_months: months from the decision until the new provider
            serves (methods B1: default 2).
        dual_run_months: months both providers run (methods B1: 1).
        dual_run_share: share of traffic the new provider also serves
            during the dual run (assumption: all of it, mirrored).
        integration_days: engineer-days to port the integration
            (methods B1: 1-3 days for a typical product; midpoint).
        prompts: prompts to re-tune (assumption).
        hours_per_prompt: hours to re-tune one prompt (assumption).
        eval_tokens: tokens one pass of the eval suite sends (assumption).
        review_hours: hours of human review of a re-evaluation
            (assumption).
        tools: tool and structured-output schemas to port (assumption).
        hours_per_tool: hours to port one schema (assumption).
        process_days: engineer-days of security and procurement review,
            runbooks and monitoring (methods B1: 1-3 weeks; two weeks).
        embedding_usd_per_mtok: price of re-embedding a corpus (methods
            B1: text-embedding-3-large, 0.13 USD per 1M tokens).
        reindex_days: engineer-days to rebuild and validate an index
            (assumption).
        training_usd_per_mtok: price of retraining tokens (methods B1:
            GPT-4o-mini fine-tuning, 3 USD per 1M training tokens).
        egress_usd_per_gb: data transfer out (assumption).
        eu_data_act: the team is an in-scope EU customer, so switching
            charges such as egress fall to 0 from 2027-01-12 (methods B1).
        gateway_fee_share: a hosted gateway's fee as a share of token
            spend (methods B1: OpenRouter's 5.5% on card credit).
        gateway_usd_per_month: a gateway's fixed running cost
            (assumption: 0, as for a self-hosted proxy).
        reference_mitigations: what the reference, portable deployment
            adopts (methods B2: a gateway and portable evals).
    """

    engineer_day_usd: float = 1_000.0
    review_hour_usd: float = 125.0
    hysteresis: float = 0.5
    lead_time_months: int = 2
    dual_run_months: float = 1.0
    dual_run_share: float = 1.0
    integration_days: float = 2.0
    prompts: int = 10
    hours_per_prompt: float = 8.0
    eval_tokens: float = 10_000_000.0
    review_hours: float = 40.0
    tools: int = 0
    hours_per_tool: float = 4.0
    process_days: float = 10.0
    embedding_usd_per_mtok: float = 0.13
    reindex_days: float = 2.0
    training_usd_per_mtok: float = 3.0
    egress_usd_per_gb: float = 0.09
    eu_data_act: bool = False
    gateway_fee_share: float = 0.055
    gateway_usd_per_month: float = 0.0
    reference_mitigations: tuple[str, ...] = ("gateway", "portable_evals")


@dataclass(frozen=True)
class LockIn:
    """What ties the deployment to one candidate, ``[candidate.lock_in]``.

    Attributes:
        mitigations: declared mitigations, from :data:`MITIGATIONS`.
        provider_state: kinds of state the provider holds for the
            deployment, from :data:`STATE_KINDS`.
        state_days: engineer-days to export and re-architect one kind of
            state (assumption).
        state_exportable: false when the state cannot be exported; with
            provider_state this is a hard blocker.
        corpus_tokens: tokens embedded with this provider's embeddings.
        fine_tunes: fine-tuned models the product depends on.
        training_tokens: training tokens of one fine-tune (assumption).
        data_days: engineer-days of data work per fine-tune (assumption).
        proprietary_features: provider-only features in use (built-in
            tools, caching semantics...).
        days_per_feature: engineer-days to replace one (assumption).
        commitment_usd: unspent commitment at the start month, USD.
        commitment_months: months over which it is drawn down evenly.
        termination_usd: early-termination fees, USD.
        egress_gb: data to move out, GB.
    """

    mitigations: tuple[str, ...] = ()
    provider_state: tuple[str, ...] = ()
    state_days: float = 5.0
    state_exportable: bool = True
    corpus_tokens: float = 0.0
    fine_tunes: int = 0
    training_tokens: float = 20_000_000.0
    data_days: float = 5.0
    proprietary_features: int = 0
    days_per_feature: float = 5.0
    commitment_usd: float = 0.0
    commitment_months: int = 12
    termination_usd: float = 0.0
    egress_gb: float = 0.0


# One line of help per key, with its unit, for the JSON Schema and editors.
KEY_HELP = {
    "engineer_day_usd": "Loaded cost of one engineer-day, USD.",
    "review_hour_usd": "Cost of one hour of expert review, USD.",
    "hysteresis": "Switch only when savings exceed (switching cost + dual "
    "run) x (1 + hysteresis).",
    "lead_time_months": "Months from the decision until the new provider serves.",
    "dual_run_months": "Months both providers run during a move.",
    "dual_run_share": "Share of traffic the new provider also serves then.",
    "integration_days": "Porting the integration, engineer-days.",
    "prompts": "Prompts to re-tune.",
    "hours_per_prompt": "Re-tuning one prompt, hours.",
    "eval_tokens": "Tokens of one pass of the eval suite, at the new prices.",
    "review_hours": "Human review of a re-evaluation, hours.",
    "tools": "Tool and structured-output schemas to port.",
    "hours_per_tool": "Porting one schema, hours.",
    "process_days": "Security, procurement, runbooks, monitoring, engineer-days.",
    "embedding_usd_per_mtok": "Re-embedding price, USD per 1M tokens.",
    "reindex_days": "Rebuilding and validating a vector index, engineer-days.",
    "training_usd_per_mtok": "Retraining price, USD per 1M training tokens.",
    "egress_usd_per_gb": "Data transfer out, USD per GB.",
    "eu_data_act": "In-scope EU customer: no egress charges from 2027-01-12.",
    "gateway_fee_share": "A gateway's fee as a share of token spend.",
    "gateway_usd_per_month": "A gateway's fixed running cost, USD per month.",
    "reference_mitigations": "Mitigations of the portable reference "
    "deployment the lock-in cost is measured against.",
    "mitigations": "Mitigations declared for this candidate.",
    "provider_state": "Kinds of state the provider holds for the deployment.",
    "state_days": "Exporting and re-architecting one kind of state, engineer-days.",
    "state_exportable": "false: the state cannot be exported (a blocker).",
    "corpus_tokens": "Tokens embedded with this provider's embeddings.",
    "fine_tunes": "Fine-tuned models the product depends on.",
    "training_tokens": "Training tokens of one fine-tune.",
    "data_days": "Data work per fine-tune, engineer-days.",
    "proprietary_features": "Provider-only features in use.",
    "days_per_feature": "Replacing one feature, engineer-days.",
    "commitment_usd": "Unspent commitment at the start month, USD.",
    "commitment_months": "Months over which the commitment is drawn down.",
    "termination_usd": "Early-termination fees, USD.",
    "egress_gb": "Data to move out, GB.",
}
# Ranges beyond "not negative", and the names a list may hold.
KEY_LIMITS: dict[str, dict[str, float]] = {
    "dual_run_share": {"maximum": 1},
    "gateway_fee_share": {"maximum": 1},
    "commitment_months": {"minimum": 1},
}
KEY_CHOICES = {
    "reference_mitigations": MITIGATIONS,
    "mitigations": MITIGATIONS,
    "provider_state": STATE_KINDS,
}

# A key that only matters when another one is set: key -> (needs, rule).
_NEEDS = {
    "state_days": ("provider_state", "provider_state lists some state"),
    "state_exportable": ("provider_state", "provider_state lists some state"),
    "training_tokens": ("fine_tunes", "fine_tunes > 0"),
    "data_days": ("fine_tunes", "fine_tunes > 0"),
    "days_per_feature": ("proprietary_features", "proprietary_features > 0"),
    "commitment_months": ("commitment_usd", "commitment_usd > 0"),
}


def build_switching(table: Mapping[str, Any] | None) -> Switching:
    """The validated ``[scenario.switching]`` table as :class:`Switching`."""
    return Switching(**_values(Switching, table or {}))


def build_lock_in(table: Mapping[str, Any] | None) -> LockIn:
    """The validated ``[candidate.lock_in]`` table as :class:`LockIn`."""
    return LockIn(**_values(LockIn, table or {}))


def check_lock_in(log: ProblemLog, key: str, table: Any) -> None:
    """Cross-field rules of one ``lock_in`` table; one problem per line.

    Args:
        key: key path of the table, e.g. ``candidate[1].lock_in``.
    """
    if not isinstance(table, dict):
        return  # the schema pass has reported it
    for name, (needs, rule) in _NEEDS.items():
        if name in table and not table.get(needs):
            log.add(f"{key}.{name}", f"only used when {rule}; remove it")
    for name in ("mitigations", "provider_state"):
        _check_unique(log, f"{key}.{name}", table.get(name))


def check_switching(log: ProblemLog, key: str, table: Any) -> None:
    """Cross-field rules of ``[scenario.switching]``; one problem per line."""
    if isinstance(table, dict):
        name = "reference_mitigations"
        _check_unique(log, f"{key}.{name}", table.get(name))


def _check_unique(log: ProblemLog, key: str, items: Any) -> None:
    if not isinstance(items, list):
        return
    seen: set[Any] = set()
    for i, item in enumerate(items):
        if isinstance(item, str) and item in seen:
            log.add(f"{key}[{i}]", f"'{item}' is listed twice; expected it once")
        seen.add(item)


def _values(cls: type[Switching | LockIn], table: Mapping[str, Any]) -> dict[str, Any]:
    """Field values of ``cls`` from a validated table.

    Lists become tuples and whole numbers become floats where the field is
    a float, so the object stays immutable and compares equal whichever
    way the number was written.
    """
    out: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in table:
            value = table[f.name]
            if isinstance(value, list):
                value = tuple(value)
            elif f.type == "float":
                value = float(value)
            out[f.name] = value
    return out

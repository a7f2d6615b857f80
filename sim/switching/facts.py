"""Provider facts that change a switching ledger, read from the price sheets.

Four facts of a sheet's ``[facts.*]`` tables matter to leaving a provider;
each finding carries the fact's source so the report can cite it:

* ``openai_compatible_endpoint``: an integration written against a
  production OpenAI-compatible endpoint speaks the wire format most
  providers accept, so porting it takes about half the work
  (:data:`COMPATIBLE_SHARE`, an assumption). An endpoint the provider
  calls a testing aid (Anthropic's) does not count.
* ``fine_tuned_weights_exportable``: "no" with fine-tunes the product
  depends on is a hard blocker; "yes" means the tuned weights move, so
  no retraining tokens are billed; anything else is a warning.
* ``provider_held_state``: declared state on a provider whose sheet lists
  none is a warning (check the sheet or the scenario); state that cannot
  be exported is a blocker, raised by the ledger from the scenario.
* ``deprecation_policy``: a notice period shorter than the lead time, or
  none stated, is a warning: a deprecation can force a migration faster
  than the team can plan one.

``embeddings_api`` and ``fine_tuning`` are cross-checks: a vector store
on the embeddings of a provider that offers none, or fine-tunes on one
that does not tune, are flagged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sim.catalog import Fact

COMPATIBLE_SHARE = 0.5  # assumption: porting a compatible integration
LOCK_IN_FACTS = (
    "openai_compatible_endpoint",
    "fine_tuned_weights_exportable",
    "provider_held_state",
    "deprecation_policy",
    "embeddings_api",
    "fine_tuning",
)
DAYS_PER_MONTH = 30.4375  # 365.25 / 12


@dataclass(frozen=True)
class Flag:
    """A blocker or warning beside the lock-in score, with its source.

    ``level`` is ``blocker`` (the move needs more than money: a product
    dependency cannot leave) or ``warning`` (the number rests on a fact
    that is missing or unfavourable).
    """

    level: str
    message: str
    source: str = ""


def lock_in_facts(facts: Mapping[str, Fact]) -> tuple[Fact, ...]:
    """The facts of one sheet that bear on lock-in, in a fixed order."""
    return tuple(facts[name] for name in LOCK_IN_FACTS if name in facts)


def is_compatible(facts: Mapping[str, Fact]) -> bool:
    """True if the provider serves a production OpenAI-compatible endpoint."""
    fact = facts.get("openai_compatible_endpoint")
    if fact is None:
        return False
    value = fact.value.lower()
    return value.startswith("yes") and "testing" not in value


def weights_exportable(facts: Mapping[str, Fact]) -> str:
    """``yes``, ``no`` or ``unknown``: can tuned weights leave the provider?"""
    fact = facts.get("fine_tuned_weights_exportable")
    value = fact.value.lower() if fact else ""
    if value.startswith("yes"):
        return "yes"
    return "no" if value.startswith("no") else "unknown"


def notice_months(facts: Mapping[str, Fact]) -> float | None:
    """Minimum deprecation notice in months, None when none is stated.

    Reads the first ``N days`` or ``N months`` of the fact's value, as in
    ``'>= 60 days'`` or ``'GA >= 6 months'``.
    """
    fact = facts.get("deprecation_policy")
    found = re.search(r"(\d+)\s*(day|month)", fact.value) if fact else None
    if found is None:
        return None
    count = float(found.group(1))
    return count / DAYS_PER_MONTH if found.group(2) == "day" else count


def fact_flags(
    facts: Mapping[str, Fact],
    provider: str,
    uses: Mapping[str, bool],
    lead_time_months: int,
) -> list[Flag]:
    """Warnings and blockers that follow from the sheet's facts.

    Args:
        uses: which dependencies the deployment declares on this provider:
            ``fine_tunes``, ``state``, ``embeddings``; and whether the
            ``open_weight_fallback`` mitigation covers the fine-tunes.
        lead_time_months: the team's lead time for a planned move.
    """
    flags = _deprecation_flags(facts, provider, lead_time_months)
    if uses.get("fine_tunes"):
        flags += _fine_tune_flags(facts, provider, uses)
    if uses.get("state"):
        flags += _none_listed(facts, "provider_held_state", provider, "state")
    if uses.get("embeddings"):
        flags += _none_listed(facts, "embeddings_api", provider, "embeddings")
    return flags


def _deprecation_flags(
    facts: Mapping[str, Fact], provider: str, lead_time_months: int
) -> list[Flag]:
    months = notice_months(facts)
    fact = facts.get("deprecation_policy")
    source = fact.source if fact else ""
    if months is None:
        stated = f"'{fact.value}'" if fact else "not in the sheet"
        return [
            Flag(
                "warning",
                f"{provider} states no minimum deprecation notice ({stated}): "
                "a model retirement can force a migration at short notice",
                source,
            )
        ]
    if fact is not None and months < lead_time_months:
        return [
            Flag(
                "warning",
                f"{provider}'s deprecation notice ('{fact.value}') is shorter "
                f"than the {lead_time_months}-month lead time of a move",
                source,
            )
        ]
    return []


def _fine_tune_flags(
    facts: Mapping[str, Fact], provider: str, uses: Mapping[str, bool]
) -> list[Flag]:
    fact = facts.get("fine_tuned_weights_exportable")
    source = fact.source if fact else ""
    export = weights_exportable(facts)
    flags = _none_listed(facts, "fine_tuning", provider, "fine-tuning")
    if export == "no":
        covered = uses.get("open_weight_fallback", False)
        level = "warning" if covered else "blocker"
        tail = (
            "; the open-weight fallback replaces them"
            if covered
            else ": the product depends on them and they cannot leave"
        )
        flags.append(
            Flag(
                level, f"{provider} fine-tuned weights are not exportable{tail}", source
            )
        )
    elif export == "unknown":
        flags.append(
            Flag(
                "warning",
                f"export of {provider} fine-tuned weights is not established; "
                "retraining is counted in full",
                source,
            )
        )
    return flags


def _none_listed(
    facts: Mapping[str, Fact], name: str, provider: str, what: str
) -> list[Flag]:
    """A warning when the sheet says the provider offers no ``what``."""
    fact = facts.get(name)
    if fact is None or not fact.value.lower().startswith(("no", "none")):
        return []
    return [
        Flag(
            "warning",
            f"the scenario declares {what} on {provider}, but its sheet says "
            f"'{fact.value}' ({name}); check the sheet or the scenario",
            fact.source,
        )
    ]

"""Gates: requirements a candidate must meet before it is scored at all.

A gate does not compensate: a candidate that fails one is excluded with
the reasons listed, never given a low score that a weighted mean could
make up for elsewhere (methods C2). Requirements come from
``[scenario.selection] requires``; each is checked against a provider fact
of the price sheets (``[facts.*]``), whose value starts with ``yes``,
``no``, ``partial`` or ``unknown`` (see the shared providers reference):

* ``yes ...`` passes; a qualifier such as ``(sales-gated)`` is kept in the
  result so the report shows it;
* ``no ...`` and ``n/a`` fail: the source says it is not offered;
* ``partial ...`` fails until the buyer holds the document that settles it;
* ``unknown``, any other value and a fact missing from the sheet fail and
  say so: the sources reached did not settle it, which is not evidence of
  absence, but a hard requirement cannot rest on it.

``min_context_tokens`` is checked against the model's context window in
its price sheet; a window the sheet does not give fails the same way.

Limitations: facts describe the provider's API as a whole; a fact that
holds only for some models or regions (fine-tuning on a few models,
residency in eligible projects) passes for every model of the provider,
with the detail left to the source the result cites.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sim.catalog import Fact

CONTEXT_KEY = "min_context_tokens"
UNSETTLED = (
    "an unknown fact fails a required gate until the provider supplies "
    "the document that settles it"
)


@dataclass(frozen=True)
class Gate:
    """A requirement key of the scenario and the fact that settles it."""

    key: str
    fact: str
    label: str


GATES = (
    Gate("soc2_type2", "soc2_type2", "SOC 2 Type II"),
    Gate("soc3", "soc3", "SOC 3"),
    Gate("iso_27001", "iso_27001", "ISO/IEC 27001"),
    Gate("iso_27701", "iso_27701", "ISO/IEC 27701"),
    Gate("iso_42001", "iso_42001", "ISO/IEC 42001"),
    Gate("hipaa_baa", "hipaa_baa", "HIPAA BAA"),
    Gate("pci_dss", "pci_dss", "PCI DSS"),
    Gate("fedramp", "fedramp", "FedRAMP"),
    Gate("csa_star", "csa_star", "CSA STAR"),
    Gate("gdpr_dpa", "gdpr_dpa", "GDPR DPA"),
    Gate("c5", "c5", "BSI C5"),
    Gate("eu_data_residency", "eu_data_residency", "EU data residency"),
    Gate("zdr_available", "zdr_available", "zero data retention"),
    Gate("fine_tuning", "fine_tuning", "fine-tuning"),
)
GATE_KEYS = tuple(g.key for g in GATES)
REQUIREMENT_KEYS = (*GATE_KEYS, CONTEXT_KEY)


@dataclass(frozen=True)
class Requirements:
    """What ``requires`` asks for.

    Attributes:
        facts: keys of :data:`GATES` set to true, in that order.
        min_context_tokens: the smallest context window accepted, tokens;
            None when not required.
    """

    facts: tuple[str, ...] = ()
    min_context_tokens: int | None = None

    def __bool__(self) -> bool:
        return bool(self.facts) or self.min_context_tokens is not None


@dataclass(frozen=True)
class GateCheck:
    """One requirement checked for one candidate.

    Attributes:
        key: the requirement key, e.g. ``hipaa_baa``.
        label: how reports name it, e.g. ``HIPAA BAA``.
        passed: True if the requirement is met.
        value: the fact's value as the sheet gives it (``'not in the
            sheet'`` when absent); for the context window, tokens.
        reason: one line saying what was required, what was found and,
            on a fail, why it fails.
        source: the fact's source(s); empty when the sheet gives none.
        source_date: the date the source shows, ``YYYY-MM-DD`` or
            ``YYYY-MM``; empty when none.
    """

    key: str
    label: str
    passed: bool
    value: str
    reason: str
    source: str = ""
    source_date: str = ""


@dataclass(frozen=True)
class GateResult:
    """Every requirement checked for one candidate."""

    candidate: str
    checks: tuple[GateCheck, ...]

    @property
    def passed(self) -> bool:
        """True if the candidate meets every requirement."""
        return all(c.passed for c in self.checks)

    @property
    def failed(self) -> tuple[GateCheck, ...]:
        """The requirements it does not meet."""
        return tuple(c for c in self.checks if not c.passed)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why it is excluded, one line per failed requirement."""
        return tuple(c.reason for c in self.failed)


def fact_status(value: str) -> str:
    """``yes``, ``no``, ``partial`` or ``unknown`` from a fact's value."""
    text = value.strip().lower()
    for status in ("yes", "partial"):
        if text.startswith(status):
            return status
    if text.startswith(("no", "n/a")):
        return "no"
    return "unknown"


def check_gates(
    candidate: str,
    provider: str,
    requires: Requirements,
    facts: Mapping[str, Fact],
    context_window_tokens: int | None,
    model: str = "",
) -> GateResult:
    """Check a candidate's provider facts and model against ``requires``.

    Args:
        candidate: the candidate's name, for the result.
        provider: the provider id, named in the reasons.
        facts: the provider's price-sheet facts (``PriceSheet.facts``).
        context_window_tokens: the model's context window, tokens; None
            when the sheet does not give it.
        model: ``provider/model``, named in the context-window reason.
    """
    by_key = {g.key: g for g in GATES}
    checks = [
        _check_fact(by_key[k], provider, facts.get(by_key[k].fact))
        for k in requires.facts
    ]
    if requires.min_context_tokens is not None:
        checks.append(
            _check_context(requires.min_context_tokens, context_window_tokens, model)
        )
    return GateResult(candidate, tuple(checks))


def _check_fact(gate: Gate, provider: str, fact: Fact | None) -> GateCheck:
    if fact is None:
        reason = (
            f"{gate.label} required, but {provider}'s price sheet has no "
            f"'{gate.fact}' fact; {UNSETTLED}"
        )
        return GateCheck(gate.key, gate.label, False, "not in the sheet", reason)
    status = fact_status(fact.value)
    found = f"{provider}'s sheet says '{fact.value}'"
    cited = _cite(fact)
    if status == "yes":
        reason = f"{gate.label}: {found}{cited}"
    else:
        reason = f"{gate.label} required, but {found}: {_WHY[status]}{cited}"
    return GateCheck(
        gate.key,
        gate.label,
        status == "yes",
        fact.value,
        reason,
        fact.source,
        fact.source_date_text,
    )


_WHY = {
    "no": "not offered",
    "partial": "partial counts as a fail until the provider supplies the "
    "document that settles it",
    "unknown": f"the sources reached did not settle it; {UNSETTLED}",
}


def _cite(fact: Fact) -> str:
    if not fact.source:
        return " (no source in the sheet)"
    when = f", {fact.source_date_text}" if fact.source_date_text else ""
    return f" (source: {fact.source}{when})"


def _check_context(need: int, window: int | None, model: str) -> GateCheck:
    label = "context window"
    where = f"price sheet, model {model}" if model else "price sheet"
    if window is None:
        reason = (
            f"a context window of {need:,} tokens required, but the price "
            f"sheet gives none for {model or 'the model'}; {UNSETTLED}"
        )
        return GateCheck(CONTEXT_KEY, label, False, "not in the sheet", reason, where)
    passed = window >= need
    verdict = "meets" if passed else "is below"
    reason = (
        f"context window of {window:,} tokens {verdict} the {need:,} required ({where})"
    )
    return GateCheck(CONTEXT_KEY, label, passed, str(window), reason, where)

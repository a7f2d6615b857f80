"""The switching ledger: what leaving one candidate's provider costs.

Each line is a driver times a rate (see :data:`DRIVERS`), in USD, from the
scenario's ``[scenario.switching]`` and ``[candidate.lock_in]`` keys and
the provider's facts. Three numbers per line:

* ``usd``: the gross cost of the line at a move decided in the start
  month;
* ``forced_share``: the part a model change *within* the provider pays
  anyway (deprecations force one every year or two, methods B1): about
  half of prompt re-tuning, re-evaluation and retraining (assumption);
* the incremental cost, ``usd x (1 - forced_share)``: what lock-in counts.

Mitigations scale the lines they address (:data:`MITIGATION_SHARES`);
when a mitigation and a provider fact address the same line (a gateway and
an OpenAI-compatible endpoint both remove the API layer), the smaller
share counts, not their product.

Contract lines move with the decision month: the unspent part of a
commitment drawn down evenly, the rest of a provisioned-throughput term
after the lead time, and egress, which falls to 0 for in-scope EU
customers from 2027-01-12 (EU Data Act, methods B1). The policy therefore
reads :attr:`SwitchCost.exit_usd` month by month.

Eval tokens are priced at the *new* provider's prices: the ledger keeps
them apart (:attr:`SwitchCost.eval_mtok`) and the policy prices them per
destination; the ledger's own line shows them at the mean price of the
alternatives it was given.

Beside the candidate's own cost each ledger holds the *reference* cost,
that of a portable deployment (the team-wide drivers only, with the
scenario's ``reference_mitigations``), and the cost with the gateway
toggled, for the gateway trade-off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from sim.catalog import Catalog, Fact
from sim.stats import FloatArray
from sim.switching.facts import (
    COMPATIBLE_SHARE,
    Flag,
    fact_flags,
    is_compatible,
    lock_in_facts,
    weights_exportable,
)
from sim.switching.keys import LockIn, Switching

if TYPE_CHECKING:
    # Types only: sim.scenario imports sim.switching.keys at load time.
    from sim.scenario import Candidate, Scenario

HOURS_PER_DAY = 8.0
HOURS_PER_MONTH = 730.5  # 8,766 hours a year / 12
DATA_ACT_FREE_FROM = date(2027, 1, 12)  # EU Data Act: switching charges end

# line -> (driver, forced share, source of the default magnitudes)
DRIVERS: dict[str, tuple[str, float, str]] = {
    "integration": ("integration_days x engineer_day_usd", 0.0, "methods B1"),
    "prompt_retuning": (
        "prompts x hours_per_prompt x engineer_day_usd / 8",
        0.5,
        "assumption",
    ),
    "eval_tokens": ("eval_tokens x new provider's price", 0.5, "assumption"),
    "eval_review": ("review_hours x review_hour_usd", 0.5, "assumption"),
    "tool_schemas": (
        "tools x hours_per_tool x engineer_day_usd / 8",
        0.0,
        "assumption",
    ),
    "re_embedding": (
        "corpus_tokens x embedding_usd_per_mtok + reindex_days x engineer_day_usd",
        0.0,
        "methods B1",
    ),
    "fine_tunes": (
        "fine_tunes x (training_tokens x training_usd_per_mtok + data_days x "
        "engineer_day_usd)",
        0.5,
        "methods B1",
    ),
    "provider_state": (
        "kinds of provider_state x state_days x engineer_day_usd",
        0.0,
        "assumption",
    ),
    "proprietary_features": (
        "proprietary_features x days_per_feature x engineer_day_usd",
        0.0,
        "methods B1",
    ),
    "contracts": (
        "unspent commitment + rest of the provisioned term + termination fees",
        0.0,
        "methods B1",
    ),
    "people_process": ("process_days x engineer_day_usd", 0.0, "methods B1"),
    "egress": ("egress_gb x egress_usd_per_gb", 0.0, "assumption"),
}

# mitigation -> line -> share of the line that remains (methods B1/B2
# name the mitigations; the shares are assumptions).
MITIGATION_SHARES: dict[str, dict[str, float]] = {
    "gateway": {"integration": 0.25, "tool_schemas": 0.5},
    "portable_evals": {"prompt_retuning": 0.5, "eval_review": 0.5},
    "client_side_state": {"provider_state": 0.0},
    "open_weight_fallback": {"fine_tunes": 0.0},
}


@dataclass(frozen=True)
class LineItem:
    """One line of the ledger, USD at a move decided in the start month."""

    name: str
    driver: str
    usd: float
    forced_share: float
    source: str

    @property
    def incremental_usd(self) -> float:
        """What a cross-provider move adds to a within-provider one."""
        return self.usd * (1.0 - self.forced_share)


@dataclass(frozen=True)
class SwitchCost:
    """What the policy needs to know about leaving one candidate.

    Attributes:
        exit_usd: (months,) incremental USD of a move decided in month t,
            eval tokens excluded.
        eval_mtok: million eval tokens, net of the forced share, to price
            at the destination's USD per 1M tokens.
        lead_time_months: months from the decision until the new provider
            serves; the old one is billed until then.
        dual_run_months: months of the destination's spend paid on top,
            at the decision (dual-run months x share of traffic).
    """

    exit_usd: FloatArray
    eval_mtok: float
    lead_time_months: int
    dual_run_months: float


@dataclass(frozen=True)
class SwitchingLedger:
    """Factor 12's ledger for one candidate.

    Attributes:
        items: the lines, gross and forced share, at the start month.
        cost: the candidate's switching cost as the policy reads it.
        reference: the portable deployment's, for the lock-in cost.
        gateway_toggled: the candidate's with the gateway added (or
            removed, when it declares one), for the gateway trade-off.
        monthly_spend_usd: spend of the start month, to state costs in
            months of spend.
        usd_per_mtok: the candidate's blended list price for the
            scenario's token mix, as a destination of eval tokens.
        eval_usd_per_mtok: the price the eval-token line is shown at.
        flags: blockers and warnings, with sources.
        facts: the provider facts read, with their sources.
    """

    candidate: str
    provider: str
    items: tuple[LineItem, ...]
    cost: SwitchCost
    reference: SwitchCost
    gateway_toggled: SwitchCost
    monthly_spend_usd: float
    usd_per_mtok: float
    eval_usd_per_mtok: float
    mitigations: tuple[str, ...]
    flags: tuple[Flag, ...]
    facts: tuple[Fact, ...]
    gateway_fee_share: float
    gateway_usd_per_month: float

    @property
    def gross_usd(self) -> float:
        """Sum of the lines at the start month, USD."""
        return sum(item.usd for item in self.items)

    @property
    def switching_cost_usd(self) -> float:
        """Incremental switching cost at the start month, USD: the sum of
        the lines' incremental costs."""
        return self.start_usd(self.cost)

    @property
    def switching_cost_months(self) -> float:
        """:attr:`switching_cost_usd` in months of start-month spend."""
        return _months(self.switching_cost_usd, self.monthly_spend_usd)

    @property
    def dual_run_usd(self) -> float:
        """Dual running at the start month's spend, USD."""
        return self.cost.dual_run_months * self.monthly_spend_usd

    def start_usd(self, cost: SwitchCost) -> float:
        """``cost`` at a move decided in the start month, eval tokens at
        :attr:`eval_usd_per_mtok`, USD."""
        return float(cost.exit_usd[0] + cost.eval_mtok * self.eval_usd_per_mtok)

    @property
    def has_gateway(self) -> bool:
        """True if the candidate declares the gateway mitigation."""
        return "gateway" in self.mitigations

    @property
    def blockers(self) -> tuple[Flag, ...]:
        """Flags that money alone does not settle."""
        return tuple(f for f in self.flags if f.level == "blocker")


@dataclass(frozen=True)
class _Context:
    """Inputs every line of one ledger reads."""

    switching: Switching
    lock_in: LockIn
    facts: Mapping[str, Fact]
    mitigations: frozenset[str]
    months: tuple[date, ...]
    provisioned_usd_per_month: float
    provisioned_term_months: int
    eval_usd_per_mtok: float
    portable: bool  # the reference deployment: no provider-specific lines


def build_ledger(
    candidate: Candidate,
    scenario: Scenario,
    catalog: Catalog,
    monthly_spend_usd: float,
    eval_usd_per_mtok: float | None = None,
) -> SwitchingLedger:
    """The switching ledger of one candidate.

    Args:
        monthly_spend_usd: the candidate's spend in the start month (mean
            over paths), USD; switching costs are also stated in months
            of it.
        eval_usd_per_mtok: price at which the ledger's eval-token line is
            shown, USD per 1M tokens; default the candidate's own blended
            price. The policy prices eval tokens per destination anyway.
    """
    own_price = blended_usd_per_mtok(candidate, scenario)
    eval_price = own_price if eval_usd_per_mtok is None else eval_usd_per_mtok
    context = _context(candidate, scenario, catalog, eval_price)
    lines = _lines(context)
    flags = _flags(context, candidate.provider)
    toggled = context.mitigations ^ {"gateway"}
    return SwitchingLedger(
        candidate=candidate.name,
        provider=candidate.provider,
        items=tuple(_item(name, usd[0], context) for name, usd in lines.items()),
        cost=_switch_cost(lines, context),
        reference=_reference_cost(context),
        gateway_toggled=_switch_cost(
            _lines(replace(context, mitigations=toggled)), context
        ),
        monthly_spend_usd=monthly_spend_usd,
        usd_per_mtok=own_price,
        eval_usd_per_mtok=eval_price,
        mitigations=candidate.lock_in.mitigations,
        flags=tuple(flags),
        facts=lock_in_facts(context.facts),
        gateway_fee_share=scenario.switching.gateway_fee_share,
        gateway_usd_per_month=scenario.switching.gateway_usd_per_month,
    )


def build_ledgers(
    scenario: Scenario,
    catalog: Catalog,
    monthly_spend_usd: Mapping[str, float],
) -> dict[str, SwitchingLedger]:
    """Ledgers of every candidate, eval lines at the alternatives' mean price.

    Args:
        monthly_spend_usd: candidate name -> spend of its start month, USD.
    """
    prices = {c.name: blended_usd_per_mtok(c, scenario) for c in scenario.candidates}
    out = {}
    for cand in scenario.candidates:
        others = [
            prices[c.name] for c in scenario.candidates if c.provider != cand.provider
        ]
        price = float(np.mean(others)) if others else prices[cand.name]
        spend = monthly_spend_usd[cand.name]
        out[cand.name] = build_ledger(cand, scenario, catalog, spend, price)
    return out


def blended_usd_per_mtok(candidate: Candidate, scenario: Scenario) -> float:
    """List price of the scenario's token mix on ``candidate``, USD per 1M.

    Input and output tokens weighted by every workload's mean tokens and
    requests per day, at the regime in force in the start month (or the
    negotiated prices), after the candidate's discount.
    """
    listed = candidate.model.regime_at(scenario.start)
    given = candidate.price
    p_in = _first(
        given.input if given else None,
        listed.input_usd_per_mtok if listed else None,
    )
    p_out = _first(
        given.output if given else None,
        listed.output_usd_per_mtok if listed else None,
    )
    mix = scenario.workloads
    tokens_in = sum(w.requests_per_day * w.input_tokens.mean for w in mix)
    tokens_out = sum(w.requests_per_day * w.output_tokens.mean for w in mix)
    usd = p_in * tokens_in + p_out * tokens_out
    return usd / (tokens_in + tokens_out) * (1.0 - candidate.discount)


def _first(*prices: float | None) -> float:
    """The first price given, 0 when none is."""
    return next((p for p in prices if p is not None), 0.0)


# --- lines ---------------------------------------------------------------------


def _context(
    candidate: Candidate, scenario: Scenario, catalog: Catalog, eval_price: float
) -> _Context:
    units = candidate.provisioned
    return _Context(
        switching=scenario.switching,
        lock_in=candidate.lock_in,
        facts=catalog.sheet(candidate.provider).facts,
        mitigations=frozenset(candidate.lock_in.mitigations),
        months=tuple(scenario.month_start(t) for t in range(scenario.months)),
        provisioned_usd_per_month=(
            units.units * units.usd_per_unit_hour * HOURS_PER_MONTH if units else 0.0
        ),
        provisioned_term_months=units.term_months if units else 0,
        eval_usd_per_mtok=eval_price,
        portable=False,
    )


def _lines(ctx: _Context) -> dict[str, FloatArray]:
    """Gross USD of every line at a move decided in each month."""
    sw, lock = ctx.switching, ctx.lock_in
    day, hour = sw.engineer_day_usd, sw.engineer_day_usd / HOURS_PER_DAY
    flat = {
        "integration": sw.integration_days * day,
        "prompt_retuning": sw.prompts * sw.hours_per_prompt * hour,
        "eval_tokens": sw.eval_tokens / 1e6 * ctx.eval_usd_per_mtok,
        "eval_review": sw.review_hours * sw.review_hour_usd,
        "tool_schemas": sw.tools * sw.hours_per_tool * hour,
        "re_embedding": _re_embedding_usd(sw, lock),
        "fine_tunes": _fine_tune_usd(ctx),
        "provider_state": len(lock.provider_state) * lock.state_days * day,
        "proprietary_features": lock.proprietary_features * lock.days_per_feature * day,
        "people_process": sw.process_days * day,
    }
    if ctx.portable:
        flat.update(dict.fromkeys(_PROVIDER_LINES, 0.0))
    lines = {
        name: np.full(len(ctx.months), usd * _remaining(ctx, name))
        for name, usd in flat.items()
    }
    lines["contracts"] = _contracts(ctx)
    lines["egress"] = _egress(ctx)
    return {name: lines[name] for name in DRIVERS}


_PROVIDER_LINES = (
    "re_embedding",
    "fine_tunes",
    "provider_state",
    "proprietary_features",
)


def _remaining(ctx: _Context, line: str) -> float:
    """Share of ``line`` left by the mitigations and the provider's facts.

    The smallest share counts, not the product: a gateway on an
    OpenAI-compatible endpoint removes the API layer once, not twice.
    """
    shares = [MITIGATION_SHARES[m].get(line, 1.0) for m in ctx.mitigations]
    if line == "integration" and not ctx.portable and is_compatible(ctx.facts):
        shares.append(COMPATIBLE_SHARE)
    return min(shares, default=1.0)


def _re_embedding_usd(sw: Switching, lock: LockIn) -> float:
    if lock.corpus_tokens <= 0:
        return 0.0
    api = lock.corpus_tokens / 1e6 * sw.embedding_usd_per_mtok
    return api + sw.reindex_days * sw.engineer_day_usd


def _fine_tune_usd(ctx: _Context) -> float:
    sw, lock = ctx.switching, ctx.lock_in
    # Exportable weights move with the team: no retraining tokens.
    moves = weights_exportable(ctx.facts) == "yes"
    tokens = 0.0 if moves else lock.training_tokens / 1e6 * sw.training_usd_per_mtok
    return lock.fine_tunes * (tokens + lock.data_days * sw.engineer_day_usd)


def _contracts(ctx: _Context) -> FloatArray:
    """Sunk contract money at a move decided in each month, USD.

    The old provider serves (and draws down the commitment) until the
    lead time ends; what is left then is paid for nothing.
    """
    t = np.arange(len(ctx.months), dtype=np.float64)
    out = np.zeros_like(t)
    if ctx.portable:
        return out
    lead = ctx.switching.lead_time_months
    lock = ctx.lock_in
    if lock.commitment_usd > 0:
        left = 1.0 - (t + lead) / lock.commitment_months
        out += lock.commitment_usd * np.clip(left, 0.0, 1.0)
    term = ctx.provisioned_term_months
    if term > 0:
        # Terms renew back to back while the candidate serves.
        rest = np.maximum(term - np.mod(t, term) - lead, 0.0)
        out += rest * ctx.provisioned_usd_per_month
    return out + lock.termination_usd


def _egress(ctx: _Context) -> FloatArray:
    usd = ctx.lock_in.egress_gb * ctx.switching.egress_usd_per_gb
    if ctx.portable:
        usd = 0.0
    charged = [
        not (ctx.switching.eu_data_act and day >= DATA_ACT_FREE_FROM)
        for day in ctx.months
    ]
    return np.asarray(charged, dtype=np.float64) * usd


def _item(name: str, usd: float, ctx: _Context) -> LineItem:
    driver, forced, source = DRIVERS[name]
    return LineItem(name, driver, float(usd), forced, source)


def _switch_cost(lines: Mapping[str, FloatArray], ctx: _Context) -> SwitchCost:
    """Incremental cost of leaving, net of what a model change pays anyway."""
    total = np.zeros(len(ctx.months))
    for name, usd in lines.items():
        if name != "eval_tokens":
            total += usd * (1.0 - DRIVERS[name][1])
    sw = ctx.switching
    eval_mtok = sw.eval_tokens / 1e6 * (1.0 - DRIVERS["eval_tokens"][1])
    return SwitchCost(
        exit_usd=total,
        eval_mtok=eval_mtok,
        lead_time_months=sw.lead_time_months,
        dual_run_months=sw.dual_run_months * sw.dual_run_share,
    )


def _reference_cost(ctx: _Context) -> SwitchCost:
    """The portable deployment: team-wide lines, reference mitigations."""
    mitigations = frozenset(ctx.switching.reference_mitigations)
    portable = replace(ctx, portable=True, mitigations=mitigations)
    return _switch_cost(_lines(portable), portable)


def _flags(ctx: _Context, provider: str) -> list[Flag]:
    lock = ctx.lock_in
    covered = "open_weight_fallback" in ctx.mitigations
    uses = {
        "fine_tunes": lock.fine_tunes > 0,
        "state": bool(lock.provider_state),
        "embeddings": lock.corpus_tokens > 0,
        "open_weight_fallback": covered,
    }
    flags = fact_flags(ctx.facts, provider, uses, ctx.switching.lead_time_months)
    stuck = lock.provider_state and not lock.state_exportable
    if stuck and "client_side_state" not in ctx.mitigations:
        kinds = ", ".join(lock.provider_state)
        flags.append(
            Flag(
                "blocker",
                f"{provider} holds {kinds} with no export: the move needs the "
                "state rebuilt client-side first",
                "scenario: lock_in.state_exportable = false",
            )
        )
    return flags


def _months(usd: float, monthly_spend_usd: float) -> float:
    return usd / monthly_spend_usd if monthly_spend_usd > 0 else float("inf")

"""``run(scenario) -> Result``: the one place where the steps meet.

Data flows one way: demand (requests per path and month, shared by every
candidate so that comparisons are paired) -> engine (usage ledger) ->
billing (cost lines) -> money over time -> scores.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date

import numpy as np

from sim.billing import PriceTable, Terms, build_price_table, calc_cost_lines
from sim.catalog import Catalog, Model, ProviderTerms
from sim.demand import simulate_requests
from sim.engine import simulate_usage
from sim.engine.ledger import UsageLedger, split_category
from sim.scenario import Candidate, Scenario, Workload
from sim.scoring import CostScore, calc_cost_score
from sim.stats import FloatArray, YearBudget, annual_budgets, npv

log = logging.getLogger(__name__)

FORECAST_PENDING = (
    "prices = 'forecast': prices follow the dated regimes in the price sheets "
    "(scheduled changes included) and hold flat after the last one; no "
    "statistical forecast of future price moves is applied"
)


@dataclass(frozen=True)
class WorkloadRun:
    """One workload on one candidate: usage and cost lines."""

    workload: str
    ledger: UsageLedger
    cost_lines: dict[str, FloatArray]
    cost_usd: FloatArray
    engine: str = "fluid"


@dataclass(frozen=True)
class CandidateRun:
    """Everything computed for one candidate."""

    candidate: Candidate
    workloads: tuple[WorkloadRun, ...]
    cost_usd: FloatArray
    tco_usd: FloatArray
    npv_usd: FloatArray
    budgets: tuple[YearBudget, ...]
    cost_score: CostScore
    notes: tuple[str, ...]

    @property
    def requests(self) -> FloatArray:
        """Requests per path and month over all workloads."""
        return np.asarray(sum(w.ledger.requests for w in self.workloads))


@dataclass(frozen=True)
class Anchor:
    """The reference TCO the cost score is measured against."""

    kind: str
    tco_usd: float
    capability_class: str
    model: str | None = None


@dataclass(frozen=True)
class Result:
    """The outcome of one run."""

    scenario: Scenario
    catalog: Catalog
    month_labels: list[str]
    candidates: tuple[CandidateRun, ...]
    anchor: Anchor
    assumptions: tuple[str, ...]
    engine: str = "auto"


def run(scenario: Scenario, catalog: Catalog, engine: str = "auto") -> Result:
    """Simulate every candidate of ``scenario`` and score them.

    Args:
        engine: ``des``, ``fluid`` or ``auto`` (see :mod:`sim.engine`).
    """
    began = time.perf_counter()
    starts = [scenario.month_start(t) for t in range(scenario.months + 1)]
    demand = {w.name: simulate_requests(w, scenario) for w in scenario.workloads}
    anchor = _anchor(scenario, catalog, demand, starts)
    runs = tuple(
        _run_candidate(c, scenario, catalog, demand, starts, anchor.tco_usd, engine)
        for c in scenario.candidates
    )
    log.info(
        "simulated %d candidates x %d workloads x %d paths x %d months in %.2f s",
        len(runs),
        len(scenario.workloads),
        scenario.paths,
        scenario.months,
        time.perf_counter() - began,
    )
    labels = [f"{d:%Y-%m}" for d in starts[:-1]]
    return Result(
        scenario, catalog, labels, runs, anchor, _assumptions(scenario), engine
    )


def _assumptions(scenario: Scenario) -> tuple[str, ...]:
    out = [
        "usage from the workload engine: prompt-cache hits derived from "
        "traffic, TTL and prefix popularity unless a workload gives "
        "cache_hit_ratio; the cost anchor uses the closed-form (fluid) engine",
        "costs are list prices at the regime in force each day, prorated "
        "within the month, unless the candidate gives negotiated prices",
    ]
    if scenario.prices == "forecast":
        out.append(FORECAST_PENDING)
    else:
        out.append(
            f"prices = 'frozen': list prices on {scenario.start} held flat "
            "over the horizon"
        )
    return tuple(out)


def _run_candidate(
    cand: Candidate,
    scenario: Scenario,
    catalog: Catalog,
    demand: dict[str, FloatArray],
    starts: list[date],
    anchor_usd: float,
    engine: str,
) -> CandidateRun:
    runs = tuple(
        _run_workload(w, cand, catalog, scenario, demand[w.name], starts, engine)
        for w in scenario.workloads
    )
    cost = np.asarray(sum(r.cost_usd for r in runs))
    tco = cost.sum(axis=1)
    labels = [f"{d:%Y-%m}" for d in starts[:-1]]
    notes = sorted({n for r in runs for n in _notes_of(r)})
    return CandidateRun(
        candidate=cand,
        workloads=runs,
        cost_usd=cost,
        tco_usd=tco,
        npv_usd=npv(cost, scenario.discount_rate),
        budgets=tuple(annual_budgets(cost, labels)),
        cost_score=calc_cost_score(tco, anchor_usd),
        notes=tuple(notes),
    )


def _run_workload(
    workload: Workload,
    cand: Candidate,
    catalog: Catalog,
    scenario: Scenario,
    requests: FloatArray,
    starts: list[date],
    engine: str,
) -> WorkloadRun:
    provider_terms = catalog.sheet(cand.provider).terms
    days = np.diff([d.toordinal() for d in starts]).astype(np.float64)
    ledger, used = simulate_usage(
        engine,
        workload,
        cand,
        provider_terms,
        scenario.start,
        requests,
        days,
        scenario.seed,
    )
    table = _price_table(cand, provider_terms, workload, scenario, starts)
    lines = calc_cost_lines(ledger, table)
    cost = np.asarray(sum(lines.values())) if lines else np.zeros_like(requests)
    notes = ledger.notes + _used_tier_notes(ledger, table)
    return WorkloadRun(
        workload.name,
        UsageLedger(ledger.requests, ledger.tokens, notes, ledger.stats),
        lines,
        cost,
        used,
    )


def _price_table(
    cand: Candidate,
    provider_terms: ProviderTerms,
    workload: Workload,
    scenario: Scenario,
    starts: list[date],
) -> PriceTable:
    """Prices of every ledger category, the router's second model included."""
    frozen = scenario.prices == "frozen"
    terms = Terms(cand.model, provider_terms, cand.region, cand.discount, cand.price)
    table = build_price_table(terms, starts, workload.daily_profile, frozen)
    if cand.route is None:
        return table
    # The second model keeps the contract's region and discount; negotiated
    # prices belong to the main model only.
    alt = Terms(cand.route.model, provider_terms, cand.region, cand.discount)
    alt_table = build_price_table(alt, starts, workload.daily_profile, frozen)
    prices = dict(table.prices)
    prices.update({f"alt:{k}": v for k, v in alt_table.prices.items()})
    return PriceTable(prices, table.tier_notes)


def _used_tier_notes(ledger: UsageLedger, table: PriceTable) -> tuple[str, ...]:
    tiers = {split_category(k)[0] for k in ledger.tokens}
    return tuple(note for tier, note in table.tier_notes.items() if tier in tiers)


def _notes_of(run: WorkloadRun) -> tuple[str, ...]:
    return tuple(f"{run.workload}: {n}" for n in run.ledger.notes)


def _anchor(
    scenario: Scenario,
    catalog: Catalog,
    demand: dict[str, FloatArray],
    starts: list[date],
) -> Anchor:
    cls = scenario.capability_class
    if scenario.budget_usd is not None:
        return Anchor("budget", scenario.budget_usd, cls)
    mean_demand = {k: v.mean(axis=0, keepdims=True) for k, v in demand.items()}
    best: tuple[float, Model] | None = None
    for model in catalog.current_models(scenario.start, cls):
        if not _fits_context(model, scenario.workloads):
            continue
        tco = _list_price_tco(model, scenario, catalog, mean_demand, starts)
        if best is None or tco < best[0]:
            best = (tco, model)
    if best is None:
        raise ValueError(f"no current catalogue model of class '{cls}'")
    return Anchor("cheapest-model", best[0], cls, best[1].key)


def _fits_context(model: Model, workloads: tuple[Workload, ...]) -> bool:
    """A model anchors only if its context holds the 99th-percentile prompt."""
    if model.context_window is None:
        return True
    need = max(w.input_tokens.quantile(0.99) for w in workloads)
    return model.context_window >= need


def _list_price_tco(
    model: Model,
    scenario: Scenario,
    catalog: Catalog,
    mean_demand: dict[str, FloatArray],
    starts: list[date],
) -> float:
    cand = Candidate(name=model.key, provider=model.provider, model=model)
    total = 0.0
    for wl in scenario.workloads:
        # The anchor is a reference level, priced with the closed forms.
        run = _run_workload(
            wl, cand, catalog, scenario, mean_demand[wl.name], starts, "fluid"
        )
        total += float(run.cost_usd.sum())
    return total

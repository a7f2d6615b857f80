"""``run(scenario) -> Result``: the one place where the steps meet.

Data flows one way: demand (requests per path and month, shared by every
candidate so that comparisons are paired) -> engine (usage ledger) ->
billing (cost lines) -> money over time -> scores. Beside it, the catalog
-> price forecast -> price paths: with ``prices = "forecast"`` each
candidate's cost lines are multiplied by its own price path, drawn for the
same Monte Carlo paths as the demand.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from sim.billing import PriceTable, Terms, build_price_table, calc_cost_lines
from sim.catalog import Catalog, Model, ProviderTerms
from sim.demand import simulate_requests
from sim.engine import simulate_usage
from sim.engine.fluid import storage_key
from sim.engine.ledger import KINDS, UsageLedger, category, split_category
from sim.engine.serving import PROVISIONED_HOURS
from sim.forecast.trajectory import (
    CandidatePrices,
    PriceForecast,
    PricingTrajectory,
    forecast_prices,
    score_window,
)
from sim.scenario import Candidate, Scenario, Workload
from sim.scoring import CostScore, calc_cost_score
from sim.selection import CandidateInput, SelectionResult, select_candidates
from sim.selection.computed import (
    cost_paths_score,
    lock_in_paths_score,
    trajectory_paths_score,
    worst_delay_seconds,
)
from sim.stats import FloatArray, YearBudget, annual_budgets, npv
from sim.switching import LockInResult, build_ledgers, simulate_switching

log = logging.getLogger(__name__)

MIGRATION_LINE = "one_off/migration"  # cost-line key: tier one_off, kind migration


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
    pricing: PricingTrajectory | None = None
    lock_in: LockInResult | None = None

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
    price_forecast: PriceForecast | None = None
    selection: SelectionResult | None = None


def run(scenario: Scenario, catalog: Catalog, engine: str = "auto") -> Result:
    """Simulate every candidate of ``scenario`` and score them.

    Args:
        engine: ``des``, ``fluid`` or ``auto`` (see :mod:`sim.engine`).
    """
    began = time.perf_counter()
    starts = [scenario.month_start(t) for t in range(scenario.months + 1)]
    demand = {w.name: simulate_requests(w, scenario) for w in scenario.workloads}
    anchor = _anchor(scenario, catalog, demand, starts)
    forecast = _forecast(scenario, catalog)
    runs = tuple(
        _run_candidate(
            c,
            scenario,
            catalog,
            demand,
            starts,
            anchor.tco_usd,
            engine,
            forecast.candidates[c.name],
        )
        for c in scenario.candidates
    )
    runs = _with_lock_in(runs, scenario, catalog)
    log.info(
        "simulated %d candidates x %d workloads x %d paths x %d months in %.2f s",
        len(runs),
        len(scenario.workloads),
        scenario.paths,
        scenario.months,
        time.perf_counter() - began,
    )
    labels = [f"{d:%Y-%m}" for d in starts[:-1]]
    notes = _assumptions(scenario, forecast)
    selection = _select(runs, scenario, catalog, forecast)
    return Result(
        scenario, catalog, labels, runs, anchor, notes, engine, forecast, selection
    )


def _select(
    runs: tuple[CandidateRun, ...],
    scenario: Scenario,
    catalog: Catalog,
    forecast: PriceForecast,
) -> SelectionResult | None:
    """Gates, composite and robustness when the scenario asks for them."""
    if scenario.selection is None:
        return None
    inputs = [_selection_input(r, scenario, catalog, forecast) for r in runs]
    return select_candidates(scenario.selection, inputs, scenario.seed)


def _selection_input(
    run: CandidateRun, scenario: Scenario, catalog: Catalog, forecast: PriceForecast
) -> CandidateInput:
    """One candidate's facts, team scores and per-path computed scores.

    The per-path scores share the path index across factors and candidates,
    so the robustness draws move cost, trajectory and lock-in together.
    """
    cand = run.candidate
    computed = {"cost": cost_paths_score(run.cost_score, run.tco_usd)}
    if run.pricing is not None:
        prices = forecast.candidates[cand.name].price_usd
        computed["pricing_trajectory"] = trajectory_paths_score(run.pricing, prices)
    if run.lock_in is not None:
        computed["lock_in"] = lock_in_paths_score(run.lock_in)
    return CandidateInput(
        cand.name,
        cand.provider,
        cand.model.key,
        catalog.sheet(cand.provider).facts,
        cand.model.context_window_at(scenario.start),
        cand.scores,
        computed,
        worst_delay_seconds([w.ledger.stats for w in run.workloads]),
    )


def _with_lock_in(
    runs: tuple[CandidateRun, ...], scenario: Scenario, catalog: Catalog
) -> tuple[CandidateRun, ...]:
    """Factor 12 on the candidates' cost paths, which share demand and prices.

    Switching cost lines are sized on each candidate's start-month spend.
    """
    spend = {r.candidate.name: float(r.cost_usd[:, 0].mean()) for r in runs}
    ledgers = build_ledgers(scenario, catalog, spend)
    results = simulate_switching(
        {r.candidate.name: r.cost_usd for r in runs},
        ledgers,
        scenario.discount_rate,
        scenario.switching.hysteresis,
    )
    return tuple(replace(r, lock_in=results[r.candidate.name]) for r in runs)


def _assumptions(scenario: Scenario, forecast: PriceForecast) -> tuple[str, ...]:
    out = [
        "usage from the workload engine: prompt-cache hits derived from "
        "traffic, TTL and prefix popularity unless a workload gives "
        "cache_hit_ratio; the cost anchor uses the closed-form (fluid) engine",
        "costs are list prices at the regime in force each day, prorated "
        "within the month, unless the candidate gives negotiated prices",
    ]
    end = f"{forecast.data_end:%Y-%m}"
    if scenario.prices == "forecast":
        out.append(
            "prices = 'forecast': the dated regimes (scheduled changes "
            f"included) through {end}, the last month of price data; after "
            "it each path takes its own price steps from the pooled jump "
            "model (factor 11), so costs carry price uncertainty"
        )
    else:
        out.append(
            f"prices = 'frozen': list prices on {scenario.start} held flat "
            "over the horizon; the pricing trajectory score (factor 11) "
            f"still uses the price forecast after {end}"
        )
    return tuple(out)


def _forecast(scenario: Scenario, catalog: Catalog) -> PriceForecast:
    """Price paths of every candidate, and factor 11 from them."""
    unit_usd = {c.name: _unit_usd(c, scenario, catalog) for c in scenario.candidates}
    return forecast_prices(scenario, catalog, unit_usd)


def _unit_usd(cand: Candidate, scenario: Scenario, catalog: Catalog) -> FloatArray:
    """Cost of one request at the dated prices, month by month.

    Over the horizon and at least the 25 months factor 11 needs, at the
    start month's volume and with the closed-form engine: this is the
    deterministic price the candidate's price path multiplies.
    """
    window = score_window(scenario.months)
    starts = [scenario.month_start(t) for t in range(window + 1)]
    dated = replace(scenario, months=window, prices="forecast")
    days = np.diff([d.toordinal() for d in starts]).astype(np.float64)
    usd = np.zeros(window)
    requests = np.zeros(window)
    for wl in scenario.workloads:
        volume = (wl.requests_per_day * days)[None, :]
        run = _run_workload(wl, cand, catalog, dated, volume, starts, "fluid")
        usd += run.cost_usd[0]
        requests += volume[0]
    return usd / requests


def _run_candidate(
    cand: Candidate,
    scenario: Scenario,
    catalog: Catalog,
    demand: dict[str, FloatArray],
    starts: list[date],
    anchor_usd: float,
    engine: str,
    prices: CandidatePrices,
) -> CandidateRun:
    # Frozen prices stay exactly as listed: no price path, no migrations.
    moving = prices.multiplier if scenario.prices == "forecast" else None
    runs = tuple(
        _run_workload(
            w, cand, catalog, scenario, demand[w.name], starts, engine, moving
        )
        for w in scenario.workloads
    )
    if moving is not None and cand.migration_usd > 0:
        runs = _charge_migrations(runs, prices.migrations * cand.migration_usd)
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
        pricing=prices.trajectory,
    )


def _charge_migrations(
    runs: tuple[WorkloadRun, ...], migration_usd: FloatArray
) -> tuple[WorkloadRun, ...]:
    """Add the migrations' one-off costs as a cost line of the first workload.

    A migration serves the whole candidate, not one workload; booking it
    once keeps every total (monthly, TCO, NPV) equal to the sum of lines.
    """
    first = runs[0]
    lines = dict(first.cost_lines)
    lines[MIGRATION_LINE] = migration_usd
    note = (
        "model migrations when the price path moves to another model are "
        "charged here at the scenario's migration_usd"
    )
    ledger = replace(first.ledger, notes=(*first.ledger.notes, note))
    charged = replace(
        first, ledger=ledger, cost_lines=lines, cost_usd=first.cost_usd + migration_usd
    )
    return (charged, *runs[1:])


def _run_workload(
    workload: Workload,
    cand: Candidate,
    catalog: Catalog,
    scenario: Scenario,
    requests: FloatArray,
    starts: list[date],
    engine: str,
    multiplier: FloatArray | None = None,
) -> WorkloadRun:
    """Usage and cost lines; ``multiplier`` (paths, months) scales prices."""
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
    table = _price_table(cand, provider_terms, workload, scenario, starts, catalog)
    lines = calc_cost_lines(ledger, table)
    if multiplier is not None:
        # Token prices follow the path; provisioned units keep their
        # contract price for the term.
        lines = {
            key: usd if key == PROVISIONED_HOURS else usd * multiplier
            for key, usd in lines.items()
        }
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
    catalog: Catalog,
) -> PriceTable:
    """Prices of every ledger category, the router's second model included."""
    frozen = scenario.prices == "frozen"
    terms = Terms(
        cand.model,
        provider_terms,
        cand.region,
        cand.discount,
        cand.price,
        cand.cache_ttl,
    )
    table = build_price_table(terms, starts, workload.daily_profile, frozen)
    prices = dict(table.prices)
    if cand.route is not None:
        # The second model keeps the contract's region and discount;
        # negotiated prices belong to the main model only.
        alt = Terms(
            cand.route.model,
            provider_terms,
            cand.region,
            cand.discount,
            cache_ttl=cand.cache_ttl,
        )
        alt_table = build_price_table(alt, starts, workload.daily_profile, frozen)
        prices.update({f"alt:{k}": v for k, v in alt_table.prices.items()})
    prices.update(_capacity_prices(cand, scenario, workload, catalog, starts))
    prices.update(_storage_prices(cand, provider_terms, len(starts) - 1))
    return PriceTable(prices, table.tier_notes)


def _storage_prices(
    cand: Candidate, terms: ProviderTerms, months: int
) -> dict[str, FloatArray]:
    """Explicit-cache storage, USD per million token-hours, per model."""
    out: dict[str, FloatArray] = {}
    models = {"main": cand.model}
    if cand.route is not None:
        models["alt"] = cand.route.model
    for slot, model in models.items():
        price = terms.cache.storage_for(model) if terms.cache else None
        out[storage_key(slot)] = np.full(months, price or 0.0)
    return out


def _capacity_prices(
    cand: Candidate,
    scenario: Scenario,
    workload: Workload,
    catalog: Catalog,
    starts: list[date],
) -> dict[str, FloatArray]:
    """Provisioned units (per unit-hour, tokens free) and fallback prices."""
    months = len(starts) - 1
    out: dict[str, FloatArray] = {}
    if cand.provisioned is not None:
        for kind in KINDS:
            for lc in (False, True):
                out[category("provisioned", kind, lc)] = np.zeros(months)
        out[PROVISIONED_HOURS] = np.full(months, cand.provisioned.usd_per_unit_hour)
    limit = cand.rate_limit
    if limit is not None and limit.fallback is not None:
        other = next(c for c in scenario.candidates if c.name == limit.fallback)
        fb = _price_table(
            replace(other, rate_limit=None, provisioned=None, route=None),
            catalog.sheet(other.provider).terms,
            workload,
            scenario,
            starts,
            catalog,
        )
        out.update({f"fb:{k}": v for k, v in fb.prices.items() if ":" not in k})
    return out


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

"""``summary.json``, ``monthly.csv`` and ``scores.csv``: the machine outputs.

Numbers are written at fixed precision so that two runs with the same
scenario, seed and version give byte-identical files (apart from the
``created_utc`` timestamp in ``summary.json``).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import numpy as np

import sim
from sim.engine.ledger import UsageLedger
from sim.forecast.trajectory import PricingTrajectory
from sim.pipeline import CandidateRun, Result, WorkloadRun
from sim.report.selection_json import candidate_selection, selection_summary
from sim.selection import SelectionResult
from sim.stats import Band, FloatArray
from sim.switching import LockInResult

SCHEMA_VERSION = 1

# Engine signals, means over paths; blank where a workload has none.
_STATS = (
    "cache_hit_ratio",
    "cache_hit_ratio_se",
    "response_cache_hit_ratio",
    "provisioned_token_share",
    "provisioned_utilisation",
    "spill_requests",
    "fallback_requests",
    "dropped_requests",
    "delay_p50_seconds",
    "delay_p95_seconds",
    "delay_p99_seconds",
)

MONTHLY_COLUMNS = (
    "month",
    "candidate",
    "workload",
    "requests",
    "input_tokens",
    "cached_input_tokens",
    "cache_write_tokens",
    "output_tokens",
    "batch_share",
    "flex_share",
    "priority_share",
    *_STATS,
    "cost_usd_mean",
    "cost_usd_p10",
    "cost_usd_p50",
    "cost_usd_p90",
    "cost_per_1k_requests_usd",
)

SCORE_COLUMNS = (
    "candidate",
    "factor",
    "score",
    "score_p10",
    "score_p90",
    "metric",
    "metric_value",
    "unit",
)


def build_summary(result: Result) -> dict[str, Any]:
    """The ``summary.json`` document (see ``tcosim schema summary``)."""
    sc = result.scenario
    return {
        "schema_version": SCHEMA_VERSION,
        "tcosim_version": sim.__version__,
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "scenario": {
            "name": sc.name,
            "start": f"{sc.start:%Y-%m}",
            "months": sc.months,
            "sha256": sc.sha256,
            "prices": sc.prices,
            "discount_rate": sc.discount_rate,
            "capability_class": sc.capability_class,
        },
        "run": {
            "seed": sc.seed,
            "paths": sc.paths,
            "engine": result.engine,
            "pricing_data_sha256": result.catalog.sha256,
        },
        "anchor": {
            "kind": result.anchor.kind,
            "tco_usd": _round(result.anchor.tco_usd),
            "capability_class": result.anchor.capability_class,
            "model": result.anchor.model,
        },
        "assumptions": list(result.assumptions),
        "price_forecast": _price_forecast(result),
        "candidates": [_candidate(c, result.selection) for c in result.candidates],
    } | (
        {"selection": _rounded(selection_summary(result.selection))}
        if result.selection is not None
        else {}
    )


def _price_forecast(result: Result) -> dict[str, Any]:
    """What the price paths and factor 11 rest on."""
    forecast = result.price_forecast
    if forecast is None:
        return {}
    return {
        "model": "jump",
        "data_through": f"{forecast.data_end:%Y-%m}",
        "hazard_decay": forecast.hazard_decay,
        "diagnostics": list(forecast.diagnostics),
    }


def _trajectory(factor: PricingTrajectory) -> dict[str, Any]:
    """Factor 11 as ``summary.json`` holds it; rates in natural log a year."""
    return {
        "score": _round(factor.score),
        "score_p10": _round(factor.score_p10),
        "score_p90": _round(factor.score_p90),
        "annual_log_change": _round(factor.annual_log_change),
        "risk_adjusted_log_change": _round(factor.risk_adjusted_log_change),
        "market_log_change": _round(factor.market_log_change),
        "relative": _round(factor.relative),
        "low_evidence": factor.low_evidence,
        "own_steps": factor.own_steps,
        "price_model": factor.price_model,
    }


def _candidate(
    run: CandidateRun, selection: SelectionResult | None = None
) -> dict[str, Any]:
    cand, score = run.candidate, run.cost_score
    return {
        "name": cand.name,
        "provider": cand.provider,
        "model": cand.model.id,
        "capability_class": cand.model.capability_class,
        "region": cand.region,
        "discount": cand.discount,
        "tco_usd": _band(run.tco_usd),
        "npv_usd": _band(run.npv_usd),
        "requests_total_mean": _round(float(run.requests.sum(axis=1).mean())),
        "cost_per_1k_requests_usd": _round(cost_per_1k(run)),
        "budget_years": [
            {
                "year": b.year,
                "first_month": b.first_month,
                "months": b.months,
                "p50_usd": _round(b.p50_usd),
                "p80_usd": _round(b.p80_usd),
                "p90_usd": _round(b.p90_usd),
                "contingency_usd": _round(b.contingency_usd),
            }
            for b in run.budgets
        ],
        "factors": {
            "cost": {
                "score": _round(score.score),
                "score_p10": _round(score.score_p10),
                "score_p90": _round(score.score_p90),
                "tco_to_anchor": _round(score.tco_to_anchor),
                "anchor_usd": _round(score.anchor_usd),
            },
            **(
                {"pricing_trajectory": _trajectory(run.pricing)}
                if run.pricing is not None
                else {}
            ),
            **(
                {"lock_in": _rounded(run.lock_in.as_dict())}
                if run.lock_in is not None
                else {}
            ),
        },
        "engines": {w.workload: w.engine for w in run.workloads},
        "notes": list(run.notes),
    } | _selection_of(selection, cand.name)


def _selection_of(selection: SelectionResult | None, name: str) -> dict[str, Any]:
    if selection is None:
        return {}
    rounded: dict[str, Any] = _rounded(candidate_selection(selection, name))
    return rounded


def cost_per_1k(run: CandidateRun) -> float:
    """Mean TCO per 1,000 requests over the horizon, USD."""
    requests = float(run.requests.sum(axis=1).mean())
    return float(run.tco_usd.mean()) / requests * 1000.0 if requests else 0.0


def render_summary_json(result: Result) -> str:
    """``summary.json`` text."""
    return json.dumps(build_summary(result), indent=2) + "\n"


def render_monthly_csv(result: Result) -> str:
    """``monthly.csv``: one row per month x candidate x workload."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(MONTHLY_COLUMNS)
    for run in result.candidates:
        for wl in run.workloads:
            for t, label in enumerate(result.month_labels):
                writer.writerow([label, run.candidate.name, *_monthly_row(wl, t)])
    return buf.getvalue()


def _monthly_row(wl: WorkloadRun, t: int) -> list[str]:
    ledger = wl.ledger
    requests = float(ledger.requests[:, t].mean())
    cost = wl.cost_usd[:, t]
    band = Band.of(cost)
    per_1k = band.mean / requests * 1000.0 if requests else 0.0
    tokens = [float(ledger.total(k)[:, t].mean()) for k in _TOKEN_KINDS]
    shares = [float(ledger.share(s)[:, t].mean()) for s in _SHARE_TIERS]
    signals = [_stat(ledger, name, t) for name in _STATS]
    return [
        wl.workload,
        f"{requests:.1f}",
        *(f"{x:.1f}" for x in tokens),
        *(f"{x:.4f}" for x in shares),
        *signals,
        *(f"{x:.4f}" for x in (band.mean, band.p10, band.p50, band.p90)),
        f"{per_1k:.6f}",
    ]


_TOKEN_KINDS = ("input", "cached_input", "cache_write", "output")
_SHARE_TIERS = ("batch", "flex", "priority")


def _stat(ledger: UsageLedger, name: str, t: int) -> str:
    """Mean over paths of an engine signal; blank where the engine has none."""
    values = ledger.stats.get(name)
    if values is None:
        return ""
    return f"{float(values[:, t].mean()):.4f}"


def render_scores_csv(result: Result) -> str:
    """``scores.csv``: one row per candidate x factor tcosim computes."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(SCORE_COLUMNS)
    for run in result.candidates:
        s = run.cost_score
        writer.writerow(
            [
                run.candidate.name,
                "cost",
                f"{s.score:.4f}",
                f"{s.score_p10:.4f}",
                f"{s.score_p90:.4f}",
                "tco_to_anchor",
                f"{s.tco_to_anchor:.6f}",
                "ratio (mean TCO / anchor USD)",
            ]
        )
        if run.pricing is not None:
            writer.writerow(_trajectory_row(run.candidate.name, run.pricing))
        if run.lock_in is not None:
            writer.writerow(_lock_in_row(run.candidate.name, run.lock_in))
        if result.selection is not None:
            writer.writerows(_selection_rows(run.candidate.name, result.selection))
    return buf.getvalue()


def _selection_rows(name: str, selection: SelectionResult) -> list[list[str]]:
    """The team's factor scores and the composite, when they exist."""
    rows = []
    for factor, score in selection.scores.get(name, {}).items():
        if score.paths is not None:
            continue  # computed by tcosim: its own rows above
        rows.append(
            [
                name,
                factor,
                f"{score.value:.4f}",
                f"{score.low:.4f}",
                f"{score.high:.4f}",
                "team_score",
                f"{score.value:.6f}",
                score.source or "team score (1-5)",
            ]
        )
    robust = selection.robustness
    if robust is not None and name in robust.composite:
        rows.append(
            [
                name,
                "composite",
                f"{robust.composite[name]:.4f}",
                "",
                "",
                "p_rank1",
                f"{robust.p_first[name]:.6f}",
                "weighted mean of the twelve scores; P(first) over the draws",
            ]
        )
    return rows


def _lock_in_row(name: str, factor: LockInResult) -> list[str]:
    if factor.basis == "simulation":
        metric, value = "lock_in_share", factor.lock_in_share
        unit = "share of never-switch NPV (savings forgone)"
    else:
        metric, value = "switching_cost_months", factor.ledger.switching_cost_months
        unit = "months of start-month spend"
    return [
        name,
        "lock_in",
        f"{factor.score:.4f}",
        f"{factor.score_p10:.4f}",
        f"{factor.score_p90:.4f}",
        metric,
        f"{value:.6f}",
        unit,
    ]


def _rounded(value: Any) -> Any:
    """Floats at fixed precision all through a nested mapping."""
    if isinstance(value, float):
        return _round(value)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _trajectory_row(name: str, factor: PricingTrajectory) -> list[str]:
    return [
        name,
        "pricing_trajectory",
        f"{factor.score:.4f}",
        f"{factor.score_p10:.4f}",
        f"{factor.score_p90:.4f}",
        "relative_annual_log_change",
        f"{factor.relative:.6f}",
        "ln(price) per year, risk-adjusted, minus the median provider's",
    ]


def _band(values: FloatArray) -> dict[str, float]:
    return {k: _round(v) for k, v in Band.of(values).as_dict().items()}


def _round(value: float) -> float:
    """Six significant decimals: enough for money, stable across runs."""
    return float(np.round(value, 6))

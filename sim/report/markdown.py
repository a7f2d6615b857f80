"""The Markdown report, and the content it shares with the HTML report.

:func:`build_report` turns a run into a list of plain blocks (headings,
paragraphs, bullet lists, tables, formulas, images); this module writes
them as Markdown and :mod:`sim.report.html` writes the same blocks as HTML,
so the two reports cannot say different things.

Money is shown to three significant figures (:func:`format_usd`): a Monte
Carlo total printed to the dollar would claim a precision the simulation
does not have. Units are named in column headers and in the prose.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import assert_never

import numpy as np

import sim
from sim.pipeline import Anchor, CandidateRun, Result, WorkloadRun
from sim.report.blocks import (
    Block,
    Bullets,
    Formula,
    Heading,
    Image,
    Paragraph,
    Section,
    Table,
    format_usd,
)
from sim.report.blocks import table as _table
from sim.report.blocks import take as _take
from sim.report.decision import decision_section
from sim.report.lock_in import lock_in_section
from sim.report.plots import (
    BREAKDOWN_PNG,
    CUMULATIVE_PNG,
    HIT_RATIO_PNG,
    UNIT_COST_PNG,
    kind_label,
    monthly_png,
    price_png,
    usd_by_kind,
)
from sim.report.summary import cost_per_1k
from sim.scoring import CostScore
from sim.stats import Band, YearBudget

FORMULA = "score = clip(4 - log2(TCO / anchor), 1, 5)"
TRAJECTORY_FORMULA = (
    "g = ln(price[24] / price[0]) / 2 per path\n"
    "a = median(g) + 0.5 (P80(g) - median(g))\n"
    "score = clip(3 - (a - a_market) / ln 1.5, 1, 5)"
)
FROZEN_NOTE = (
    "This run's TCO holds prices frozen; the price paths above inform the "
    "pricing trajectory score only."
)
DASH = "\u2013"  # en dash: the ends of a range, never a minus sign
HASH_CHARS = 12


def render_markdown(result: Result, plots: list[Path]) -> str:
    """The report as Markdown, linking the figures as ``plots/<file>``.

    Args:
        result: the run to report.
        plots: the PNG files of :func:`sim.report.plots.render_plots`.
    """
    return "\n\n".join(_markdown_of(b) for b in build_report(result, plots)) + "\n"


def build_report(result: Result, plots: Sequence[Path]) -> list[Block]:
    """The report's content, in reading order, for any writer.

    Each known figure is placed in its section; figures this function does
    not know are shown together under "More figures".
    """
    # Sections pop the figures they show, so what is left is unknown.
    figures = {p.name: p for p in plots}
    blocks: list[Block] = []
    for section in SECTIONS:
        blocks += section(result, figures)
    return blocks


def format_range(band: Band) -> str:
    """``p50 (p10–p90)`` of a money band."""
    low, mid, high = (format_usd(v) for v in (band.p10, band.p50, band.p90))
    return f"{mid} ({low}{DASH}{high})"


def format_score(score: CostScore) -> str:
    """``score (p10–p90)`` to two decimals."""
    return f"{score.score:.2f} ({score.score_p10:.2f}{DASH}{score.score_p90:.2f})"


# --- sections ------------------------------------------------------------------


def _title(result: Result, figures: dict[str, Path]) -> list[Block]:
    sc = result.scenario
    labels = result.month_labels
    horizon = (
        f"{sc.months} months, {labels[0]} to {labels[-1]}; {sc.paths:,} Monte "
        f"Carlo paths; prices '{sc.prices}'; NPV discounted at "
        f"{sc.discount_rate:.1%} a year. Money is in USD; ranges are "
        f"p10{DASH}p90 across paths."
    )
    blocks: list[Block] = [Heading(1, f"TCO report: {sc.name}")]
    if sc.description:
        blocks.append(Paragraph(sc.description))
    return [*blocks, Paragraph(horizon)]


def _bottom_line(result: Result, figures: dict[str, Path]) -> list[Block]:
    ranked = _ranked(result)
    best = ranked[0]
    cand = best.candidate
    text = (
        f"Cheapest by median TCO: {cand.name} ({cand.model.key}), "
        f"{format_usd(float(np.median(best.tco_usd)))} USD over "
        f"{result.scenario.months} months, cost score "
        f"{format_score(best.cost_score)}."
    )
    blocks: list[Block] = [Heading(2, "Bottom line"), Paragraph(text)]
    if len(ranked) > 1:
        blocks.append(Paragraph(_runner_up(result, best, ranked[1])))
    return blocks


def _runner_up(result: Result, best: CandidateRun, runner: CandidateRun) -> str:
    """How far behind the runner-up is, and how often the winner wins."""
    extra = float(np.median(runner.tco_usd) / np.median(best.tco_usd)) - 1.0
    # Candidates share the demand paths, so comparing path by path is fair.
    totals = np.stack([run.tco_usd for run in result.candidates])
    winner = result.candidates.index(best)
    share = float(np.mean(totals.argmin(axis=0) == winner))
    return (
        f"Next is {runner.candidate.name} at "
        f"{format_usd(float(np.median(runner.tco_usd)))} USD ({extra:+.0%} at "
        f"the median). {best.candidate.name} is the cheapest on {share:.0%} of "
        f"the {result.scenario.paths:,} paths (paths share the same demand)."
    )


def _candidates(result: Result, figures: dict[str, Path]) -> list[Block]:
    header = (
        "candidate",
        "provider/model",
        f"TCO p50 USD (p10{DASH}p90)",
        "NPV mean USD",
        "cost per 1,000 requests USD",
        f"cost score (p10{DASH}p90)",
    )
    rows = [
        (
            run.candidate.name,
            run.candidate.model.key,
            format_range(Band.of(run.tco_usd)),
            format_usd(float(run.npv_usd.mean())),
            format_usd(cost_per_1k(run)),
            format_score(run.cost_score),
        )
        for run in _ranked(result)
    ]
    note = Paragraph(
        "Cheapest median TCO first. TCO is the undiscounted total over the "
        "horizon; NPV discounts each month's cost at its end."
    )
    return [
        Heading(2, "Candidates"),
        note,
        _table(header, rows, text_columns=2),
        *_take(figures, CUMULATIVE_PNG, "Cumulative TCO of every candidate"),
    ]


def _monthly(result: Result, figures: dict[str, Path]) -> list[Block]:
    blocks: list[Block] = [
        Heading(2, "Monthly cost"),
        Paragraph(
            f"Each month's cost across paths: the p10{DASH}p90 band, the "
            "median and the mean."
        ),
    ]
    for run in result.candidates:
        name = run.candidate.name
        blocks += _take(figures, monthly_png(name), f"Monthly cost of {name}")
    return blocks


def _budgets(result: Result, figures: dict[str, Path]) -> list[Block]:
    header = (
        "candidate",
        "year",
        "first month",
        "months",
        "P50 USD",
        "P80 USD",
        "P90 USD",
        "contingency P80-P50 USD",
    )
    rows = [
        _budget_row(run.candidate.name, b)
        for run in result.candidates
        for b in run.budgets
    ]
    note = Paragraph(
        "Budget years run twelve months from the start month; a last short "
        "year says how many months it holds. P80 and P90 are percentiles of "
        "the year's total across paths, not sums of monthly percentiles. "
        "The contingency, P80 minus P50, is the reserve that covers four "
        "years in five."
    )
    return [Heading(2, "Budget by year"), note, _table(header, rows, 3)]


def _budget_row(candidate: str, year: YearBudget) -> tuple[str, ...]:
    usd = (year.p50_usd, year.p80_usd, year.p90_usd, year.contingency_usd)
    facts = (candidate, str(year.year), year.first_month, str(year.months))
    return facts + tuple(format_usd(v) for v in usd)


def _money(result: Result, figures: dict[str, Path]) -> list[Block]:
    by_kind = {run.candidate.name: usd_by_kind(run) for run in result.candidates}
    kinds = list(dict.fromkeys(k for shares in by_kind.values() for k in shares))
    header = ("candidate", *(f"{kind_label(k)} USD" for k in kinds), "total USD")
    rows = [
        (
            name,
            *(format_usd(shares.get(k, 0.0)) for k in kinds),
            format_usd(sum(shares.values())),
        )
        for name, shares in by_kind.items()
    ]
    note = Paragraph(
        "Mean over paths of the total over the horizon, by what the tokens "
        "are. Every service tier is included; tokens of long-context "
        "requests count under their kind."
    )
    blocks: list[Block] = [Heading(2, "Where the money goes"), note]
    blocks.append(_table(header, rows))
    blocks += _take(figures, BREAKDOWN_PNG, "Mean TCO by token kind")
    blocks += _engine_signals(result, figures)
    if len(result.scenario.workloads) > 1:
        lead = Paragraph("By workload, as means over paths of the horizon's total:")
        blocks += [lead, _by_workload(result)]
    return blocks


def _engine_signals(result: Result, figures: dict[str, Path]) -> list[Block]:
    """Cache hit ratios, unit cost over time, and capacity, per workload."""
    text = Paragraph(
        "Prompt-cache hit ratios come from the workload engine (the share of "
        "provider calls that read anything from the cache); the engine "
        "column says which implementation served each workload."
    )
    header = (
        "candidate",
        "workload",
        "engine",
        "cache hit ratio",
        "provisioned share",
        "provisioned utilisation",
        "dropped requests",
        "delay p95 s",
    )
    rows = [
        (run.candidate.name, wl.workload, wl.engine, *_signal_cells(wl))
        for run in result.candidates
        for wl in run.workloads
    ]
    blocks: list[Block] = [Heading(2, "Caching and capacity"), text]
    blocks.append(_table(header, rows, text_columns=3))
    blocks += _take(figures, HIT_RATIO_PNG, "Prompt-cache hit ratio by month")
    blocks += _take(figures, UNIT_COST_PNG, "Cost per 1,000 requests by month")
    return blocks


def _signal_cells(wl: WorkloadRun) -> tuple[str, ...]:
    stats = wl.ledger.stats

    def mean(name: str, pct: bool = False) -> str:
        values = stats.get(name)
        if values is None:
            return "n/a"
        value = float(values.mean())
        return f"{value:.1%}" if pct else f"{value:,.0f}"

    dropped = stats.get("dropped_requests")
    total_dropped = (
        "n/a" if dropped is None else f"{float(dropped.sum(axis=1).mean()):,.0f}"
    )
    return (
        mean("cache_hit_ratio", pct=True),
        mean("provisioned_token_share", pct=True),
        mean("provisioned_utilisation", pct=True),
        total_dropped,
        mean("delay_p95_seconds"),
    )


def _by_workload(result: Result) -> Table:
    header = ("candidate", "workload", "mean TCO USD", "share of candidate TCO")
    rows = []
    for run in result.candidates:
        total = float(run.tco_usd.mean())
        for wl in run.workloads:
            usd = float(wl.cost_usd.sum(axis=1).mean())
            share = f"{usd / total:.0%}" if total else "n/a"
            rows.append((run.candidate.name, wl.workload, format_usd(usd), share))
    return _table(header, rows, text_columns=2)


def _cost_score(result: Result, figures: dict[str, Path]) -> list[Block]:
    explain = (
        "Factor 3, cost at expected volume, measures each candidate's mean "
        "TCO against a fixed anchor on a log scale, so adding or removing a "
        "candidate changes no one else's score. At the anchor a candidate "
        "scores 4; each doubling of cost takes a point off and each halving "
        "adds one, within 1 (eight times the anchor or more) and 5 (half of "
        f"it or less). The p10{DASH}p90 range is the score's spread across "
        "paths."
    )
    header = ("candidate", "class", "mean TCO USD", "TCO / anchor", "cost score")
    rows = [
        (
            run.candidate.name,
            run.candidate.model.capability_class,
            format_usd(run.cost_score.tco_mean_usd),
            f"{run.cost_score.tco_to_anchor:.2f}",
            format_score(run.cost_score),
        )
        for run in result.candidates
    ]
    return [
        Heading(2, "Cost score"),
        Paragraph(explain),
        Formula(FORMULA),
        Paragraph(_anchor_text(result.anchor)),
        _table(header, rows, text_columns=2),
    ]


def _anchor_text(anchor: Anchor) -> str:
    value = f"{format_usd(anchor.tco_usd)} USD"
    if anchor.kind == "budget":
        return f"Anchor (budget): the scenario's budget, {value} over the horizon."
    if anchor.kind == "cheapest-model":
        return (
            f"Anchor (cheapest-model): {value}, the TCO at list prices and "
            f"mean volume of {anchor.model}, the cheapest current catalogue "
            f"model of capability class '{anchor.capability_class}' that "
            "holds the workloads' prompts."
        )
    return f"Anchor ({anchor.kind}): {value}."


def _pricing_trajectory(result: Result, figures: dict[str, Path]) -> list[Block]:
    forecast = result.price_forecast
    if forecast is None:
        return []
    end = f"{forecast.data_end:%Y-%m}"
    explain = (
        "Factor 11, pricing trajectory, asks which way each candidate's price "
        "is heading. Prices follow the dated regimes of the price sheets "
        f"through {end}, the last month of price data; after it each Monte "
        "Carlo path takes its own price steps from a jump model fitted on "
        "the history of every provider: monthly chances of a cut or a rise, "
        "their sizes and a market-wide shock. A tracking candidate follows "
        "its provider's cheapest current model of its class (and pays "
        "migration_usd at each move to another model); a pinned one only "
        "its own model's list-price changes. Rates are natural-log changes "
        "a year over the next 24 months (-0.69 halves the price each year); "
        "each 1.5x a year faster risk-adjusted decline than the median "
        "provider of the class is worth one point."
    )
    blocks: list[Block] = [
        Heading(2, "Pricing trajectory"),
        Paragraph(explain),
        Formula(TRAJECTORY_FORMULA),
        _trajectory_table(result),
    ]
    if result.scenario.prices == "frozen":
        blocks.append(Paragraph(FROZEN_NOTE))
    for run in result.candidates:
        name = run.candidate.name
        caption = f"Price history and forecast of {name}"
        blocks += _take(figures, price_png(name), caption)
    notes = forecast.diagnostics
    return [*blocks, Paragraph("What the fit reports:"), Bullets(notes)]


def _trajectory_table(result: Result) -> Table:
    header = (
        "candidate",
        "follows",
        "own steps",
        "median change a year",
        "risk-adjusted",
        "market (median provider)",
        "relative",
        f"score (p10{DASH}p90)",
    )
    rows = []
    for run in result.candidates:
        f = run.pricing
        if f is None:
            continue
        steps = f"{f.own_steps}{' (low evidence)' if f.low_evidence else ''}"
        rows.append(
            (
                run.candidate.name,
                _follows(run),
                steps,
                _rate(f.annual_log_change),
                _rate(f.risk_adjusted_log_change),
                _rate(f.market_log_change),
                f"{f.relative:+.2f}",
                f"{f.score:.2f} ({f.score_p10:.2f}{DASH}{f.score_p90:.2f})",
            )
        )
    return _table(header, rows, text_columns=3)


def _follows(run: CandidateRun) -> str:
    cand = run.candidate
    if cand.price_model == "pin":
        return f"pin: {cand.model.key}"
    return f"track: {cand.provider} {cand.model.capability_class}"


def _rate(log_change: float) -> str:
    """A natural-log rate with its yearly factor: ``-0.69 (x0.50)``."""
    return f"{log_change:+.2f} (x{math.exp(log_change):.2f})"


def _assumptions(result: Result, figures: dict[str, Path]) -> list[Block]:
    return [Heading(2, "Assumptions"), Bullets(result.assumptions)]


def _notes(result: Result, figures: dict[str, Path]) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Notes by candidate")]
    for run in result.candidates:
        blocks.append(Heading(3, run.candidate.name))
        blocks.append(Bullets(run.notes) if run.notes else Paragraph("No notes."))
    return blocks


def _more_figures(result: Result, figures: dict[str, Path]) -> list[Block]:
    if not figures:
        return []
    rest = [Image(path, path.stem.replace("_", " ")) for path in figures.values()]
    figures.clear()
    return [Heading(2, "More figures"), *rest]


def _run_facts(result: Result, figures: dict[str, Path]) -> list[Block]:
    sc = result.scenario
    facts = (
        ("scenario", sc.name),
        ("scenario sha256", sc.sha256[:HASH_CHARS]),
        ("start month", f"{sc.start:%Y-%m}"),
        ("months", str(sc.months)),
        ("paths", f"{sc.paths:,}"),
        ("seed", str(sc.seed)),
        ("prices", sc.prices),
        ("discount rate", f"{sc.discount_rate:.1%} a year"),
        ("capability class", sc.capability_class),
        ("engine", result.engine),
        ("price data sha256", result.catalog.sha256[:HASH_CHARS]),
        ("tcosim version", sim.__version__),
    )
    return [Heading(2, "Run facts"), _table(("fact", "value"), facts, 2)]


# Reading order; "More figures" runs after every section that takes figures.
SECTIONS: tuple[Section, ...] = (
    _title,
    decision_section,
    _bottom_line,
    _candidates,
    _monthly,
    _budgets,
    _money,
    _cost_score,
    _pricing_trajectory,
    lock_in_section,
    _assumptions,
    _notes,
    _more_figures,
    _run_facts,
)


# --- helpers -------------------------------------------------------------------


def _ranked(result: Result) -> list[CandidateRun]:
    """Candidates by median TCO, cheapest first (stable for ties)."""
    return sorted(result.candidates, key=lambda run: float(np.median(run.tco_usd)))


def _markdown_of(block: Block) -> str:
    match block:
        case Heading(level, text):
            return f"{'#' * level} {text}"
        case Paragraph(text):
            return text
        case Bullets(items):
            return "\n".join(f"- {item}" for item in items)
        case Formula(text):
            return f"```\n{text}\n```"
        case Image():
            return f"![{block.caption}]({block.href})"
        case Table():
            return _markdown_table(block)
        case _:
            assert_never(block)


def _markdown_table(table: Table) -> str:
    def line(cells: Sequence[str]) -> str:
        # A pipe inside a cell would end it early.
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    rule = ["---:" if right else "---" for right in table.numeric]
    return "\n".join([line(table.header), line(rule), *map(line, table.rows)])

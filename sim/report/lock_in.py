"""The report's lock-in section (factor 12) and its two figures.

The section puts the money behind the score first: what leaving costs
(switching cost in USD and months of spend), how often the switching
policy moves on the shared paths, the savings lock-in forgoes, the
blockers beside the score, and what a gateway buys against its own fee.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.pipeline import CandidateRun, Result
from sim.report.blocks import (
    Block,
    Bullets,
    Heading,
    Paragraph,
    format_usd,
    table,
    take,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

LEDGER_PNG = "switching_cost_breakdown.png"
OPTION_PNG = "cumulative_with_switching.png"

EXPLAIN = (
    "Factor 12 asks what leaving a candidate's provider would cost and how "
    "much of the market's price movement that cost stops you from catching. "
    "On the same Monte Carlo paths as the TCO, a policy moves to a candidate "
    "of another provider when the expected discounted savings exceed "
    "(switching cost + dual run) x (1 + hysteresis). The lock-in cost is the "
    "value of that option for a portable deployment (gateway, portable "
    "evals) minus its value with this candidate's own ties, as a share of "
    "the never-switch NPV; under 2.5% scores 5, over 15% scores 1."
)


def lock_in_section(result: Result, figures: dict[str, Path]) -> list[Block]:
    """The lock-in section, or nothing when the run has no factor 12."""
    runs = [r for r in result.candidates if r.lock_in is not None]
    if not runs:
        return []
    blocks: list[Block] = [Heading(2, "Lock-in risk"), Paragraph(EXPLAIN)]
    blocks.append(_summary_table(runs))
    blocks += take(figures, LEDGER_PNG, "Switching cost by line, per candidate")
    blocks += take(
        figures,
        OPTION_PNG,
        "Mean cumulative cost with and without the option to switch",
    )
    blocks += [
        Paragraph("A gateway against its own fee, NPV USD:"),
        _gateway_table(runs),
    ]
    flags = [
        f"{r.candidate.name}: {f.level}: {f.message}"
        + (f" (source: {f.source})" if f.source else "")
        for r in runs
        for f in (r.lock_in.ledger.flags if r.lock_in else ())
    ]
    if flags:
        blocks += [
            Paragraph("Blockers and warnings beside the score:"),
            Bullets(tuple(flags)),
        ]
    return blocks


def _summary_table(runs: list[CandidateRun]) -> Block:
    header = (
        "candidate",
        "switching cost USD",
        "months of spend",
        "P(switch)",
        "expected switches",
        "lock-in cost USD",
        "lock-in share",
        "score (p10-p90)",
    )
    rows = []
    for run in runs:
        li = run.lock_in
        assert li is not None
        rows.append(
            (
                run.candidate.name,
                format_usd(li.ledger.switching_cost_usd),
                f"{li.ledger.switching_cost_months:.2f}",
                f"{li.p_switch:.0%}",
                f"{li.expected_switches:.2f}",
                format_usd(li.lock_in_usd),
                f"{li.lock_in_share:.1%}",
                f"{li.score:.2f} ({li.score_p10:.2f}-{li.score_p90:.2f})",
            )
        )
    return table(header, rows)


def _gateway_table(runs: list[CandidateRun]) -> Block:
    header = (
        "candidate",
        "switching cost without / with USD",
        "lock-in without / with USD",
        "gateway fee USD",
        "net USD",
    )
    rows = []
    for run in runs:
        assert run.lock_in is not None
        g = run.lock_in.gateway
        rows.append(
            (
                run.candidate.name,
                _pair(g.switching_without_usd, g.switching_with_usd),
                _pair(g.lock_in_without_usd, g.lock_in_with_usd),
                format_usd(g.fee_npv_usd),
                format_usd(g.lock_in_saved_usd - g.fee_npv_usd),
            )
        )
    return table(header, rows)


def _pair(without: float, with_: float) -> str:
    return f"{format_usd(without)} / {format_usd(with_)}"


def render_lock_in_plots(
    result: Result, folder: Path, save: Callable[[Callable[[Axes], None], Path], Path]
) -> list[Path]:
    """The switching-cost breakdown and the with/without-switching chart."""
    runs = [r for r in result.candidates if r.lock_in is not None]
    if not runs:
        return []
    option = partial(_draw_option, runs=runs, labels=result.month_labels)
    return [
        save(partial(_draw_ledger, runs=runs), folder / LEDGER_PNG),
        save(option, folder / OPTION_PNG),
    ]


def _draw_ledger(ax: Axes, runs: list[CandidateRun]) -> None:
    names = [r.candidate.name for r in runs]
    lines: dict[str, list[float]] = {}
    for i, run in enumerate(runs):
        assert run.lock_in is not None
        for item in run.lock_in.ledger.items:
            lines.setdefault(item.name, [0.0] * len(runs))[i] += item.incremental_usd
    x = np.arange(len(names))
    bottom = np.zeros(len(names))
    for line, values in lines.items():
        ax.bar(x, values, bottom=bottom, label=line)
        bottom += np.asarray(values)
    ax.set_title("Switching cost a move to another provider adds, by line")
    ax.set_xticks(x, names, rotation=20, ha="right", rotation_mode="anchor")
    ax.set_ylabel("USD (incremental over forced migrations)")
    ax.set_ylim(bottom=0)
    ax.legend(loc="best", fontsize="small")


def _draw_option(ax: Axes, runs: list[CandidateRun], labels: list[str]) -> None:
    x = np.arange(len(labels))
    for i, run in enumerate(runs):
        assert run.lock_in is not None
        colour = f"C{i % 10}"
        never = np.cumsum(run.cost_usd.mean(axis=0))
        switching = np.cumsum(run.lock_in.cost_usd.mean(axis=0))
        ax.plot(x, never, color=colour, label=f"{run.candidate.name}: stay")
        ax.plot(
            x,
            switching,
            color=colour,
            linestyle="--",
            label=f"{run.candidate.name}: may switch",
        )
    ax.set_title("Mean cumulative cost: staying vs switching allowed")
    ax.set_ylabel("cumulative USD (mean over paths)")
    step = next((s for s in (1, 3, 6, 12) if len(labels) / s <= 12), 12)
    ticks = list(range(0, len(labels), step))
    ax.set_xticks(ticks, [labels[t] for t in ticks], rotation=30, ha="right")
    ax.set_xlabel("month (YYYY-MM)")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize="small")

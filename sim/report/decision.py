"""The report's decision section: recommendation and robustness first.

When the scenario has a ``[scenario.selection]``, the report opens with
the verdict (a robust winner, or the candidates in a statistical tie),
then the composite table, the gates with their sources, and three
figures: composite scores with their spread, rank probabilities, and the
weight sensitivity (how far each weight must move to change the winner).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.pipeline import Result
from sim.report.blocks import Block, Bullets, Heading, Paragraph, table, take
from sim.selection import ROBUST, Robustness, SelectionResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes

COMPOSITE_PNG = "composite_scores.png"
RANKS_PNG = "rank_probabilities.png"
TORNADO_PNG = "weight_sensitivity.png"


def decision_section(result: Result, figures: dict[str, Path]) -> list[Block]:
    """Recommendation, composite, gates; nothing without a selection."""
    sel = result.selection
    if sel is None:
        return []
    blocks: list[Block] = [Heading(2, "Recommendation"), Paragraph(verdict_text(sel))]
    robust = sel.robustness
    if robust is not None:
        blocks.append(_composite_table(robust))
        blocks += take(figures, COMPOSITE_PNG, "Composite score and P(first)")
        blocks += take(figures, RANKS_PNG, "Probability of each rank")
        blocks += take(figures, TORNADO_PNG, "Weight change that changes the winner")
    blocks += _gate_blocks(sel)
    if sel.notes:
        blocks += [Paragraph("Notes on the scores:"), Bullets(tuple(sel.notes))]
    return blocks


def verdict_text(sel: SelectionResult) -> str:
    """One paragraph: who wins, how firmly, and what would change it."""
    robust = sel.robustness
    if robust is None:
        return "No candidate passes the gates; none is ranked."
    p = robust.p_first
    if robust.verdict == ROBUST:
        text = (
            f"Robust winner: {robust.leader}, first in {p[robust.leader]:.0%} of "
            f"{robust.draws:,} draws of weights and uncertain scores "
            f"(Monte Carlo error {robust.p_first_se[robust.leader]:.1%})."
        )
    else:
        tied = ", ".join(f"{n} ({p[n]:.0%})" for n in robust.tie)
        text = (
            f"Statistical tie between {tied}: no candidate is first in at least "
            "half the draws with a lead of 0.15 over the runner-up."
        )
    flip = robust.smallest_flip
    if flip is not None:
        text += (
            f" The smallest single change that makes {flip.by} the winner moves "
            f"the {flip.factor} weight from {flip.weight:.3f} to "
            f"{flip.flip_weight:.3f}."
        )
    return text


def _composite_table(robust: Robustness) -> Block:
    header = ("candidate", "composite (1-5)", "rank", "P(first)", "+/-", "P(top 2)")
    order = sorted(robust.composite, key=lambda n: -robust.composite[n])
    rows = [
        (
            name,
            f"{robust.composite[name]:.2f}",
            str(rank),
            f"{robust.p_first[name]:.1%}",
            f"{robust.p_first_se[name]:.1%}",
            f"{robust.p_top2[name]:.1%}",
        )
        for rank, name in enumerate(order, start=1)
    ]
    return table(header, rows)


def _gate_blocks(sel: SelectionResult) -> list[Block]:
    lines = []
    for name, gates in sel.gates.items():
        if gates.passed:
            lines.append(f"{name}: passes every gate")
        for check in gates.failed:
            source = f" (source: {check.source})" if check.source else ""
            lines.append(f"{name}: EXCLUDED: {check.reason}{source}")
    if not lines:
        return []
    return [
        Paragraph("Gates (a failed gate excludes, it never lowers a score):"),
        Bullets(tuple(lines)),
    ]


def render_decision_plots(
    result: Result, folder: Path, save: Callable[[Callable[[Axes], None], Path], Path]
) -> list[Path]:
    """The three decision figures, when the run has a ranking."""
    sel = result.selection
    if sel is None or sel.robustness is None:
        return []
    robust = sel.robustness
    return [
        save(partial(_draw_composite, sel=sel), folder / COMPOSITE_PNG),
        save(partial(_draw_ranks, robust=robust), folder / RANKS_PNG),
        save(partial(_draw_tornado, robust=robust), folder / TORNADO_PNG),
    ]


def _draw_composite(ax: Axes, sel: SelectionResult) -> None:
    robust = sel.robustness
    assert robust is not None
    names = sorted(robust.composite, key=lambda n: robust.composite[n])
    y = np.arange(len(names))
    values = [robust.composite[n] for n in names]
    ax.barh(y, values, color="C0", alpha=0.6, label="composite at the given weights")
    for yi, name in zip(y, names, strict=True):
        # The spread of the ranking: how often each candidate comes first.
        ax.text(
            robust.composite[name] + 0.03,
            float(yi),
            f"P(first) {robust.p_first[name]:.0%} +/- {robust.p_first_se[name]:.1%}",
            va="center",
            fontsize="small",
        )
    ax.set_yticks(y, names)
    ax.set_xlim(1, 5)
    ax.set_xlabel("composite score (1-5, higher is better)")
    ax.set_title("Composite score of each candidate")
    ax.legend(loc="lower right", fontsize="small")


def _draw_ranks(ax: Axes, robust: Robustness) -> None:
    names = list(robust.candidates)
    ranks = len(names)
    bottom = np.zeros(len(names))
    for r in range(ranks):
        shares = np.array([robust.rank_shares[n][r] for n in names])
        ax.bar(np.arange(len(names)), shares, bottom=bottom, label=f"rank {r + 1}")
        bottom += shares
    ax.set_xticks(np.arange(len(names)), names, rotation=20, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of Monte Carlo draws")
    ax.set_title("How often each candidate takes each rank")
    ax.legend(loc="best", fontsize="small")


def _draw_tornado(ax: Axes, robust: Robustness) -> None:
    flips = list(robust.flips)[:12]
    labels = [f"{f.factor} -> {f.by}" for f in flips]
    changes = [f.change for f in flips]
    y = np.arange(len(flips))[::-1]
    ax.barh(y, changes, color=["C3" if c < 0 else "C2" for c in changes])
    ax.set_yticks(y, labels)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("change in weight that makes another candidate first")
    ax.set_title("Weight sensitivity: smallest single-weight changes")

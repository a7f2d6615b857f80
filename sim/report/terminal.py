"""The table ``tcosim run`` prints: one line per candidate."""

from __future__ import annotations

import numpy as np

from sim.pipeline import Result
from sim.report.summary import cost_per_1k

HEADERS = (
    "candidate",
    "model",
    "TCO p50 USD",
    "TCO p10-p90 USD",
    "NPV mean USD",
    "USD / 1k req",
    "cost score",
)


def money(value: float) -> str:
    """USD with thousands separators, no cents above 1,000."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def render_table(result: Result) -> str:
    """Aligned plain-text table, cheapest TCO p50 first."""
    rows = []
    order = sorted(result.candidates, key=lambda r: float(np.median(r.tco_usd)))
    for run in order:
        p10, p50, p90 = np.quantile(run.tco_usd, [0.1, 0.5, 0.9])
        rows.append(
            (
                run.candidate.name,
                run.candidate.model.key,
                money(float(p50)),
                f"{money(float(p10))} - {money(float(p90))}",
                money(float(run.npv_usd.mean())),
                f"{cost_per_1k(run):.4f}",
                f"{run.cost_score.score:.2f}",
            )
        )
    if result.selection is None:
        return _align([HEADERS, *rows])
    extra = [_selection_cells(result, run.candidate.name) for run in order]
    header = (*HEADERS, "composite", "P(first)")
    table = [(*row, *cells) for row, cells in zip(rows, extra, strict=True)]
    return _align([header, *table]) + "\n" + _verdict(result)


def _selection_cells(result: Result, name: str) -> tuple[str, str]:
    sel = result.selection
    assert sel is not None
    robust = sel.robustness
    if not sel.gates[name].passed:
        return ("excluded", "-")
    if robust is None or name not in robust.composite:
        return ("-", "-")
    return (f"{robust.composite[name]:.2f}", f"{robust.p_first[name]:.0%}")


def _verdict(result: Result) -> str:
    from sim.report.decision import verdict_text

    assert result.selection is not None
    return "\n" + verdict_text(result.selection)


def _align(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)

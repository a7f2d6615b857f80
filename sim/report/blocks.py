"""Report content as plain blocks, shared by the Markdown and HTML writers.

A report is a list of blocks (headings, paragraphs, bullet lists, tables,
formulas, images); sections build them from a run, writers render them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.pipeline import Result

ZERO_USD = 5e-5  # smaller amounts would show only as digits after 0.0000


@dataclass(frozen=True)
class Heading:
    """A section title; level 1 is the report's title."""

    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """Plain prose, no markup."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """An unordered list of one-line items."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table of display strings; ``numeric`` columns align right."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]


@dataclass(frozen=True)
class Formula:
    """A formula shown verbatim in a fixed-width font."""

    text: str


@dataclass(frozen=True)
class Image:
    """A figure written by :func:`sim.report.plots.render_plots`."""

    path: Path
    caption: str

    @property
    def href(self) -> str:
        """Link relative to the report, which sits beside ``plots/``."""
        return f"plots/{self.path.name}"


Block = Heading | Paragraph | Bullets | Table | Formula | Image
Section = Callable[[Result, dict[str, Path]], list[Block]]


def format_usd(value: float) -> str:
    """Money to three significant figures, thousands separated.

    ``1234567 -> "1,230,000"``, ``12.345 -> "12.3"``, ``0.04567 ->
    "0.0457"``; not-a-number gives ``"n/a"``. Amounts below
    :data:`ZERO_USD` print as ``"0"``: they are float residue (a category
    with a vanishing share of tokens), not money anyone pays.
    """
    if not math.isfinite(value):
        return "n/a"
    if abs(value) < ZERO_USD:
        return "0"
    # Round first, then choose the decimals from the rounded value, so
    # that 9.996 becomes "10.0" rather than "10.00".
    rounded = float(f"{value:.3g}")
    decimals = max(0, 2 - math.floor(math.log10(abs(rounded))))
    return f"{rounded:,.{decimals}f}"


def take(figures: dict[str, Path], name: str, caption: str) -> list[Image]:
    """The figure ``name`` as an image block, removed from ``figures``."""
    path = figures.pop(name, None)
    return [] if path is None else [Image(path, caption)]


def table(
    header: tuple[str, ...],
    rows: Sequence[tuple[str, ...]],
    text_columns: int = 1,
) -> Table:
    """A table whose first ``text_columns`` columns are text, the rest numbers."""
    numeric = tuple(i >= text_columns for i in range(len(header)))
    return Table(header, tuple(rows), numeric)

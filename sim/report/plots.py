"""The report's figures: monthly cost fans, cumulative TCO, cost by kind.

Figures are drawn on matplotlib's Agg canvas through the object-oriented
``Figure`` API rather than ``pyplot``: pyplot keeps global state (a figure
registry, the session's backend), and a library that switched a notebook
user's backend or leaked figures would be a poor guest. Each figure is
garbage once saved, so nothing needs closing.

PNG files carry no ``Software`` tag and no timestamp, so two runs with the
same scenario and seed write byte-identical images.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.ledger import KINDS, split_category
from sim.engine.serving import eligible
from sim.forecast.index import add_months, months_between
from sim.forecast.trajectory import PriceForecast
from sim.pipeline import CandidateRun, Result
from sim.stats import FloatArray

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CUMULATIVE_PNG = "cumulative_tco.png"
BREAKDOWN_PNG = "cost_breakdown.png"
HIT_RATIO_PNG = "cache_hit_ratio.png"
UNIT_COST_PNG = "cost_per_1k_requests.png"
KIND_LABELS = {
    "migration": "model migrations",
    "input": "input",
    "cached_input": "cached input",
    "cache_write": "cache writes",
    "output": "output",
    "spill_over": "spill-over to on-demand",
    "unit_hours": "provisioned capacity",
    "token_hours": "cache storage",
    "fallback": "fallback calls",
}
DPI = 100
FIGSIZE_INCHES = (8.0, 4.5)
BAND_ALPHA = 0.25
QUANTILES = (0.1, 0.5, 0.9)


def monthly_png(candidate: str) -> str:
    """File name of one candidate's monthly cost fan chart."""
    return f"monthly_cost_{candidate}.png"


def price_png(candidate: str) -> str:
    """File name of one candidate's price history and forecast fan chart."""
    return f"price_{candidate}.png"


def render_plots(result: Result, folder: Path) -> list[Path]:
    """Draw every figure of the report as a PNG in ``folder``.

    Args:
        result: the run to draw.
        folder: the plots folder (``<out>/plots``); created if missing.

    Returns:
        The files written: one monthly fan per candidate (in the scenario's
        order), one price fan per candidate, then the cumulative TCO and the
        cost breakdown.
    """
    folder.mkdir(parents=True, exist_ok=True)
    labels = result.month_labels
    written = [
        _save(
            partial(_draw_monthly, run=run, labels=labels),
            folder / monthly_png(run.candidate.name),
        )
        for run in result.candidates
    ]
    forecast = result.price_forecast
    if forecast is not None:
        written += [
            _save(
                partial(_draw_price, run=run, forecast=forecast, labels=labels),
                folder / price_png(run.candidate.name),
            )
            for run in result.candidates
        ]
    written.append(
        _save(partial(_draw_cumulative, result=result), folder / CUMULATIVE_PNG)
    )
    written.append(
        _save(partial(_draw_hit_ratio, result=result), folder / HIT_RATIO_PNG)
    )
    from sim.report.lock_in import render_lock_in_plots

    written += render_lock_in_plots(result, folder, _save)
    from sim.report.decision import render_decision_plots

    written += render_decision_plots(result, folder, _save)
    written.append(
        _save(partial(_draw_unit_cost, result=result), folder / UNIT_COST_PNG)
    )
    written.append(
        _save(partial(_draw_breakdown, result=result), folder / BREAKDOWN_PNG)
    )
    return written


def usd_by_kind(run: CandidateRun) -> dict[str, float]:
    """Mean over paths of the horizon's cost by token kind, USD.

    Every service tier is included and long-context tokens count under
    their kind. The four standard kinds always appear, in ledger order;
    kinds the ledger adds later follow them.
    """
    out = dict.fromkeys(KINDS, 0.0)
    spills = run.candidate.provisioned is not None
    for workload in run.workloads:
        for key, usd in workload.cost_lines.items():
            kind = money_kind(key, spills)
            out[kind] = out.get(kind, 0.0) + float(usd.sum(axis=1).mean())
    return out


def money_kind(key: str, provisioned: bool) -> str:
    """Which line of "where the money goes" a cost-line key belongs to.

    With provisioned units, what the main model's interactive calls pay
    on-demand is the spill-over; calls over a rate limit served elsewhere
    are fallback calls.
    """
    if key.startswith("fb:"):
        return "fallback"
    if provisioned and eligible(key) and split_category(key)[1] in KINDS:
        return "spill_over"
    return split_category(key)[1]


def kind_label(kind: str) -> str:
    """Words for a ledger kind, e.g. ``cache_write`` -> ``cache writes``."""
    return KIND_LABELS.get(kind, kind.replace("_", " "))


# --- drawing -----------------------------------------------------------------


def _save(draw: Callable[[Axes], None], path: Path) -> Path:
    """Draw on a fresh Agg figure and write it as a reproducible PNG."""
    fig = _new_figure()
    draw(fig.add_subplot())
    # Without the Software tag the PNG holds nothing that varies by
    # machine or matplotlib build, so reruns give identical bytes.
    fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path


def _new_figure() -> Figure:
    # Imported here so that importing sim.report stays light.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGSIZE_INCHES, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _draw_monthly(ax: Axes, run: CandidateRun, labels: Sequence[str]) -> None:
    x = np.arange(len(labels))
    p10, p50, p90 = _quantiles(run.cost_usd)
    ax.fill_between(x, p10, p90, alpha=BAND_ALPHA, label="p10\u2013p90 across paths")
    ax.plot(x, p50, label="p50 (median)")
    ax.plot(x, run.cost_usd.mean(axis=0), linestyle="--", label="mean")

    cand = run.candidate
    ax.set_title(f"Monthly cost: {cand.name} ({cand.model.key})")
    ax.set_ylabel("USD per month")
    _month_axis(ax, labels)
    _usd_axis(ax)
    ax.legend(loc="best")


def _draw_price(
    ax: Axes, run: CandidateRun, forecast: PriceForecast, labels: Sequence[str]
) -> None:
    """History of the list prices behind a candidate, then its forecast fan.

    Prices are USD per 1,000 requests of the scenario's mix, on a log axis
    (steps are ratios). The fan is the candidate's own price, its terms
    included, across paths.
    """
    cand = run.candidate
    paths = forecast.candidates[cand.name]
    months = forecast.history.months
    start = months_between(months[0], run_start(labels))
    x_history = np.arange(len(months))
    for series, style in ((paths.followed, "-"), (paths.own_model, ":")):
        label = _series_label(series.key, series is paths.followed, cand.price_model)
        ax.step(
            x_history, series.usd * 1000, where="post", linestyle=style, label=label
        )

    fan = paths.price_usd[:, : len(labels)] * 1000
    x_fan = start + np.arange(len(labels))
    p10, p50, p90 = _quantiles(fan)
    ax.fill_between(
        x_fan,
        p10,
        p90,
        alpha=BAND_ALPHA,
        color="C2",
        label="forecast p10\u2013p90, this candidate's terms",
    )
    ax.plot(x_fan, p50, color="C2", label="forecast p50")
    ax.axvline(
        len(months) - 1,
        color="grey",
        linestyle="--",
        linewidth=1,
        label=f"last price data {months[-1]:%Y-%m}",
    )

    ax.set_title(f"Price per request: {cand.name} ({cand.model.key})")
    ax.set_ylabel("USD per 1,000 requests (scenario mix)")
    ax.set_yscale("log")
    span = [f"{add_months(months[0], t):%Y-%m}" for t in range(x_fan[-1] + 1)]
    _month_axis(ax, span)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="best", fontsize="small")


def _series_label(key: str, followed: bool, price_model: str) -> str:
    if followed and price_model == "track":
        provider, cls = key.split("/", 1)
        return f"{provider}'s cheapest current {cls} model (followed)"
    return f"{key} list price"


def run_start(labels: Sequence[str]) -> date:
    """First day of the run's first month, from its YYYY-MM label."""
    year, month = labels[0].split("-")
    return date(int(year), int(month), 1)


def _draw_cumulative(ax: Axes, result: Result) -> None:
    x = np.arange(len(result.month_labels))
    for i, run in enumerate(result.candidates):
        # Quantiles of each month's running total across paths: a sum of
        # monthly quantiles would overstate the spread.
        p10, p50, p90 = _quantiles(np.cumsum(run.cost_usd, axis=1))
        colour = f"C{i % 10}"
        # Fainter than a lone fan: several bands overlap here.
        ax.fill_between(x, p10, p90, color=colour, alpha=BAND_ALPHA / 2)
        ax.plot(x, p50, color=colour, label=f"{run.candidate.name} p50")

    ax.set_title("Cumulative TCO: p50 lines, p10\u2013p90 bands")
    ax.set_ylabel("cumulative USD")
    _month_axis(ax, result.month_labels)
    _usd_axis(ax)
    ax.legend(loc="upper left")


def monthly_hit_ratio(run: CandidateRun) -> FloatArray:
    """Prompt-cache hit ratio by month over the candidate's workloads.

    Each workload's ratio weighs by its requests (means over paths).
    """
    hits = np.zeros(run.cost_usd.shape[1])
    weight = np.zeros_like(hits)
    for wl in run.workloads:
        ratio = wl.ledger.stats.get("cache_hit_ratio")
        if ratio is None:
            continue
        requests = wl.ledger.requests.mean(axis=0)
        hits += ratio.mean(axis=0) * requests
        weight += requests
    return np.divide(hits, weight, out=np.zeros_like(hits), where=weight > 0)


def monthly_unit_cost(run: CandidateRun) -> FloatArray:
    """Mean cost per 1,000 requests by month, USD."""
    cost = run.cost_usd.mean(axis=0)
    requests = run.requests.mean(axis=0)
    unit = np.divide(cost * 1000, requests, out=np.zeros_like(cost), where=requests > 0)
    return np.asarray(unit, dtype=np.float64)


def _draw_hit_ratio(ax: Axes, result: Result) -> None:
    x = np.arange(len(result.month_labels))
    for i, run in enumerate(result.candidates):
        ax.plot(
            x,
            monthly_hit_ratio(run) * 100,
            color=f"C{i % 10}",
            label=run.candidate.name,
        )
    ax.set_title("Prompt-cache hit ratio by month (mean over paths)")
    ax.set_ylabel("requests reading the cache, %")
    ax.set_ylim(0, 105)  # room for a line at 100%
    _month_axis(ax, result.month_labels)
    ax.legend(loc="best")


def _draw_unit_cost(ax: Axes, result: Result) -> None:
    x = np.arange(len(result.month_labels))
    for i, run in enumerate(result.candidates):
        ax.plot(x, monthly_unit_cost(run), color=f"C{i % 10}", label=run.candidate.name)
    ax.set_title("Cost per 1,000 requests by month (mean over paths)")
    ax.set_ylabel("USD per 1,000 requests")
    _month_axis(ax, result.month_labels)
    ax.legend(loc="best")


def _draw_breakdown(ax: Axes, result: Result) -> None:
    names = [run.candidate.name for run in result.candidates]
    by_kind = [usd_by_kind(run) for run in result.candidates]
    kinds = list(dict.fromkeys(k for shares in by_kind for k in shares))
    x = np.arange(len(names))
    bottom = np.zeros(len(names))
    for kind in kinds:
        heights = np.array([shares.get(kind, 0.0) for shares in by_kind])
        ax.bar(x, heights, bottom=bottom, label=kind_label(kind))
        bottom += heights

    ax.set_title("Where the money goes: mean TCO by token kind")
    # Slanted, since candidate names are often longer than a bar is wide.
    ax.set_xticks(x, names, rotation=20, ha="right", rotation_mode="anchor")
    ax.set_xlabel("candidate")
    ax.set_ylabel("mean TCO over the horizon, USD")
    # Reversed so that the legend reads in the stack's top-to-bottom order.
    ax.legend(loc="best", reverse=True)
    _usd_axis(ax)


def _quantiles(values: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """p10, p50 and p90 across paths (axis 0) of a (paths, months) array."""
    p10, p50, p90 = np.quantile(values, QUANTILES, axis=0)
    return p10, p50, p90


def _month_axis(ax: Axes, labels: Sequence[str]) -> None:
    """Month labels (YYYY-MM) at a step that keeps them from overlapping."""
    step = next((s for s in (1, 3, 6, 12) if len(labels) / s <= 12), 12)
    ticks = list(range(0, len(labels), step))
    ax.set_xticks(ticks, [labels[t] for t in ticks], rotation=30, ha="right")
    ax.set_xlabel("month (YYYY-MM)")
    ax.set_xlim(0, max(len(labels) - 1, 1))


def _usd_axis(ax: Axes) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(_usd_tick))
    # Headroom above the data: a flat line must not sit on the frame.
    top = ax.get_ylim()[1]
    ax.set_ylim(0, top * 1.08 if top > 0 else 1.0)
    ax.grid(axis="y", alpha=0.3)


def _usd_tick(value: float, _position: int | None) -> str:
    """Whole dollars with thousands separators; small values keep decimals."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"

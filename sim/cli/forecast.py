"""``tcosim forecast``: price history, forecast bands and backtests.

Without ``--backtest`` the command shows, for each provider and capability
class, the cost of one request of the default token mix (2,400 input and
400 output tokens, uncached) on the provider's cheapest current model of
the class: its history and the forecast bands the jump model gives.
``--backtest`` scores the jump model and its baselines by rolling origin.

Results go to stdout (a table, or JSON with ``--json``), progress to
stderr. Heavy libraries load inside the command, so ``tcosim --help``
stays instant.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click

from sim.errors import InputError

if TYPE_CHECKING:
    from sim.forecast.backtest import Backtest
    from sim.forecast.frontier import ClassMarket
    from sim.forecast.outlook import IndexOutlook, Outlook

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
PER_1K = 1000.0  # index values are USD per request; shown per 1,000
MIX_TEXT = "2,400 input + 400 output tokens per request, no caching, no batch"


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option("--provider", metavar="PROVIDER", help="Only this provider.")
@click.option(
    "--class", "capability_class", metavar="CLASS", help="small, mid or frontier."
)
@click.option(
    "--months",
    type=click.IntRange(1, 120),
    default=24,
    show_default=True,
    help="Months to forecast after the last month of price data.",
)
@click.option(
    "--backtest", is_flag=True, help="Score the model and its baselines instead."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON, not a table.")
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=42,
    show_default=True,
    help="Seed of the price paths.",
)
@click.option(
    "--hazard-decay",
    type=click.FloatRange(min=0.0),
    default=0.0,
    show_default=True,
    metavar="RATE",
    help="Per year: cuts and market shocks thin out by exp(-RATE x years "
    "ahead), as [scenario.forecast] hazard_decay does in a run.",
)
def forecast(
    provider: str | None,
    capability_class: str | None,
    months: int,
    backtest: bool,
    as_json: bool,
    seed: int,
    hazard_decay: float,
) -> None:
    """Show price history and forecast bands of providers' class indices.

    Example: tcosim forecast --provider openai --class mid --months 24
    """
    from sim.catalog import load_catalog

    catalog = load_catalog()
    if backtest:
        _check_backtest_options(provider, capability_class)
        from sim.forecast.backtest import run_backtest

        click.echo("backtesting every model by rolling origin...", err=True)
        result = run_backtest(catalog, hazard_decay)
        click.echo(
            _dumps(backtest_json(result)) if as_json else render_backtest(result)
        )
        return
    from sim.forecast.outlook import forecast_indices

    outlook = forecast_indices(
        catalog, provider, capability_class, months, seed, hazard_decay
    )
    click.echo(_dumps(outlook_json(outlook)) if as_json else render_outlook(outlook))


def _check_backtest_options(provider: str | None, capability_class: str | None) -> None:
    if provider is not None or capability_class is not None:
        raise InputError.single(
            "--backtest",
            "",
            "scores every provider and class together; drop --provider and --class",
        )


# --- backtest ------------------------------------------------------------------


def backtest_json(result: Backtest) -> dict[str, Any]:
    """The backtest as a JSON-ready mapping (see ``--backtest --json``)."""
    from sim.forecast.backtest import HORIZONS, acceptance

    models = {
        name: {str(h): _plain(vars(by[h])) for h in HORIZONS}
        for name, by in result.scores.items()
    }
    best = {
        str(h): min(result.scores, key=lambda m: result.scores[m][h].interval_score)
        for h in HORIZONS
    }
    return {
        "chosen": result.chosen,
        "hazard_decay": result.hazard_decay,
        "data_through": result.data_end,
        "token_mix": MIX_TEXT,
        "horizons_months": list(HORIZONS),
        "origins": list(result.origins),
        "series": result.series,
        "models": models,
        "best_interval_score": best,
        "steps": {str(h): _plain(vars(c)) for h, c in result.steps.items()},
        "acceptance": acceptance(result),
        "fits": {name: vars(log) for name, log in result.logs.items()},
    }


BACKTEST_HEADER = (
    "model",
    "months",
    "n",
    "MALE",
    "bias",
    "cover 50%",
    "cover 80%",
    "cover 80% (randomised PIT)",
    "cover 95%",
    "interval score 80%",
    "CRPS",
)


def render_backtest(result: Backtest) -> str:
    """The backtest as an aligned text table with the verdict below it."""
    doc = backtest_json(result)
    rows = [
        (name, h, str(s["n"]), *_cells(s))
        for name, by in doc["models"].items()
        for h, s in by.items()
    ]
    return "\n".join(
        [align([BACKTEST_HEADER, *rows], text_columns=1), "", *_verdict(doc)]
    )


def _verdict(doc: Mapping[str, Any]) -> list[str]:
    """The lines under the backtest table: choice, bar and coverage."""
    verdict = doc["acceptance"]
    checks = ", ".join(
        f"{k} {'ok' if v else 'not met'}"
        for k, v in verdict.items()
        if isinstance(v, bool) and k != "passed"
    )
    best = ", ".join(f"{h} months {m}" for h, m in doc["best_interval_score"].items())
    origins = doc["origins"]
    horizon = str(verdict["horizon"])
    chosen = doc["chosen"]
    pit = " ".join(
        "n/a" if v is None else f"{v:.2f}"
        for v in doc["models"][chosen][horizon]["pit_deciles"]
    )
    steps = doc["steps"][horizon]
    return [
        f"chosen: {chosen} (the model tcosim's price paths use); lowest "
        f"interval score: {best}",
        f"acceptance at {verdict['horizon']} months: {checks}",
        f"{chosen} at {horizon} months: actuals by tenth of the forecast "
        f"(randomised PIT, lowest first; 0.10 each if calibrated): {pit}",
        f"{chosen} at {horizon} months: steps expected over the "
        f"{steps['n']} pairs {steps['expected_down']:.1f} down and "
        f"{steps['expected_up']:.1f} up; the price sheets show "
        f"{steps['realised_down']} down and {steps['realised_up']} up",
        f"{len(origins)} origins from {origins[0]} to {origins[-1]}, "
        f"{doc['series']} class indices, data through {doc['data_through']}; "
        f"token mix: {MIX_TEXT}{_decay_text(doc['hazard_decay'])}",
    ]


def _decay_text(rate: float) -> str:
    """How the jump model's hazards were thinned, for a footer line."""
    if rate == 0:
        return "; no hazard decay"
    factor = math.exp(-rate)
    return f"; hazard decay {rate:g} a year (cut rate x{factor:.2f} a year ahead)"


def _cells(score: Mapping[str, Any]) -> tuple[str, ...]:
    keys = (
        "male",
        "bias",
        "coverage_50",
        "coverage_80",
        "coverage_80_randomized",
        "coverage_95",
        "interval_score",
        "crps",
    )
    return tuple(
        "n/a"
        if score[k] is None
        else f"{score[k]:+.3f}"
        if k == "bias"
        else f"{score[k]:.3f}"
        for k in keys
    )


# --- outlook -------------------------------------------------------------------


def outlook_json(outlook: Outlook) -> dict[str, Any]:
    """History and forecast bands as a JSON-ready mapping."""
    return {
        "data_through": f"{outlook.data_end:%Y-%m}",
        "seed": outlook.seed,
        "hazard_decay": outlook.hazard_decay,
        "token_mix": MIX_TEXT,
        "unit": "USD per 1,000 requests of the token mix",
        "indices": [_index_json(one) for one in outlook.indices],
        "market": [_market_json(one) for one in outlook.markets],
        "anchors": list(_anchors()),
        "diagnostics": list(outlook.diagnostics),
    }


def _market_json(one: ClassMarket) -> dict[str, Any]:
    return {
        "class": one.capability_class,
        "providers": one.providers,
        "history_records": one.records,
        "history_annual_log_change": _round(one.history_rate),
        "history_interval_90": [_round(v) for v in one.history_interval],
        "forecast_median_provider_annual_log_change": _round(one.median_provider_rate),
        "forecast_cheapest_annual_log_change": _bands(one.frontier_rates.tolist()),
    }


def _index_json(one: IndexOutlook) -> dict[str, Any]:
    return {
        "provider": one.series.provider,
        "class": one.series.capability_class,
        "model": one.model_now,
        "own_steps": one.own_steps,
        "low_evidence": one.low_evidence,
        "annual_log_change": _bands(one.annual_log_change.tolist()),
        "history": _history_json(one),
        "forecast": [
            {"month": f"{m:%Y-%m}", **_bands((one.bands[:, t] * PER_1K).tolist())}
            for t, m in enumerate(one.forecast_months)
        ],
    }


def _history_json(one: IndexOutlook) -> list[dict[str, Any]]:
    months = one.history_months
    values = one.series.usd.tolist()
    return [
        {
            "month": f"{m:%Y-%m}",
            "usd_per_1k_requests": _round(v * PER_1K),
            "model": name,
        }
        for m, v, name in zip(months, values, one.series.models, strict=True)
        if math.isfinite(v)
    ]


def _bands(values: Sequence[float]) -> dict[str, float | None]:
    low, mid, high = values
    return {"p10": _round(low), "p50": _round(mid), "p90": _round(high)}


def render_outlook(outlook: Outlook) -> str:
    """One line per index; with a single index, its history and bands too."""
    months = len(outlook.indices[0].forecast_months)
    header = (
        "provider",
        "class",
        "model now",
        "USD / 1k req now",
        f"p10 in {months} mo",
        f"p50 in {months} mo",
        f"p90 in {months} mo",
        "p50 change / yr",
        "own steps",
    )
    rows = [_outlook_row(one) for one in outlook.indices]
    parts = [align([header, *rows], text_columns=3)]
    if len(outlook.indices) == 1:
        parts += ["", _detail(outlook.indices[0])]
    parts += ["", render_markets(outlook.markets)]
    parts += [
        "",
        f"Data through {outlook.data_end:%Y-%m}; token mix: {MIX_TEXT}; "
        f"seed {outlook.seed}{_decay_text(outlook.hazard_decay)}. '*' marks low "
        "evidence (fewer than 3 own steps).",
    ]
    return "\n".join(parts)


MARKET_HEADER = (
    "class",
    "providers",
    "history: record lows a year",
    "90% interval",
    "records",
    "forecast: median provider a year",
    "cheapest across providers a year, p50 (p10 to p90)",
)


def render_markets(markets: Sequence[ClassMarket]) -> str:
    """The cheapest price across providers: history trend and forecast."""
    rows = [_market_row(one) for one in markets]
    anchors = "; ".join(_anchors())
    return (
        "Cheapest price across providers by class (x = price factor a year):\n"
        f"{align([MARKET_HEADER, *rows], text_columns=1)}\n"
        f"Published anchors: {anchors}."
    )


def _market_row(one: ClassMarket) -> tuple[str, ...]:
    low, mid, high = one.frontier_rates.tolist()
    first, last = one.history_interval
    return (
        one.capability_class,
        str(one.providers),
        _factor(one.history_rate),
        f"{_factor(first, short=True)} to {_factor(last, short=True)}",
        str(one.records),
        _factor(one.median_provider_rate),
        f"{_factor(mid)} ({_factor(low, True)} to {_factor(high, True)})",
    )


def _anchors() -> tuple[str, ...]:
    from sim.forecast.frontier import ANCHORS

    return ANCHORS


def _factor(log_rate: float, short: bool = False) -> str:
    """``x0.064 = 1/15.6``: a yearly price factor, and its inverse if < 1."""
    if not math.isfinite(log_rate):
        return "n/a"
    factor = math.exp(log_rate)
    if short or factor >= 1:
        return f"x{factor:.2g}"
    return f"x{factor:.2g} = 1/{1 / factor:.3g}"


def _outlook_row(one: IndexOutlook) -> tuple[str, ...]:
    now = float(one.series.usd[-1]) * PER_1K
    last = one.bands[:, -1].tolist()
    factor = math.exp(float(one.annual_log_change[1]))
    steps = f"{one.own_steps}{'*' if one.low_evidence else ''}"
    return (
        one.series.provider,
        one.series.capability_class,
        one.model_now,
        _usd(now),
        *(_usd(v * PER_1K) for v in last),
        f"x{factor:.2f}",
        steps,
    )


def _detail(one: IndexOutlook) -> str:
    """Every step of the history, then the bands every three months."""
    usd = one.series.usd.tolist()
    steps = [
        (
            f"{one.history_months[s.month]:%Y-%m}",
            one.series.models[s.month],
            _usd(usd[s.month] * PER_1K),
            f"{s.log_change:+.2f}",
        )
        for s in one.series.steps()
    ]
    history = align(
        [("month", "model", "USD / 1k req", "log change"), *steps], text_columns=2
    )
    bands = one.bands.tolist()
    marks = sorted(
        {*range(2, len(one.forecast_months), 3), len(one.forecast_months) - 1}
    )
    forecast = [
        (f"{one.forecast_months[t]:%Y-%m}", *(_usd(b[t] * PER_1K) for b in bands))
        for t in marks
    ]
    table = align([("month", "p10", "p50", "p90"), *forecast], text_columns=1)
    return f"Steps of the history:\n{history}\n\nForecast, USD / 1k req:\n{table}"


# --- helpers -------------------------------------------------------------------


def align(rows: Sequence[Sequence[str]], text_columns: int) -> str:
    """Rows as columns: text left-aligned, numbers right-aligned."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            c.ljust(w) if i < text_columns else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _usd(value: float) -> str:
    return f"{value:.4g}"


def _round(value: float) -> float | None:
    """Six decimals, and None for not-a-number (JSON has no NaN)."""
    return round(value, 6) if math.isfinite(value) else None


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _plain_value(v) for k, v in values.items()}


def _plain_value(value: Any) -> Any:
    if isinstance(value, float):
        return _round(value)
    if isinstance(value, tuple):
        return [_plain_value(v) for v in value]
    return value


def _dumps(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, indent=2)

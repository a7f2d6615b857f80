"""``tcosim prices``: list and inspect the price sheets.

Two commands read the catalog (:mod:`sim.catalog`) and render it: ``list``
shows every model with the prices in force at a date, ``show`` one model's
whole price history with its sources and the provider's serving terms.
Both print an aligned text table, or JSON with ``--json``; unknown prices
stay blank (``null`` in JSON), never zero.

Input problems (an unknown provider, model or class, a bad date, a broken
price sheet) print one ``Error: <what>: <message>`` line per problem on
stderr and exit with status 2, whether the group runs alone or inside the
``tcosim`` command.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from sim.catalog import (
    BatchTerms,
    CacheTerms,
    Catalog,
    CatalogLookupError,
    Model,
    PriceRegime,
    PriceSheet,
    ProviderTerms,
    TimeWindow,
    load_catalog,
)
from sim.errors import EXIT_INPUT, InputError

T = TypeVar("T")
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}

# JSON key -> table header of `prices list`; units in both.
LIST_COLUMNS = {
    "provider": "provider",
    "model": "model",
    "capability_class": "class",
    "input_usd_per_mtok": "input $/Mtok",
    "cached_input_usd_per_mtok": "cached input $/Mtok",
    "output_usd_per_mtok": "output $/Mtok",
    "batch_input_usd_per_mtok": "batch input $/Mtok",
    "batch_output_usd_per_mtok": "batch output $/Mtok",
    "context_window_tokens": "context tokens",
    "effective_from": "effective_from",
}
REGIME_COLUMNS = {
    "effective_from": "from",
    "effective_to": "to",
    "input_usd_per_mtok": "input $/Mtok",
    "cached_input_usd_per_mtok": "cached input $/Mtok",
    "cache_write_usd_per_mtok": "cache write $/Mtok",
    "output_usd_per_mtok": "output $/Mtok",
    "batch_input_usd_per_mtok": "batch input $/Mtok",
    "batch_output_usd_per_mtok": "batch output $/Mtok",
    "long_context": "long context: tokens > input/output $/Mtok",
    "date_quality": "date quality",
}
TEXT_COLUMNS = {"provider", "model", "capability_class", "date_quality"}


class PricesInputError(click.ClickException):
    """Input problems shown as ``Error: ...`` lines; exit status 2."""

    exit_code = EXIT_INPUT

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = tuple(lines)

    def show(self, file: IO[Any] | None = None) -> None:
        """Print one ``Error:`` line per problem on stderr."""
        for line in self.lines:
            click.echo(f"Error: {line}", err=True, file=file)


pricing_data_option = click.option(
    "--pricing-data",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="TCOSIM_PRICING_DATA",
    help="Folder of price sheets (default: the bundled pricing_data/).",
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print JSON instead of a table."
)


@click.group(context_settings=CONTEXT_SETTINGS)
def prices() -> None:
    """List and inspect the price sheets (USD per million tokens).

    Example: tcosim prices list --provider openai --class frontier
    """


@prices.command("list", context_settings=CONTEXT_SETTINGS)
@click.option("--provider", metavar="PROVIDER", help="Only this provider's models.")
@click.option(
    "--class", "capability_class", metavar="CLASS", help="small, mid or frontier."
)
@click.option("--at", "at", metavar="YYYY-MM-DD", help="Price date (default: today).")
@click.option("--current", is_flag=True, help="Only the newest model of each family.")
@pricing_data_option
@json_option
def list_command(
    provider: str | None,
    capability_class: str | None,
    at: str | None,
    current: bool,
    pricing_data: Path | None,
    as_json: bool,
) -> None:
    """List models with the prices in force at a date, one row per model.

    Example: tcosim prices list --provider anthropic --at 2025-01-01
    """
    day = _parse_day("--at", at)
    catalog = _load(pricing_data)
    if provider is not None:
        _lookup("--provider", lambda: catalog.sheet(provider))
    models = _lookup(
        "--class", lambda: _select(catalog, provider, capability_class, day, current)
    )
    rows = [_list_row(model, day) for model in models if model.regime_at(day)]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    elif rows:
        click.echo(render_table(rows, LIST_COLUMNS))
    else:
        click.echo(f"No model matches with a price on {day}.", err=True)


@prices.command("show", context_settings=CONTEXT_SETTINGS)
@click.argument("name", metavar="PROVIDER/MODEL")
@pricing_data_option
@json_option
def show_command(name: str, pricing_data: Path | None, as_json: bool) -> None:
    """Show one model's price history, time windows, sources and terms.

    Example: tcosim prices show openai/gpt-4o
    """
    provider, _, model_name = name.partition("/")
    if not provider or not model_name:
        expected = "a provider and a model id or alias, e.g. openai/gpt-4o"
        raise PricesInputError([f"PROVIDER/MODEL: found '{name}'; expected {expected}"])
    catalog = _load(pricing_data)
    sheet = _lookup("PROVIDER/MODEL", lambda: catalog.sheet(provider))
    model = _lookup("PROVIDER/MODEL", lambda: catalog.resolve(provider, model_name))
    if as_json:
        click.echo(json.dumps(_model_json(model, sheet.terms), indent=2))
    else:
        click.echo(render_model(model, sheet))


# -- parsing and lookups --------------------------------------------------------


def _parse_day(what: str, text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise PricesInputError(
            [f"{what}: found '{text}'; expected a date YYYY-MM-DD"]
        ) from None


def _load(directory: Path | None) -> Catalog:
    try:
        return load_catalog(directory)
    except InputError as exc:
        raise PricesInputError([str(p) for p in exc.problems]) from None


def _lookup(what: str, find: Callable[[], T]) -> T:
    """Run a catalog lookup; an unknown name becomes an input error."""
    try:
        return find()
    except CatalogLookupError as exc:
        raise PricesInputError([f"{what}: {exc.args[0]}"]) from None


def _select(
    catalog: Catalog,
    provider: str | None,
    capability_class: str | None,
    day: date,
    current: bool,
) -> list[Model]:
    models = catalog.models(provider, capability_class)
    if not current:
        return models
    classes = {model.capability_class for model in models}
    keep = {id(m) for c in classes for m in catalog.current_models(day, c)}
    return [model for model in models if id(model) in keep]


# -- rendering ------------------------------------------------------------------


def _list_row(model: Model, day: date) -> dict[str, Any]:
    regime = model.regime_at(day)
    assert regime is not None  # the caller keeps only models on sale
    return {
        "provider": model.provider,
        "model": model.id,
        "capability_class": model.capability_class,
        "input_usd_per_mtok": regime.input_usd_per_mtok,
        "cached_input_usd_per_mtok": regime.cached_input_usd_per_mtok,
        "output_usd_per_mtok": regime.output_usd_per_mtok,
        "batch_input_usd_per_mtok": regime.batch_input_usd_per_mtok,
        "batch_output_usd_per_mtok": regime.batch_output_usd_per_mtok,
        "context_window_tokens": model.context_window_at(day),
        "effective_from": regime.effective_from.isoformat(),
    }


def render_table(rows: Sequence[Mapping[str, Any]], columns: Mapping[str, str]) -> str:
    """Rows as an aligned text table; numbers right-aligned, None blank."""
    cells = [[_cell(row[key]) for key in columns] for row in rows]
    widths = [
        max([len(header), *(len(line[i]) for line in cells)])
        for i, header in enumerate(columns.values())
    ]
    right = [key not in TEXT_COLUMNS and _numeric(rows, key) for key in columns]
    lines = [list(columns.values()), *cells]
    return "\n".join(
        "  ".join(
            text.rjust(width) if flush else text.ljust(width)
            for text, width, flush in zip(line, widths, right, strict=True)
        ).rstrip()
        for line in lines
    )


def render_model(model: Model, sheet: PriceSheet) -> str:
    """The text ``prices show`` prints for one model."""
    aliases = f" (alias: {', '.join(model.aliases)})" if model.aliases else ""
    context = model.context_window or "unknown"
    parts = [
        f"{model.key}{aliases}",
        f"family {model.family}, class {model.capability_class}, "
        f"context window {context} tokens, released {model.release_date}",
        "",
        "Price regimes:",
        _render_regimes(model.regimes),
    ]
    for window in model.windows:
        parts += ["", f"Time window '{window.name}', {_spans(window)} UTC:"]
        parts.append(_render_regimes(window.regimes))
    parts += ["", f"Serving terms of {sheet.name} ({sheet.provider}):"]
    parts += _render_terms(sheet.terms, model)
    return "\n".join(parts)


def _render_regimes(regimes: Sequence[PriceRegime]) -> str:
    rows = [_regime_json(regime) for regime in regimes]
    lines = [render_table(rows, REGIME_COLUMNS), "Sources:"]
    for regime in regimes:
        lines.append(f"  from {regime.effective_from}: {regime.source}")
        if regime.notes:
            lines.append(f"    notes: {regime.notes}")
    return "\n".join(lines)


def _render_terms(terms: ProviderTerms, model: Model) -> list[str]:
    """One line per serving term, each followed by its source."""
    found: list[tuple[str, str]] = []
    if terms.batch is not None:
        found.append((_batch_text(terms.batch), terms.batch.source))
    if terms.cache is not None:
        found.append((_cache_text(terms.cache, model), terms.cache.source))
    for tier in terms.tiers.values():
        text = f"tier {tier.name}: x{tier.multiplier_for(model):g} for this model"
        found.append((text, tier.source))
    for region in terms.regions.values():
        text = f"region {region.name}: x{region.multiplier_for(model):g} for this model"
        found.append((text, region.source))
    if not found:
        return ["  none recorded"]
    return [
        line
        for text, source in found
        for line in (f"  {text}", f"    source: {source}")
    ]


def _batch_text(batch: BatchTerms) -> str:
    text = f"batch: {batch.discount:.0%} off list"
    if batch.turnaround_hours is not None:
        text += f", within {batch.turnaround_hours:g} h"
    if batch.available_from is not None:
        text += f", from {batch.available_from}"
    return text


def _cache_text(cache: CacheTerms, model: Model) -> str:
    minimum = cache.min_prefix_tokens_for(model)
    text = f"prompt cache: {cache.mode}, minimum prefix "
    text += f"{minimum} tokens" if minimum is not None else "unknown"
    if cache.ttl_seconds:
        ttls = ", ".join(f"{k} = {v:g} s" for k, v in cache.ttl_seconds.items())
        text += f", TTLs {ttls}"
    if cache.default_ttl is not None:
        text += f" (default {cache.default_ttl})"
    if cache.write_multipliers:
        writes = ", ".join(f"{k} x{v:g}" for k, v in cache.write_multipliers.items())
        text += f", writes {writes}"
    if cache.read_multiplier is not None:
        text += f", reads x{cache.read_multiplier:g}"
    return text


def _model_json(model: Model, terms: ProviderTerms) -> dict[str, Any]:
    return {
        "provider": model.provider,
        "model": model.id,
        "aliases": list(model.aliases),
        "family": model.family,
        "capability_class": model.capability_class,
        "context_window_tokens": model.context_window,
        "release_date": model.release_date.isoformat(),
        "regimes": [_regime_json(regime) for regime in model.regimes],
        "windows": [_window_json(window) for window in model.windows],
        "terms": _plain(terms),
    }


def _regime_json(regime: PriceRegime) -> dict[str, Any]:
    found = _plain(regime)
    assert isinstance(found, dict)
    return found


def _window_json(window: TimeWindow) -> dict[str, Any]:
    return {
        "name": window.name,
        "utc": _spans(window).split(", "),
        "regimes": [_regime_json(regime) for regime in window.regimes],
    }


def _spans(window: TimeWindow) -> str:
    return ", ".join(f"{_clock(a)}-{_clock(b)}" for a, b in window.utc_minutes)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _plain(value: object) -> object:
    """Dataclasses, mappings and dates as JSON-ready dicts, lists, strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.8f}".rstrip("0").rstrip(".")
    if isinstance(value, Mapping):  # a long-context tier
        prices = "/".join(
            _cell(value[k]) for k in ("input_usd_per_mtok", "output_usd_per_mtok")
        )
        return f"> {value['threshold_tokens']}: {prices}"
    return str(value)


def _numeric(rows: Sequence[Mapping[str, Any]], key: str) -> bool:
    return any(isinstance(row[key], int | float) for row in rows)

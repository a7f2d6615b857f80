"""Reading one TOML price sheet into a :class:`~sim.catalog.PriceSheet`.

The schema is strict: unknown keys, wrong types, negative prices,
overlapping regimes and duplicate model names are problems. Reading never
stops at the first one (see :mod:`sim.toml_table`): one pass reports every
problem of a file, each with its key path.

:func:`read_sheet` is the entry point; :func:`sim.catalog.load_catalog`
calls it for every sheet of a folder. The key lists below are the schema;
:data:`PRICE_KEYS` and :data:`LONG_CONTEXT_KEYS` are shared with
``tools/build_pricing_data.py``, which writes the sheets.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from types import MappingProxyType

from sim.catalog import (
    CACHE_MODES,
    CAPABILITY_CLASSES,
    DATE_QUALITIES,
    SCHEMA_VERSION,
    BatchTerms,
    CacheTerms,
    Fact,
    LongContext,
    Model,
    PriceRegime,
    PriceSheet,
    ProviderTerms,
    RegionTerms,
    TierTerms,
    TimeWindow,
)
from sim.errors import Problem, ProblemLog
from sim.toml_table import TomlTable, is_day, show_value

# The keys each table allows; any other key is a problem.
_SHEET_KEYS = ("schema_version", "provider", "terms", "facts", "models")
_PROVIDER_KEYS = ("id", "name")
_TERMS_KEYS = ("batch", "cache", "tiers", "regions")
_BATCH_KEYS = ("discount", "turnaround_hours", "available_from", "source")
_CACHE_KEYS = (
    "mode",
    "min_prefix_tokens",
    "min_prefix_tokens_by_family",
    "default_ttl",
    "ttl_seconds",
    "write_multipliers",
    "read_multiplier",
    "storage_usd_per_mtok_hour",
    "storage_usd_per_mtok_hour_by_model",
    "source",
)
_TIER_KEYS = ("multiplier", "by_family", "by_model", "source")
_REGION_KEYS = ("multiplier", "models_released_from", "source")
_FACT_KEYS = ("value", "detail", "source", "source_date")
_MODEL_KEYS = (
    "id",
    "aliases",
    "family",
    "capability_class",
    "context_window",
    "regimes",
    "windows",
)
# The generator writes a regime's prices in this order.
PRICE_KEYS = (
    "input_usd_per_mtok",
    "output_usd_per_mtok",
    "cached_input_usd_per_mtok",
    "cache_write_usd_per_mtok",
    "batch_input_usd_per_mtok",
    "batch_output_usd_per_mtok",
)
_REGIME_KEYS = (
    "effective_from",
    "effective_to",
    *PRICE_KEYS,
    "context_window",
    "long_context",
    "date_quality",
    "source",
    "notes",
)
LONG_CONTEXT_KEYS = ("threshold_tokens", "input_usd_per_mtok", "output_usd_per_mtok")
_WINDOW_KEYS = ("name", "utc", "regimes")
_SPAN = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def read_sheet(path: Path, raw: bytes) -> tuple[PriceSheet | None, list[Problem]]:
    """Parse and check one sheet.

    Args:
        path: the sheet's file; its stem must be the provider id, and it
            is the file named in every problem.
        raw: the file's bytes, as read once by the caller (who also
            hashes them).

    Returns:
        The sheet, or None if it has any problem, and every problem
        found.
    """
    log = ProblemLog(str(path))
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        log.add("", f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None, log.problems
    except tomllib.TOMLDecodeError as exc:
        log.add("", f"TOML syntax error: {exc}")
        return None, log.problems

    sheet = _build_sheet(TomlTable(log, doc, "", _SHEET_KEYS), path.stem)
    return (sheet if not log.problems else None), log.problems


# -- building the objects -----------------------------------------------------


def _build_sheet(root: TomlTable, stem: str) -> PriceSheet | None:
    version = root.whole("schema_version", minimum=0)
    if version is not None and version != SCHEMA_VERSION:
        root.problem("schema_version", f"found {version}; expected {SCHEMA_VERSION}")
    head = root.table("provider", _PROVIDER_KEYS, required=True)
    provider = head.text("id") if head else None
    name = head.text("name") if head else None
    if head and provider is not None and provider != stem:
        head.problem("id", f"found '{provider}'; expected '{stem}', the file's name")

    terms = _build_terms(root.table("terms", _TERMS_KEYS))
    tables = root.named_tables("facts", _FACT_KEYS)
    facts = {name: _build_fact(name, table) for name, table in tables.items()}
    models = _build_models(root, provider or stem)
    if provider is None or name is None:
        return None
    return PriceSheet(
        provider=provider,
        name=name,
        path=root.log.file,
        terms=terms,
        facts=MappingProxyType(facts),
        models=MappingProxyType(models),
    )


def _build_terms(table: TomlTable | None) -> ProviderTerms:
    if table is None:
        return ProviderTerms()
    batch = table.table("batch", _BATCH_KEYS)
    cache = table.table("cache", _CACHE_KEYS)
    tiers = table.named_tables("tiers", _TIER_KEYS)
    regions = table.named_tables("regions", _REGION_KEYS)
    return ProviderTerms(
        batch=_build_batch(batch) if batch else None,
        cache=_build_cache(cache) if cache else None,
        tiers=MappingProxyType({k: _build_tier(k, t) for k, t in tiers.items()}),
        regions=MappingProxyType({k: _build_region(k, t) for k, t in regions.items()}),
    )


def _build_batch(table: TomlTable) -> BatchTerms:
    discount = table.number("discount")
    if discount is not None and discount >= 1:
        table.problem("discount", f"found {discount}; expected a fraction below 1")
    return BatchTerms(
        discount=discount or 0.0,
        source=table.text("source") or "",
        turnaround_hours=table.number("turnaround_hours", required=False),
        available_from=table.day("available_from", required=False),
    )


def _build_cache(table: TomlTable) -> CacheTerms:
    mode = table.choice("mode", CACHE_MODES)
    ttl_seconds = table.number_map("ttl_seconds")
    writes = table.number_map("write_multipliers")
    default_ttl = table.text("default_ttl", required=False)
    known = ", ".join(ttl_seconds) or "(none: ttl_seconds is empty)"
    for ttl in [default_ttl, *writes]:
        if ttl is not None and ttl not in ttl_seconds:
            key = "default_ttl" if ttl == default_ttl else f"write_multipliers.{ttl}"
            table.problem(key, f"found '{ttl}'; expected a TTL of ttl_seconds: {known}")
    return CacheTerms(
        mode=mode or "none",
        source=table.text("source") or "",
        min_prefix_tokens=table.whole("min_prefix_tokens", required=False),
        default_ttl=default_ttl,
        ttl_seconds=MappingProxyType(ttl_seconds),
        write_multipliers=MappingProxyType(writes),
        read_multiplier=table.number("read_multiplier", required=False),
        storage_usd_per_mtok_hour=table.number(
            "storage_usd_per_mtok_hour", required=False
        ),
        min_prefix_tokens_by_family=MappingProxyType(
            table.whole_map("min_prefix_tokens_by_family")
        ),
        storage_usd_per_mtok_hour_by_model=MappingProxyType(
            table.number_map("storage_usd_per_mtok_hour_by_model")
        ),
    )


def _build_tier(name: str, table: TomlTable) -> TierTerms:
    return TierTerms(
        name=name,
        multiplier=table.multiplier("multiplier") or 1.0,
        source=table.text("source") or "",
        by_family=MappingProxyType(table.number_map("by_family")),
        by_model=MappingProxyType(table.number_map("by_model")),
    )


def _build_region(name: str, table: TomlTable) -> RegionTerms:
    return RegionTerms(
        name=name,
        multiplier=table.multiplier("multiplier") or 1.0,
        source=table.text("source") or "",
        models_released_from=table.day("models_released_from", required=False),
    )


def _build_fact(name: str, table: TomlTable) -> Fact:
    when = table.data.get("source_date")
    day = when if isinstance(when, date) and is_day(when) else None
    month = when if isinstance(when, str) and _MONTH.fullmatch(when) else None
    if when is not None and day is None and month is None:
        expected = "a date YYYY-MM-DD, or 'YYYY-MM' when only the month is known"
        table.problem("source_date", f"found {show_value(when)}; expected {expected}")
    return Fact(
        name=name,
        value=table.text("value") or "",
        source=table.text("source", required=False) or "",
        detail=table.text("detail", required=False) or "",
        source_date=day,
        source_date_text=day.isoformat() if day else (month or ""),
    )


# -- models, regimes and windows ------------------------------------------------


def _build_models(root: TomlTable, provider: str) -> dict[str, Model]:
    items = root.tables("models", _MODEL_KEYS, required=True)
    built = [_build_model(item, provider) for item in items]
    _check_names(items)
    by_id: dict[str, Model] = {}
    for model in built:
        if model is not None:
            by_id.setdefault(model.id, model)
    return by_id


def _build_model(item: TomlTable, provider: str) -> Model | None:
    model_id = item.text("id")
    aliases = item.texts("aliases")
    family = item.text("family")
    capability_class = item.choice("capability_class", CAPABILITY_CLASSES)
    context_window = item.whole("context_window", required=False)
    regimes = _build_regimes(item)
    windows = [_build_window(w) for w in item.tables("windows", _WINDOW_KEYS)]
    if model_id is None or family is None or capability_class is None:
        return None
    if regimes is None or aliases is None or None in windows:
        return None
    return Model(
        provider=provider,
        id=model_id,
        family=family,
        capability_class=capability_class,
        context_window=context_window,
        regimes=regimes,
        aliases=tuple(aliases),
        windows=tuple(w for w in windows if w is not None),
    )


def _check_names(items: list[TomlTable]) -> None:
    """Ids and aliases must name one model each within a sheet.

    Ids are taken first so that an alias is reported against the id it
    shadows, wherever the two stand in the file.
    """
    first: dict[str, str] = {}
    for item in items:
        model_id = item.data.get("id")
        if isinstance(model_id, str) and model_id in first:
            item.problem("id", _duplicate(model_id, first[model_id], "ids"))
        elif isinstance(model_id, str):
            first[model_id] = f"{item.path}.id"
    for item in items:
        aliases = item.data.get("aliases")
        for index, alias in enumerate(aliases if isinstance(aliases, list) else []):
            key = f"aliases[{index}]"
            if isinstance(alias, str) and alias in first:
                item.problem(key, _duplicate(alias, first[alias], "names"))
            elif isinstance(alias, str):
                first[alias] = f"{item.path}.{key}"


def _duplicate(name: str, where: str, what: str) -> str:
    return (
        f"found '{name}', already used at {where}; expected {what} unique in the sheet"
    )


def _build_regimes(table: TomlTable) -> tuple[PriceRegime, ...] | None:
    """The regimes under ``table``, sorted; None if any is invalid."""
    items = table.tables("regimes", _REGIME_KEYS, required=True)
    built = [(item, _build_regime(item)) for item in items]
    valid = sorted(
        ((item, r) for item, r in built if r is not None),
        key=lambda pair: pair[1].effective_from,
    )
    for (first, early), (item, late) in zip(valid, valid[1:], strict=False):
        if early.effective_to is None or early.effective_to > late.effective_from:
            end = early.effective_to or "open end"
            item.problem(
                "effective_from",
                f"found {late.effective_from}, inside {first.path} "
                f"[{early.effective_from}, {end}); expected regimes that do not "
                "overlap",
            )
    if not items or len(valid) < len(items):
        return None
    return tuple(regime for _, regime in valid)


def _build_regime(item: TomlTable) -> PriceRegime | None:
    start, end = _regime_dates(item)
    prices = {
        key: item.number(key, required=key.startswith(("input", "output")))
        for key in PRICE_KEYS
    }
    long_context = item.table("long_context", LONG_CONTEXT_KEYS)
    quality = item.choice("date_quality", DATE_QUALITIES)
    source = item.text("source")
    notes = item.text("notes", required=False)
    context_window = item.whole("context_window", required=False)
    lc = _build_long_context(long_context) if long_context else None
    inp, out = prices["input_usd_per_mtok"], prices["output_usd_per_mtok"]
    if start is None or inp is None or out is None or quality is None or not source:
        return None
    return PriceRegime(
        effective_from=start,
        effective_to=end,
        input_usd_per_mtok=inp,
        output_usd_per_mtok=out,
        date_quality=quality,
        source=source,
        cached_input_usd_per_mtok=prices["cached_input_usd_per_mtok"],
        cache_write_usd_per_mtok=prices["cache_write_usd_per_mtok"],
        batch_input_usd_per_mtok=prices["batch_input_usd_per_mtok"],
        batch_output_usd_per_mtok=prices["batch_output_usd_per_mtok"],
        long_context=lc,
        notes=notes or "",
        context_window=context_window,
    )


def _regime_dates(item: TomlTable) -> tuple[date | None, date | None]:
    """``effective_from`` and ``effective_to``; no start if the range is bad."""
    start = item.day("effective_from")
    end = item.day("effective_to", required=False)
    if start is not None and end is not None and end <= start:
        item.problem(
            "effective_to",
            f"found {end}, not after effective_from {start}; expected a later "
            "date, or no effective_to",
        )
        return None, end  # no usable range: keep it out of the overlap check
    return start, end


def _build_long_context(table: TomlTable) -> LongContext | None:
    threshold = table.whole("threshold_tokens")
    inp = table.number("input_usd_per_mtok")
    out = table.number("output_usd_per_mtok")
    if threshold is None or inp is None or out is None:
        return None
    return LongContext(threshold, inp, out)


def _build_window(item: TomlTable) -> TimeWindow | None:
    name = item.text("name")
    spans = item.texts("utc", required=True) or []
    minutes = [_parse_span(item, f"utc[{i}]", span) for i, span in enumerate(spans)]
    regimes = _build_regimes(item)
    if name is None or not spans or regimes is None or None in minutes:
        return None
    return TimeWindow(name, tuple(m for m in minutes if m is not None), regimes)


def _parse_span(item: TomlTable, key: str, text: str) -> tuple[int, int] | None:
    """``'16:30-00:30'`` as minutes after midnight UTC: ``(990, 30)``."""
    match = _SPAN.fullmatch(text)
    if match is not None:
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if h1 < 24 and m1 < 60 and m2 < 60 and end <= 1440 and start != end:
            return start, end
    item.problem(
        key,
        f"found '{text}'; expected 'HH:MM-HH:MM' in UTC from 00:00 to 24:00, "
        "start and end different",
    )
    return None

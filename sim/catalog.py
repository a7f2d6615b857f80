"""Price sheets: loading, validation, the price of a model at a date, terms.

One TOML file per provider in ``pricing_data/`` holds provider facts
(compliance attestations), serving terms (batch, prompt cache, service
tiers, regions) and models, each with dated, non-overlapping price regimes.
Every number carries its source. All prices are USD per million tokens
(``_usd_per_mtok``).

:func:`load_catalog` reads every sheet of a folder into an immutable
:class:`Catalog`. Validation is strict: unknown keys, wrong types, negative
prices, overlapping regimes and duplicate names are all reported together,
each with its file and key path, as one :class:`~sim.errors.InputError`.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import TypeGuard

from sim.errors import InputError, Problem, ProblemLog, suggest
from sim.resources import pricing_data_dir

CAPABILITY_CLASSES = ("small", "mid", "frontier")
DATE_QUALITIES = ("exact", "release-date", "commit-date-approx")
CACHE_MODES = ("automatic", "explicit", "none")
SCHEMA_VERSION = 1


class CatalogLookupError(LookupError):
    """An unknown provider, model or class; the message says "did you mean"."""


@dataclass(frozen=True)
class LongContext:
    """Above ``threshold_tokens`` of input, the whole request costs these."""

    threshold_tokens: int
    input_usd_per_mtok: float
    output_usd_per_mtok: float


@dataclass(frozen=True)
class PriceRegime:
    """One model's list prices over one date range ``[effective_from, to)``.

    ``effective_to`` is None when no later change is recorded. Optional
    prices are None when the sources give no number (never zero for
    unknown).
    """

    effective_from: date
    effective_to: date | None
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    date_quality: str
    source: str
    cached_input_usd_per_mtok: float | None = None
    cache_write_usd_per_mtok: float | None = None
    batch_input_usd_per_mtok: float | None = None
    batch_output_usd_per_mtok: float | None = None
    long_context: LongContext | None = None
    notes: str = ""
    context_window: int | None = None  # tokens, when it differs from the model's

    def covers(self, day: date) -> bool:
        """True if ``day`` lies in ``[effective_from, effective_to)``."""
        if day < self.effective_from:
            return False
        return self.effective_to is None or day < self.effective_to


@dataclass(frozen=True)
class TimeWindow:
    """A daily UTC window in which a model is billed at other prices.

    ``utc_minutes`` holds ``(start, end)`` pairs in minutes after 00:00 UTC;
    a pair with ``start > end`` wraps past midnight (16:30-00:30 is
    ``(990, 30)``). ``regimes`` are the window's own dated prices; outside
    their dates the model's ordinary regime applies all day.
    """

    name: str
    utc_minutes: tuple[tuple[int, int], ...]
    regimes: tuple[PriceRegime, ...]

    def regime_at(self, day: date) -> PriceRegime | None:
        """The window regime in force on ``day``, or None."""
        for regime in self.regimes:
            if regime.covers(day):
                return regime
        return None

    def share_of_day(self, hourly_weights: Sequence[float]) -> float:
        """Share of a day's traffic inside the window.

        Args:
            hourly_weights: 24 non-negative weights of traffic by UTC hour;
                traffic is taken as uniform within each hour.
        """
        total = float(sum(hourly_weights))
        if total <= 0:
            raise ValueError("hourly_weights must have a positive sum")
        inside = 0.0
        for start, end in self.utc_minutes:
            spans = [(start, end)] if start < end else [(start, 1440), (0, end)]
            for lo, hi in spans:
                inside += _weighted_minutes(hourly_weights, lo, hi)
        return inside / (60.0 * total)


@dataclass(frozen=True)
class Model:
    """One model of one provider with its whole price history."""

    provider: str
    id: str
    family: str
    capability_class: str
    context_window: int | None
    regimes: tuple[PriceRegime, ...]
    aliases: tuple[str, ...] = ()
    windows: tuple[TimeWindow, ...] = ()

    @property
    def key(self) -> str:
        """``provider/model``, the name used in commands and reports."""
        return f"{self.provider}/{self.id}"

    @property
    def names(self) -> tuple[str, ...]:
        """The id followed by the aliases: every name that resolves here."""
        return (self.id, *self.aliases)

    @property
    def release_date(self) -> date:
        """Start of the first recorded price regime."""
        return self.regimes[0].effective_from

    def regime_at(self, day: date) -> PriceRegime | None:
        """The regime in force on ``day``; None before the first one.

        After the last regime the last one holds: a blank end means that no
        later change is recorded.
        """
        for regime in self.regimes:
            if regime.covers(day):
                return regime
        last = self.regimes[-1]
        if day >= last.effective_from:
            return last
        return None

    def context_window_at(self, day: date) -> int | None:
        """Context window in tokens on ``day``: the regime's, else the model's."""
        regime = self.regime_at(day)
        if regime is not None and regime.context_window is not None:
            return regime.context_window
        return self.context_window


@dataclass(frozen=True)
class CacheTerms:
    """Provider prompt-cache rules.

    Attributes:
        mode: ``automatic`` (no code change), ``explicit`` (breakpoints or
            cache objects) or ``none``.
        min_prefix_tokens: shortest cacheable prefix; None when unknown.
        default_ttl: TTL name used unless a candidate buys another.
        write_multipliers: TTL name -> cache-write price as a multiple of
            the uncached input price (1.0 where writes carry no premium).
        read_multiplier: cache-read price as a multiple of input, used only
            when a regime gives no cached price; None when unknown.
        storage_usd_per_mtok_hour: storage charge for explicit caches.
        min_prefix_tokens_by_family: family -> minimum where it differs.
        storage_usd_per_mtok_hour_by_model: model id -> storage charge
            where only some models' charge is known.
    """

    mode: str
    source: str
    min_prefix_tokens: int | None = None
    default_ttl: str | None = None
    ttl_seconds: Mapping[str, float] = field(default_factory=dict)
    write_multipliers: Mapping[str, float] = field(default_factory=dict)
    read_multiplier: float | None = None
    storage_usd_per_mtok_hour: float | None = None
    min_prefix_tokens_by_family: Mapping[str, int] = field(default_factory=dict)
    storage_usd_per_mtok_hour_by_model: Mapping[str, float] = field(
        default_factory=dict
    )

    def min_prefix_tokens_for(self, model: Model) -> int | None:
        """The shortest cacheable prefix for ``model``, by family if given."""
        return self.min_prefix_tokens_by_family.get(
            model.family, self.min_prefix_tokens
        )

    def storage_for(self, model: Model) -> float | None:
        """Explicit-cache storage in USD per Mtok-hour for ``model``."""
        return self.storage_usd_per_mtok_hour_by_model.get(
            model.id, self.storage_usd_per_mtok_hour
        )


@dataclass(frozen=True)
class BatchTerms:
    """Asynchronous batch processing: fraction off list price, turnaround.

    ``available_from`` is the launch of the batch API where the sources give
    it; regimes before it carry no batch price.
    """

    discount: float
    source: str
    turnaround_hours: float | None = None
    available_from: date | None = None


@dataclass(frozen=True)
class TierTerms:
    """A service tier (flex, priority) priced as a multiple of standard.

    ``by_model`` (keyed by model id) wins over ``by_family``, which wins over
    the provider-wide ``multiplier``.
    """

    name: str
    multiplier: float
    source: str
    by_family: Mapping[str, float] = field(default_factory=dict)
    by_model: Mapping[str, float] = field(default_factory=dict)

    def multiplier_for(self, model: Model) -> float:
        """The multiplier for ``model``, by model or family where given."""
        if model.id in self.by_model:
            return self.by_model[model.id]
        return self.by_family.get(model.family, self.multiplier)


@dataclass(frozen=True)
class RegionTerms:
    """A regional or data-residency endpoint's uplift on every price."""

    name: str
    multiplier: float
    source: str
    models_released_from: date | None = None

    def multiplier_for(self, model: Model) -> float:
        """The uplift for ``model`` (1.0 for models the rule excludes)."""
        if self.models_released_from is None:
            return self.multiplier
        if model.release_date >= self.models_released_from:
            return self.multiplier
        return 1.0


@dataclass(frozen=True)
class Fact:
    """A provider fact (compliance, residency, lock-in) with its source.

    ``source_date`` is the date the source shows, None when blank or known
    only to the month; ``source_date_text`` keeps it as written
    (``2026-07-05`` or ``2025-12``).
    """

    name: str
    value: str
    source: str
    detail: str = ""
    source_date: date | None = None
    source_date_text: str = ""


@dataclass(frozen=True)
class ProviderTerms:
    """Serving terms billing needs; None or empty where not captured."""

    batch: BatchTerms | None = None
    cache: CacheTerms | None = None
    tiers: Mapping[str, TierTerms] = field(default_factory=dict)
    regions: Mapping[str, RegionTerms] = field(default_factory=dict)


@dataclass(frozen=True)
class PriceSheet:
    """Everything known about one provider."""

    provider: str
    name: str
    path: str
    terms: ProviderTerms
    facts: Mapping[str, Fact]
    models: Mapping[str, Model]

    def find_model(self, name: str) -> Model | None:
        """The model whose id or alias is ``name``, or None."""
        found = self.models.get(name)
        if found is not None:
            return found
        for model in self.models.values():
            if name in model.aliases:
                return model
        return None


@dataclass(frozen=True)
class Catalog:
    """Every price sheet of one folder, keyed by provider id.

    Attributes:
        sheets: provider id -> its sheet, in file-name order.
        directory: the folder the sheets were read from.
        sha256: hex digest over the sorted file names and bytes of the
            sheets, recorded with every run to pin the price data.
    """

    sheets: Mapping[str, PriceSheet]
    directory: str
    sha256: str

    def sheet(self, provider: str) -> PriceSheet:
        """The sheet of ``provider``.

        Raises:
            CatalogLookupError: if no sheet has that provider id.
        """
        found = self.sheets.get(provider)
        if found is None:
            known = ", ".join(self.sheets)
            raise CatalogLookupError(
                f"unknown provider '{provider}'; known: {known}"
                f"{suggest(provider, self.sheets)}"
            )
        return found

    def resolve(self, provider: str, name: str) -> Model:
        """The model of ``provider`` whose id or alias is ``name``.

        Raises:
            CatalogLookupError: if the provider or the model is unknown.
        """
        sheet = self.sheet(provider)
        found = sheet.find_model(name)
        if found is None:
            names = [n for model in sheet.models.values() for n in model.names]
            raise CatalogLookupError(
                f"unknown model '{name}' for provider '{provider}'"
                f"{suggest(name, names)}"
            )
        return found

    def models(
        self, provider: str | None = None, capability_class: str | None = None
    ) -> list[Model]:
        """Models in sheet order, optionally of one provider and one class.

        Raises:
            CatalogLookupError: for an unknown provider or class.
        """
        sheets = [self.sheet(provider)] if provider else self.sheets.values()
        if capability_class is not None:
            _check_class(capability_class)
        return [
            model
            for sheet in sheets
            for model in sheet.models.values()
            if capability_class in (None, model.capability_class)
        ]

    def current_models(self, day: date, capability_class: str) -> list[Model]:
        """Models of a class on sale on ``day`` and not superseded.

        A model counts if it has a regime in force on ``day`` and no model
        of the same provider, family and class was released later, on or
        before ``day``. Snapshots released the same day all count.

        Raises:
            CatalogLookupError: for an unknown class.
        """
        on_sale = [
            model
            for model in self.models(capability_class=capability_class)
            if model.regime_at(day) is not None
        ]
        newest: dict[tuple[str, str], date] = {}
        for model in on_sale:
            group = (model.provider, model.family)
            newest[group] = max(
                newest.get(group, model.release_date), model.release_date
            )
        return [m for m in on_sale if m.release_date == newest[(m.provider, m.family)]]


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load and validate every ``*.toml`` price sheet of a folder.

    Results are cached per folder: edits made after the first load of a
    folder in one process are not seen.

    Args:
        directory: the folder; default :func:`sim.resources.pricing_data_dir`.

    Raises:
        InputError: listing every problem of every sheet, or the folder
            having no sheet.
    """
    folder = pricing_data_dir() if directory is None else directory
    return _load_catalog_cached(str(folder))


# -- loading ------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _load_catalog_cached(directory: str) -> Catalog:
    paths = sorted(Path(directory).glob("*.toml"))
    if not paths:
        raise InputError.single(
            directory,
            "",
            "no price sheets found; expected *.toml files, one per provider",
        )
    raw = {path: path.read_bytes() for path in paths}

    problems: list[Problem] = []
    sheets: dict[str, PriceSheet] = {}
    for path in paths:
        sheet, found = _load_sheet(path, raw[path])
        problems += found
        if sheet is not None:
            sheets[sheet.provider] = sheet
    if problems:
        raise InputError(problems)
    return Catalog(MappingProxyType(sheets), directory, _digest(raw))


def _digest(raw: Mapping[Path, bytes]) -> str:
    # Name and length go in before the bytes so that no two different
    # folders can feed the hash the same stream.
    digest = hashlib.sha256()
    for path in sorted(raw, key=lambda p: p.name):
        digest.update(f"{path.name}\0{len(raw[path])}\0".encode())
        digest.update(raw[path])
    return digest.hexdigest()


def _load_sheet(path: Path, raw: bytes) -> tuple[PriceSheet | None, list[Problem]]:
    """Parse and check one sheet; the sheet is None if it has problems."""
    log = ProblemLog(str(path))
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        log.add("", f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None, log.problems
    except tomllib.TOMLDecodeError as exc:
        log.add("", f"TOML syntax error: {exc}")
        return None, log.problems

    sheet = _build_sheet(_Table(log, doc, "", _SHEET_KEYS), path.stem)
    return (sheet if not log.problems else None), log.problems


# -- building the objects -----------------------------------------------------

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
_PRICE_KEYS = (
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
    *_PRICE_KEYS,
    "context_window",
    "long_context",
    "date_quality",
    "source",
    "notes",
)
_LONG_CONTEXT_KEYS = ("threshold_tokens", "input_usd_per_mtok", "output_usd_per_mtok")
_WINDOW_KEYS = ("name", "utc", "regimes")
_SPAN = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _build_sheet(root: _Table, stem: str) -> PriceSheet | None:
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


def _build_terms(table: _Table | None) -> ProviderTerms:
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


def _build_batch(table: _Table) -> BatchTerms:
    discount = table.number("discount")
    if discount is not None and discount >= 1:
        table.problem("discount", f"found {discount}; expected a fraction below 1")
    return BatchTerms(
        discount=discount or 0.0,
        source=table.text("source") or "",
        turnaround_hours=table.number("turnaround_hours", required=False),
        available_from=table.day("available_from", required=False),
    )


def _build_cache(table: _Table) -> CacheTerms:
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


def _build_tier(name: str, table: _Table) -> TierTerms:
    return TierTerms(
        name=name,
        multiplier=table.multiplier("multiplier") or 1.0,
        source=table.text("source") or "",
        by_family=MappingProxyType(table.number_map("by_family")),
        by_model=MappingProxyType(table.number_map("by_model")),
    )


def _build_region(name: str, table: _Table) -> RegionTerms:
    return RegionTerms(
        name=name,
        multiplier=table.multiplier("multiplier") or 1.0,
        source=table.text("source") or "",
        models_released_from=table.day("models_released_from", required=False),
    )


def _build_fact(name: str, table: _Table) -> Fact:
    when = table.data.get("source_date")
    day = when if isinstance(when, date) and _is_day(when) else None
    month = when if isinstance(when, str) and _MONTH.fullmatch(when) else None
    if when is not None and day is None and month is None:
        expected = "a date YYYY-MM-DD, or 'YYYY-MM' when only the month is known"
        table.problem("source_date", f"found {_show(when)}; expected {expected}")
    return Fact(
        name=name,
        value=table.text("value") or "",
        source=table.text("source", required=False) or "",
        detail=table.text("detail", required=False) or "",
        source_date=day,
        source_date_text=day.isoformat() if day else (month or ""),
    )


# -- models, regimes and windows ------------------------------------------------


def _build_models(root: _Table, provider: str) -> dict[str, Model]:
    items = root.tables("models", _MODEL_KEYS, required=True)
    built = [_build_model(item, provider) for item in items]
    _check_names(items)
    by_id: dict[str, Model] = {}
    for model in built:
        if model is not None:
            by_id.setdefault(model.id, model)
    return by_id


def _build_model(item: _Table, provider: str) -> Model | None:
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


def _check_names(items: list[_Table]) -> None:
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


def _build_regimes(table: _Table) -> tuple[PriceRegime, ...] | None:
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


def _build_regime(item: _Table) -> PriceRegime | None:
    start, end = _regime_dates(item)
    prices = {
        key: item.number(key, required=key.startswith(("input", "output")))
        for key in _PRICE_KEYS
    }
    long_context = item.table("long_context", _LONG_CONTEXT_KEYS)
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


def _regime_dates(item: _Table) -> tuple[date | None, date | None]:
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


def _build_long_context(table: _Table) -> LongContext | None:
    threshold = table.whole("threshold_tokens")
    inp = table.number("input_usd_per_mtok")
    out = table.number("output_usd_per_mtok")
    if threshold is None or inp is None or out is None:
        return None
    return LongContext(threshold, inp, out)


def _build_window(item: _Table) -> TimeWindow | None:
    name = item.text("name")
    spans = item.texts("utc", required=True) or []
    minutes = [_parse_span(item, f"utc[{i}]", span) for i, span in enumerate(spans)]
    regimes = _build_regimes(item)
    if name is None or not spans or regimes is None or None in minutes:
        return None
    return TimeWindow(name, tuple(m for m in minutes if m is not None), regimes)


def _parse_span(item: _Table, key: str, text: str) -> tuple[int, int] | None:
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


# -- reading TOML values ------------------------------------------------------


class _Table:
    """One TOML table being read, with typed getters that log problems.

    Getters return None (after logging) for a missing required key or a
    value of the wrong type or range, so that one pass finds every problem.
    Unknown keys are logged when the table is opened.
    """

    def __init__(
        self,
        log: ProblemLog,
        data: Mapping[str, object],
        path: str,
        keys: Sequence[str] | None,
    ) -> None:
        self.log = log
        self.data = data
        self.path = path
        if keys is None:
            return
        allowed = ", ".join(keys)
        for key in data:
            if key not in keys:
                self.problem(
                    key,
                    f"unknown key '{key}'; expected one of: {allowed}"
                    f"{suggest(key, keys)}",
                )

    def problem(self, key: str, message: str) -> None:
        """Log a problem at ``key`` of this table."""
        self.log.add(self._at(key), message)

    def text(self, key: str, required: bool = True) -> str | None:
        """A string; when required it must not be empty."""
        value = self._get(key, required, "a non-empty string")
        if isinstance(value, str) and (value or not required):
            return value
        if value is not None:
            self._wrong(key, value, "a non-empty string")
        return None

    def choice(self, key: str, allowed: Sequence[str]) -> str | None:
        """A required string out of ``allowed``."""
        value = self.text(key)
        if value is None or value in allowed:
            return value
        self._wrong(key, value, f"one of: {', '.join(allowed)}")
        return None

    def texts(self, key: str, required: bool = False) -> list[str] | None:
        """A list of non-empty strings; ``[]`` when optional and missing."""
        expected = "a list of non-empty strings"
        value = self._get(key, required, expected)
        if value is None:
            return None if required else []
        if not isinstance(value, list):
            self._wrong(key, value, expected)
            return None
        if required and not value:
            self._wrong(key, value, "a list of at least one string")
            return None
        items: list[str] = []
        for index, item in enumerate(value):
            if isinstance(item, str) and item:
                items.append(item)
            else:
                self._wrong(f"{key}[{index}]", item, "a non-empty string")
        return items if len(items) == len(value) else None

    def day(self, key: str, required: bool = True) -> date | None:
        """A TOML local date (not a date-time, not a quoted string)."""
        expected = "a date YYYY-MM-DD"
        value = self._get(key, required, expected)
        if value is None or _is_day(value):
            return value if isinstance(value, date) else None
        if isinstance(value, str) and _parses_as_date(value):
            expected += " written without quotes"
        self._wrong(key, value, expected)
        return None

    def number(self, key: str, required: bool = True) -> float | None:
        """A finite number >= 0 (an integer is accepted)."""
        expected = "a number >= 0"
        value = self._get(key, required, expected)
        if value is None:
            return None
        if not _is_real(value) or not math.isfinite(value) or value < 0:
            self._wrong(key, value, expected)
            return None
        return float(value)

    def multiplier(self, key: str) -> float | None:
        """A required number > 0."""
        value = self.number(key)
        if value == 0:
            self._wrong(key, value, "a number > 0")
            return None
        return value

    def whole(self, key: str, required: bool = True, minimum: int = 1) -> int | None:
        """An integer >= ``minimum``."""
        expected = f"a whole number >= {minimum}"
        value = self._get(key, required, expected)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self._wrong(key, value, expected)
            return None
        return value

    def table(
        self, key: str, keys: Sequence[str] | None, required: bool = False
    ) -> _Table | None:
        """A sub-table, checked against ``keys`` (None: any key)."""
        value = self._get(key, required, "a table")
        if value is None:
            return None
        if not isinstance(value, dict):
            self._wrong(key, value, "a table")
            return None
        return _Table(self.log, value, self._at(key), keys)

    def tables(
        self, key: str, keys: Sequence[str], required: bool = False
    ) -> list[_Table]:
        """An array of tables (``[[key]]``); ``[]`` when missing."""
        header = re.sub(r"\[\d+\]", "", self._at(key))
        expected = f"an array of tables [[{header}]] with at least one entry"
        value = self._get(key, required, expected)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self._wrong(key, value, expected)
            return []
        if required and not value:
            self._wrong(key, value, expected)
        return [
            _Table(self.log, item, self._at(f"{key}[{i}]"), keys)
            for i, item in enumerate(value)
        ]

    def named_tables(self, key: str, keys: Sequence[str]) -> dict[str, _Table]:
        """A table of sub-tables by name (``[key.<name>]``); ``{}`` if missing."""
        outer = self.table(key, None)
        if outer is None:
            return {}
        found = {name: outer.table(name, keys, required=True) for name in outer.data}
        return {name: table for name, table in found.items() if table is not None}

    def number_map(self, key: str) -> dict[str, float]:
        """An inline table of names to numbers >= 0; ``{}`` if missing."""
        outer = self.table(key, None)
        found = {name: outer.number(name) for name in outer.data} if outer else {}
        return {name: value for name, value in found.items() if value is not None}

    def whole_map(self, key: str) -> dict[str, int]:
        """An inline table of names to whole numbers >= 1; ``{}`` if missing."""
        outer = self.table(key, None)
        found = {name: outer.whole(name) for name in outer.data} if outer else {}
        return {name: value for name, value in found.items() if value is not None}

    def _get(self, key: str, required: bool, expected: str) -> object | None:
        value = self.data.get(key)
        if value is None and required:
            self.problem(key, f"missing; expected {expected}")
        return value

    def _wrong(self, key: str, value: object, expected: str) -> None:
        self.problem(key, f"found {_show(value)}; expected {expected}")

    def _at(self, key: str) -> str:
        # Names from the data (families, TTLs) may hold dots: they stay as
        # written; anything beyond TOML's bare-key characters gets quotes.
        if not re.fullmatch(r"[A-Za-z0-9_.\[\]-]+", key):
            key = f'"{key}"'
        return f"{self.path}.{key}" if self.path else key


def _is_day(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _is_real(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _parses_as_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _show(value: object) -> str:
    """A value as the user wrote it, with its TOML type where that helps."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return f"'{value}' (a string)"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date | datetime):
        kind = "a date-time" if isinstance(value, datetime) else "a date"
        return f"{value.isoformat()} ({kind})"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"a list of {len(value)}" if value else "an empty list"
    return f"{value} ({type(value).__name__})"


def _check_class(capability_class: str) -> None:
    if capability_class not in CAPABILITY_CLASSES:
        known = ", ".join(CAPABILITY_CLASSES)
        raise CatalogLookupError(
            f"unknown capability class '{capability_class}'; known: {known}"
            f"{suggest(capability_class, CAPABILITY_CLASSES)}"
        )


def _weighted_minutes(weights: Sequence[float], lo: int, hi: int) -> float:
    """Sum over minutes ``[lo, hi)`` of the weight of each minute's hour."""
    total = 0.0
    for hour in range(lo // 60, (hi + 59) // 60):
        start = max(lo, hour * 60)
        end = min(hi, hour * 60 + 60)
        if end > start:
            total += weights[hour] * (end - start)
    return total

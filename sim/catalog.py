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
This module holds the objects and the lookups; reading and checking one
sheet is :mod:`sim.price_sheet`.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType

from sim.errors import InputError, Problem, suggest
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
    # Imported here, not at the top: sim.price_sheet builds the dataclasses
    # of this module, so it can only load once this module has.
    from sim.price_sheet import read_sheet

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
        sheet, found = read_sheet(path, raw[path])
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

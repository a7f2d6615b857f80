"""Price sheets: loading, validation, the price of a model at a date, terms.

One TOML file per provider in ``pricing_data/`` holds provider facts
(compliance attestations), serving terms (batch, prompt cache, service
tiers, regions) and models, each with dated, non-overlapping price regimes.
Every number carries its source. All prices are USD per million tokens
(``_usd_per_mtok``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

CAPABILITY_CLASSES = ("small", "mid", "frontier")


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
    """

    mode: str
    source: str
    min_prefix_tokens: int | None = None
    default_ttl: str | None = None
    ttl_seconds: Mapping[str, float] = field(default_factory=dict)
    write_multipliers: Mapping[str, float] = field(default_factory=dict)
    read_multiplier: float | None = None
    storage_usd_per_mtok_hour: float | None = None


@dataclass(frozen=True)
class BatchTerms:
    """Asynchronous batch processing: fraction off list price, turnaround."""

    discount: float
    source: str
    turnaround_hours: float | None = None


@dataclass(frozen=True)
class TierTerms:
    """A service tier (flex, priority) priced as a multiple of standard."""

    name: str
    multiplier: float
    source: str
    by_family: Mapping[str, float] = field(default_factory=dict)

    def multiplier_for(self, model: Model) -> float:
        """The multiplier for ``model``, by family where the sheet says."""
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
    """A provider fact (compliance, residency, lock-in) with its source."""

    name: str
    value: str
    source: str
    detail: str = ""
    source_date: date | None = None


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


def _weighted_minutes(weights: Sequence[float], lo: int, hi: int) -> float:
    """Sum over minutes ``[lo, hi)`` of the weight of each minute's hour."""
    total = 0.0
    for hour in range(lo // 60, (hi + 59) // 60):
        start = max(lo, hour * 60)
        end = min(hi, hour * 60 + 60)
        if end > start:
            total += weights[hour] * (end - start)
    return total

"""Billing: usage ledger times the prices in force, as cost lines.

For every ledger category (tier x kind x long-context) a price table gives
USD per 1M tokens per month: the day-weighted mean of the regimes in force
that month (so a mid-month change is prorated), blended with time-of-day
windows by the workload's share of traffic in them, times the service-tier
multiplier, the regional uplift and ``1 - discount``. Costs are vectorised
over paths and months: ``tokens[p, t] x price[t] / 1e6``.

Rules where the price sheet has no explicit number:

* cached reads: ``read_multiplier x input``; cache writes:
  ``write_multiplier(default TTL) x input`` (1x where not given);
* long-context cached reads and writes scale with the long-context input
  uplift; a month whose regime has no long-context rates bills those
  requests at the ordinary rates;
* batch: the regime's batch prices, else ``1 - batch discount`` of the
  standard price; cached reads and writes take the same discount;
* negotiated prices (``[candidate.price]``) hold flat over the horizon; a
  price they leave out scales with the input (output for batch output)
  override's ratio to list.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from sim.catalog import Model, PriceRegime, ProviderTerms
from sim.engine.ledger import KINDS, TIERS, FloatArray, UsageLedger, category
from sim.scenario import PriceOverride

MTOK = 1e6


@dataclass(frozen=True)
class Terms:
    """What one candidate pays: its model, provider terms and contract."""

    model: Model
    terms: ProviderTerms
    region: str = "global"
    discount: float = 0.0
    override: PriceOverride | None = None
    cache_ttl: str | None = None  # a TTL bought from the provider; None: default


@dataclass(frozen=True)
class PriceTable:
    """USD per 1M tokens by ledger category, shape (months,) each."""

    prices: dict[str, FloatArray]
    tier_notes: dict[str, str]


def build_price_table(
    terms: Terms,
    month_starts: Sequence[date],
    daily_profile: Sequence[float],
    frozen: bool,
) -> PriceTable:
    """Monthly prices of every category for one candidate and workload.

    Args:
        month_starts: first day of each month of the horizon, plus the day
            after the horizon as the last entry.
        daily_profile: 24 UTC hourly traffic weights (time-of-day windows).
        frozen: hold the start month's first-day prices for every month.
    """
    months = len(month_starts) - 1
    shares = [w.share_of_day(daily_profile) for w in terms.model.windows]
    table = {key: np.zeros(months) for key in _all_categories()}
    cache: dict[tuple[int, ...], dict[str, float]] = {}
    for t in range(months):
        days = _days(month_starts[t], month_starts[t + 1], frozen, month_starts[0])
        counts: dict[tuple[int, ...], int] = {}
        for day in days:
            key = _regimes_key(terms, day, shares, cache)
            counts[key] = counts.get(key, 0) + 1
        # Prorate by days: each distinct set of regimes weighs its days.
        for key, count in counts.items():
            for cat, value in cache[key].items():
                table[cat][t] += value * count / len(days)
    return PriceTable(table, _tier_notes(terms))


def calc_cost_lines(ledger: UsageLedger, table: PriceTable) -> dict[str, FloatArray]:
    """Cost in USD per ledger category, shape (paths, months) each.

    Token categories are priced per million tokens; ``unit_hours`` (of
    provisioned units) per hour.
    """
    return {
        key: amount * table.prices[key][None, :] / _unit(key)
        for key, amount in ledger.tokens.items()
    }


def _unit(key: str) -> float:
    return 1.0 if key.endswith("/unit_hours") else MTOK


def _days(first: date, end: date, frozen: bool, start: date) -> list[date]:
    if frozen:
        return [start]
    return [first + timedelta(days=i) for i in range((end - first).days)]


def _all_categories() -> list[str]:
    return [category(t, k, lc) for t in TIERS for k in KINDS for lc in (False, True)]


def _regimes_key(
    terms: Terms,
    day: date,
    shares: list[float],
    cache: dict[tuple[int, ...], dict[str, float]],
) -> tuple[int, ...]:
    """Key of the regimes in force on ``day``; fills ``cache`` on first use."""
    regime = terms.model.regime_at(day)
    if regime is None:
        raise ValueError(f"{terms.model.key} has no price on {day}")
    found = [
        (s, w.regime_at(day)) for s, w in zip(shares, terms.model.windows, strict=True)
    ]
    active = [(s, r) for s, r in found if r is not None]
    key = (id(regime), *(id(r) for _, r in active))
    if key not in cache:
        cache[key] = _unit_prices(terms, regime, active)
    return key


def _unit_prices(
    terms: Terms,
    regime: PriceRegime,
    windows: list[tuple[float, PriceRegime]],
) -> dict[str, float]:
    regime = _apply_override(regime, terms.override)
    prices = _base_prices(regime, terms.terms, terms.cache_ttl)
    base = _blend_windows(prices, regime, windows, terms)
    uplift = _region_multiplier(terms) * (1.0 - terms.discount)
    out: dict[str, float] = {}
    for tier in TIERS:
        for (kind, lc), price in base.items():
            tiered = _tier_price(tier, kind, lc, price, regime, terms)
            out[category(tier, kind, lc)] = tiered * uplift
    return out


def _base_prices(
    regime: PriceRegime, terms: ProviderTerms, ttl: str | None = None
) -> dict[tuple[str, bool], float]:
    """Standard-tier prices by (kind, long_context)."""
    inp, out = regime.input_usd_per_mtok, regime.output_usd_per_mtok
    cached = regime.cached_input_usd_per_mtok
    cache = terms.cache
    if cached is None:
        read = cache.read_multiplier if cache else None
        cached = inp * read if read is not None else inp
    write = _write_price(regime, terms, ttl)
    lc = regime.long_context
    lc_in = lc.input_usd_per_mtok if lc else inp
    lc_out = lc.output_usd_per_mtok if lc else out
    ratio = lc_in / inp if inp > 0 else 1.0
    return {
        ("input", False): inp,
        ("cached_input", False): cached,
        ("cache_write", False): write,
        ("output", False): out,
        ("input", True): lc_in,
        ("cached_input", True): cached * ratio,
        ("cache_write", True): write * ratio,
        ("output", True): lc_out,
    }


def _write_price(regime: PriceRegime, terms: ProviderTerms, ttl: str | None) -> float:
    """Cache-write price for the TTL bought (the provider's default if None).

    A regime's listed write price is the default TTL's; a longer TTL is
    billed at its own multiple of input (Anthropic: 2x for one hour).
    """
    inp = regime.input_usd_per_mtok
    cache = terms.cache
    default = cache.default_ttl if cache is not None else None
    multiples = cache.write_multipliers if cache is not None else {}
    if ttl is not None and ttl != default and ttl in multiples:
        return inp * multiples[ttl]
    if regime.cache_write_usd_per_mtok is not None:
        return regime.cache_write_usd_per_mtok
    if cache is None or default is None:
        return inp
    return inp * cache.write_multipliers.get(default, 1.0)


def _blend_windows(
    base: dict[tuple[str, bool], float],
    regime: PriceRegime,
    windows: list[tuple[float, PriceRegime]],
    terms: Terms,
) -> dict[tuple[str, bool], float]:
    """Mix in time-of-day prices by the share of traffic in each window."""
    out = dict(base)
    for share, window in windows:
        window = _apply_override(window, terms.override)
        scale_in = window.input_usd_per_mtok / regime.input_usd_per_mtok
        scale_out = window.output_usd_per_mtok / regime.output_usd_per_mtok
        for (kind, lc), price in base.items():
            scale = scale_out if kind == "output" else scale_in
            alt = price * scale
            if kind == "cached_input" and window.cached_input_usd_per_mtok:
                alt = window.cached_input_usd_per_mtok * (price / base[(kind, False)])
            out[(kind, lc)] += share * (alt - price)
    return out


def _tier_price(
    tier: str,
    kind: str,
    lc: bool,
    price: float,
    regime: PriceRegime,
    terms: Terms,
) -> float:
    if tier == "standard":
        return price
    if tier == "batch":
        return _batch_price(kind, lc, price, regime, terms.terms)
    tier_terms = terms.terms.tiers.get(tier)
    if tier_terms is None:
        return price
    return price * tier_terms.multiplier_for(terms.model)


def _batch_price(
    kind: str, lc: bool, price: float, regime: PriceRegime, terms: ProviderTerms
) -> float:
    explicit = {
        "input": (regime.batch_input_usd_per_mtok, regime.input_usd_per_mtok),
        "output": (regime.batch_output_usd_per_mtok, regime.output_usd_per_mtok),
    }
    batch, listed = explicit.get(kind, (None, 0.0))
    if batch is not None and listed > 0:
        return price * batch / listed
    if terms.batch is None:
        return price
    return price * (1.0 - terms.batch.discount)


def _region_multiplier(terms: Terms) -> float:
    if terms.region == "global":
        return 1.0
    return terms.terms.regions[terms.region].multiplier_for(terms.model)


def _apply_override(regime: PriceRegime, over: PriceOverride | None) -> PriceRegime:
    if over is None:
        return regime
    inp = over.input if over.input is not None else regime.input_usd_per_mtok
    out = over.output if over.output is not None else regime.output_usd_per_mtok
    r_in = inp / regime.input_usd_per_mtok
    r_out = out / regime.output_usd_per_mtok
    return dataclasses.replace(
        regime,
        input_usd_per_mtok=inp,
        output_usd_per_mtok=out,
        cached_input_usd_per_mtok=_pick(
            over.cached_input, regime.cached_input_usd_per_mtok, r_in
        ),
        cache_write_usd_per_mtok=_pick(
            over.cache_write, regime.cache_write_usd_per_mtok, r_in
        ),
        batch_input_usd_per_mtok=_pick(
            over.batch_input, regime.batch_input_usd_per_mtok, r_in
        ),
        batch_output_usd_per_mtok=_pick(
            over.batch_output, regime.batch_output_usd_per_mtok, r_out
        ),
    )


def _pick(given: float | None, listed: float | None, ratio: float) -> float | None:
    if given is not None:
        return given
    return None if listed is None else listed * ratio


def _tier_notes(terms: Terms) -> dict[str, str]:
    """Per tier, what billing assumed where the sheet says nothing."""
    provider = terms.model.provider
    notes = {}
    if terms.terms.batch is None:
        notes["batch"] = (
            f"{provider}: no batch discount known; batch share billed at the "
            "regime's batch prices where listed, else at standard prices"
        )
    for tier in ("flex", "priority"):
        if tier not in terms.terms.tiers:
            notes[tier] = (
                f"{provider}: no {tier} tier known; {tier} share billed at "
                "standard prices"
            )
    return notes

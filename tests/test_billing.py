"""Billing against costs worked out by hand on small, hand-built models."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pytest

from sim.billing import Terms, build_price_table, calc_cost_lines
from sim.catalog import (
    BatchTerms,
    CacheTerms,
    LongContext,
    Model,
    PriceRegime,
    ProviderTerms,
    RegionTerms,
    TierTerms,
    TimeWindow,
)
from sim.engine.fluid import simulate_usage
from sim.scenario import Candidate, Growth, PriceOverride, TokenDist, Workload

FLAT_DAY = (1.0,) * 24
JAN, FEB, MAR = date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)


def regime(**changes: object) -> PriceRegime:
    base = PriceRegime(
        effective_from=date(2026, 1, 1),
        effective_to=None,
        input_usd_per_mtok=2.0,
        output_usd_per_mtok=12.0,
        date_quality="exact",
        source="test",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def model(*regimes: PriceRegime, windows: tuple[TimeWindow, ...] = ()) -> Model:
    return Model(
        provider="acme",
        id="acme-1",
        family="acme",
        capability_class="mid",
        context_window=None,
        regimes=regimes or (regime(),),
        windows=windows,
    )


def candidate(m: Model) -> Candidate:
    return Candidate(name="c", provider=m.provider, model=m)


def workload(**changes: object) -> Workload:
    base = Workload(
        name="chat",
        requests_per_day=1000,
        growth=Growth(),
        daily_profile=FLAT_DAY,
        weekly_profile=(1.0,) * 7,
        input_tokens=TokenDist(2400),
        output_tokens=TokenDist(400),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def cost_of(
    wl: Workload,
    terms: Terms,
    requests: float = 1e6,
    starts: tuple[date, ...] = (JAN, FEB),
    frozen: bool = False,
) -> float:
    """Total cost in USD of ``requests`` per month over the given months."""
    months = len(starts) - 1
    reqs = np.full((1, months), requests)
    days = np.diff([d.toordinal() for d in starts]).astype(float)
    ledger = simulate_usage(
        wl, candidate(terms.model), terms.terms, starts[0], reqs, days
    )
    table = build_price_table(terms, list(starts), wl.daily_profile, frozen)
    return float(sum(v.sum() for v in calc_cost_lines(ledger, table).values()))


def test_plain_request_cost() -> None:
    # 1e6 requests x (2400 x 2 + 400 x 12) / 1e6 USD = 9,600 USD.
    assert cost_of(workload(), Terms(model(), ProviderTerms())) == pytest.approx(9600)


def test_prompt_cache_reads_and_writes() -> None:
    # Prefix 1024 tokens, half the requests hit: per request 512 cached at
    # 0.2, 512 written at 2 x 1.25 = 2.5, 1376 plain input at 2, 400 output.
    terms = ProviderTerms(
        cache=CacheTerms(
            mode="explicit",
            source="test",
            min_prefix_tokens=1024,
            default_ttl="5m",
            write_multipliers={"5m": 1.25},
            read_multiplier=0.1,
        )
    )
    wl = workload(cacheable_prefix_tokens=1024, cache_hit_ratio=0.5)
    per_request = 512 * 0.2 + 512 * 2.5 + (2400 - 1024) * 2 + 400 * 12
    got = cost_of(wl, Terms(model(), terms))
    assert got == pytest.approx(1e6 * per_request / 1e6)


def test_prefix_below_provider_minimum_is_not_cached() -> None:
    terms = ProviderTerms(
        cache=CacheTerms(
            mode="automatic",
            source="t",
            min_prefix_tokens=1024,
            default_ttl="5m",
            ttl_seconds={"5m": 300.0},
        )
    )
    cached = model(regime(cached_input_usd_per_mtok=0.2))
    wl = workload(cacheable_prefix_tokens=1000, cache_hit_ratio=0.9)
    ledger = simulate_usage(
        wl, candidate(cached), terms, JAN, np.ones((1, 1)), np.array([31.0])
    )
    assert ledger.total("cached_input").sum() == 0
    assert ledger.notes == (
        "acme/acme-1: cacheable prefix 1000 tokens is below the provider "
        "minimum of 1024; nothing is cached",
    )
    assert cost_of(wl, Terms(cached, terms)) == pytest.approx(9600)
    # At the minimum it is cached: 0.9 x 1024 tokens read at 0.2, not 2.
    at_min = workload(cacheable_prefix_tokens=1024, cache_hit_ratio=0.9)
    saved = 1024 * 0.9 * (2.0 - 0.2)
    assert cost_of(at_min, Terms(cached, terms)) == pytest.approx(9600 - saved)


def test_batch_share_uses_batch_prices_or_the_discount() -> None:
    wl = workload(batch_share=0.5)
    listed = model(regime(batch_input_usd_per_mtok=1.0, batch_output_usd_per_mtok=6.0))
    assert cost_of(wl, Terms(listed, ProviderTerms())) == pytest.approx(7200)
    # No batch price listed: a 20% discount on the batch half.
    terms = ProviderTerms(batch=BatchTerms(discount=0.2, source="t"))
    assert cost_of(wl, Terms(model(), terms)) == pytest.approx(9600 * (0.5 + 0.4))


def test_priority_and_flex_multipliers_by_family() -> None:
    terms = ProviderTerms(
        tiers={
            "priority": TierTerms("priority", 2.0, "t", by_family={"acme": 1.7}),
            "flex": TierTerms("flex", 0.5, "t"),
        }
    )
    wl = workload(priority_share=0.25, flex_share=0.25)
    expected = 9600 * (0.5 + 0.25 * 1.7 + 0.25 * 0.5)
    assert cost_of(wl, Terms(model(), terms)) == pytest.approx(expected)


def test_long_context_cliff_bills_whole_request_at_higher_rate() -> None:
    lc = LongContext(200_000, 4.0, 18.0)
    wl = workload(input_tokens=TokenDist(250_000))
    got = cost_of(wl, Terms(model(regime(long_context=lc)), ProviderTerms()))
    assert got == pytest.approx(1e6 * (250_000 * 4 + 400 * 18) / 1e6)


def test_long_context_share_follows_the_token_distribution() -> None:
    lc = LongContext(200_000, 4.0, 18.0)
    dist = TokenDist(100_000, 1.0)
    wl = workload(input_tokens=dist)
    req_share, tok_share = dist.share_above(200_000)
    per_request = (
        100_000 * (1 - tok_share) * 2
        + 100_000 * tok_share * 4
        + 400 * (1 - req_share) * 12
        + 400 * req_share * 18
    )
    got = cost_of(wl, Terms(model(regime(long_context=lc)), ProviderTerms()))
    assert got == pytest.approx(per_request)


def test_mid_month_price_change_is_prorated_by_day() -> None:
    # Input 2 -> 1 from 2027-01-17: 16 days at 2, 15 days at 1 in January.
    first = regime(effective_to=date(2027, 1, 17))
    second = regime(effective_from=date(2027, 1, 17), input_usd_per_mtok=1.0)
    terms = Terms(model(first, second), ProviderTerms())
    mean_input = (16 * 2 + 15 * 1) / 31
    assert cost_of(workload(), terms) == pytest.approx(2400 * mean_input + 4800)
    # Frozen prices keep the start day's regime for every month.
    frozen = cost_of(workload(), terms, starts=(JAN, FEB, MAR), frozen=True)
    assert frozen == pytest.approx(2 * 9600)


def test_time_of_day_window_blends_by_traffic_share() -> None:
    # Off-peak 16:30-00:30 UTC at half price: 8 of 24 flat hours.
    cheap = regime(input_usd_per_mtok=1.0, output_usd_per_mtok=6.0)
    window = TimeWindow("off-peak", ((990, 30),), (cheap,))
    got = cost_of(workload(), Terms(model(windows=(window,)), ProviderTerms()))
    assert got == pytest.approx(9600 * (16 / 24 + 8 / 24 * 0.5))


def test_region_uplift_and_negotiated_discount_multiply() -> None:
    terms = ProviderTerms(regions={"eu": RegionTerms("eu", 1.1, "t")})
    got = cost_of(workload(), Terms(model(), terms, region="eu", discount=0.2))
    assert got == pytest.approx(9600 * 1.1 * 0.8)


def test_region_uplift_skips_models_released_before_its_rule() -> None:
    rule = RegionTerms("eu", 1.1, "t", models_released_from=date(2026, 3, 5))
    terms = ProviderTerms(regions={"eu": rule})
    assert cost_of(workload(), Terms(model(), terms, region="eu")) == 9600


def test_negotiated_prices_replace_list_and_scale_the_rest() -> None:
    listed = model(regime(batch_input_usd_per_mtok=1.0, batch_output_usd_per_mtok=6.0))
    over = PriceOverride(input=1.0, output=6.0)
    wl = workload(batch_share=1.0)
    # Batch prices keep their ratio to list: 0.5 and 3.0.
    got = cost_of(wl, Terms(listed, ProviderTerms(), override=over))
    assert got == pytest.approx(2400 * 0.5 + 400 * 3.0)


def test_costs_are_linear_in_volume() -> None:
    terms = Terms(model(), ProviderTerms())
    one = cost_of(workload(), terms, requests=1e5)
    assert cost_of(workload(), terms, requests=3e5) == pytest.approx(3 * one)


def test_a_longer_cache_ttl_bills_writes_at_its_own_multiple() -> None:
    # Anthropic-style: 5-minute writes listed at 2.5 (1.25 x 2), one-hour
    # writes 2 x input = 4. Every request misses (hit ratio 0) and writes
    # its 1,024-token prefix.
    terms = ProviderTerms(
        cache=CacheTerms(
            mode="explicit",
            source="t",
            min_prefix_tokens=1024,
            default_ttl="5m",
            ttl_seconds={"5m": 300.0, "1h": 3600.0},
            write_multipliers={"5m": 1.25, "1h": 2.0},
        )
    )
    listed = model(regime(cached_input_usd_per_mtok=0.2, cache_write_usd_per_mtok=2.5))
    wl = workload(cacheable_prefix_tokens=1024, cache_hit_ratio=0.0001)
    plain = (2400 - 1024) * 2 + 400 * 12
    for ttl, write in ((None, 2.5), ("5m", 2.5), ("1h", 4.0)):
        got = cost_of(wl, Terms(listed, terms, cache_ttl=ttl))
        read = 0.0001 * 1024 * 0.2
        expected = plain + 0.9999 * 1024 * write + read
        assert got == pytest.approx(expected, rel=1e-6), ttl

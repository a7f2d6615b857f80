"""The workload engines against closed forms, and against each other."""

from __future__ import annotations

import dataclasses
import math
from datetime import date

import numpy as np
import pytest

from sim.catalog import (
    CacheTerms,
    Model,
    PriceRegime,
    ProviderTerms,
)
from sim.engine import choose_engine, des, fluid
from sim.engine.cache import (
    HitCurve,
    che_time,
    history_hit,
    popularity,
    trace_hits,
)
from sim.engine.trace import simulate_trace
from sim.engine.traffic import turn_mix, turn_weights
from sim.scenario import (
    Candidate,
    Growth,
    ResponseCache,
    Route,
    TokenDist,
    Workload,
)

START = date(2027, 1, 1)
DAYS = np.array([31.0])
TERMS = ProviderTerms(
    cache=CacheTerms(
        mode="explicit",
        source="test",
        min_prefix_tokens=1024,
        default_ttl="5m",
        ttl_seconds={"5m": 300.0, "1h": 3600.0},
        write_multipliers={"5m": 1.25, "1h": 2.0},
        read_multiplier=0.1,
    )
)


def model(name: str = "acme-1") -> Model:
    regime = PriceRegime(
        effective_from=date(2026, 1, 1),
        effective_to=None,
        input_usd_per_mtok=2.0,
        output_usd_per_mtok=10.0,
        date_quality="exact",
        source="test",
        cached_input_usd_per_mtok=0.2,
    )
    return Model("acme", name, "acme", "mid", None, (regime,))


def candidate(**changes: object) -> Candidate:
    base = Candidate(name="c", provider="acme", model=model())
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def workload(**changes: object) -> Workload:
    base = Workload(
        name="w",
        requests_per_day=86_400.0,
        growth=Growth(),
        daily_profile=(1.0,) * 24,
        weekly_profile=(1.0,) * 7,
        input_tokens=TokenDist(3000),
        output_tokens=TokenDist(200),
        cacheable_prefix_tokens=2000,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def requests_for(per_second: float) -> np.ndarray:
    return np.array([[per_second * 86_400 * 31]])


# --- closed forms ----------------------------------------------------------


@pytest.mark.parametrize("x", [0.05, 0.5, 1.0, 3.0])
def test_des_hit_ratio_matches_poisson_ttl_formula(x: float) -> None:
    # K equally popular prefixes, single-turn Poisson traffic, TTL 300 s
    # refreshed on hit: hit = 1 - exp(-rate_per_prefix x TTL), i.e. 4.9%
    # to 95% for x from 0.05 to 3.
    keys, ttl = 20, 300.0
    rate = x / ttl * keys
    wl = workload(prefixes=keys)
    trace = simulate_trace(wl, rate, np.random.default_rng(5), requests=40_000)
    point, _ = des.evaluate_trace(
        trace, wl, candidate(), TERMS, START, np.random.default_rng(6)
    )
    expected = 1 - math.exp(-x)
    assert point.hits / point.calls == pytest.approx(expected, abs=0.01)
    # The fluid engine's curve is the same formula.
    curve = HitCurve(popularity(keys), ttl)
    assert float(curve(np.array([rate]))[0]) == pytest.approx(expected, rel=1e-3)


def test_cached_tokens_follow_the_hit_ratio() -> None:
    # rate 0.2/s on 1 prefix, TTL 300 s: hit = 1 - e^-60 ~ 1; 2,000-token
    # prefix; a hit reads 2,000 tokens, a miss writes them.
    wl = workload(requests_per_day=0.001 * 86_400)
    ledger = fluid.simulate_usage(
        wl, candidate(), TERMS, START, requests_for(0.001), DAYS
    )
    hit = 1 - math.exp(-0.001 * 300)
    n = 0.001 * 86_400 * 31
    assert ledger.stats["cache_hit_ratio"][0, 0] == pytest.approx(hit, rel=1e-3)
    assert ledger.total("cached_input")[0, 0] == pytest.approx(n * hit * 2000, rel=1e-3)
    assert ledger.total("cache_write")[0, 0] == pytest.approx(
        n * (1 - hit) * 2000, rel=1e-3
    )
    assert ledger.total("input")[0, 0] == pytest.approx(n * 1000, rel=1e-9)


def test_prefix_below_minimum_is_never_cached_in_either_engine() -> None:
    wl = workload(cacheable_prefix_tokens=1000, input_tokens=TokenDist(1500))
    reqs = requests_for(1.0)
    for engine in ("fluid", "des"):
        ledger = (
            fluid.simulate_usage(wl, candidate(), TERMS, START, reqs, DAYS)
            if engine == "fluid"
            else des.simulate_usage(wl, candidate(), TERMS, START, reqs, DAYS, 1)
        )
        assert ledger.total("cached_input").sum() == 0, engine
        assert ledger.total("cache_write").sum() == 0, engine
        assert "below the provider minimum of 1024" in ledger.notes[0]


def test_longer_ttl_raises_hits_and_changes_cost_as_the_closed_form_says() -> None:
    # 0.002 requests/s on one prefix: 5 min -> hit 1 - e^-0.6 = 0.451;
    # 1 h -> 1 - e^-7.2 = 0.99925. Per request, with prefix P = 2000 and
    # input price 2: read 0.1 x 2 = 0.2, write 1.25 x 2 or 2 x 2.
    rate = 0.002
    costs = {}
    for ttl, write in (("5m", 2.5), ("1h", 4.0)):
        hit = 1 - math.exp(-rate * {"5m": 300, "1h": 3600}[ttl])
        ledger = fluid.simulate_usage(
            workload(), candidate(cache_ttl=ttl), TERMS, START, requests_for(rate), DAYS
        )
        assert ledger.stats["cache_hit_ratio"][0, 0] == pytest.approx(hit, rel=1e-3)
        per_request = 2000 * (hit * 0.2 + (1 - hit) * write) + 1000 * 2 + 200 * 10
        cached = ledger.total("cached_input")[0, 0] * 0.2
        written = ledger.total("cache_write")[0, 0] * write
        plain = ledger.total("input")[0, 0] * 2 + ledger.total("output")[0, 0] * 10
        n = rate * 86_400 * 31
        costs[ttl] = (cached + written + plain) / n
        assert costs[ttl] == pytest.approx(per_request, rel=1e-3)
    # Here the 1-hour TTL pays: 2000 x (0.451 x 0.2 + 0.549 x 2.5) = 2,925
    # against 2000 x (0.99925 x 0.2 + 0.00075 x 4) = 405.7 per request.
    assert costs["1h"] < costs["5m"]


def test_history_hit_closed_form_in_sessions() -> None:
    # No shared prefix; 4 turns on average, 60 s think time, TTL 300 s:
    # later turns find their history with chance 1 - exp(-5) = 0.9933.
    wl = workload(
        cacheable_prefix_tokens=0,
        input_tokens=TokenDist(1500),
        session_turns=4.0,
        think_seconds=60.0,
    )
    assert history_hit(60.0, 300.0) == pytest.approx(1 - math.exp(-5))
    trace = simulate_trace(wl, 0.5, np.random.default_rng(2), requests=20_000)
    point, _ = des.evaluate_trace(
        trace, wl, candidate(), TERMS, START, np.random.default_rng(3)
    )
    # Turn 1 caches nothing (no prefix); turn 2 writes its 1,700 tokens of
    # history (above the 1,024 minimum); from turn 3 on the history can hit.
    # Geometric turns, mean 4: P(turn >= 3) = 0.75^2 = 0.5625 of requests.
    share = 1 - turn_weights(4.0)[:2].sum()
    assert share == pytest.approx(0.5625)
    assert point.hits / point.calls == pytest.approx(
        share * (1 - math.exp(-5)), abs=0.01
    )
    # The fluid engine gives the same expectation in closed form.
    ledger = fluid.simulate_usage(
        wl, candidate(), TERMS, START, requests_for(0.5), DAYS
    )
    hit = ledger.stats["cache_hit_ratio"][0, 0]
    assert hit == pytest.approx(share * (1 - math.exp(-5)), rel=1e-3)


def test_turn_mix_of_geometric_sessions() -> None:
    # Mean tokens re-sent per request: P + u + (m - 1)(u + o), closed form.
    wl = workload(session_turns=3.0)
    mix = turn_mix(wl)
    per_request = float(mix.weights @ mix.prompt)
    assert per_request == pytest.approx(2000 + 1000 + 2 * (1000 + 200), rel=1e-6)
    assert float(mix.weights @ np.arange(1, mix.weights.size + 1)) == pytest.approx(3.0)


def test_response_cache_ttl_closed_form_against_des() -> None:
    rc = ResponseCache(ttl_seconds=600.0, distinct_queries=5000, zipf_exponent=0.9)
    wl = workload(response_cache=rc)
    rate = 0.5
    expected = HitCurve(popularity(5000, "zipf", 0.9), 600.0)(np.array([rate]))[0]
    trace = simulate_trace(wl, rate, np.random.default_rng(8), requests=40_000)
    point, _ = des.evaluate_trace(
        trace, wl, candidate(), TERMS, START, np.random.default_rng(9)
    )
    assert point.answered == pytest.approx(expected, abs=0.015)


def test_lru_capacity_che_approximation_against_exact_lru() -> None:
    rc = ResponseCache(
        ttl_seconds=86_400.0,
        distinct_queries=5000,
        zipf_exponent=0.8,
        capacity_entries=300,
    )
    wl = workload(response_cache=rc)
    rate = 2.0
    pop = popularity(5000, "zipf", 0.8)
    t_c = che_time(rate, pop, 300)
    assert t_c < 86_400
    expected = HitCurve(pop, 86_400.0, 300)(np.array([rate]))[0]
    trace = simulate_trace(wl, rate, np.random.default_rng(4), requests=40_000)
    point, _ = des.evaluate_trace(
        trace, wl, candidate(), TERMS, START, np.random.default_rng(1)
    )
    # Che's approximation is known to be accurate to a few points here.
    assert point.answered == pytest.approx(expected, abs=0.03)


def test_trace_hits_by_hand() -> None:
    times = np.array([0.0, 100.0, 450.0, 500.0, 10.0])
    keys = np.array([1, 1, 1, 1, 2])
    # key 1: 100 - 0 < 300 hit, 450 - 100 > 300 miss, 500 - 450 hit.
    assert trace_hits(times, keys, 300.0).tolist() == [False, True, False, True, False]


def test_cascade_bills_both_models_and_route_splits() -> None:
    small = model("acme-mini")
    wl = workload(cacheable_prefix_tokens=0)
    reqs = requests_for(1.0)
    cascade = candidate(route=Route("cascade", small, 0.25))
    ledger = fluid.simulate_usage(wl, cascade, TERMS, START, reqs, DAYS)
    main_out = sum(
        v
        for k, v in ledger.tokens.items()
        if not k.startswith("alt:") and k.endswith("output")
    )
    alt_out = sum(
        v
        for k, v in ledger.tokens.items()
        if k.startswith("alt:") and k.endswith("output")
    )
    assert float(alt_out[0, 0]) == pytest.approx(reqs[0, 0] * 200)
    assert float(main_out[0, 0]) == pytest.approx(reqs[0, 0] * 200 * 0.25)
    routed = candidate(route=Route("route", small, 0.4))
    ledger = fluid.simulate_usage(wl, routed, TERMS, START, reqs, DAYS)
    alt_in = sum(
        v
        for k, v in ledger.tokens.items()
        if k.startswith("alt:") and k.endswith("/input")
    )
    assert float(alt_in[0, 0]) == pytest.approx(reqs[0, 0] * 3000 * 0.4)


def test_auto_engine_choice() -> None:
    assert choose_engine("auto", workload(), candidate()) == "fluid"
    assert choose_engine("auto", workload(session_turns=3.0), candidate()) == "des"
    assert choose_engine("fluid", workload(session_turns=3.0), candidate()) == "fluid"


def test_des_is_reproducible_and_reports_sampling_error() -> None:
    wl = workload(prefixes=50, requests_per_day=20_000.0)
    reqs = np.array([[20_000 * 31.0, 30_000 * 31.0]])
    days = np.array([31.0, 28.0])
    a = des.simulate_usage(wl, candidate(), TERMS, START, reqs, days, 3)
    b = des.simulate_usage(wl, candidate(), TERMS, START, reqs, days, 3)
    for key in a.tokens:
        np.testing.assert_array_equal(a.tokens[key], b.tokens[key])
    se = a.stats["cache_hit_ratio_se"]
    assert np.all((se > 0) & (se < 0.02))


@pytest.mark.parametrize(
    "name", ["support-chat", "rag-docs", "coding-agent", "nightly-batch"]
)
def test_des_and_fluid_agree_on_bundled_scenarios(name: str) -> None:
    import dataclasses as dc

    from sim.catalog import load_catalog
    from sim.pipeline import run
    from sim.resources import scenarios_dir
    from sim.scenario import load_scenario

    catalog = load_catalog()
    scenario = load_scenario(scenarios_dir() / f"{name}.toml", catalog)
    scenario = dc.replace(scenario, paths=30, prices="frozen")
    by_engine = {e: run(scenario, catalog, e) for e in ("fluid", "des")}
    for f_run, d_run in zip(
        by_engine["fluid"].candidates, by_engine["des"].candidates, strict=True
    ):
        f_tco, d_tco = f_run.tco_usd.mean(), d_run.tco_usd.mean()
        assert d_tco == pytest.approx(f_tco, rel=0.02), f_run.candidate.name
        for f_wl, d_wl in zip(f_run.workloads, d_run.workloads, strict=True):
            f_hit = f_wl.ledger.stats["cache_hit_ratio"].mean()
            d_hit = d_wl.ledger.stats["cache_hit_ratio"].mean()
            assert d_hit == pytest.approx(f_hit, abs=0.02), f_wl.workload


PEAKY = (0.2,) * 8 + (2.0,) * 8 + (0.8,) * 8  # mean 1: 8 quiet, peak, evening


def test_provisioned_spill_matches_the_closed_form_in_both_engines() -> None:
    from sim.scenario import Provisioned

    # 1 request/s on average of 3,200 tokens: 192,000 tokens/min x weight.
    # Capacity 200,000 tokens/min covers every hour but the 8 peak ones
    # (384,000/min), which spill 184,000/min. Provisioned share of tokens:
    # (8 x 38,400 + 8 x 200,000 + 8 x 153,600) / (8 x 576,000) = 0.68056.
    wl = workload(daily_profile=PEAKY, cacheable_prefix_tokens=0)
    prov = Provisioned(units=2, tpm_per_unit=100_000, usd_per_unit_hour=20.0)
    cand = candidate(provisioned=prov)
    expected = 3136 / 4608
    reqs = requests_for(1.0)
    f = fluid.simulate_usage(wl, cand, TERMS, START, reqs, DAYS)
    d = des.simulate_usage(wl, cand, TERMS, START, reqs, DAYS, 7)
    assert f.stats["provisioned_token_share"][0, 0] == pytest.approx(expected)
    assert d.stats["provisioned_token_share"][0, 0] == pytest.approx(expected, abs=0.02)
    # Utilisation: 3,136 served of 24 x 200 thousand tokens/min-hours.
    assert f.stats["provisioned_utilisation"][0, 0] == pytest.approx(3136 / 4800)
    # The units are billed every hour of the month: 2 x 24 x 31.
    assert f.tokens["provisioned/unit_hours"][0, 0] == 2 * 24 * 31
    spilled = f.tokens["standard/input"][0, 0] + f.tokens["standard/output"][0, 0]
    served = sum(
        v[0, 0]
        for k, v in f.tokens.items()
        if k.startswith("provisioned/") and not k.endswith("hours")
    )
    assert spilled / (spilled + served) == pytest.approx(1 - expected)


def test_rate_limit_drop_share_in_both_engines() -> None:
    from sim.scenario import RateLimit

    # rpm 90 = 1.5/s: only the 8 peak hours (2/s) exceed it, by 0.5/s.
    # Dropped share of calls: 8 x 0.5 / (24 x 1) = 1/6.
    wl = workload(daily_profile=PEAKY, cacheable_prefix_tokens=0)
    cand = candidate(rate_limit=RateLimit(rpm=90, on_limit="drop"))
    reqs = requests_for(1.0)
    f = fluid.simulate_usage(wl, cand, TERMS, START, reqs, DAYS)
    d = des.simulate_usage(wl, cand, TERMS, START, reqs, DAYS, 7)
    assert f.stats["dropped_requests"][0, 0] == pytest.approx(reqs[0, 0] / 6)
    assert d.stats["dropped_requests"][0, 0] == pytest.approx(reqs[0, 0] / 6, rel=0.1)
    kept = f.total("output")[0, 0]
    assert kept == pytest.approx(reqs[0, 0] * 200 * 5 / 6)


def test_delayed_calls_are_all_billed_and_wait() -> None:
    from sim.scenario import RateLimit

    wl = workload(daily_profile=PEAKY, cacheable_prefix_tokens=0)
    cand = candidate(rate_limit=RateLimit(rpm=70, on_limit="delay"))
    reqs = requests_for(1.0)
    f = fluid.simulate_usage(wl, cand, TERMS, START, reqs, DAYS)
    # The day's 86,400 calls fit under 70/min x 1,440 min: all are served.
    assert f.total("output")[0, 0] == pytest.approx(reqs[0, 0] * 200)
    assert f.stats["dropped_requests"][0, 0] == pytest.approx(0.0)
    assert f.stats["delay_p95_seconds"][0, 0] > f.stats["delay_p50_seconds"][0, 0] > 0


def test_an_unknown_cache_lifetime_is_assumed_and_said() -> None:
    terms = ProviderTerms(
        cache=CacheTerms(mode="automatic", source="t", min_prefix_tokens=1024)
    )
    rules = fluid.cache_rules(workload(), model(), terms, None, START)
    assert rules.ttl_seconds == 300.0
    assert rules.notes == (
        "acme: the price sheet gives no lifetime for its automatic prompt "
        "cache; 300 s assumed",
    )


def test_explicit_cache_storage_is_billed_by_token_hours() -> None:
    # Storage only when a TTL is bought (explicit caching). One prefix of
    # 2,000 tokens used 0.002 times a second with a 1-hour TTL is alive a
    # share 1 - exp(-7.2) of the time: 2,000 x 0.99925 x 24 x 31 token-hours.
    terms = ProviderTerms(
        cache=dataclasses.replace(
            TERMS.cache,  # type: ignore[arg-type]
            storage_usd_per_mtok_hour=0.5,
        )
    )
    alive = 1 - math.exp(-0.002 * 3600)
    expected = 2000 * alive * 24 * 31
    reqs = requests_for(0.002)
    f = fluid.simulate_usage(
        workload(), candidate(cache_ttl="1h"), terms, START, reqs, DAYS
    )
    assert f.tokens["storage/token_hours"][0, 0] == pytest.approx(expected, rel=1e-3)
    d = des.simulate_usage(
        workload(), candidate(cache_ttl="1h"), terms, START, reqs, DAYS, 2
    )
    assert d.tokens["storage/token_hours"][0, 0] == pytest.approx(expected, rel=0.02)
    implicit = fluid.simulate_usage(workload(), candidate(), terms, START, reqs, DAYS)
    assert "storage/token_hours" not in implicit.tokens


def test_trace_alive_seconds_by_hand() -> None:
    from sim.engine.cache import trace_alive_seconds

    # Key 1 used at 0 and 100 with TTL 300: alive 0..400; key 2 at 900:
    # alive 900..1000 inside a window ending at 1000. Total 500 s.
    times = np.array([0.0, 100.0, 900.0])
    keys = np.array([1, 1, 2])
    assert trace_alive_seconds(times, keys, 300.0, 1000.0) == pytest.approx(500.0)

"""Capacity model: closed forms worked by hand, the DES against them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.capacity import SliceCapacity, fluid_capacity, pool_slices
from sim.engine.capacity_des import simulate_capacity, simulate_capacity_naive
from sim.engine.ledger import FloatArray
from sim.scenario import Provisioned, RateLimit

TOKENS = 1000.0  # tokens per call in the hand-worked cases


def units(tpm: float) -> Provisioned:
    """Provisioned units serving ``tpm`` tokens per minute together."""
    return Provisioned(units=2, tpm_per_unit=tpm / 2, usd_per_unit_hour=1.0)


def peaked_day() -> FloatArray:
    """1 call/s for 21 hours, 3, 4 and 5 calls/s at 12:00-15:00 UTC."""
    rates = np.ones(24)
    rates[12:15] = [3.0, 4.0, 5.0]
    return rates


def one_cell(rates: FloatArray) -> FloatArray:
    return rates[None, None, :]


def poisson_trace(
    rates_by_hour: list[float], seed: int, mean_tokens: float = 1200.0
) -> tuple[FloatArray, FloatArray]:
    """Poisson arrivals at a rate (calls/s) held for each hour, gamma tokens."""
    rng = np.random.default_rng(seed)
    times = [
        hour * 3600.0 + rng.uniform(0.0, 3600.0, rng.poisson(rate * 3600.0))
        for hour, rate in enumerate(rates_by_hour)
    ]
    arrivals = np.sort(np.concatenate(times))
    tokens = rng.gamma(2.0, mean_tokens / 2.0, arrivals.size)
    return arrivals, tokens


def assert_same(a: SliceCapacity, b: SliceCapacity) -> None:
    for field in dataclasses.fields(SliceCapacity):
        left, right = getattr(a, field.name), getattr(b, field.name)
        assert np.array_equal(left, right), field.name


# --- fluid -----------------------------------------------------------------


def test_spill_of_a_peaked_day_matches_the_hand_count() -> None:
    # C = 120k tpm = 2 calls/s of 1000 tokens. Units serve min(rate, 2)
    # each hour: 21 x 1 + 3 x 2 = 27 of the day's 33 call-hours, a share
    # of 9/11 and a utilisation of 27 / (24 x 2) = 9/16. Doubled traffic,
    # 2 calls/s at least, fills C every hour (utilisation 1) and serves
    # 48 of 66 call-hours: 8/11. Days per month change neither.
    rates = np.stack([peaked_day(), 2 * peaked_day()])[:, None, :]
    rates = np.repeat(rates, 2, axis=1)
    days = np.array([31.0, 28.0])
    out = fluid_capacity(rates, TOKENS, days, units(120_000), None)
    np.testing.assert_allclose(out.provisioned_token_share[0], 9 / 11, rtol=1e-12)
    np.testing.assert_allclose(out.provisioned_token_share[1], 8 / 11, rtol=1e-12)
    np.testing.assert_allclose(out.utilisation[0], 9 / 16, rtol=1e-12)
    np.testing.assert_allclose(out.utilisation[1], 1.0, rtol=1e-12)
    assert np.all(out.over_limit_share == 0)


@pytest.mark.parametrize("on_limit", ["fallback", "drop"])
@pytest.mark.parametrize(
    ("rpm", "tpm"),
    [(90.0, None), (None, 90_000.0), (120.0, 90_000.0), (90.0, 1e9)],
)
def test_over_limit_share_matches_the_hand_count(
    on_limit: str, rpm: float | None, tpm: float | None
) -> None:
    # After 2 calls/s on provisioned the peak sends 1, 2 and 3 calls/s
    # on-demand; a limit of 1.5 calls/s (90 rpm, or 90k tpm of 1000-token
    # calls, whichever binds) turns away 0.5 + 1.5 = 2 of 33 call-hours.
    limit = RateLimit(rpm=rpm, tpm=tpm, on_limit=on_limit)
    out = fluid_capacity(
        one_cell(peaked_day()), TOKENS, np.array([30.0]), units(120_000), limit
    )
    assert out.over_limit_share[0, 0] == pytest.approx(2 / 33, rel=1e-12)
    assert out.provisioned_token_share[0, 0] == pytest.approx(9 / 11, rel=1e-12)
    assert out.delay_p99_seconds[0, 0] == 0.0


def test_over_limit_share_without_provisioned_units() -> None:
    # 3 calls/s allowed: the peak's 3, 4, 5 calls/s lose 0 + 1 + 2 of 33.
    limit = RateLimit(rpm=180.0, on_limit="drop")
    out = fluid_capacity(one_cell(peaked_day()), TOKENS, np.ones(1), None, limit)
    assert out.over_limit_share[0, 0] == pytest.approx(3 / 33, rel=1e-12)
    assert out.provisioned_token_share[0, 0] == 0.0
    assert out.utilisation[0, 0] == 0.0


@pytest.mark.parametrize("shift", [0, 5, 22, 23])
def test_queue_delays_of_a_one_hour_burst_by_hand(shift: int) -> None:
    # Limit 1 call/s. One hour at 2 calls/s builds 3600 calls of backlog;
    # at 0.5 calls/s it drains in the next two hours (3600 -> 1800 -> 0).
    # Waits are backlog / 1 call/s, linear in time: the burst hour's 7200
    # calls wait uniformly 0-3600 s, the draining hours' 3600 calls too
    # (3600 -> 0 s), the other 21 x 1800 = 37800 calls none. Of 48600
    # calls, 3 per second of delay lie on [0, 3600], so
    # P(wait > x) = 3 (3600 - x) / 48600: p95 at 3600 - 810 = 2790 s and
    # p99 at 3600 - 162 = 3438 s; p50 is 0. A burst at 22:00 or 23:00
    # drains after midnight: the periodic day gives the same answer.
    rates = np.full(24, 0.5)
    rates[0] = 2.0
    limit = RateLimit(rpm=60.0)
    out = fluid_capacity(
        one_cell(np.roll(rates, shift)), TOKENS, np.ones(1), None, limit
    )
    assert out.delay_p50_seconds[0, 0] == 0.0
    assert out.delay_p95_seconds[0, 0] == pytest.approx(2790.0, rel=1e-12)
    assert out.delay_p99_seconds[0, 0] == pytest.approx(3438.0, rel=1e-12)
    assert out.over_limit_share[0, 0] == 0.0


def test_overloaded_queue_reports_the_excess_as_never_served() -> None:
    # 26 calls/s for one hour, none after, limit 1 call/s: a day admits 24
    # call-hours, so 2 of 26 are never served. The 24 kept arrive in the
    # first hour and wait uniformly 0-23 hours (82800 s).
    rates = np.zeros(24)
    rates[0] = 26.0
    out = fluid_capacity(one_cell(rates), TOKENS, np.ones(1), None, RateLimit(rpm=60))
    assert out.over_limit_share[0, 0] == pytest.approx(1 / 13, rel=1e-12)
    assert out.delay_p50_seconds[0, 0] == pytest.approx(41_400.0, rel=1e-9)
    assert out.delay_p95_seconds[0, 0] == pytest.approx(78_660.0, rel=1e-9)
    assert out.delay_p99_seconds[0, 0] == pytest.approx(81_972.0, rel=1e-9)


def test_flat_overload_keeps_no_backlog() -> None:
    # 2 calls/s against 1 call/s: half is never served, the rest at once.
    rates = one_cell(np.full(24, 2.0))
    out = fluid_capacity(rates, TOKENS, np.ones(1), None, RateLimit(rpm=60))
    assert out.over_limit_share[0, 0] == pytest.approx(0.5)
    assert out.delay_p99_seconds[0, 0] == 0.0


def test_no_provisioned_and_no_limit_give_zeros() -> None:
    rates = np.repeat(one_cell(peaked_day()), 3, axis=1)
    out = fluid_capacity(rates, TOKENS, np.array([31.0, 30.0, 31.0]), None, None)
    for field in dataclasses.fields(out):
        values = getattr(out, field.name)
        assert values.shape == (1, 3)
        assert np.all(values == 0), field.name


@settings(max_examples=40, deadline=None)
@given(
    weights=st.lists(st.floats(0.0, 50.0), min_size=24, max_size=24),
    capacity=st.floats(0.0, 3e6),
    rpm=st.floats(1.0, 3000.0),
    on_limit=st.sampled_from(["delay", "fallback", "drop"]),
)
def test_shares_are_proportions_and_percentiles_ordered(
    weights: list[float], capacity: float, rpm: float, on_limit: str
) -> None:
    provisioned = units(capacity) if capacity > 0 else None
    limit = RateLimit(rpm=rpm, on_limit=on_limit)
    out = fluid_capacity(
        one_cell(np.array(weights)), TOKENS, np.ones(1), provisioned, limit
    )
    shares = out.provisioned_token_share + out.over_limit_share
    assert np.all((out.over_limit_share >= 0) & (shares <= 1 + 1e-12))
    assert np.all((out.utilisation >= 0) & (out.utilisation <= 1 + 1e-12))
    assert np.all(out.delay_p50_seconds >= 0)
    assert np.all(out.delay_p50_seconds <= out.delay_p95_seconds)
    assert np.all(out.delay_p95_seconds <= out.delay_p99_seconds)


@pytest.mark.parametrize(
    ("rates", "days", "match"),
    [
        (np.ones((1, 24)), np.ones(1), r"rates: shape \(1, 24\) is not"),
        (np.ones((1, 2, 24)), np.ones(3), r"days: shape \(3,\) is not \(2,\)"),
        (-np.ones((1, 1, 24)), np.ones(1), "rates: expected finite rates >= 0"),
    ],
)
def test_fluid_refuses_malformed_inputs(
    rates: FloatArray, days: FloatArray, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        fluid_capacity(rates, TOKENS, days, None, None)


def test_fluid_refuses_an_unknown_on_limit() -> None:
    limit = RateLimit(rpm=60.0, on_limit="queue")
    with pytest.raises(ValueError, match="on_limit: 'queue' is not one of delay"):
        fluid_capacity(one_cell(peaked_day()), TOKENS, np.ones(1), None, limit)


# --- discrete events by hand -----------------------------------------------


def test_burst_waits_behind_a_minute_of_rpm() -> None:
    # rpm = 60: a bucket of 60 calls, full at the start, refilled 1 per
    # second. 120 calls at t = 0: 60 go at once, then one per second.
    times, tokens = np.zeros(120), np.full(120, TOKENS)
    out = simulate_capacity(times, tokens, 200.0, None, RateLimit(rpm=60.0))
    expected = np.concatenate([np.zeros(60), np.arange(1.0, 61.0)])
    np.testing.assert_array_equal(out.delays_seconds, expected)
    assert out.over_limit_calls == 0


def test_burst_after_a_drained_bucket_waits_0_to_119_seconds() -> None:
    # 60 warm-up calls at t = 0 empty the bucket; by t = 1 it holds one
    # call, so 120 calls at t = 1 wait 0, 1, ..., 119 s.
    times = np.concatenate([np.zeros(60), np.ones(120)])
    tokens = np.full(180, TOKENS)
    out = simulate_capacity(
        times, tokens, 200.0, None, RateLimit(tpm=60_000.0), warmup_s=1.0
    )
    np.testing.assert_array_equal(out.delays_seconds, np.arange(120.0))
    assert out.calls == 120


def test_queue_growth_over_the_window_is_over_limit() -> None:
    # As in the burst above, the 60 queued calls leave at t = 1..60 s; at
    # the end of a 30.5 s window calls 31..60 still wait.
    times, tokens = np.zeros(120), np.full(120, TOKENS)
    out = simulate_capacity(times, tokens, 30.5, None, RateLimit(rpm=60.0))
    assert (out.over_limit_calls, out.over_limit_tokens) == (30, 30 * TOKENS)
    assert out.delays_seconds.size == 120


@pytest.mark.parametrize("on_limit", ["fallback", "drop"])
def test_calls_over_the_limit_leave_at_once(on_limit: str) -> None:
    times, tokens = np.zeros(120), np.full(120, TOKENS)
    limit = RateLimit(rpm=60.0, on_limit=on_limit)
    out = simulate_capacity(times, tokens, 200.0, None, limit)
    assert (out.over_limit_calls, out.over_limit_tokens) == (60, 60 * TOKENS)
    assert out.over_limit_share == 0.5
    np.testing.assert_array_equal(out.delays_seconds, np.zeros(60))


def test_a_call_larger_than_the_tpm_limit_is_never_admitted() -> None:
    times = np.array([0.0, 1.0])
    tokens = np.array([70_000.0, TOKENS])
    out = simulate_capacity(times, tokens, 10.0, None, RateLimit(tpm=60_000.0))
    assert (out.over_limit_calls, out.over_limit_tokens) == (1, 70_000.0)
    np.testing.assert_array_equal(out.delays_seconds, [0.0])


def test_provisioned_bucket_serves_its_burst_then_its_rate() -> None:
    # C = 60k tpm: a 60k bucket refilled 1000 tokens/s. A 2000-token call
    # each second: before the call at t = k the bucket holds 60000 - 1000 k,
    # enough up to k = 58; from then on it holds 1000 and 2000 in turn, so
    # calls 59, 61, ..., 119 spill (31) and 60, 62, ..., 118 fit (30).
    times, tokens = np.arange(120.0), np.full(120, 2000.0)
    out = simulate_capacity(times, tokens, 120.0, units(60_000), None)
    assert out.provisioned_tokens == 89 * 2000.0
    assert out.provisioned_token_share == pytest.approx(89 / 120)
    assert out.capacity_tokens == 120_000.0
    assert out.utilisation == pytest.approx(89 * 2000.0 / 120_000.0)


def test_utilisation_of_a_steady_half_load() -> None:
    # 500 tokens a second on 1000 tokens/s of units, counted after 60 s.
    times, tokens = np.arange(600.0), np.full(600, 500.0)
    out = simulate_capacity(times, tokens, 600.0, units(60_000), None, 60.0)
    assert out.provisioned_token_share == 1.0
    assert out.utilisation == 0.5
    assert (out.calls, out.tokens) == (540, 270_000.0)


def test_no_provisioned_and_no_limit_serve_every_call_at_once() -> None:
    times, tokens = poisson_trace([2.0], seed=3)
    out = simulate_capacity(times, tokens, 3600.0, None, None, warmup_s=600.0)
    counted = times >= 600.0
    assert out.calls == int(counted.sum())
    assert out.tokens == pytest.approx(float(tokens[counted].sum()))
    assert out.provisioned_token_share == out.over_limit_share == 0.0
    assert out.utilisation == 0.0
    np.testing.assert_array_equal(out.delays_seconds, np.zeros(out.calls))


def test_pooled_slices_sum_their_counts() -> None:
    times, tokens = np.zeros(120), np.full(120, TOKENS)
    limit = RateLimit(rpm=60.0, on_limit="drop")
    one = simulate_capacity(times, tokens, 200.0, units(30_000), limit)
    both = pool_slices([one, one])
    assert (both.calls, both.over_limit_calls) == (240, 2 * one.over_limit_calls)
    assert both.provisioned_token_share == one.provisioned_token_share
    assert both.utilisation == one.utilisation
    assert both.delays_seconds.size == 2 * one.delays_seconds.size


@pytest.mark.parametrize(
    ("times", "tokens", "warmup", "match"),
    [
        (np.zeros(2), np.zeros(3), 0.0, "times_s, tokens: shapes"),
        (np.array([5.0, 10.0]), np.ones(2), 0.0, r"times_s: expected arrivals in"),
        (np.zeros(2), -np.ones(2), 0.0, "tokens: expected finite counts >= 0"),
        (np.zeros(2), np.ones(2), 10.0, r"warmup_s: 10.0 is not in \[0, duration"),
    ],
)
def test_simulation_refuses_malformed_traces(
    times: FloatArray, tokens: FloatArray, warmup: float, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        simulate_capacity(times, tokens, 10.0, None, None, warmup_s=warmup)


# --- discrete events against the naive reference and the fluid --------------


@pytest.mark.parametrize(
    ("provisioned", "limit"),
    [
        (units(40_000), None),
        (None, RateLimit(rpm=50.0)),
        (units(20_000), RateLimit(rpm=40.0, tpm=30_000.0)),
        (units(20_000), RateLimit(tpm=25_000.0, on_limit="fallback", fallback="b")),
        (None, RateLimit(rpm=20.0, tpm=40_000.0, on_limit="drop")),
    ],
)
def test_single_walk_equals_one_process_per_call(
    provisioned: Provisioned | None, limit: RateLimit | None
) -> None:
    # Background calls, some sharing an instant, and three bursts of 45
    # calls at once: queues build and drain, calls spill, wait and leave.
    rng = np.random.default_rng(11)
    background = np.repeat(rng.uniform(0.0, 400.0, 100), rng.integers(1, 4, 100))
    bursts = np.repeat([50.0, 150.0, 250.0], 45)
    times = np.concatenate([background, bursts])
    tokens = rng.gamma(2.0, 600.0, times.size)
    args = (times, tokens, 400.0, provisioned, limit, 60.0)
    fast, naive = simulate_capacity(*args), simulate_capacity_naive(*args)
    assert_same(fast, naive)
    assert fast.calls > 0


def test_poisson_spill_matches_the_fluid_within_two_points() -> None:
    # 5 then 10 calls/s of 1200 tokens on average: 360k then 720k tpm on
    # 500k tpm of units. Fluid: (360k + 500k) / 1080k = 79.6% provisioned.
    rates = np.zeros(24)
    rates[:2] = [5.0, 10.0]
    fluid = fluid_capacity(one_cell(rates), 1200.0, np.ones(1), units(500_000), None)
    times, tokens = poisson_trace([5.0, 10.0], seed=7)
    des = simulate_capacity(times, tokens, 7200.0, units(500_000), None)
    expected = float(fluid.provisioned_token_share[0, 0])
    assert expected == pytest.approx(860 / 1080)
    assert des.provisioned_token_share == pytest.approx(expected, abs=0.02)


def test_poisson_drop_share_matches_the_fluid_within_two_points() -> None:
    # 10 calls/s against 480 rpm = 8 calls/s: the fluid drops 20%.
    limit = RateLimit(rpm=480.0, on_limit="drop")
    rates = np.zeros(24)
    rates[0] = 10.0
    fluid = fluid_capacity(one_cell(rates), 1200.0, np.ones(1), None, limit)
    times, tokens = poisson_trace([10.0], seed=8)
    des = simulate_capacity(times, tokens, 3600.0, None, limit, warmup_s=300.0)
    assert fluid.over_limit_share[0, 0] == pytest.approx(0.2)
    assert des.over_limit_share == pytest.approx(0.2, abs=0.02)


def test_seeded_traces_give_reproducible_results() -> None:
    limit = RateLimit(rpm=400.0, tpm=500_000.0)

    def run(seed: int) -> SliceCapacity:
        times, tokens = poisson_trace([8.0], seed=seed)
        return simulate_capacity(times, tokens, 3600.0, units(300_000), limit)

    assert_same(run(5), run(5))
    assert run(5).provisioned_tokens != run(6).provisioned_tokens


def test_poisson_queue_delays_match_the_fluid() -> None:
    # The hand-worked day above (2 calls/s for an hour, 0.5 after, 60 rpm),
    # the first day a warm-up. The bucket's minute of burst lets 60 calls
    # skip the queue, taking about 60 s off the fluid's 2790 and 3438 s.
    rates = [2.0] + [0.5] * 23
    times, tokens = poisson_trace(rates * 2, seed=0)
    limit = RateLimit(rpm=60.0)
    des = simulate_capacity(times, tokens, 2 * 86_400.0, None, limit, 86_400.0)
    assert des.delay_seconds(0.5) == 0.0
    assert des.delay_seconds(0.95) == pytest.approx(2790.0 - 60.0, rel=0.03)
    assert des.delay_seconds(0.99) == pytest.approx(3438.0 - 60.0, rel=0.03)
    assert des.over_limit_calls == 0

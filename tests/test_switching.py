"""Factor 12 (lock-in): the switching policy, the lock-in cost, the score.

One test per check of the issue: a rising switching cost never scores
higher; zero cost with identical alternatives costs nothing; the value of
switching grows with price dispersion and shrinks with correlation (two
lognormal prices, against Margrabe's exchange option in closed form);
with a large switching cost hysteresis never does worse than staying and
no hysteresis can (a path followed month by month, then many); a gateway
lowers the lines it addresses and is weighed against its fee. The bands
are checked by hand. The ledger's lines are in test_switching_ledger.py.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sim.catalog import Catalog
from sim.stats import FloatArray, discount_factors, npv
from sim.switching import (
    SwitchCost,
    SwitchingLedger,
    build_ledgers,
    score_lock_in,
    score_switching_months,
    simulate_switching,
)
from sim.switching.policy import prepare_market, run_policy
from tests.test_switching_ledger import SPEND, scenario_of

Writer = Callable[..., Path]


# --- the score bands, by hand ---------------------------------------------------


@pytest.mark.parametrize(
    ("share", "score", "band"),
    [
        (-0.05, 5.0, 5),
        (0.0, 5.0, 5),
        (0.0125, 4.75, 5),  # halfway through the first band
        (0.02, 4.6, 5),
        (0.0375, 4.0, 4),
        (0.06, 3.3, 3),  # 3.5 - 1.0 x (0.06 - 0.05) / 0.05
        (0.10, 2.5, None),  # a band edge: the half point
        (0.12, 2.1, 2),
        (0.17, 1.3, 1),  # 1.5 - 0.5 x (0.17 - 0.15) / 0.05
        (0.25, 1.0, 1),
    ],
)
def test_factor_12_bands(share: float, score: float, band: int | None) -> None:
    assert float(score_lock_in(share)) == pytest.approx(score)
    if band is not None:
        assert round(float(score_lock_in(share))) == band


@pytest.mark.parametrize(
    ("months", "score"),
    [
        (0.0, 5.0),
        (0.25, 4.75),
        (1.0, 4.0),
        (2.0, 3.0 + 1 / 6),
        (4.5, 2.0),
        (9.0, 1.25),
        (20.0, 1.0),
    ],
)
def test_fallback_bands_in_months_of_spend(months: float, score: float) -> None:
    assert float(score_switching_months(months)) == pytest.approx(score)


# --- the policy on hand-built paths ---------------------------------------------


def costs_matched_cut(months: int = 36) -> tuple[FloatArray, FloatArray]:
    """B cuts from 100 to 60 USD in month 6; A matches it in month 9."""
    t = np.arange(months)
    a = np.where(t < 9, 100.0, 60.0)[None, :]
    b = np.where(t < 6, 100.0, 60.0)[None, :]
    return a, b


def flat_cost(
    usd: float, months: int = 36, lead: int = 2, dual: float = 0.0
) -> SwitchCost:
    return SwitchCost(np.full(months, usd), 0.0, lead, dual)


def test_no_hysteresis_follows_a_gap_that_closes_and_loses() -> None:
    a, b = costs_matched_cut()
    market = prepare_market([a, b], ["a", "b"], [1.0, 1.0], 0.0, "flat")
    exits = [flat_cost(1_000.0), flat_cost(1_000.0)]
    # Month 6: savings (100 - 60) x 28 months from month 8 = 1,120 > 1,000.
    eager = run_policy(market, 0, exits, hysteresis=0.0)
    assert eager.switches.tolist() == [1]
    assert eager.decided.nonzero()[0].tolist() == [6]
    # Pays 1,000 and saves 40 in month 8 only: 960 worse than staying.
    assert eager.cost_usd.sum() - a.sum() == pytest.approx(960.0)
    assert eager.cost_usd[0, 8] == 60.0 and eager.cost_usd[0, 7] == 100.0

    # With hysteresis 0.5 the bar is 1,500: 1,120, 1,080, 1,040 never clear it.
    patient = run_policy(market, 0, exits, hysteresis=0.5)
    assert patient.switches.tolist() == [0]
    assert np.array_equal(patient.cost_usd, a)


def price_matching_paths(
    rng: np.random.Generator, paths: int, months: int = 36
) -> list[FloatArray]:
    """Two providers: one cuts 40% at random, the other matches 3 months on."""
    steps = np.zeros((2, paths, months))
    for t in range(1, months):
        cut = rng.random(paths) < 0.1
        leader = rng.integers(0, 2, paths)
        for k in range(2):
            steps[k, cut & (leader == k), t] -= 0.5
            if t + 3 < months:
                steps[k, cut & (leader != k), t + 3] -= 0.5
    return [SPEND * np.exp(np.cumsum(steps[k], axis=1)) for k in range(2)]


def test_with_a_large_switching_cost_hysteresis_never_does_worse() -> None:
    costs = price_matching_paths(np.random.default_rng(3), 2_000)
    market = prepare_market(costs, ["a", "b"], [1.0, 1.0], 0.10)
    exits = [flat_cost(8 * SPEND, dual=1.0)] * 2  # 8 months of spend
    never = npv(costs[0], 0.10)

    eager = npv(run_policy(market, 0, exits, hysteresis=0.0).cost_usd, 0.10)
    assert eager.mean() > never.mean() * 1.005  # over 0.5% worse on average
    assert (eager > never).any()

    patient = run_policy(market, 0, exits, hysteresis=0.5)
    assert npv(patient.cost_usd, 0.10) == pytest.approx(never)  # path by path
    assert patient.switches.sum() == 0


def test_decisions_never_read_a_paths_future() -> None:
    rng = np.random.default_rng(7)
    costs = [
        SPEND * np.exp(np.cumsum(rng.normal(0, 0.1, (300, 24)), axis=1))
        for _ in range(2)
    ]
    exits = [flat_cost(SPEND, months=24, dual=0.5)] * 2
    before = run_policy(
        prepare_market(costs, ["a", "b"], [1.0, 1.0], 0.1), 0, exits, 0.5
    )
    changed = [c.copy() for c in costs]
    changed[1][17, 12:] *= 0.2  # path 17's future only
    after = run_policy(
        prepare_market(changed, ["a", "b"], [1.0, 1.0], 0.1), 0, exits, 0.5
    )
    assert np.array_equal(before.switching_usd[17, :12], after.switching_usd[17, :12])
    assert np.array_equal(before.cost_usd[17, :12], after.cost_usd[17, :12])


# --- two symmetric lognormal providers: dispersion and correlation -------------


def lognormal_pair(
    z: FloatArray, w: FloatArray, sigma: float, rho: float
) -> list[FloatArray]:
    """Prices with mean 1 whose monthly log changes have sd ``sigma`` and
    correlation ``rho``; month 0 is 1 for both."""
    months = z.shape[1]
    out = []
    for shocks in (z, rho * z + math.sqrt(1 - rho**2) * w):
        log_p = np.cumsum(sigma * shocks - 0.5 * sigma**2, axis=1)
        out.append(
            np.exp(np.concatenate([np.zeros((z.shape[0], 1)), log_p], axis=1))[
                :, :months
            ]
        )
    return out


def margrabe_option_usd(sigma: float, rho: float, months: int, rate: float) -> float:
    """E[sum_t d(t) (p1(t) - p2(t))^+] for the pair above, in closed form.

    p1 - p2 at month t is an exchange option with volatility
    sigma sqrt(2 (1 - rho) t) and both prices starting at 1:
    E[(p1 - p2)^+] = 2 Phi(v / 2) - 1.
    """
    total = 0.0
    for t in range(months):
        v = sigma * math.sqrt(2 * (1 - rho) * t)
        phi = 0.5 * (1 + math.erf(v / 2 / math.sqrt(2)))
        total += (1 + rate) ** (-(t + 1) / 12) * (2 * phi - 1)
    return total


def option_value(
    costs: Sequence[FloatArray],
    exits: list[SwitchCost],
    hysteresis: float,
    outlook: str = "flat",
) -> FloatArray:
    """Never-switch NPV minus switching NPV, per path, starting on the first."""
    market = prepare_market(costs, ["a", "b"], [1.0, 1.0], 0.10, outlook)
    run = run_policy(market, 0, exits, hysteresis)
    return npv(costs[0], 0.10) - npv(run.cost_usd, 0.10)


def test_free_switching_takes_the_cheaper_price_every_month() -> None:
    rng = np.random.default_rng(11)
    z, w = rng.standard_normal((2, 500, 24))
    costs = lognormal_pair(z, w, 0.1, 0.0)
    free = [flat_cost(0.0, months=24, lead=0)] * 2
    value = option_value(costs, free, 0.0)
    gap = np.maximum(costs[0] - costs[1], 0) @ discount_factors(24, 0.10)
    assert value == pytest.approx(gap)  # path by path


@pytest.mark.parametrize(("sigma", "rho"), [(0.05, 0.0), (0.10, 0.0), (0.10, 0.6)])
def test_free_switching_value_matches_the_exchange_option(
    sigma: float, rho: float
) -> None:
    rng = np.random.default_rng(12)
    z, w = rng.standard_normal((2, 20_000, 24))
    value = option_value(
        lognormal_pair(z, w, sigma, rho), [flat_cost(0.0, months=24, lead=0)] * 2, 0.0
    )
    exact = margrabe_option_usd(sigma, rho, 24, 0.10)
    assert value.mean() == pytest.approx(
        exact, abs=4 * value.std() / math.sqrt(value.size)
    )


def test_switching_value_grows_with_dispersion_and_shrinks_with_correlation() -> None:
    # Closed forms first: 24 months at 10%, monthly log sd 5% or 10%.
    low, high = (
        margrabe_option_usd(0.05, 0.0, 24, 0.1),
        margrabe_option_usd(0.10, 0.0, 24, 0.1),
    )
    together = margrabe_option_usd(0.10, 0.6, 24, 0.1)
    # One term by hand: month 12 at sd 10%, rho 0: v = 0.1 sqrt(24) = 0.490,
    # 2 Phi(0.245) - 1 = 0.1935, discounted by 1.1^(-13/12) = 0.9018.
    assert margrabe_option_usd(0.1, 0.0, 13, 0.1) - margrabe_option_usd(
        0.1, 0.0, 12, 0.1
    ) == pytest.approx(0.1935 * 0.9018, abs=1e-4)
    assert low == pytest.approx(1.8912, abs=1e-4)
    assert high == pytest.approx(3.7502, abs=1e-4)
    assert together == pytest.approx(2.3881, abs=1e-4)

    # Then the policy with a real switching cost (1 month of spend, 2-month
    # lead, 1 month dual run, hysteresis 0.5) on common random numbers.
    rng = np.random.default_rng(13)
    z, w = rng.standard_normal((2, 4_000, 36))
    exits = [flat_cost(1.0, dual=1.0)] * 2

    def value(sigma: float, rho: float) -> float:
        return float(
            option_value(
                lognormal_pair(z, w, sigma, rho), exits, 0.5, "ensemble"
            ).mean()
        )

    assert value(0.05, 0.0) < value(0.10, 0.0) < value(0.15, 0.0)
    assert value(0.10, 0.9) < value(0.10, 0.6) < value(0.10, 0.0)


# --- lock-in cost and the score from simulate_switching -----------------------------


def synthetic_ledger(
    name: str,
    provider: str,
    exit_usd: float,
    reference_usd: float = 0.0,
    months: int = 36,
    eval_mtok: float = 0.0,
) -> SwitchingLedger:
    """A ledger with flat exit and reference costs and nothing else."""
    return SwitchingLedger(
        candidate=name,
        provider=provider,
        items=(),
        cost=SwitchCost(np.full(months, exit_usd), eval_mtok, 2, 1.0),
        reference=SwitchCost(np.full(months, reference_usd), eval_mtok, 2, 1.0),
        gateway_toggled=SwitchCost(np.full(months, exit_usd), eval_mtok, 2, 1.0),
        monthly_spend_usd=SPEND,
        usd_per_mtok=1.0,
        eval_usd_per_mtok=1.0,
        mitigations=(),
        flags=(),
        facts=(),
        gateway_fee_share=0.055,
        gateway_usd_per_month=0.0,
    )


def jump_market(
    rng: np.random.Generator, paths: int, names: Sequence[str], months: int = 36
) -> dict[str, FloatArray]:
    """Methods B2's two-provider market, for any number of providers: monthly
    cuts (8% own, 4% market-wide, log size -0.5 sd 0.3), rises (2%, +0.3),
    spend growing 2% a month from 50,000 USD."""
    common = (rng.random((paths, months)) < 0.04) * rng.normal(
        -0.5, 0.3, (paths, months)
    )
    out = {}
    for name in names:
        own = (rng.random((paths, months)) < 0.08) * rng.normal(
            -0.5, 0.3, (paths, months)
        )
        rise = (rng.random((paths, months)) < 0.02) * 0.3
        step = own + common + rise
        step[:, 0] = 0.0
        out[name] = SPEND * np.exp(np.cumsum(step, axis=1) + 0.02 * np.arange(months))
    return out


def test_zero_switching_cost_and_identical_alternatives_cost_nothing() -> None:
    rng = np.random.default_rng(21)
    path = SPEND * np.exp(np.cumsum(rng.normal(0, 0.1, (200, 36)), axis=1))
    costs = {"a": path, "b": path.copy()}
    ledgers = {n: synthetic_ledger(n, n, 0.0) for n in costs}
    ledgers = {
        n: replace(
            led,
            cost=replace(led.cost, dual_run_months=0.0),
            reference=replace(led.reference, dual_run_months=0.0),
        )
        for n, led in ledgers.items()
    }
    for result in simulate_switching(costs, ledgers, 0.10, 0.5).values():
        assert result.lock_in_usd == 0.0
        assert result.score == 5.0
        assert result.p_switch == 0.0
        assert result.npv_usd == pytest.approx(result.never_npv_usd)


def test_a_candidate_whose_switching_cost_rises_scores_lower() -> None:
    costs = jump_market(np.random.default_rng(22), 2_000, ["a", "b", "c"])
    scores, lock_ins = [], []
    for months_of_spend in (0.0, 0.5, 1.0, 2.0, 3.0, 6.0, 12.0):
        ledgers = {n: synthetic_ledger(n, n, SPEND, SPEND) for n in costs}
        ledgers["a"] = synthetic_ledger("a", "a", months_of_spend * SPEND, SPEND)
        result = simulate_switching(costs, ledgers, 0.10, 0.5)["a"]
        scores.append(result.score)
        lock_ins.append(result.lock_in_usd)
    assert scores == sorted(scores, reverse=True)
    assert lock_ins == sorted(lock_ins)
    assert scores[0] == 5.0 and scores[-1] < 3.0  # cheaper than the reference: 5


def test_lock_in_is_savings_forgone_against_the_reference() -> None:
    costs = jump_market(np.random.default_rng(23), 2_000, ["a", "b"])
    ledgers = {
        "a": synthetic_ledger("a", "a", 3 * SPEND, 0.5 * SPEND),
        "b": synthetic_ledger("b", "b", SPEND, SPEND),
    }
    result = simulate_switching(costs, ledgers, 0.10, 0.5)["a"]
    never = result.never_npv_usd.mean()
    own = never - result.npv_usd.mean()
    reference = never - result.reference_npv_usd.mean()
    assert 0 < own < reference
    assert result.lock_in_usd == pytest.approx(reference - own)
    assert result.lock_in_share == pytest.approx((reference - own) / never)
    assert result.lock_in_months == pytest.approx((reference - own) / SPEND)
    assert result.score == pytest.approx(float(score_lock_in(result.lock_in_share)))
    assert result.score_p10 <= result.score_p90
    assert result.p_switch == pytest.approx(float((result.switches > 0).mean()))
    assert result.switch_month_share.sum() == pytest.approx(result.expected_switches)
    assert result.tco_usd == pytest.approx(result.cost_usd.sum(axis=1))


def test_one_provider_alone_falls_back_to_months_of_spend() -> None:
    costs = jump_market(np.random.default_rng(24), 50, ["a", "b"])
    ledgers = {n: synthetic_ledger(n, "same", 2 * SPEND, SPEND) for n in costs}
    result = simulate_switching(costs, ledgers, 0.10, 0.5)["a"]
    assert result.basis == "switching months"
    assert result.p_switch == 0.0
    assert result.score == pytest.approx(float(score_switching_months(2.0)))


def test_gateway_tradeoff_against_its_fee(
    write_scenario: Writer, catalog: Catalog
) -> None:
    sc = scenario_of(
        write_scenario,
        catalog,
        lock_in='mitigations = ["gateway"]',
        switching="tools = 20",
    )
    names = [c.name for c in sc.candidates]
    ledgers = build_ledgers(sc, catalog, dict.fromkeys(names, SPEND))
    costs = jump_market(np.random.default_rng(25), 1_000, names)
    gateway = simulate_switching(costs, ledgers, 0.10, 0.5)["openai-terra"].gateway
    assert gateway.declared
    # Integration 1,000 -> 500 (compatible endpoint, then the gateway);
    # 20 tools x 4 h x 125 = 10,000 -> 5,000.
    assert gateway.switching_without_usd - gateway.switching_with_usd == pytest.approx(
        5_500
    )
    assert gateway.lock_in_saved_usd > 0
    never = npv(costs["openai-terra"], 0.10).mean()
    assert gateway.fee_npv_usd == pytest.approx(0.055 * never)
    assert gateway.net_usd == pytest.approx(
        gateway.lock_in_saved_usd - gateway.fee_npv_usd
    )


def test_results_serialise_for_the_summary(
    write_scenario: Writer, catalog: Catalog
) -> None:
    sc = scenario_of(write_scenario, catalog, lock_in="fine_tunes = 1")
    names = [c.name for c in sc.candidates]
    ledgers = build_ledgers(sc, catalog, dict.fromkeys(names, SPEND))
    results = simulate_switching(
        jump_market(np.random.default_rng(26), 100, names), ledgers, 0.10, 0.5
    )
    summary = results["openai-terra"].as_dict()
    assert json.loads(json.dumps(summary)) == summary
    assert [line["line"] for line in summary["ledger"]][:2] == [
        "integration",
        "prompt_retuning",
    ]
    assert summary["blockers"][0]["source"]
    assert len(summary["switch_month_share"]) == 36


def test_inputs_that_disagree_are_refused() -> None:
    costs = {"a": np.ones((3, 36)), "b": np.ones((3, 36))}
    with pytest.raises(ValueError, match="name different candidates"):
        simulate_switching(costs, {"a": synthetic_ledger("a", "a", 0.0)}, 0.1, 0.5)
    ledgers = {n: synthetic_ledger(n, n, 0.0, months=24) for n in costs}
    with pytest.raises(ValueError, match="does not cover 36 months"):
        simulate_switching(costs, ledgers, 0.1, 0.5)
    with pytest.raises(ValueError, match="differ in shape"):
        simulate_switching(
            {"a": np.ones((3, 36)), "b": np.ones((4, 36))},
            {n: synthetic_ledger(n, n, 0.0) for n in costs},
            0.1,
            0.5,
        )

"""Selection: gates, composite, rank probabilities and weight sensitivity.

Expected numbers are worked out by hand in the comments; pymcdm's SPOTIS
with fixed bounds [1, 5] cross-checks the weighted-sum ranking.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymcdm.methods import SPOTIS

from sim.catalog import Catalog, Fact
from sim.forecast.trajectory import score_trajectory
from sim.scoring import calc_cost_score, cost_score_of
from sim.selection import (
    FACTOR_NAMES,
    PRESETS,
    ROBUST,
    TIE,
    CandidateInput,
    Requirements,
    Score,
    Selection,
    TeamScores,
    assess_robustness,
    check_gates,
    fine_tuning_prior,
    fixed_score,
    latency_penalty,
    latency_score,
    path_score,
    range_score,
    select_candidates,
    verdict_of,
    weighted_mean,
)
from sim.selection.composite import _draw_weights
from sim.selection.computed import (
    cost_paths_score,
    lock_in_paths_score,
    trajectory_paths_score,
    worst_delay_seconds,
)
from sim.switching import simulate_switching
from tests.test_switching import SPEND, jump_market, synthetic_ledger

Table = dict[str, dict[str, Score]]


def fixed(rows: dict[str, dict[str, float]]) -> Table:
    """Candidate -> factor -> fixed score."""
    return {c: {f: fixed_score(v) for f, v in row.items()} for c, row in rows.items()}


def within_mc(p: float, expected: float, draws: int) -> bool:
    """True if ``p`` is within four standard errors of ``expected``."""
    return abs(p - expected) <= 4 * math.sqrt(expected * (1 - expected) / draws)


# --- all weight on cost -----------------------------------------------------------


def tco_paths(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """TCO per path (USD): means 0.8, 1.0 and 1.4 million, 10% noise."""
    means = {"cheap": 0.8e6, "mid": 1.0e6, "dear": 1.4e6}
    return {c: m * rng.lognormal(0.0, 0.1, size=400) for c, m in means.items()}


def cost_table(tco: dict[str, np.ndarray], anchor_usd: float = 1e6) -> Table:
    """Factor 3 from TCO paths, and team scores that favour the dearest."""
    out: Table = {}
    for c, paths in tco.items():
        favour = 5.0 if c == "dear" else 1.0
        out[c] = {
            "cost": path_score(
                float(cost_score_of(paths.mean(), anchor_usd)),
                cost_score_of(paths, anchor_usd),
            ),
            "task_quality": fixed_score(favour),
            "latency": range_score(favour, favour),
        }
    return out


def test_all_weight_on_cost_ranks_by_tco() -> None:
    tco = tco_paths(np.random.default_rng(3))
    weights = {"cost": 1.0, "task_quality": 0.0, "latency": 0.0}
    r = assess_robustness(weights, cost_table(tco), draws=20_000, seed=5)
    by_tco = sorted(tco, key=lambda c: tco[c].mean())
    by_composite = sorted(r.composite, key=lambda c: -r.composite[c])
    assert by_composite == by_tco == ["cheap", "mid", "dear"]
    # The composite is the cost score: 4 - log2(mean TCO / 1e6).
    for c, paths in tco.items():
        assert r.composite[c] == pytest.approx(4 - math.log2(paths.mean() / 1e6))
    # Each draw ranks by its path's TCO: P(first) is the share of paths
    # on which the candidate is cheapest, up to Monte Carlo error.
    cheapest = np.argmin(np.stack([tco[c] for c in by_tco]), axis=0)
    for i, c in enumerate(by_tco):
        assert within_mc(r.p_first[c], float((cheapest == i).mean()), r.draws)
    assert r.winner == "cheap"


def test_all_weight_on_cost_with_separate_paths_is_certain() -> None:
    # Costs that never overlap: every draw ranks cheap, mid, dear.
    table = fixed({"dear": {"cost": 2.0}, "cheap": {"cost": 4.5}, "mid": {"cost": 3}})
    r = assess_robustness({"cost": 1.0}, table, draws=1_000, seed=1)
    assert r.rank_shares == {
        "dear": (0.0, 0.0, 1.0),
        "cheap": (1.0, 0.0, 0.0),
        "mid": (0.0, 1.0, 0.0),
    }
    assert r.head_to_head["cheap"] == {"dear": 1.0, "cheap": 0.0, "mid": 1.0}
    assert (r.verdict, r.robust_winner, r.tie) == (ROBUST, "cheap", ())
    assert r.flips == ()  # one factor holds all the weight whatever happens


# --- equal scores -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["fixed", "range", "paths"])
def test_equal_scores_give_equal_chances(kind: str) -> None:
    paths = np.linspace(1.5, 4.5, 50)
    score = {
        "fixed": fixed_score(3.0),
        "range": range_score(2.0, 4.0),
        "paths": path_score(3.0, paths),
    }[kind]
    names = ["a", "b", "c", "d"]
    table = {c: dict.fromkeys(FACTOR_NAMES, score) for c in names}
    r = assess_robustness(PRESETS["balanced"].weights(), table, draws=20_000, seed=2)
    for c in names:
        assert within_mc(r.p_first[c], 0.25, r.draws)
        assert within_mc(r.p_top2[c], 0.5, r.draws)
        assert r.composite[c] == pytest.approx(3.0)
    assert r.verdict == TIE
    assert set(r.tie) == set(names)  # all within 0.15 of the leader


def test_p_first_sums_to_one_and_reports_its_error() -> None:
    table = {
        "a": {"cost": range_score(2, 4), "latency": fixed_score(3)},
        "b": {"cost": range_score(2.5, 3.5), "latency": range_score(1, 5)},
        "c": {"cost": fixed_score(3.2), "latency": range_score(2, 3)},
    }
    r = assess_robustness({"cost": 0.6, "latency": 0.4}, table, draws=4_000, seed=9)
    assert sum(r.p_first.values()) == pytest.approx(1.0, abs=1e-12)
    assert sum(r.p_top2.values()) == pytest.approx(2.0, abs=1e-12)
    for c, p in r.p_first.items():
        assert r.p_first_se[c] == pytest.approx(math.sqrt(p * (1 - p) / 4_000))
        assert r.p_first_se[c] <= r.se_bound == 0.5 / math.sqrt(4_000)
        assert sum(r.rank_shares[c]) == pytest.approx(1.0)
    # Head to head: P(a above b) + P(b above a) = 1 for every pair.
    for a in table:
        for b in table:
            if a != b:
                pair = r.head_to_head[a][b] + r.head_to_head[b][a]
                assert pair == pytest.approx(1.0)


def test_same_seed_same_result_and_streams_per_candidate() -> None:
    table = {
        "a": {"cost": range_score(2, 4)},
        "b": {"cost": range_score(2.5, 3.5)},
    }
    one = assess_robustness({"cost": 1.0}, table, draws=2_000, seed=4)
    two = assess_robustness({"cost": 1.0}, table, draws=2_000, seed=4)
    assert one.p_first == two.p_first


# --- rank reversal ------------------------------------------------------------------


FACTORS = ["cost", "latency", "task_quality", "lock_in"]
WEIGHTS = {"cost": 0.4, "latency": 0.3, "task_quality": 0.2, "lock_in": 0.1}


def uncertain_table() -> Table:
    """Three candidates with ranges and shared per-path scores.

    Composites at WEIGHTS: a 0.4x4 + 0.3x3.5 + 0.2x3.5 + 0.1x3 = 3.65,
    b 1.2 + 1.2 + 0.8 + 0.35 = 3.55, c 1.2 + 0.75 + 0.9 + 0.4 = 3.25.
    """
    rng = np.random.default_rng(11)
    shared = rng.normal(0.0, 0.3, size=300)  # a market move on each path
    return {
        "a": {
            "cost": path_score(4.0, np.clip(4.0 + shared, 1, 5)),
            "latency": range_score(3.0, 4.0),
            "task_quality": fixed_score(3.5),
            "lock_in": path_score(3.0, np.clip(3.0 - shared, 1, 5)),
        },
        "b": {
            "cost": path_score(3.0, np.clip(3.0 + 1.2 * shared, 1, 5)),
            "latency": range_score(3.0, 5.0),
            "task_quality": fixed_score(4.0),
            "lock_in": path_score(3.5, np.clip(3.5 - shared, 1, 5)),
        },
        "c": {
            "cost": path_score(3.0, np.clip(3.0 + shared, 1, 5)),
            "latency": range_score(2.0, 3.0),
            "task_quality": fixed_score(4.5),
            "lock_in": path_score(4.0, np.clip(4.0 - shared, 1, 5)),
        },
    }


def dominated_by(score: Score, drop: float) -> Score:
    """A score ``drop`` points below ``score`` everywhere, floored at 1."""
    if score.paths is not None:
        return path_score(score.value - drop, np.maximum(score.paths - drop, 1.0))
    return range_score(max(score.low - drop, 1.0), max(score.high - drop, 1.0))


def test_adding_a_dominated_candidate_changes_nothing_for_the_others() -> None:
    table = uncertain_table()
    before = assess_robustness(WEIGHTS, table, draws=5_000, seed=8)
    # Worse than the winner 'a' on every factor in every draw; a 'latency'
    # range [2, 3] lies wholly below a's [3, 4].
    worse = {f: dominated_by(s, 1.0) for f, s in table["a"].items()}
    after = assess_robustness(WEIGHTS, {**table, "z": worse}, draws=5_000, seed=8)
    assert before.composite == pytest.approx({"a": 3.65, "b": 3.55, "c": 3.25})
    assert after.winner == before.winner == "a"
    assert after.p_first["z"] == 0.0
    for c in table:
        assert after.p_first[c] == before.p_first[c]
        assert after.composite[c] == before.composite[c]
    assert after.leader == before.leader
    assert after.verdict == before.verdict


@pytest.mark.parametrize("removed", ["b", "c"])
def test_removing_a_non_winner_keeps_the_winner(removed: str) -> None:
    table = uncertain_table()
    before = assess_robustness(WEIGHTS, table, draws=5_000, seed=8)
    rest = {c: s for c, s in table.items() if c != removed}
    after = assess_robustness(WEIGHTS, rest, draws=5_000, seed=8)
    assert after.winner == before.winner == "a"
    # Draws are the same for the candidates that stay, so the winner can
    # only gain first places.
    assert after.p_first["a"] >= before.p_first["a"]
    assert after.leader == before.leader


score_values = st.floats(min_value=1.0, max_value=5.0)


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.lists(score_values, min_size=4, max_size=4), min_size=2, max_size=5
    ),
    weights=st.lists(st.floats(0.05, 1.0), min_size=4, max_size=4),
    copy=st.integers(0, 4),
    drop=st.floats(0.01, 1.0),
)
def test_winner_survives_dominated_additions_and_removals(
    rows: list[list[float]], weights: list[float], copy: int, drop: float
) -> None:
    names = [f"c{i}" for i in range(len(rows))]
    w = dict(zip(FACTORS, weights, strict=True))
    table = fixed(
        {
            n: dict(zip(FACTORS, r, strict=True))
            for n, r in zip(names, rows, strict=True)
        }
    )
    base = assess_robustness(w, table, draws=200, seed=1)

    source = table[names[copy % len(names)]]
    worse = {f: fixed_score(max(s.value - drop, 1.0)) for f, s in source.items()}
    if all(worse[f].value < s.value for f, s in source.items()):
        grown = assess_robustness(w, {**table, "z": worse}, draws=200, seed=1)
        assert grown.winner == base.winner

    loser = next(n for n in names if n != base.winner)
    shrunk = {n: s for n, s in table.items() if n != loser}
    assert assess_robustness(w, shrunk, draws=200, seed=1).winner == base.winner


# --- weighted mean, cross-checked ---------------------------------------------------


def test_weighted_mean_by_hand() -> None:
    # (0.5 x 4 + 0.3 x 3 + 0.2 x 2) / 1.0 = 3.3; weights need not sum to one.
    scores = {"cost": 4.0, "latency": 3.0, "task_quality": 2.0}
    assert weighted_mean({"cost": 5, "latency": 3, "task_quality": 2}, scores) == (
        pytest.approx(3.3)
    )
    with pytest.raises(ValueError, match="no score for weighted factor"):
        weighted_mean({"cost": 1.0, "lock_in": 1.0}, scores)


def test_ranking_matches_pymcdm_spotis_with_fixed_bounds() -> None:
    # SPOTIS with bounds [1, 5] and ideal 5 on every criterion measures
    # sum_j w_j (5 - x_j) / 4 = (5 - composite) / 4: the same ranking,
    # and an exact affine map of the weighted mean.
    rng = np.random.default_rng(21)
    matrix = rng.uniform(1, 5, size=(7, len(FACTOR_NAMES)))
    weights = PRESETS["consumer-chat"].weights()
    w = np.array([weights[f] for f in FACTOR_NAMES])
    names = [f"c{i}" for i in range(7)]
    table = fixed(
        {
            n: dict(zip(FACTOR_NAMES, row, strict=True))
            for n, row in zip(names, matrix, strict=True)
        }
    )
    r = assess_robustness(weights, table, draws=100, seed=0)
    spotis = SPOTIS(np.array([[1.0, 5.0]] * len(FACTOR_NAMES)))
    preference = spotis(matrix, w, np.ones(len(FACTOR_NAMES)))
    composite = np.array([r.composite[n] for n in names])
    np.testing.assert_allclose(preference, (5 - composite) / 4, rtol=1e-12)
    assert list(np.argsort(preference)) == list(np.argsort(-composite))


# --- weight sensitivity -------------------------------------------------------------


def flip_table() -> Table:
    return fixed(
        {
            "A": {"cost": 4, "latency": 3, "task_quality": 3, "ecosystem": 1},
            "B": {"cost": 3, "latency": 4, "task_quality": 3.5, "ecosystem": 5},
        }
    )


def test_smallest_weight_change_solved_exactly() -> None:
    w = {"cost": 0.5, "latency": 0.3, "task_quality": 0.2, "ecosystem": 0.0}
    r = assess_robustness(w, flip_table(), draws=500, seed=0)
    # A: 0.5x4 + 0.3x3 + 0.2x3 = 3.5; B: 0.5x3 + 0.3x4 + 0.2x3.5 = 3.4.
    assert r.composite == pytest.approx({"A": 3.5, "B": 3.4})
    flips = {f.factor: f for f in r.flips}
    # ecosystem (weight 0): A's composite at weight t is 3.5(1 - t) + t,
    # B's 3.4(1 - t) + 5t; equal at t = 0.1 / 4.1 = 1/41.
    assert flips["ecosystem"].flip_weight == pytest.approx(1 / 41)
    assert flips["ecosystem"].relative_change is None
    # cost: the rest of A is (0.3x3 + 0.2x3)/0.5 = 3.0, of B 3.8, so at
    # weight t A has 4t + 3(1 - t) = 3 + t and B 3t + 3.8(1 - t) = 3.8 - 0.8t:
    # equal at t = 0.8 / 1.8 = 4/9.
    assert flips["cost"].flip_weight == pytest.approx(4 / 9)
    assert flips["cost"].change == pytest.approx(4 / 9 - 0.5)
    assert flips["cost"].relative_change == pytest.approx((4 / 9 - 0.5) / 0.5)
    # latency: rests 2.6/0.7 and 2.2/0.7; equal at t = 4/11.
    assert flips["latency"].flip_weight == pytest.approx(4 / 11)
    # task_quality: rests 3.625 and 3.375; equal at t = 1/3.
    assert flips["task_quality"].flip_weight == pytest.approx(1 / 3)
    assert all(f.by == "B" for f in r.flips)
    assert r.smallest_flip is not None
    assert r.smallest_flip.factor == "ecosystem"
    assert [f.factor for f in r.flips] == [
        "ecosystem",
        "cost",
        "latency",
        "task_quality",
    ]


def test_flip_weight_really_flips() -> None:
    w = {"cost": 0.5, "latency": 0.3, "task_quality": 0.2}
    table = {
        c: {f: s for f, s in row.items() if f in w} for c, row in flip_table().items()
    }
    r = assess_robustness(w, table, draws=200, seed=0)
    for flip in r.flips:
        for step, winner in ((-1e-6, "A"), (1e-6, "B")):
            t = flip.flip_weight + step * np.sign(flip.change)
            scale = (1 - t) / (1 - flip.weight)
            moved = {f: (t if f == flip.factor else v * scale) for f, v in w.items()}
            again = assess_robustness(moved, table, draws=200, seed=0)
            assert again.winner == winner


# --- verdict ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p_first", "verdict", "tie"),
    [
        ([0.6, 0.3, 0.1], ROBUST, ()),
        ([0.5, 0.35, 0.15], ROBUST, ()),  # both thresholds met exactly
        ([0.55, 0.45, 0.0], TIE, ("a", "b")),  # lead 0.10 < 0.15
        ([0.45, 0.25, 0.2, 0.1], TIE, ("a", "b", "c")),  # P(first) < 0.5
        ([0.49, 0.17, 0.17, 0.17], TIE, ("a", "b")),  # the runner-up joins
        ([0.1, 0.3, 0.6], ROBUST, ()),
    ],
)
def test_verdict_rule(p_first: list[float], verdict: str, tie: tuple[str, ...]) -> None:
    names = ["a", "b", "c", "d"][: len(p_first)]
    leader, found, tied = verdict_of(names, p_first)
    assert (found, tied) == (verdict, tie)
    assert leader == names[int(np.argmax(p_first))]


def test_one_candidate_is_a_robust_winner() -> None:
    r = assess_robustness({"cost": 1.0}, fixed({"only": {"cost": 2.0}}), draws=100)
    assert (r.p_first, r.verdict, r.robust_winner) == ({"only": 1.0}, ROBUST, "only")


def test_central_weights_lean_towards_what_a_candidate_is_good_at() -> None:
    table = fixed({"a": {"cost": 5, "latency": 1}, "b": {"cost": 1, "latency": 5}})
    r = assess_robustness({"cost": 0.5, "latency": 0.5}, table, draws=4_000, seed=3)
    assert r.central_weights["a"]["cost"] > 0.5 > r.central_weights["b"]["cost"]
    assert within_mc(r.p_first["a"], 0.5, r.draws)


@pytest.mark.parametrize(
    ("weights", "table", "message"),
    [
        ({"cost": 1.0}, {}, "expected at least one candidate"),
        ({"cost": 0.0}, fixed({"a": {"cost": 3}}), "expected weights >= 0"),
        (
            {"cost": 1.0, "latency": 1.0},
            fixed({"a": {"cost": 3}}),
            "a: no score for latency",
        ),
        (
            {"cost": 1.0},
            {
                "a": {"cost": path_score(3, np.ones(5))},
                "b": {"cost": path_score(3, np.ones(6))},
            },
            r"per-path scores have different lengths \[5, 6\]",
        ),
    ],
)
def test_bad_inputs_are_refused(
    weights: dict[str, float], table: Table, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        assess_robustness(weights, table, draws=10)


def test_score_constructors() -> None:
    assert range_score(2, 4) == Score(3.0, 2.0, 4.0, None, "")
    with pytest.raises(
        ValueError, match=r"expected 1 <= low <= high <= 5, got \[4, 3\]"
    ):
        range_score(4, 3)
    s = path_score(3.0, np.arange(1.0, 6.0))
    assert (s.low, s.high) == pytest.approx((1.4, 4.6))


# --- presets ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_spend_100_points_on_known_factors(name: str) -> None:
    preset = PRESETS[name]
    assert set(preset.points) <= set(FACTOR_NAMES)
    assert sum(preset.points.values()) == (12 if name == "balanced" else 100)
    assert sum(preset.weights().values()) == pytest.approx(1.0)
    assert preset.rationale


def test_presets_weight_what_their_workload_needs() -> None:
    def top(name: str, n: int) -> set[str]:
        w = PRESETS[name].weights()
        return set(sorted(w, key=lambda f: -w[f])[:n])

    assert top("healthcare-voice", 2) == {"compliance", "latency"}
    assert top("consumer-chat", 2) == {"latency", "cost"}
    assert top("back-office-batch", 1) == {"cost"}


# --- gates --------------------------------------------------------------------------


def fact(name: str, value: str, source: str = "", when: str = "") -> Fact:
    return Fact(name, value, source, source_date_text=when)


FACTS = {
    "soc2_type2": fact("soc2_type2", "yes", "https://trust.example/soc2", "2026-07-05"),
    "hipaa_baa": fact(
        "hipaa_baa", "unknown", "https://registry.example/x", "2026-07-05"
    ),
    "eu_data_residency": fact(
        "eu_data_residency", "no (hosted API)", "https://docs.example/r"
    ),
    "zdr_available": fact(
        "zdr_available", "yes (sales-gated)", "https://docs.example/z"
    ),
    "iso_27001": fact("iso_27001", "unknown"),
    "fine_tuning": fact("fine_tuning", "partial", "https://docs.example/ft", "2025-12"),
}


def test_gate_reasons_name_the_value_the_rule_and_the_source() -> None:
    requires = Requirements(
        (
            "soc2_type2",
            "hipaa_baa",
            "eu_data_residency",
            "zdr_available",
            "iso_27001",
            "fine_tuning",
            "gdpr_dpa",
        ),
        200_000,
    )
    result = check_gates("x", "acme", requires, FACTS, 128_000, "acme/m1")
    assert not result.passed
    assert [c.key for c in result.failed] == [
        "hipaa_baa",
        "eu_data_residency",
        "iso_27001",
        "fine_tuning",
        "gdpr_dpa",
        "min_context_tokens",
    ]
    assert result.reasons == (
        "HIPAA BAA required, but acme's sheet says 'unknown': the sources "
        "reached did not settle it; an unknown fact fails a required gate "
        "until the provider supplies the document that settles it (source: "
        "https://registry.example/x, 2026-07-05)",
        "EU data residency required, but acme's sheet says 'no (hosted API)': "
        "not offered (source: https://docs.example/r)",
        "ISO/IEC 27001 required, but acme's sheet says 'unknown': the sources "
        "reached did not settle it; an unknown fact fails a required gate "
        "until the provider supplies the document that settles it (no source "
        "in the sheet)",
        "fine-tuning required, but acme's sheet says 'partial': partial counts "
        "as a fail until the provider supplies the document that settles it "
        "(source: https://docs.example/ft, 2025-12)",
        "GDPR DPA required, but acme's price sheet has no 'gdpr_dpa' fact; an "
        "unknown fact fails a required gate until the provider supplies the "
        "document that settles it",
        "context window of 128,000 tokens is below the 200,000 required (price "
        "sheet, model acme/m1)",
    )
    passed = {c.key: c for c in result.checks if c.passed}
    assert passed["soc2_type2"].reason == (
        "SOC 2 Type II: acme's sheet says 'yes' (source: "
        "https://trust.example/soc2, 2026-07-05)"
    )
    assert passed["zdr_available"].value == "yes (sales-gated)"
    assert passed["soc2_type2"].source_date == "2026-07-05"


def test_context_window_the_sheet_does_not_give_fails() -> None:
    result = check_gates("x", "acme", Requirements((), 8_000), {}, None, "acme/m1")
    assert result.reasons == (
        "a context window of 8,000 tokens required, but the price sheet gives "
        "none for acme/m1; an unknown fact fails a required gate until the "
        "provider supplies the document that settles it",
    )
    ok = check_gates("x", "acme", Requirements((), 8_000), {}, 8_000, "acme/m1")
    assert ok.passed


def test_no_requirements_pass_everyone() -> None:
    result = check_gates("x", "acme", Requirements(), {}, None)
    assert result.passed and result.checks == ()
    assert not Requirements()


def test_bundled_sheets_fail_unknown_attestations_with_their_source(
    catalog: Catalog,
) -> None:
    # providers.md: DeepSeek's HIPAA BAA is 'unknown'; OpenAI's is 'yes'.
    requires = Requirements(("hipaa_baa",))
    for provider, passes in (("deepseek", False), ("openai", True)):
        facts = catalog.sheet(provider).facts
        check = check_gates("c", provider, requires, facts, None).checks[0]
        assert check.passed is passes
        assert check.source == facts["hipaa_baa"].source != ""
    deepseek = check_gates(
        "c", "deepseek", requires, catalog.sheet("deepseek").facts, None
    )
    assert "'unknown'" in deepseek.reasons[0]
    assert "an unknown fact fails a required gate" in deepseek.reasons[0]


# --- the selection step -------------------------------------------------------------


def candidate(
    name: str,
    provider: str,
    facts: dict[str, Fact],
    cost: float,
    team: dict[str, tuple[float, float]] | None = None,
) -> CandidateInput:
    paths = np.full(50, cost)
    return CandidateInput(
        name=name,
        provider=provider,
        model=f"{provider}/m",
        facts=facts,
        context_window_tokens=200_000,
        team=TeamScores(tuple((f, lo, hi) for f, (lo, hi) in (team or {}).items())),
        computed={
            "cost": path_score(cost, paths),
            "pricing_trajectory": path_score(3.0, np.full(50, 3.0)),
            "lock_in": path_score(3.0, np.full(50, 3.0)),
        },
    )


def test_a_candidate_without_the_attestation_is_excluded_whatever_its_scores() -> None:
    best = {f: (5.0, 5.0) for f in ("task_quality", "latency", "compliance")}
    cands = [
        candidate(
            "star", "acme", {"hipaa_baa": fact("hipaa_baa", "unknown")}, 5.0, best
        ),
        candidate("plain", "corp", {"hipaa_baa": fact("hipaa_baa", "yes")}, 2.0),
    ]
    selection = Selection(
        weights={"cost": 0.5, "task_quality": 0.3, "latency": 0.2},
        requires=Requirements(("hipaa_baa",)),
        draws=1_000,
    )
    result = select_candidates(selection, cands, seed=1)
    assert result.excluded == ("star",)
    assert "star" not in result.scores
    assert result.robustness is not None
    assert result.robustness.candidates == ("plain",)
    assert result.robustness.robust_winner == "plain"
    assert (
        result.gates["star"]
        .reasons[0]
        .startswith("HIPAA BAA required, but acme's sheet says 'unknown'")
    )
    assert result.notes == (
        "plain: no team score for task_quality, latency, which carry weight; "
        "each is drawn uniformly over 1-5",
    )


def test_no_candidate_passing_leaves_nothing_to_rank() -> None:
    cands = [candidate("a", "acme", {}, 3.0)]
    selection = Selection(weights={"cost": 1.0}, requires=Requirements(("soc3",)))
    result = select_candidates(selection, cands, seed=1)
    assert result.robustness is None
    assert result.notes == ("no candidate passes the gates: nothing to rank",)


def test_team_scores_and_sheet_priors_fill_the_twelve_factors() -> None:
    facts = {"fine_tuning": fact("fine_tuning", "yes (closing)", "https://d.example")}
    cand = candidate("a", "acme", facts, 3.0, {"task_quality": (3.0, 4.0)})
    selection = Selection(weights={"cost": 1.0}, draws=100)
    scores = select_candidates(selection, [cand], seed=1).scores["a"]
    assert list(scores) == list(FACTOR_NAMES)
    assert (scores["task_quality"].low, scores["task_quality"].high) == (3.0, 4.0)
    assert (scores["fine_tuning"].low, scores["fine_tuning"].high) == (1.0, 2.0)
    assert scores["fine_tuning"].source == (
        "acme's sheet: fine_tuning 'yes (closing)' (https://d.example)"
    )
    assert (scores["ecosystem"].low, scores["ecosystem"].high) == (1.0, 5.0)


def test_missing_computed_score_of_positive_weight_is_a_bug() -> None:
    cand = candidate("a", "acme", {}, 3.0)
    cand = replace(cand, computed={})
    with pytest.raises(ValueError, match="a: no computed score for cost"):
        select_candidates(Selection(weights={"cost": 1.0}), [cand], seed=1)


# --- signals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "low", "high"),
    [
        ("no", 1.0, 1.0),
        ("n/a", 1.0, 1.0),
        ("yes (closing)", 1.0, 2.0),
        ("yes (LoRA, on request)", 3.0, 5.0),
        ("yes", 3.0, 5.0),
        ("partial", 1.0, 5.0),
        ("unknown", 1.0, 5.0),
    ],
)
def test_fine_tuning_prior(value: str, low: float, high: float) -> None:
    score = fine_tuning_prior(fact("fine_tuning", value), "acme")
    assert (score.low, score.high) == (low, high)


def test_no_fine_tuning_fact_gives_the_widest_range() -> None:
    score = fine_tuning_prior(None, "acme")
    assert (score.low, score.high, score.source) == (
        1.0,
        5.0,
        "no fine_tuning fact in acme's sheet",
    )


def test_latency_penalty_by_hand() -> None:
    # Worst month p95 of 1 s costs log2(2) = 1 point, 3 s log2(4) = 2.
    delay = np.array([[0.0, 1.0, 0.5], [3.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(latency_penalty(delay), [1.0, 2.0, 0.0])
    np.testing.assert_allclose(latency_penalty(delay, 2.0), np.log2([1.5, 2.5, 1.0]))


def test_latency_score_takes_the_delay_off_each_path() -> None:
    delay = np.array([[1.0], [3.0], [0.0]])
    score = latency_score((4.0, 4.0), delay)
    assert score.paths is not None
    np.testing.assert_allclose(score.paths, [3.0, 2.0, 4.0])
    assert score.value == pytest.approx(3.0)  # 4 - mean penalty of 1
    assert latency_score((2.0, 3.0), np.zeros((3, 2))).paths is None


# --- computed factors per path -----------------------------------------------------


def test_cost_paths_match_the_cost_score_and_its_percentiles() -> None:
    tco = np.random.default_rng(5).lognormal(np.log(2e6), 0.2, size=500)
    cost = calc_cost_score(tco, 1e6)
    score = cost_paths_score(cost, tco)
    assert score.value == cost.score
    assert (score.low, score.high) == pytest.approx((cost.score_p10, cost.score_p90))
    # 2 million against a 1 million anchor: 4 - log2(2) = 3 on the median path.
    assert score.paths is not None
    assert float(np.median(score.paths)) == pytest.approx(3.0, abs=0.02)


def test_trajectory_paths_match_factor_11_percentiles() -> None:
    rng = np.random.default_rng(6)
    steps = rng.normal(-0.02, 0.05, size=(300, 30))
    price = np.exp(np.cumsum(steps, axis=1))
    trajectory = score_trajectory(price, -0.3, 5, "track")
    score = trajectory_paths_score(trajectory, price)
    assert score.value == trajectory.score
    assert (score.low, score.high) == pytest.approx(
        (trajectory.score_p10, trajectory.score_p90)
    )


def test_lock_in_paths_match_factor_12_percentiles() -> None:
    costs = jump_market(np.random.default_rng(23), 500, ["a", "b"])
    ledgers = {
        "a": synthetic_ledger("a", "a", 3 * SPEND, 0.5 * SPEND),
        "b": synthetic_ledger("b", "b", SPEND, SPEND),
    }
    result = simulate_switching(costs, ledgers, 0.10, 0.5)["a"]
    score = lock_in_paths_score(result)
    assert score.value == result.score
    assert (score.low, score.high) == pytest.approx(
        (result.score_p10, result.score_p90)
    )
    alone = {n: synthetic_ledger(n, "same", 2 * SPEND, SPEND) for n in costs}
    fallback = simulate_switching(costs, alone, 0.10, 0.5)["a"]
    assert lock_in_paths_score(fallback).paths is None


def test_worst_delay_over_workloads() -> None:
    chat = {"delay_p95_seconds": np.array([[0.5, 2.0]]), "hit_ratio": np.ones((1, 2))}
    batch = {"delay_p95_seconds": np.array([[1.0, 0.0]])}
    np.testing.assert_array_equal(worst_delay_seconds([chat, batch]), [[1.0, 2.0]])
    assert worst_delay_seconds([{"hit_ratio": np.ones((1, 2))}]) is None


def test_weight_draws_have_the_documented_spread() -> None:
    # Dirichlet(kappa w): relative sd sqrt((1 - w) / (w (kappa + 1))), so
    # about 0.30 for w = 1/12 at kappa = 120, and zero weights stay zero.
    w = np.array([1 / 12] * 12 + [0.0])
    draws = _draw_weights(w, 20_000, 120.0, seed=3)
    assert np.all(draws[:, -1] == 0.0)
    np.testing.assert_allclose(draws.sum(axis=1), 1.0)
    np.testing.assert_allclose(draws[:, :12].mean(axis=0), 1 / 12, rtol=0.02)
    relative_sd = draws[:, :12].std(axis=0) * 12
    expected = math.sqrt((11 / 12) / ((1 / 12) * 121))
    np.testing.assert_allclose(relative_sd, expected, rtol=0.05)
    assert expected == pytest.approx(0.3015, abs=1e-4)

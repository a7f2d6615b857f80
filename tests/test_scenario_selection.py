"""Scenario keys of the selection: reading, defaults and every error line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sim.catalog import Catalog
from sim.scenario import load_scenario
from sim.scenario_schema import scenario_json_schema
from sim.selection import FACTOR_NAMES, Requirements, Selection, TeamScores
from tests.conftest import FLAT_SCENARIO
from tests.test_scenario import edit, problems_of

Writer = Callable[..., Path]
SCENARIO = 'prices = "frozen"'
CANDIDATE = "[candidate.price]"


def with_selection(body: str, scores: str = "") -> str:
    """The flat scenario with a [scenario.selection] table and team scores."""
    text = edit(SCENARIO, f"{SCENARIO}\n\n[scenario.selection]\n{body}\n")
    if scores:
        text = edit(CANDIDATE, f"[candidate.scores]\n{scores}\n\n{CANDIDATE}", text)
    return text


def test_no_selection_table_means_no_selection(
    write_scenario: Writer, catalog: Catalog
) -> None:
    sc = load_scenario(write_scenario(FLAT_SCENARIO), catalog)
    assert sc.selection is None
    assert sc.candidates[0].scores == TeamScores()


def test_weights_override_the_preset_then_are_normalised(
    write_scenario: Writer, catalog: Catalog
) -> None:
    text = with_selection('preset = "consumer-chat"\nweights = { cost = 0.5 }')
    sel = load_scenario(write_scenario(text), catalog).selection
    assert sel is not None
    # consumer-chat: cost 0.22 becomes 0.5, so the total is 1.28.
    assert sel.weights["cost"] == pytest.approx(0.5 / 1.28)
    assert sel.weights["latency"] == pytest.approx(0.22 / 1.28)
    assert sum(sel.weights.values()) == pytest.approx(1.0)
    assert sel.preset == "consumer-chat"


def test_weights_alone_leave_other_factors_at_zero(
    write_scenario: Writer, catalog: Catalog
) -> None:
    text = with_selection("weights = { cost = 3, latency = 1 }")
    sel = load_scenario(write_scenario(text), catalog).selection
    assert sel == Selection(
        weights={f: {"cost": 0.75, "latency": 0.25}.get(f, 0.0) for f in FACTOR_NAMES}
    )
    assert list(sel.weights) == list(FACTOR_NAMES)


def test_requirements_settings_and_scores_are_read(
    write_scenario: Writer, catalog: Catalog
) -> None:
    text = with_selection(
        'preset = "balanced"\n'
        "requires = { zdr_available = true, soc2_type2 = true, hipaa_baa = false, "
        "min_context_tokens = 2e5 }\n"
        "draws = 2_000\nweight_concentration = 60\nlatency_budget_seconds = 0.5",
        "task_quality = 4\nlatency = [3, 4.5]",
    )
    sc = load_scenario(write_scenario(text), catalog)
    assert sc.selection is not None
    assert sc.selection.requires == Requirements(
        ("soc2_type2", "zdr_available"), 200_000
    )
    assert isinstance(sc.selection.requires.min_context_tokens, int)
    assert (sc.selection.draws, sc.selection.weight_concentration) == (2_000, 60.0)
    assert sc.selection.latency_budget_seconds == 0.5
    scores = sc.candidates[0].scores
    assert scores.as_dict() == {"task_quality": (4.0, 4.0), "latency": (3.0, 4.5)}
    assert scores.get("ecosystem") is None


def test_schema_defaults_are_the_dataclass_defaults() -> None:
    props = scenario_json_schema()["properties"]["scenario"]["properties"]
    table = props["selection"]["properties"]
    default = Selection()
    for key in ("draws", "weight_concentration", "latency_budget_seconds"):
        assert table[key]["default"] == getattr(default, key)
    assert set(table["weights"]["properties"]) == set(FACTOR_NAMES)
    assert all(spec["description"] for spec in table["requires"]["properties"].values())


FACTOR_LIST = (
    "compliance, cost, ecosystem, fine_tuning, function_calling, latency, "
    "lock_in, long_context, pricing_trajectory, provider_stability, "
    "reliability, task_quality"
)
SCORE_RULE = (
    "expected a number >= 1 and <= 5 or a list of 2 entries, each a number "
    ">= 1 and <= 5"
)
ERRORS = [
    (
        "weights = { cots = 0.5 }",
        "",
        [
            "scenario.selection.weights.cots: unknown key; expected one of "
            f"{FACTOR_LIST}; did you mean 'cost'?"
        ],
    ),
    (
        "weights = { cost = 1, latency = -0.1 }",
        "",
        ["scenario.selection.weights.latency: -0.1 is out of range; expected >= 0"],
    ),
    (
        "weights = { cost = 0 }",
        "",
        ["scenario.selection.weights: every weight is 0; expected one above 0"],
    ),
    (
        'preset = "back-office-batch"\nweights = { cost = 0, task_quality = 0, '
        "pricing_trajectory = 0, reliability = 0, lock_in = 0, long_context = 0, "
        "compliance = 0, provider_stability = 0, function_calling = 0, "
        "fine_tuning = 0, ecosystem = 0, latency = 0 }",
        "",
        [
            "scenario.selection.weights: every weight is 0 after overriding "
            "preset 'back-office-batch'; expected one above 0"
        ],
    ),
    ("draws = 5_000", "", ["scenario.selection: expected preset, weights or both"]),
    (
        'preset = "consumer-chta"',
        "",
        [
            "scenario.selection.preset: 'consumer-chta' is not allowed; expected "
            "one of balanced, healthcare-voice, consumer-chat, back-office-batch, "
            "coding-agent, document-rag; did you mean 'consumer-chat'?"
        ],
    ),
    (
        'preset = "balanced"\nrequires = { hipa_baa = true }',
        "",
        [
            "scenario.selection.requires.hipa_baa: unknown key; expected one of "
            "c5, csa_star, eu_data_residency, fedramp, fine_tuning, gdpr_dpa, "
            "hipaa_baa, iso_27001, iso_27701, iso_42001, min_context_tokens, "
            "pci_dss, soc2_type2, soc3, zdr_available; did you mean 'hipaa_baa'?"
        ],
    ),
    (
        'preset = "balanced"\nrequires = { min_context_tokens = "200k" }',
        "",
        [
            "scenario.selection.requires.min_context_tokens: expected a whole "
            "number >= 1, found '200k'"
        ],
    ),
    (
        'preset = "balanced"\ndraws = 10',
        "",
        ["scenario.selection.draws: 10 is out of range; expected >= 100"],
    ),
    (
        'preset = "balanced"\nweight_concentration = 0',
        "",
        ["scenario.selection.weight_concentration: 0 is out of range; expected > 0"],
    ),
    (
        'preset = "balanced"',
        "task_quality = 6",
        [f"candidate[0].scores.task_quality: 6 is not valid; {SCORE_RULE}"],
    ),
    (
        'preset = "balanced"',
        "latency = [4, 3]",
        [
            "candidate[0].scores.latency: [4, 3] has low above high; expected "
            "[low, high] with low <= high"
        ],
    ),
    (
        'preset = "balanced"',
        "ecosystem = [1, 2, 3]",
        [f"candidate[0].scores.ecosystem: a list of 3 is not valid; {SCORE_RULE}"],
    ),
    (
        'preset = "balanced"',
        "cost = 4",
        [
            "candidate[0].scores.cost: unknown key; expected one of compliance, "
            "ecosystem, fine_tuning, function_calling, latency, long_context, "
            "provider_stability, reliability, task_quality"
        ],
    ),
]


@pytest.mark.parametrize(("body", "scores", "expected"), ERRORS)
def test_every_problem_is_one_line(
    write_scenario: Writer,
    catalog: Catalog,
    body: str,
    scores: str,
    expected: list[str],
) -> None:
    path = write_scenario(with_selection(body, scores))
    assert problems_of(path, catalog) == expected


def test_scores_without_a_selection_table_are_refused(
    write_scenario: Writer, catalog: Catalog
) -> None:
    text = edit(CANDIDATE, f"[candidate.scores]\nlatency = 3\n\n{CANDIDATE}")
    assert problems_of(write_scenario(text), catalog) == [
        "candidate[0].scores: only used with [scenario.selection]; add it or remove it"
    ]

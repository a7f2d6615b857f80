"""Scenario keys of factor 12 (lock-in): defaults, reading, every error line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import pytest

from sim.catalog import Catalog
from sim.scenario import load_scenario
from sim.scenario_schema import scenario_json_schema
from sim.switching import LockIn, Switching
from tests.conftest import FLAT_SCENARIO
from tests.test_scenario import edit, problems_of

Writer = Callable[..., Path]
SCENARIO = 'prices = "frozen"'
CANDIDATE = "[candidate.price]"


def with_switching(body: str, text: str = FLAT_SCENARIO) -> str:
    """The flat scenario with ``body`` as its [scenario.switching] table."""
    return edit(SCENARIO, f"{SCENARIO}\nswitching = {{ {body} }}", text)


def with_lock_in(body: str, text: str = FLAT_SCENARIO) -> str:
    """The flat scenario with ``body`` as its candidate's lock_in table."""
    return edit(CANDIDATE, f"[candidate.lock_in]\n{body}\n\n{CANDIDATE}", text)


def test_defaults_when_the_tables_are_absent(
    write_scenario: Writer, catalog: Catalog
) -> None:
    sc = load_scenario(write_scenario(FLAT_SCENARIO), catalog)
    assert sc.switching == Switching()
    assert sc.candidates[0].lock_in == LockIn()
    assert sc.switching.hysteresis == 0.5
    assert sc.switching.lead_time_months == 2
    assert sc.switching.reference_mitigations == ("gateway", "portable_evals")


def test_keys_are_read_lists_as_tuples_numbers_as_floats(
    write_scenario: Writer, catalog: Catalog
) -> None:
    text = with_switching("hysteresis = 1, engineer_day_usd = 800, tools = 3")
    text = with_lock_in(
        'mitigations = ["gateway", "client_side_state"]\n'
        'provider_state = ["files"]\nfine_tunes = 2\ntraining_tokens = 5_000_000',
        text,
    )
    sc = load_scenario(write_scenario(text), catalog)
    assert sc.switching == Switching(hysteresis=1.0, engineer_day_usd=800.0, tools=3)
    lock = sc.candidates[0].lock_in
    assert lock.mitigations == ("gateway", "client_side_state")
    assert lock.provider_state == ("files",)
    assert (lock.fine_tunes, lock.training_tokens) == (2, 5e6)
    assert isinstance(sc.switching.hysteresis, float)


@pytest.mark.parametrize(
    ("table", "cls"),
    [("switching", Switching), ("lock_in", LockIn)],
)
def test_schema_defaults_are_the_dataclass_defaults(table: str, cls: type) -> None:
    schema = scenario_json_schema()
    if table == "switching":
        props = schema["properties"]["scenario"]["properties"]["switching"]
    else:
        props = schema["properties"]["candidate"]["items"]["properties"]["lock_in"]
    defaults = {name: spec["default"] for name, spec in props["properties"].items()}
    expected = {
        f.name: list(f.default) if isinstance(f.default, tuple) else f.default
        for f in fields(cls)
    }
    assert defaults == expected
    assert all(spec["description"] for spec in props["properties"].values())


MALFORMED = [
    (
        "misspelt switching key",
        with_switching("hysterisis = 0.5"),
        "scenario.switching.hysterisis: unknown key; expected one of "
        "dual_run_months, dual_run_share, egress_usd_per_gb, "
        "embedding_usd_per_mtok, engineer_day_usd, eu_data_act, eval_tokens, "
        "gateway_fee_share, gateway_usd_per_month, hours_per_prompt, "
        "hours_per_tool, hysteresis, integration_days, lead_time_months, "
        "process_days, prompts, reference_mitigations, reindex_days, "
        "review_hour_usd, review_hours, tools, training_usd_per_mtok; "
        "did you mean 'hysteresis'?",
    ),
    (
        "negative hysteresis",
        with_switching("hysteresis = -0.5"),
        "scenario.switching.hysteresis: -0.5 is out of range; expected >= 0",
    ),
    (
        "dual-run share above 1",
        with_switching("dual_run_share = 1.5"),
        "scenario.switching.dual_run_share: 1.5 is out of range; expected <= 1",
    ),
    (
        "fractional lead time",
        with_switching("lead_time_months = 1.5"),
        "scenario.switching.lead_time_months: expected a whole number >= 0, found 1.5",
    ),
    (
        "data act not a boolean",
        with_switching('eu_data_act = "yes"'),
        "scenario.switching.eu_data_act: expected true or false, found 'yes'",
    ),
    (
        "reference mitigation listed twice",
        with_switching('reference_mitigations = ["gateway", "gateway"]'),
        "scenario.switching.reference_mitigations[1]: 'gateway' is listed "
        "twice; expected it once",
    ),
    (
        "misspelt mitigation",
        with_lock_in('mitigations = ["gatway"]'),
        "candidate[0].lock_in.mitigations[0]: 'gatway' is not allowed; "
        "expected one of gateway, portable_evals, client_side_state, "
        "open_weight_fallback; did you mean 'gateway'?",
    ),
    (
        "unknown kind of state",
        with_lock_in('provider_state = ["threads"]'),
        "candidate[0].lock_in.provider_state[0]: 'threads' is not allowed; "
        "expected one of conversations, files, vector_stores, "
        "stored_responses, agents",
    ),
    (
        "mitigation listed twice",
        with_lock_in('mitigations = ["gateway", "portable_evals", "gateway"]'),
        "candidate[0].lock_in.mitigations[2]: 'gateway' is listed twice; "
        "expected it once",
    ),
    (
        "fractional fine-tunes",
        with_lock_in("fine_tunes = 1.5"),
        "candidate[0].lock_in.fine_tunes: expected a whole number >= 0, found 1.5",
    ),
    (
        "training tokens without fine-tunes",
        with_lock_in("training_tokens = 1_000_000"),
        "candidate[0].lock_in.training_tokens: only used when fine_tunes > 0; "
        "remove it",
    ),
    (
        "state export without state",
        with_lock_in("state_exportable = false"),
        "candidate[0].lock_in.state_exportable: only used when provider_state "
        "lists some state; remove it",
    ),
    (
        "commitment months without a commitment",
        with_lock_in("commitment_months = 6"),
        "candidate[0].lock_in.commitment_months: only used when "
        "commitment_usd > 0; remove it",
    ),
    (
        "zero commitment months",
        with_lock_in("commitment_usd = 10_000\ncommitment_months = 0"),
        "candidate[0].lock_in.commitment_months: 0 is out of range; expected >= 1",
    ),
    (
        "negative egress",
        with_lock_in("egress_gb = -1"),
        "candidate[0].lock_in.egress_gb: -1 is out of range; expected >= 0",
    ),
    (
        "lock_in not a table",
        edit(CANDIDATE, f"lock_in = 3\n{CANDIDATE}"),
        "candidate[0].lock_in: expected a table, found 3",
    ),
    (
        "unknown lock_in key",
        with_lock_in("gateway = true"),
        "candidate[0].lock_in.gateway: unknown key; expected one of "
        "commitment_months, commitment_usd, corpus_tokens, data_days, "
        "days_per_feature, egress_gb, fine_tunes, mitigations, "
        "proprietary_features, provider_state, state_days, state_exportable, "
        "termination_usd, training_tokens",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_malformed_lock_in_keys_give_one_clear_line(
    text: str, expected: str, write_scenario: Writer, catalog: Catalog
) -> None:
    assert problems_of(write_scenario(text), catalog) == [expected]


def test_every_problem_of_the_file_is_reported_together(
    write_scenario: Writer, catalog: Catalog
) -> None:
    text = with_switching("hysteresis = -1")
    text = with_lock_in('mitigations = ["gateway", "gateway"]\ndata_days = 3', text)
    assert problems_of(write_scenario(text), catalog) == [
        "scenario.switching.hysteresis: -1 is out of range; expected >= 0",
        "candidate[0].lock_in.data_days: only used when fine_tunes > 0; remove it",
        "candidate[0].lock_in.mitigations[1]: 'gateway' is listed twice; "
        "expected it once",
    ]

"""Scenario keys of the price forecast: defaults and every error message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sim.catalog import Catalog
from sim.scenario import load_scenario
from tests.conftest import FLAT_SCENARIO
from tests.test_scenario import edit, problems_of

Writer = Callable[..., Path]
CANDIDATE = 'model = "gpt-5.6-terra"'
SCENARIO = 'prices = "frozen"'


def test_defaults_track_without_migration_cost_or_decay(
    write_scenario: Writer, catalog: Catalog
) -> None:
    sc = load_scenario(write_scenario(FLAT_SCENARIO), catalog)
    assert sc.hazard_decay == 0.0
    assert (sc.candidates[0].price_model, sc.candidates[0].migration_usd) == (
        "track",
        0.0,
    )


def test_keys_are_read(write_scenario: Writer, catalog: Catalog) -> None:
    text = edit(SCENARIO, f"{SCENARIO}\nforecast = {{ hazard_decay = 0.3 }}")
    text = edit(CANDIDATE, f'{CANDIDATE}\nprice_model = "pin"', text)
    sc = load_scenario(write_scenario(text), catalog)
    assert sc.hazard_decay == 0.3
    assert sc.candidates[0].price_model == "pin"


MALFORMED = [
    (
        "unknown price model",
        edit(CANDIDATE, f'{CANDIDATE}\nprice_model = "tracking"'),
        "candidate[0].price_model: 'tracking' is not allowed; expected one of "
        "pin, track; did you mean 'track'?",
    ),
    (
        "negative migration cost",
        edit(CANDIDATE, f"{CANDIDATE}\nmigration_usd = -5"),
        "candidate[0].migration_usd: -5 is out of range; expected >= 0",
    ),
    (
        "migration cost on a pinned candidate",
        edit(CANDIDATE, f'{CANDIDATE}\nprice_model = "pin"\nmigration_usd = 5000'),
        "candidate[0].migration_usd: only used with price_model = 'track': a "
        "pinned candidate never moves to another model; remove it",
    ),
    (
        "negative hazard decay",
        edit(SCENARIO, f"{SCENARIO}\nforecast = {{ hazard_decay = -0.1 }}"),
        "scenario.forecast.hazard_decay: -0.1 is out of range; expected >= 0",
    ),
    (
        "unknown forecast key",
        edit(SCENARIO, f"{SCENARIO}\nforecast = {{ decay = 0.1 }}"),
        "scenario.forecast.decay: unknown key; expected one of hazard_decay",
    ),
    (
        "forecast not a table",
        edit(SCENARIO, f"{SCENARIO}\nforecast = 3"),
        "scenario.forecast: expected a table, found 3",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_malformed_forecast_keys_give_one_clear_line(
    text: str, expected: str, write_scenario: Writer, catalog: Catalog
) -> None:
    assert problems_of(write_scenario(text), catalog) == [expected]

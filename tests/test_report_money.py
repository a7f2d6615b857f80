"""Where the money goes: cost-line keys to report lines."""

from __future__ import annotations

import pytest

from sim.report.plots import kind_label, money_kind


@pytest.mark.parametrize(
    ("key", "provisioned", "line"),
    [
        ("standard/input", False, "input"),
        ("batch/lc_cached_input", False, "cached_input"),
        ("alt:standard/cache_write", False, "cache_write"),
        ("standard/output", True, "spill_over"),
        ("priority/input", True, "spill_over"),
        ("batch/input", True, "input"),  # batch never runs on provisioned units
        ("alt:standard/input", True, "input"),  # the router's second model
        ("provisioned/unit_hours", True, "unit_hours"),
        ("fb:standard/input", False, "fallback"),
        ("storage/token_hours", False, "token_hours"),
        ("one_off/migration", False, "migration"),
    ],
)
def test_money_lines(key: str, provisioned: bool, line: str) -> None:
    assert money_kind(key, provisioned) == line


def test_money_line_labels() -> None:
    assert kind_label("unit_hours") == "provisioned capacity"
    assert kind_label("spill_over") == "spill-over to on-demand"
    assert kind_label("token_hours") == "cache storage"

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


def test_lock_in_section_and_figures(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sim.catalog import load_catalog
    from sim.pipeline import run
    from sim.report.lock_in import LEDGER_PNG, OPTION_PNG
    from sim.report.markdown import render_markdown
    from sim.report.plots import render_plots
    from sim.scenario import load_scenario
    from tests.conftest import FLAT_SCENARIO

    text = FLAT_SCENARIO + (
        '\n[[candidate]]\nname = "sonnet"\nprovider = "anthropic"\n'
        'model = "claude-sonnet-5"\n'
    )
    path = tmp_path / "s.toml"
    path.write_text(text)
    catalog = load_catalog()
    result = run(load_scenario(path, catalog), catalog, "fluid")
    plots = render_plots(result, tmp_path / "plots")
    assert {LEDGER_PNG, OPTION_PNG} <= {p.name for p in plots}
    markdown = render_markdown(result, plots)
    section = markdown[markdown.index("## Lock-in risk") :]
    for run_ in result.candidates:
        li = run_.lock_in
        assert li is not None
        row = next(
            x
            for x in section.splitlines()
            if x.startswith(f"| {run_.candidate.name} |")
        )
        assert f"{li.lock_in_share:.1%}" in row
        assert f"{li.score:.2f}" in row

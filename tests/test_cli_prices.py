"""``tcosim prices``: every command, its output and its error paths."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from sim.cli.prices import prices


def run(*args: str) -> Result:
    return CliRunner().invoke(prices, list(args))


def test_list_prints_an_aligned_table() -> None:
    result = run(
        "list", "--provider", "cohere", "--class", "small", "--at", "2025-01-01"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "provider  model                class  input $/Mtok  cached input $/Mtok  "
        "output $/Mtok  batch input $/Mtok  batch output $/Mtok  context tokens  "
        "effective_from",
        "cohere    command-r7b-12-2024  small        0.0375                       "
        "         0.15                                                   128000  "
        "2024-12-14",
    ]


def test_list_json_gives_the_regime_in_force() -> None:
    result = run("list", "--provider", "deepseek", "--at", "2025-03-01", "--json")
    assert result.exit_code == 0, result.output
    # deepseek-chat left its launch promotion on 2025-02-08; the v4 models
    # and the off-peak window rows are not models of their own.
    assert json.loads(result.stdout) == [
        {
            "provider": "deepseek",
            "model": "deepseek-reasoner",
            "capability_class": "frontier",
            "input_usd_per_mtok": 0.55,
            "cached_input_usd_per_mtok": 0.14,
            "output_usd_per_mtok": 2.19,
            "batch_input_usd_per_mtok": None,
            "batch_output_usd_per_mtok": None,
            "context_window_tokens": 65536,
            "effective_from": "2025-01-20",
        },
        {
            "provider": "deepseek",
            "model": "deepseek-chat",
            "capability_class": "frontier",
            "input_usd_per_mtok": 0.27,
            "cached_input_usd_per_mtok": 0.07,
            "output_usd_per_mtok": 1.1,
            "batch_input_usd_per_mtok": None,
            "batch_output_usd_per_mtok": None,
            "context_window_tokens": 65536,
            "effective_from": "2025-02-08",
        },
    ]


def test_list_current_keeps_the_newest_of_each_family() -> None:
    result = run(
        "list", "--provider", "openai", "--class", "frontier", "--at", "2024-09-01",
        "--current", "--json",
    )  # fmt: skip
    assert [row["model"] for row in json.loads(result.stdout)] == [
        "gpt-4-0314",
        "gpt-4-32k-0314",
        "gpt-4-turbo-2024-04-09",
        "gpt-4o-2024-08-06",
    ]


def test_list_before_any_release_says_so() -> None:
    result = run("list", "--at", "2020-01-01")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "No model matches with a price on 2020-01-01.\n"


def test_list_defaults_to_today() -> None:
    result = run("list", "--provider", "groq", "--json")
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 7


def test_show_resolves_an_alias_and_prints_history_and_terms() -> None:
    result = run("show", "anthropic/claude-3-5-haiku")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        "anthropic/claude-3-5-haiku-20241022 (alias: claude-3-5-haiku)",
        "family claude-haiku, class small, context window 200000 tokens, "
        "released 2024-11-04",
    ]
    assert lines[5].split() == ["2024-11-04", "2024-12-05", "1", "0.1", "1.25", "5"] + [
        "release-date"
    ]
    assert "  batch: 50% off list, within 24 h, from 2024-10-08" in lines
    assert (
        "  prompt cache: explicit, minimum prefix 2048 tokens, TTLs 5m = 300 s, "
        "1h = 3600 s (default 5m), writes 5m x1.25, 1h x2, reads x0.1"
    ) in lines


def test_show_json_includes_windows_and_terms() -> None:
    result = run("show", "deepseek/deepseek-chat", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert [r["effective_from"] for r in shown["regimes"]] == [
        "2024-12-26",
        "2025-02-08",
        "2025-09-05",
        "2025-09-29",
        "2026-04-25",
    ]
    (window,) = shown["windows"]
    assert (window["name"], window["utc"]) == ("off-peak", ["16:30-00:30"])
    assert window["regimes"][0]["input_usd_per_mtok"] == 0.135
    assert window["regimes"][0]["effective_to"] == "2025-09-05"
    assert shown["terms"]["cache"]["mode"] == "automatic"
    assert shown["terms"]["batch"] is None


def test_show_text_lists_window_and_multipliers() -> None:
    result = run("show", "openai/gpt-5.5")
    assert result.exit_code == 0, result.output
    assert "  tier priority: x2.5 for this model" in result.stdout.splitlines()
    assert "  region eu: x1.1 for this model" in result.stdout.splitlines()
    windowed = run("show", "deepseek/deepseek-v4-pro").stdout
    assert "Time window 'peak', 01:00-04:00, 06:00-10:00 UTC:" in windowed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["list", "--provider", "opnai"],
            "--provider: unknown provider 'opnai'; known: anthropic, aws-bedrock, "
            "cohere, deepseek, google, groq, mistral, openai, together, xai; did "
            "you mean 'openai'?",
        ),
        (
            ["list", "--class", "frontiers"],
            "--class: unknown capability class 'frontiers'; known: small, mid, "
            "frontier; did you mean 'frontier'?",
        ),
        (
            ["list", "--at", "2024-13-01"],
            "--at: found '2024-13-01'; expected a date YYYY-MM-DD",
        ),
        (
            ["list", "--at", "20240101"],
            "--at: found '20240101'; expected a date YYYY-MM-DD",
        ),
        (
            ["show", "openai/gpt-4x"],
            "PROVIDER/MODEL: unknown model 'gpt-4x' for provider 'openai'; did "
            "you mean 'gpt-4o'?",
        ),
        (
            ["show", "anthropc/claude-sonnet-5"],
            "PROVIDER/MODEL: unknown provider 'anthropc'; known: anthropic, "
            "aws-bedrock, cohere, deepseek, google, groq, mistral, openai, "
            "together, xai; did you mean 'anthropic'?",
        ),
        (
            ["show", "gpt-4o"],
            "PROVIDER/MODEL: found 'gpt-4o'; expected a provider and a model id "
            "or alias, e.g. openai/gpt-4o",
        ),
    ],
)
def test_input_errors_print_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {message}\n"
    assert "Traceback" not in result.output


def test_a_broken_price_sheet_prints_each_problem(tmp_path: Path) -> None:
    (tmp_path / "acme.toml").write_text("schema_version = 2\n", encoding="utf-8")
    result = run("list", "--pricing-data", str(tmp_path))
    assert result.exit_code == 2
    sheet = tmp_path / "acme.toml"
    assert result.stderr.splitlines() == [
        f"Error: {sheet}: schema_version: found 2; expected 1",
        f"Error: {sheet}: provider: missing; expected a table",
        f"Error: {sheet}: models: missing; expected an array of tables "
        "[[models]] with at least one entry",
    ]


def test_an_empty_folder_is_an_input_error(tmp_path: Path) -> None:
    result = run("show", "openai/gpt-4o", "--pricing-data", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {tmp_path}: no price sheets found; expected *.toml files, one "
        "per provider\n"
    )


def test_usage_errors_exit_2() -> None:
    result = run("show")
    assert result.exit_code == 2
    assert "Missing argument 'PROVIDER/MODEL'" in result.stderr


@pytest.mark.parametrize("name", sorted(prices.commands))
def test_every_command_has_help_with_an_example(name: str) -> None:
    command = prices.commands[name]
    assert command.help is not None
    summary, *rest = command.help.split("\n\n")
    assert summary and "\n" not in summary
    assert any(p.strip().startswith("Example: tcosim prices ") for p in rest)
    for flag in ("-h", "--help"):
        result = run(name, flag)
        assert result.exit_code == 0
        assert "Example: tcosim prices" in result.stdout


def test_group_help() -> None:
    assert isinstance(prices, click.Group)
    result = run("-h")
    assert result.exit_code == 0
    assert "list" in result.stdout and "show" in result.stdout


def test_prices_imports_no_heavy_library() -> None:
    code = (
        "import sys, sim.cli.prices; "
        "print(sorted(m for m in ('pandas', 'matplotlib', 'statsmodels') "
        "if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"

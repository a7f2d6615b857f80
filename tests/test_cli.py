"""The command line: every command, its outputs and its error paths."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sim.cli import PRESETS, cli
from sim.report.summary import MONTHLY_COLUMNS
from sim.report.summary_schema import summary_json_schema
from sim.resources import scenarios_dir
from tests.conftest import FLAT_SCENARIO

Writer = Callable[..., Path]
RUN_FILES = ("summary.json", "monthly.csv", "scores.csv", "report.md", "report.html")


def invoke(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_every_command_has_help_with_an_example() -> None:
    def walk(group: click.Group, prefix: list[str]) -> list[list[str]]:
        out = [prefix]
        for name, cmd in group.commands.items():
            if isinstance(cmd, click.Group):
                out += walk(cmd, [*prefix, name])
            else:
                out.append([*prefix, name])
        return out

    for path in walk(cli, []):
        result = invoke(*path, "-h")
        assert result.exit_code == 0, path
        assert "Example: tcosim" in result.output, path


def test_version() -> None:
    result = invoke("--version")
    assert result.output.strip() == "tcosim, version 0.1.0"


@pytest.mark.parametrize("name", sorted(p.name for p in scenarios_dir().glob("*.toml")))
def test_bundled_scenarios_run_and_write_every_file(name: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(
        "run", str(scenarios_dir() / name), "--out", str(out), "--paths", "40", "-q"
    )
    assert result.exit_code == 0, result.output
    for file in RUN_FILES:
        assert (out / file).stat().st_size > 0, file
    plots = sorted(p.name for p in (out / "plots").glob("*.png"))
    assert "cumulative_tco.png" in plots
    summary = json.loads((out / "summary.json").read_text())
    import jsonschema

    jsonschema.validate(summary, summary_json_schema())
    header = (out / "monthly.csv").read_text().splitlines()[0]
    assert tuple(header.split(",")) == MONTHLY_COLUMNS


def test_run_prints_table_or_json(write_scenario: Writer, tmp_path: Path) -> None:
    path = write_scenario()
    table = invoke("run", str(path), "--out", str(tmp_path / "a"), "-q")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split()[:2] == ["candidate", "model"]
    assert "210,432" in lines[2]
    as_json = invoke("run", str(path), "--out", str(tmp_path / "b"), "--json", "-q")
    doc = json.loads(as_json.stdout)
    assert doc["candidates"][0]["tco_usd"]["p50"] == pytest.approx(210_432.0)
    assert doc["run"] == {
        "seed": 42,
        "paths": 20,
        "engine": "auto",
        "pricing_data_sha256": doc["run"]["pricing_data_sha256"],
    }


def test_seed_and_paths_override(write_scenario: Writer, tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = invoke(
        "run",
        str(write_scenario()),
        "--out",
        str(out),
        "--seed",
        "7",
        "--paths",
        "3",
        "--json",
        "-q",
    )
    doc = json.loads(result.stdout)
    assert (doc["run"]["seed"], doc["run"]["paths"]) == (7, 3)


def test_default_output_folder_is_named_after_the_scenario(
    write_scenario: Writer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("run", str(write_scenario()), "-q")
    assert result.exit_code == 0
    assert (tmp_path / "outputs" / "flat" / "summary.json").is_file()


def test_rerun_replaces_an_earlier_run_whole(
    write_scenario: Writer, tmp_path: Path
) -> None:
    out = tmp_path / "o"
    invoke("run", str(write_scenario()), "--out", str(out), "-q")
    (out / "stale.txt").write_text("from an earlier run")
    assert invoke("run", str(write_scenario()), "--out", str(out), "-q").exit_code == 0
    assert not (out / "stale.txt").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_out_refuses_a_folder_that_is_not_a_run(
    write_scenario: Writer, tmp_path: Path
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    result = invoke("run", str(write_scenario()), "--out", str(mine))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --out: {mine} holds files that are not a tcosim run; expected "
        "a new, empty or earlier-run folder\n"
    )
    assert (mine / "notes.txt").read_text() == "keep me"


def test_invalid_scenario_exits_2_with_one_line_per_problem_and_no_output(
    write_scenario: Writer, tmp_path: Path
) -> None:
    text = FLAT_SCENARIO.replace("months = 36", "months = 0").replace(
        'provider = "openai"', 'provider = "openaj"'
    )
    path = write_scenario(text)
    out = tmp_path / "never"
    result = invoke("run", str(path), "--out", str(out))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"Error: {path}: scenario.months: 0 is out of range; expected >= 1",
        f"Error: {path}: candidate[0].provider: unknown provider 'openaj'; "
        "known: anthropic, aws-bedrock, cohere, deepseek, google, groq, mistral, "
        "openai, together, xai; did you mean 'openai'?",
    ]
    assert not out.exists()
    assert "Traceback" not in result.output


def test_missing_scenario_file(tmp_path: Path) -> None:
    result = invoke("validate", str(tmp_path / "gone.toml"))
    assert result.exit_code == 2
    assert result.stderr == f"Error: {tmp_path / 'gone.toml'}: file not found\n"


def test_validate_ok(write_scenario: Writer) -> None:
    path = write_scenario()
    result = invoke("validate", str(path))
    assert result.exit_code == 0
    assert result.stdout == (
        f"{path}: ok (1 workloads, 1 candidates, 36 months from 2027-01)\n"
    )


def test_unknown_option_is_a_usage_error() -> None:
    result = invoke("run", "x.toml", "--pathz", "3")
    assert result.exit_code == 2
    assert "Error: No such option '--pathz'. Did you mean '--paths'?" in result.stderr


def test_schema_commands_print_valid_json_schemas() -> None:
    import jsonschema

    for which in ("scenario", "summary"):
        result = invoke("schema", which)
        doc = json.loads(result.stdout)
        jsonschema.Draft202012Validator.check_schema(doc)
    bad = invoke("schema", "nope")
    assert bad.exit_code == 2


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_init_writes_a_valid_starter(preset: str, tmp_path: Path) -> None:
    path = tmp_path / f"{preset}.toml"
    result = invoke("init", "--preset", preset, str(path))
    assert result.exit_code == 0
    assert path.read_text().startswith("#")
    assert invoke("validate", str(path)).exit_code == 0


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("# my work\n")
    result = invoke("init", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {path}: already exists; choose another path or add --force\n"
    )
    assert path.read_text() == "# my work\n"
    assert invoke("init", "--force", str(path)).exit_code == 0


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys; from sim.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = {'pandas', 'statsmodels', 'matplotlib', 'numpy'} & set(sys.modules)\n"
        "print(sorted(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"

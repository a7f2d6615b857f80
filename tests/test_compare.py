"""``tcosim compare``: two runs side by side, the verdict and every error."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.cli.compare import compare_summaries
from tests.conftest import FLAT_SCENARIO

# Volume noise, so that another seed gives other costs.
NOISY_SCENARIO = FLAT_SCENARIO.replace(
    'growth = { kind = "none" }', 'growth = { kind = "none" }\nvolume_sd = 0.1'
)
# More traffic, and a candidate the other runs do not have.
EDITED_SCENARIO = (
    NOISY_SCENARIO.replace("requests_per_day = 20_000", "requests_per_day = 30_000")
    + '\n[[candidate]]\nname = "openai-luna"\nprovider = "openai"\n'
    'model = "gpt-5.6-luna"\n'
)
EXPECTED = "expected the summary.json of a tcosim run"


def invoke(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """summary.json of three small runs: seeds 1 and 2, and an edited scenario."""
    root = tmp_path_factory.mktemp("runs")
    noisy, edited = root / "noisy.toml", root / "edited.toml"
    noisy.write_text(NOISY_SCENARIO, encoding="utf-8")
    edited.write_text(EDITED_SCENARIO, encoding="utf-8")
    plan = {"seed1": (noisy, "1"), "seed2": (noisy, "2"), "edited": (edited, "1")}
    for name, (scenario, seed) in plan.items():
        out = str(root / name)
        args = ("run", str(scenario), "--out", out, "--paths", "20", "--seed", seed)
        assert invoke(*args, "-q").exit_code == 0
    return {name: root / name / "summary.json" for name in plan}


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def write_json(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_another_seed_is_randomness(runs: dict[str, Path]) -> None:
    result = invoke("compare", str(runs["seed1"]), str(runs["seed2"]), "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["inputs"]["seed"] == {"a": 1, "b": 2, "same": False}
    assert all(doc["inputs"][k]["same"] for k in doc["inputs"] if k != "seed")
    a, b = load(runs["seed1"]), load(runs["seed2"])
    p50_a = a["candidates"][0]["tco_usd"]["p50"]
    p50_b = b["candidates"][0]["tco_usd"]["p50"]
    assert p50_a != p50_b
    (cand,) = doc["candidates"]
    assert cand["tco_usd"]["p50"] == {
        "a": p50_a,
        "b": p50_b,
        "change": round(p50_b - p50_a, 6),
        "change_pct": round((p50_b - p50_a) / p50_a * 100, 4),
    }
    assert list(cand["factors"]) == ["cost", "pricing_trajectory", "lock_in"]
    assert (doc["only_in_a"], doc["only_in_b"]) == ([], [])
    assert doc["verdict"] == (
        "same inputs: differences come from randomness (seed 1 vs 2)"
    )


def test_text_shows_inputs_money_with_units_and_verdict(runs: dict[str, Path]) -> None:
    result = invoke("compare", str(runs["seed1"]), str(runs["seed2"]))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"A: {runs['seed1']} (scenario flat, written ")
    assert lines[3].split() == ["input", "A", "B"]
    assert "seed 1 2 differs" in [" ".join(line.split()) for line in lines]
    a = load(runs["seed1"])["candidates"][0]["npv_usd"]["mean"]
    b = load(runs["seed2"])["candidates"][0]["npv_usd"]["mean"]
    row = next(line for line in lines if "NPV mean USD" in line)
    assert row.split()[3:6] == [f"{a:,.0f}", f"{b:,.0f}", f"{b - a:+,.0f}"]
    assert re.search(r"cost score \(1-5\) +1\.00 +1\.00 +0$", result.stdout, re.M)
    assert lines[-1] == (
        "verdict: same inputs: differences come from randomness (seed 1 vs 2)"
    )


def test_an_edited_scenario_names_the_cause_and_the_new_candidate(
    runs: dict[str, Path],
) -> None:
    result = invoke("compare", str(runs["seed1"]), str(runs["edited"]))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[-2:] == [
        "only in B: openai-luna",
        "verdict: scenario changed: same seed and paths, so the differences "
        "come from that",
    ]
    row = next(line for line in lines if "TCO p50 USD" in line)
    assert row.split()[0] == "openai-terra"
    assert row.endswith("+50.00%")  # 30,000 requests a day against 20,000


def test_a_run_against_itself_and_run_folders(runs: dict[str, Path]) -> None:
    folder = str(runs["seed1"].parent)
    result = invoke("compare", folder, folder, "--json")
    doc = json.loads(result.stdout)
    assert doc["a"]["file"] == str(runs["seed1"])
    assert doc["candidates"][0]["tco_usd"]["p10"]["change"] == 0
    assert doc["verdict"] == "same inputs, same results"


def test_composite_and_gates_when_present(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    a, b = load(runs["seed1"]), load(runs["seed1"])
    a["candidates"][0] |= {
        "composite": {"score": 3.5, "rank": 1, "p_rank1": 0.8},
        "gates": {"passed": True, "failed": []},
    }
    b["candidates"][0] |= {
        "composite": {"score": 3.2, "rank": 2, "p_rank1": 0.3},
        "gates": {"passed": False, "failed": ["soc2_type2"]},
    }
    paths = [
        str(write_json(tmp_path / f"{n}.json", d)) for n, d in (("a", a), ("b", b))
    ]
    doc = json.loads(invoke("compare", *paths, "--json").stdout)
    cand = doc["candidates"][0]
    assert cand["composite"] == {
        "score": {"a": 3.5, "b": 3.2, "change": -0.3},
        "rank": {"a": 1, "b": 2, "change": 1},
    }
    assert cand["gates_passed"] == {"a": True, "b": False, "same": False}
    text = invoke("compare", *paths).stdout
    assert re.search(r"composite score \(1-5\) +3\.50 +3\.20 +-0\.30$", text, re.M)
    assert re.search(r"composite rank \(1 = first\) +1 +2 +\+1$", text, re.M)
    assert re.search(r"gates passed +yes +no +changed$", text, re.M)


def _edit(doc: dict[str, Any], edits: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    for key, value in edits.items():
        if key == "p50":
            out["candidates"][0]["tco_usd"]["p50"] += value
        else:
            out["run"][key] = value
    return out


@pytest.mark.parametrize(
    ("edits", "verdict"),
    [
        ({}, "same inputs, same results"),
        ({"seed": 2}, "seed 1 vs 2, yet no result changed"),
        (
            {"pricing_data_sha256": "0" * 64, "p50": 1000.0},
            "price data changed: same seed and paths, so the differences come "
            "from that",
        ),
        (
            {"pricing_data_sha256": "0" * 64, "seed": 7, "p50": 1000.0},
            "price data changed; seed 1 vs 7 too, so part of the differences "
            "is randomness",
        ),
        (
            {"seed": 2, "paths": 40, "p50": 1000.0},
            "same inputs: differences come from randomness (seed 1 vs 2 and "
            "paths 20 vs 40)",
        ),
        (
            {"p50": 1000.0},
            "same inputs, seed and paths, yet results differ; expected identical "
            "runs: rerun both with the same tcosim install",
        ),
    ],
)
def test_verdict(runs: dict[str, Path], edits: dict[str, Any], verdict: str) -> None:
    a = load(runs["seed1"])
    assert compare_summaries(a, _edit(a, edits))["verdict"] == verdict


def _error(path: Path, other: Path) -> click.testing.Result:
    result = invoke("compare", str(path), str(other))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.output
    return result


def test_missing_file(runs: dict[str, Path], tmp_path: Path) -> None:
    gone = tmp_path / "gone.json"
    assert _error(gone, runs["seed1"]).stderr == (
        f"Error: {gone}: file not found; {EXPECTED}\n"
    )


def test_not_json(runs: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"schema_version": 1,', encoding="utf-8")
    assert _error(path, runs["seed1"]).stderr == (
        f"Error: {path}: not JSON (Expecting property name enclosed in double "
        f"quotes at line 1, column 22); {EXPECTED}\n"
    )


@pytest.mark.parametrize("doc", [[1, 2], {"candidates": []}])
def test_not_a_summary(runs: dict[str, Path], tmp_path: Path, doc: Any) -> None:
    path = write_json(tmp_path / "other.json", doc)
    assert _error(runs["seed1"], path).stderr == (
        f"Error: {path}: not a tcosim summary: no schema_version; {EXPECTED} "
        "(schema_version 1)\n"
    )


def test_wrong_schema_version(runs: dict[str, Path], tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "v2.json", {**load(runs["seed1"]), "schema_version": 2}
    )
    assert _error(path, runs["seed1"]).stderr == (
        f"Error: {path}: schema_version: 2 is not supported; expected 1, the "
        "version this tcosim reads\n"
    )


def test_every_problem_of_both_files_together(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    doc = load(runs["seed1"])
    del doc["run"]["seed"]
    doc["candidates"][0]["tco_usd"]["p90"] = "lots"
    broken = write_json(tmp_path / "broken.json", doc)
    gone = tmp_path / "gone.json"
    assert _error(broken, gone).stderr.splitlines() == [
        f"Error: {broken}: run.seed: missing; expected an integer",
        f"Error: {broken}: candidates[0].tco_usd.p90: found 'lots'; expected a number",
        f"Error: {gone}: file not found; {EXPECTED}",
    ]


def test_compare_imports_no_heavy_library(runs: dict[str, Path]) -> None:
    code = (
        "import sys; from sim.cli import cli\n"
        f"try:\n    cli(['compare', {str(runs['seed1'])!r}, {str(runs['seed2'])!r}])\n"
        "except SystemExit:\n    pass\n"
        "heavy = {'pandas', 'statsmodels', 'matplotlib', 'numpy'} & set(sys.modules)\n"
        "print(sorted(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"

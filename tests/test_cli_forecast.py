"""``tcosim forecast``: history and bands, backtest, JSON and error paths."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from sim.cli import cli


def invoke(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, ["forecast", *args], catch_exceptions=False)


def test_one_index_shows_its_steps_and_bands() -> None:
    result = invoke("--provider", "openai", "--class", "mid", "--months", "6")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["provider", "class", "model"]
    assert lines[1].split()[:3] == ["openai", "mid", "gpt-4.1-mini-2025-04-14"]
    assert "Steps of the history:" in result.stdout
    # o1-mini's cut from 3.00 / 12.00 to 1.10 / 4.40 in February 2025.
    assert "2025-02  o1-mini-2024-09-12" in result.stdout
    assert "Data through 2027-01" in result.stdout


def test_every_index_by_default() -> None:
    result = invoke("--months", "3")
    assert result.exit_code == 0
    rows = [ln for ln in result.stdout.splitlines()[1:] if ln and ln[0].isalpha()]
    providers = {row.split()[0] for row in rows if not row.startswith("Data")}
    assert {"openai", "anthropic", "google", "deepseek"} <= providers


def test_json_holds_history_and_a_band_per_month() -> None:
    doc = json.loads(invoke("--class", "small", "--months", "5", "--json").stdout)
    assert doc["data_through"] == "2027-01"
    assert doc["unit"] == "USD per 1,000 requests of the token mix"
    assert {one["class"] for one in doc["indices"]} == {"small"}
    openai = next(i for i in doc["indices"] if i["provider"] == "openai")
    assert openai["history"][0] == {
        "month": "2023-03",
        "usd_per_1k_requests": pytest.approx((2_400 * 2.0 + 400 * 2.0) / 1000),
        "model": "gpt-3.5-turbo-0301",
    }
    assert [b["month"] for b in openai["forecast"]] == [
        "2027-02",
        "2027-03",
        "2027-04",
        "2027-05",
        "2027-06",
    ]
    for band in openai["forecast"]:
        assert band["p10"] <= band["p50"] <= band["p90"]
    assert openai["low_evidence"] is (openai["own_steps"] < 3)


def test_same_seed_same_bands_other_seed_other_bands() -> None:
    args = ("--provider", "google", "--class", "mid", "--json")
    first = invoke(*args, "--seed", "1").stdout
    assert invoke(*args, "--seed", "1").stdout == first
    assert invoke(*args, "--seed", "2").stdout != first


def test_backtest_json_names_the_chosen_model_and_its_scores() -> None:
    result = invoke("--backtest", "--json")
    assert result.exit_code == 0
    assert "backtesting" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["chosen"] == "jump"
    assert set(doc["models"]) == {"jump", "rw_drift", "ols_records", "ets", "llt"}
    twelve = doc["models"]["jump"]["12"]
    assert twelve["n"] >= 30
    for key in ("coverage_80", "interval_score", "male", "coverage_80_randomized"):
        assert isinstance(twelve[key], float)
    assert doc["acceptance"]["horizon"] == 12
    assert doc["hazard_decay"] == 0.0
    assert len(twelve["pit_deciles"]) == 10
    assert sum(twelve["pit_deciles"]) == pytest.approx(1.0)
    steps = doc["steps"]["12"]
    assert steps["n"] == twelve["n"]
    assert {"expected_down", "realised_down", "expected_up", "realised_up"} <= set(
        steps
    )


def test_backtest_table() -> None:
    result = invoke("--backtest")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].split()[:4] == ["model", "months", "n", "MALE"]
    assert "chosen: jump" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--provider", "opnai"),
            "Error: --provider: unknown provider 'opnai'; known: anthropic, "
            "aws-bedrock, cohere, deepseek, google, groq, mistral, openai, "
            "together, xai; did you mean 'openai'?",
        ),
        (
            ("--class", "midd"),
            "Error: --class: unknown capability class 'midd'; known: small, mid, "
            "frontier; did you mean 'mid'?",
        ),
        (
            ("--provider", "deepseek", "--class", "small"),
            "Error: --class: deepseek offers no 'small' model in the price data; "
            "expected one of: frontier, mid",
        ),
        (
            ("--backtest", "--provider", "openai"),
            "Error: --backtest: scores every provider and class together; drop "
            "--provider and --class",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr == message + "\n"
    assert result.stdout == ""


def test_hazard_decay_only_takes_cuts_away() -> None:
    """The same draws thinned: every path's price ends at or above its plain twin."""
    args = ("--provider", "openai", "--class", "mid", "--months", "24", "--json")
    plain = json.loads(invoke(*args).stdout)["indices"][0]["forecast"]
    doc = json.loads(invoke(*args, "--hazard-decay", "0.5").stdout)
    assert doc["hazard_decay"] == 0.5
    thinned = doc["indices"][0]["forecast"]
    for one, two in zip(plain, thinned, strict=True):
        for q in ("p10", "p50", "p90"):
            assert two[q] >= one[q]
    assert any(two["p10"] > one["p10"] for one, two in zip(plain, thinned, strict=True))


def test_negative_hazard_decay_is_a_usage_error() -> None:
    result = invoke("--hazard-decay", "-0.5")
    assert result.exit_code == 2
    assert "Invalid value for '--hazard-decay'" in result.stderr


def test_months_out_of_range_is_a_usage_error() -> None:
    result = invoke("--months", "0")
    assert result.exit_code == 2
    assert "Invalid value for '--months'" in result.stderr


def test_market_block_compares_with_published_anchors() -> None:
    doc = json.loads(invoke("--class", "frontier", "--json").stdout)
    (market,) = doc["market"]
    assert market["class"] == "frontier"
    assert market["history_records"] >= 3
    low, high = market["history_interval_90"]
    assert low <= market["history_annual_log_change"] <= high
    cheapest = market["forecast_cheapest_annual_log_change"]
    assert cheapest["p10"] <= cheapest["p50"] <= cheapest["p90"]
    assert any(a.startswith("a16z 2024") for a in doc["anchors"])
    assert any(a.startswith("Epoch AI 2025") for a in doc["anchors"])
    table = invoke("--class", "frontier").stdout
    assert "Published anchors: a16z 2024" in table

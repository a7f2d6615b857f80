"""End to end through the library: closed forms and reproducibility."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from sim.catalog import Catalog
from sim.pipeline import run
from sim.report.summary import render_monthly_csv, render_scores_csv
from sim.scenario import load_scenario
from tests.conftest import FLAT_SCENARIO

Writer = Callable[..., Path]


def test_flat_frozen_tco_matches_the_closed_form(
    write_scenario: Writer, catalog: Catalog
) -> None:
    result = run(load_scenario(write_scenario(), catalog), catalog)
    (cand,) = result.candidates
    # 2027-01 .. 2029-12 holds 365 + 366 + 365 = 1,096 days; each request
    # costs (2,400 x 2.0 + 400 x 12.0) / 1e6 = 0.0096 USD:
    # 20,000 x 1,096 x 0.0096 = 210,432 USD.
    assert cand.tco_usd == pytest.approx(np.full(20, 210_432.0), rel=1e-4)
    assert float(cand.tco_usd[0]) == pytest.approx(210_432.0, rel=1e-12)


def test_flat_frozen_npv_discounts_each_month_end(
    write_scenario: Writer, catalog: Catalog
) -> None:
    result = run(load_scenario(write_scenario(), catalog), catalog)
    expected = 0.0
    for t in range(36):
        year, month = 2027 + t // 12, t % 12 + 1
        days = calendar.monthrange(year, month)[1]
        expected += 20_000 * days * 0.0096 / 1.10 ** ((t + 1) / 12)
    assert float(result.candidates[0].npv_usd[0]) == pytest.approx(expected)


def test_same_seed_gives_identical_csv_files(
    write_scenario: Writer, catalog: Catalog
) -> None:
    text = FLAT_SCENARIO.replace(
        'growth = { kind = "none" }',
        'growth = { kind = "exponential", rate = 0.03, sd = 0.02 }\nvolume_sd = 0.1',
    )
    path = write_scenario(text)
    first = run(load_scenario(path, catalog), catalog)
    second = run(load_scenario(path, catalog), catalog)
    assert render_monthly_csv(first) == render_monthly_csv(second)
    assert render_scores_csv(first) == render_scores_csv(second)
    assert float(np.ptp(first.candidates[0].tco_usd)) > 0


def test_annual_budget_years_sum_to_the_tco(
    write_scenario: Writer, catalog: Catalog
) -> None:
    result = run(load_scenario(write_scenario(), catalog), catalog)
    years = result.candidates[0].budgets
    assert [y.months for y in years] == [12, 12, 12]
    # Deterministic volumes: every quantile is the year's total.
    assert years[1].p50_usd == pytest.approx(20_000 * 366 * 0.0096)
    assert sum(y.p50_usd for y in years) == pytest.approx(210_432.0)


def test_cost_anchor_is_cheapest_current_model_of_the_class(
    write_scenario: Writer, catalog: Catalog
) -> None:
    result = run(load_scenario(write_scenario(), catalog), catalog)
    anchor = result.anchor
    assert (anchor.kind, anchor.capability_class) == ("cheapest-model", "mid")
    assert anchor.model is not None
    # No current mid model is cheaper than the anchor on this workload.
    start = result.scenario.start
    for model in catalog.current_models(start, "mid"):
        regime = model.regime_at(start)
        assert regime is not None
        per_request = (
            2400 * regime.input_usd_per_mtok + 400 * regime.output_usd_per_mtok
        ) / 1e6
        assert 20_000 * 1096 * per_request >= anchor.tco_usd * (1 - 1e-9)


def test_budget_anchors_the_cost_score(
    write_scenario: Writer, catalog: Catalog
) -> None:
    text = FLAT_SCENARIO.replace("seed = 42", "seed = 42\nbudget_usd = 420_864")
    result = run(load_scenario(write_scenario(text), catalog), catalog)
    # TCO is half the budget: 4 - log2(0.5) = 5.
    assert result.anchor.kind == "budget"
    assert result.candidates[0].cost_score.score == pytest.approx(5.0)


CAPACITY_SCENARIO = """\
[scenario]
name = "capacity"
start = 2027-01-01
months = 1
paths = 5
prices = "frozen"

[[workload]]
name = "chat"
requests_per_day = 86_400
input_tokens = { mean = 3_000 }
output_tokens = { mean = 200 }

[[candidate]]
name = "nova"
provider = "aws-bedrock"
model = "amazon.nova-pro-v1:0"
[candidate.provisioned]
units = 1
tpm_per_unit = 100_000
usd_per_unit_hour = 39.6

[[candidate]]
name = "terra"
provider = "openai"
model = "gpt-5.6-terra"
[candidate.rate_limit]
rpm = 45
on_limit = "fallback"
fallback = "nova"
"""


def test_provisioned_hours_and_fallback_calls_are_billed(
    write_scenario: Writer, catalog: Catalog
) -> None:
    result = run(
        load_scenario(write_scenario(CAPACITY_SCENARIO), catalog), catalog, "fluid"
    )
    nova, terra = result.candidates
    jan = date(2027, 1, 1)
    nova_price = catalog.resolve("aws-bedrock", "amazon.nova-pro-v1:0").regime_at(jan)
    terra_price = catalog.resolve("openai", "gpt-5.6-terra").regime_at(jan)
    assert nova_price is not None and terra_price is not None
    per_call = {
        r: (3000 * p.input_usd_per_mtok + 200 * p.output_usd_per_mtok) / 1e6
        for r, p in (("nova", nova_price), ("terra", terra_price))
    }
    calls = 86_400 * 31
    # 1 call/s x 3,200 tokens = 192,000 tokens/min against 100,000
    # provisioned: 92/192 of the calls spill to on-demand. The unit is billed
    # for every hour of January: 24 x 31 x 39.6 USD.
    expected_nova = 24 * 31 * 39.6 + calls * 92 / 192 * per_call["nova"]
    assert float(nova.tco_usd[0]) == pytest.approx(expected_nova, rel=1e-9)
    # 60 calls/min against 45 rpm: a quarter go to the fallback, at its price.
    expected_terra = calls * (0.75 * per_call["terra"] + 0.25 * per_call["nova"])
    assert float(terra.tco_usd[0]) == pytest.approx(expected_terra, rel=1e-9)
    stats = terra.workloads[0].ledger.stats
    assert float(stats["fallback_requests"][0, 0]) == pytest.approx(calls / 4)

"""End to end through the library: closed forms and reproducibility."""

from __future__ import annotations

import calendar
from collections.abc import Callable
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

"""Price paths in a run: billing, factor 11, summary, scores and report.

The flat scenario of the design notes has deterministic demand, so a
forecast run's cost on a path is exactly the frozen month's cost times that
path's price multiplier, and every comparison below is exact.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import MappingProxyType

import jsonschema
import numpy as np
import pytest

from sim.catalog import Catalog, Model, PriceRegime, PriceSheet, ProviderTerms
from sim.forecast.index import add_months
from sim.pipeline import MIGRATION_LINE, Result, run
from sim.report.markdown import render_markdown
from sim.report.plots import price_png, render_plots
from sim.report.summary import build_summary, render_scores_csv
from sim.report.summary_schema import summary_json_schema
from sim.scenario import Scenario, load_scenario
from tests.conftest import FLAT_SCENARIO

Writer = Callable[..., Path]


TERRA = 'model = "gpt-5.6-terra"'


def flat(
    write_scenario: Writer,
    catalog: Catalog,
    prices: str,
    terra: str = "",
    more: str = "",
) -> Result:
    """The flat scenario with ``terra`` lines added to its candidate and
    ``more`` candidates after it."""
    text = FLAT_SCENARIO.replace('prices = "frozen"', f'prices = "{prices}"')
    text = text.replace(TERRA, f"{TERRA}\n{terra}") + more
    return run(load_scenario(write_scenario(text), catalog), catalog)


def unmoved(result: Result) -> float:
    """Share of paths whose price ends where it started."""
    assert result.price_forecast is not None
    m = result.price_forecast.candidates["openai-terra"].multiplier
    return float(np.mean(m[:, -1] == 1.0))


@pytest.fixture(scope="module")
def pair(
    tmp_path_factory: pytest.TempPathFactory, catalog: Catalog
) -> tuple[Result, Result]:
    folder = tmp_path_factory.mktemp("flat")
    results = []
    for prices in ("frozen", "forecast"):
        path = folder / f"{prices}.toml"
        path.write_text(FLAT_SCENARIO.replace('"frozen"', f'"{prices}"'))
        results.append(run(load_scenario(path, catalog), catalog))
    return results[0], results[1]


# --- forecast against frozen -------------------------------------------------


def test_forecast_cost_is_frozen_cost_times_the_price_path(
    pair: tuple[Result, Result],
) -> None:
    frozen, forecast = pair
    (cold,), (moving,) = frozen.candidates, forecast.candidates
    assert forecast.price_forecast is not None
    m = forecast.price_forecast.candidates["openai-terra"].multiplier
    # January 2027 is the last month of data: the price path starts flat.
    assert np.all(m[:, 0] == 1.0)
    np.testing.assert_allclose(moving.cost_usd, cold.cost_usd * m, rtol=1e-12)


def test_forecast_bands_are_wider_and_the_median_is_the_forecast_median(
    pair: tuple[Result, Result],
) -> None:
    frozen, forecast = pair
    cold, moving = frozen.candidates[0].tco_usd, forecast.candidates[0].tco_usd
    p10, p90 = np.quantile(moving, [0.1, 0.9])
    assert p90 - p10 > 10_000 and np.ptp(cold) == pytest.approx(0.0, abs=1e-6)
    # Deterministic demand: each path's TCO is the monthly frozen cost
    # weighted by that path's price multiplier, so its median is the median
    # of the forecast's price paths priced on this workload.
    assert forecast.price_forecast is not None
    m = forecast.price_forecast.candidates["openai-terra"].multiplier
    monthly = frozen.candidates[0].cost_usd[0]
    assert np.median(moving) == pytest.approx(np.median(m @ monthly), rel=1e-12)


def test_factor_11_reads_the_same_price_paths(pair: tuple[Result, Result]) -> None:
    _, forecast = pair
    assert forecast.price_forecast is not None
    prices = forecast.price_forecast.candidates["openai-terra"]
    # Negotiated prices hold flat, so the path is the multiplier alone:
    # g = ln(m[24]) / 2 a year.
    g = np.log(prices.price_usd[:, 24] / prices.price_usd[:, 0]) / 2
    pricing = forecast.candidates[0].pricing
    assert pricing is not None
    assert pricing.annual_log_change == pytest.approx(float(np.median(g)))
    np.testing.assert_allclose(
        prices.price_usd[:, :36] / prices.price_usd[:, :1],
        prices.multiplier,
        rtol=1e-12,
    )


def test_frozen_runs_score_factor_11_but_bill_list_prices(
    pair: tuple[Result, Result],
) -> None:
    frozen, forecast = pair
    assert frozen.candidates[0].pricing == forecast.candidates[0].pricing
    assert any("factor 11" in a for a in frozen.assumptions)
    assert not any("FORECAST" in a or "no statistical" in a for a in frozen.assumptions)


def test_same_seed_same_paths_and_a_candidate_keeps_its_draws(
    write_scenario: Writer, catalog: Catalog
) -> None:
    extra = """
[[candidate]]
name = "sonnet"
provider = "anthropic"
model = "claude-sonnet-5"
"""
    one = flat(write_scenario, catalog, "forecast")
    two = flat(write_scenario, catalog, "forecast", more=extra)
    assert one.price_forecast is not None and two.price_forecast is not None
    first = one.price_forecast.candidates["openai-terra"].multiplier
    again = two.price_forecast.candidates["openai-terra"].multiplier
    np.testing.assert_array_equal(first, again)


def test_two_candidates_on_one_model_share_their_future_list_prices(
    write_scenario: Writer, catalog: Catalog
) -> None:
    twin = """
[[candidate]]
name = "terra-list"
provider = "openai"
model = "gpt-5.6-terra"
"""
    result = flat(write_scenario, catalog, "forecast", more=twin)
    assert result.price_forecast is not None
    paths = result.price_forecast.candidates
    np.testing.assert_array_equal(
        paths["openai-terra"].multiplier, paths["terra-list"].multiplier
    )


def test_pinned_candidate_takes_only_its_model_steps(
    write_scenario: Writer, catalog: Catalog
) -> None:
    pinned = flat(write_scenario, catalog, "forecast", terra='price_model = "pin"')
    tracked = flat(write_scenario, catalog, "forecast")
    pin, track = pinned.candidates[0].pricing, tracked.candidates[0].pricing
    assert pin is not None and track is not None
    assert pin.price_model == "pin" and track.price_model == "track"
    # A single model's list price moves far less often than a class index.
    assert unmoved(pinned) > unmoved(tracked)


def test_migrations_are_charged_once_per_move(
    write_scenario: Writer, catalog: Catalog
) -> None:
    result = flat(write_scenario, catalog, "forecast", terra="migration_usd = 25000")
    assert result.price_forecast is not None
    moves = result.price_forecast.candidates["openai-terra"].migrations
    (chat,) = result.candidates[0].workloads
    np.testing.assert_allclose(chat.cost_lines[MIGRATION_LINE], 25_000 * moves)
    assert moves.sum() > 0 and set(np.unique(moves)) <= {0.0, 1.0, 2.0}
    frozen = flat(write_scenario, catalog, "frozen", terra="migration_usd = 25000")
    assert MIGRATION_LINE not in frozen.candidates[0].workloads[0].cost_lines


# --- outputs -----------------------------------------------------------------


def test_summary_and_scores_carry_factor_11(pair: tuple[Result, Result]) -> None:
    _, forecast = pair
    doc = build_summary(forecast)
    jsonschema.validate(doc, summary_json_schema())
    factor = doc["candidates"][0]["factors"]["pricing_trajectory"]
    pricing = forecast.candidates[0].pricing
    assert pricing is not None
    assert factor["score"] == pytest.approx(pricing.score)
    assert factor["relative"] == pytest.approx(
        factor["risk_adjusted_log_change"] - factor["market_log_change"], abs=2e-6
    )
    assert factor["score"] == pytest.approx(
        min(max(3 - factor["relative"] / math.log(1.5), 1), 5), abs=1e-5
    )
    assert doc["price_forecast"]["data_through"] == "2027-01"
    rows = render_scores_csv(forecast).splitlines()
    assert rows[2].startswith("openai-terra,pricing_trajectory,")
    json.dumps(doc)  # plain JSON types only


def test_report_shows_the_section_and_a_price_fan(
    pair: tuple[Result, Result], tmp_path: Path
) -> None:
    frozen, _ = pair
    plots = render_plots(frozen, tmp_path)
    assert tmp_path / price_png("openai-terra") in plots
    markdown = render_markdown(frozen, plots)
    section = markdown.split("\n## Pricing trajectory\n", 1)[1].split("\n## ", 1)[0]
    assert "| openai-terra | track: openai mid |" in section
    assert "](plots/price_openai-terra.png)" in section
    assert "TCO holds prices frozen" in section


# --- a provider whose prices only fall against one whose prices only rise ----


def regimes(start: date, prices: list[float]) -> tuple[PriceRegime, ...]:
    """One regime every six months from ``start`` at these input prices."""
    days = [add_months(start, 6 * i) for i in range(len(prices))]
    return tuple(
        PriceRegime(
            effective_from=day,
            effective_to=days[i + 1] if i + 1 < len(days) else None,
            input_usd_per_mtok=price,
            output_usd_per_mtok=4 * price,
            date_quality="exact",
            source="synthetic",
        )
        for i, (day, price) in enumerate(zip(days, prices, strict=True))
    )


def synthetic_catalog() -> Catalog:
    """Five providers of one mid model each, three years of history."""
    start = date(2024, 1, 1)
    falling = [8.0 * 0.7**i for i in range(6)]
    rising = [1.0 * 1.4**i for i in range(6)]
    books = {
        "falls": falling,
        "rises": rising,
        # Repeated prices: regimes on the same dates, so every sheet's data
        # run to the same month.
        "flat-a": [2.0] * 6,
        "flat-b": [3.0] * 6,
        "flat-c": [4.0] * 6,
    }
    sheets = {}
    for provider, prices in books.items():
        steps = regimes(start, prices)
        model = Model(provider, f"{provider}-1", f"{provider}-fam", "mid", None, steps)
        sheets[provider] = PriceSheet(
            provider,
            provider,
            "",
            ProviderTerms(),
            MappingProxyType({}),
            MappingProxyType({model.id: model}),
        )
    return Catalog(MappingProxyType(sheets), "synthetic", "synthetic-falls-rises")


SYNTHETIC = """\
[scenario]
name = "falls-rises"
start = 2027-01-01
months = 24
paths = 400
prices = "forecast"

[[workload]]
name = "chat"
requests_per_day = 1000
input_tokens = { mean = 1000 }
output_tokens = { mean = 250 }

[[candidate]]
name = "falling"
provider = "falls"
model = "falls-1"

[[candidate]]
name = "rising"
provider = "rises"
model = "rises-1"
"""


def test_a_provider_that_only_cuts_scores_above_one_that_only_raises(
    write_scenario: Writer,
) -> None:
    catalog = synthetic_catalog()
    scenario: Scenario = load_scenario(write_scenario(SYNTHETIC), catalog)
    result = run(scenario, catalog)
    falling, rising = (c.pricing for c in result.candidates)
    assert falling is not None and rising is not None
    assert falling.score > 3.0 > rising.score
    assert falling.annual_log_change < 0 < rising.risk_adjusted_log_change
    assert not falling.low_evidence and falling.own_steps == 5


def test_a_start_after_the_data_is_uncertain_from_month_0(
    write_scenario: Writer, catalog: Catalog
) -> None:
    later = FLAT_SCENARIO.replace("start = 2027-01-01", "start = 2028-01-01")
    result = run(load_scenario(write_scenario(later), catalog), catalog)
    assert result.price_forecast is not None
    m = result.price_forecast.candidates["openai-terra"].multiplier
    # Twelve months of steps lie between the data and the start.
    assert np.ptp(m[:, 0]) > 0
    # The negotiated 2.0 / 12.0 USD per 1M tokens: 0.0096 USD a request.
    price = result.price_forecast.candidates["openai-terra"].price_usd
    np.testing.assert_allclose(price[:, 0], 0.0096 * m[:, 0], rtol=1e-12)


def test_hazard_decay_slows_the_forecast_decline(
    write_scenario: Writer, catalog: Catalog
) -> None:
    decayed = FLAT_SCENARIO.replace(
        "paths = 20", "paths = 400\nforecast = { hazard_decay = 1.5 }"
    )
    steady = FLAT_SCENARIO.replace("paths = 20", "paths = 400")
    slow, fast = (
        run(load_scenario(write_scenario(text, f"{i}.toml"), catalog), catalog)
        .candidates[0]
        .pricing
        for i, text in enumerate((decayed, steady))
    )
    assert slow is not None and fast is not None
    assert slow.risk_adjusted_log_change > fast.risk_adjusted_log_change

"""The human report: figures, Markdown and HTML rendered from a real run.

Expected numbers come from the result's arrays or from closed forms worked
out here (the scenario has no caching and one model, so a request's cost is
its tokens times the sheet's prices); report cells show three significant
figures, so they are compared to within half a unit in the third digit.
"""

from __future__ import annotations

import base64
import math
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from sim.catalog import Catalog
from sim.pipeline import CandidateRun, Result, run
from sim.report.html import render_html
from sim.report.markdown import format_usd, render_markdown
from sim.report.plots import render_plots
from sim.scenario import load_scenario

# gpt-5.6-terra lists 2.0 / 12.0 USD per 1M input / output tokens from
# 2026-07-30 on; "terra-deal" negotiates 1.0 / 6.0. Growth with an sd makes
# the paths differ, so p10, p50 and p90 are distinct numbers. Prices are
# frozen so that a request's cost has a closed form; price paths are tested
# in test_forecast_pipeline.py.
SCENARIO = """\
[scenario]
name = "render-test"
description = "Q3 <plan> & options"
start = 2027-01-01
months = 24
paths = 50
seed = 11
prices = "frozen"

[[workload]]
name = "chat"
requests_per_day = 1000
growth = { kind = "exponential", rate = 0.02, sd = 0.05 }
input_tokens = { mean = 2000 }
output_tokens = { mean = 300 }

[[candidate]]
name = "terra"
provider = "openai"
model = "gpt-5.6-terra"

[[candidate]]
name = "terra-deal"
provider = "openai"
model = "gpt-5.6-terra"

[candidate.price]
input = 1.0
output = 6.0
"""
PRICES_PER_MTOK = {"terra": (2.0, 12.0), "terra-deal": (1.0, 6.0)}
IN_TOKENS, OUT_TOKENS = 2000, 300
SECTIONS = (
    "Bottom line",
    "Candidates",
    "Monthly cost",
    "Budget by year",
    "Where the money goes",
    "Cost score",
    "Pricing trajectory",
    "Assumptions",
    "Notes by candidate",
    "Run facts",
)
THREE_FIGURES = 0.005  # relative error of rounding to 3 significant figures


@dataclass(frozen=True)
class Rendered:
    result: Result
    plots: list[Path]
    markdown: str
    html: str


def _run(folder: Path, text: str, catalog: Catalog) -> Result:
    path = folder / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return run(load_scenario(path, catalog), catalog)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Rendered:
    folder = tmp_path_factory.mktemp("run")
    result = _run(folder, SCENARIO, catalog)
    plots = render_plots(result, folder / "plots")
    return Rendered(
        result, plots, render_markdown(result, plots), render_html(result, plots)
    )


def _by_name(result: Result) -> dict[str, CandidateRun]:
    return {r.candidate.name: r for r in result.candidates}


def _table(markdown: str, heading: str) -> list[dict[str, str]]:
    """The first table after ``## heading``, as one dict per row."""
    section = markdown.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    lines = [ln for ln in section.splitlines() if ln.startswith("|")]
    cells = [[c.strip() for c in ln.strip("|").split(" | ")] for ln in lines]
    header, rows = cells[0], cells[2:]
    return [dict(zip(header, row, strict=True)) for row in rows]


def _number(cell: str) -> float:
    return float(cell.replace(",", ""))


def _range(cell: str) -> tuple[float, float, float]:
    """``"6,570 (5,450–8,940)"`` -> (p10, p50, p90)."""
    match = re.fullmatch(r"([\d,.]+) \(([\d,.]+)\u2013([\d,.]+)\)", cell)
    assert match, cell
    p50, p10, p90 = (_number(g) for g in match.groups())
    return p10, p50, p90


# --- content -------------------------------------------------------------------


@pytest.mark.parametrize("heading", SECTIONS)
def test_every_section_is_in_both_reports(rendered: Rendered, heading: str) -> None:
    assert f"\n## {heading}\n" in rendered.markdown
    assert f"<h2>{heading}</h2>" in rendered.html


def test_title_names_the_scenario(rendered: Rendered) -> None:
    assert rendered.markdown.startswith("# TCO report: render-test\n")
    assert "<title>TCO report: render-test</title>" in rendered.html


def test_candidate_table_matches_the_result_arrays(rendered: Rendered) -> None:
    runs = _by_name(rendered.result)
    rows = _table(rendered.markdown, "Candidates")
    assert [r["candidate"] for r in rows] == ["terra-deal", "terra"]
    for row in rows:
        cand = runs[row["candidate"]]
        shown = _range(row["TCO p50 USD (p10\u2013p90)"])
        expected = np.quantile(cand.tco_usd, [0.1, 0.5, 0.9])
        assert shown == pytest.approx(expected, rel=THREE_FIGURES)
        npv = _number(row["NPV mean USD"])
        assert npv == pytest.approx(float(np.mean(cand.npv_usd)), rel=THREE_FIGURES)
        assert row["provider/model"] == "openai/gpt-5.6-terra"


@pytest.mark.parametrize(
    ("name", "per_1k"), [("terra", "7.60"), ("terra-deal", "3.80")]
)
def test_cost_per_1000_requests_is_the_per_request_closed_form(
    rendered: Rendered, name: str, per_1k: str
) -> None:
    # (2,000 x 2.0 + 300 x 12.0) / 1e6 x 1,000 = 7.60 USD; half for the deal.
    (row,) = [
        r for r in _table(rendered.markdown, "Candidates") if r["candidate"] == name
    ]
    assert row["cost per 1,000 requests USD"] == per_1k


def test_cost_score_follows_the_formula(rendered: Rendered) -> None:
    anchor = rendered.result.anchor.tco_usd
    runs = _by_name(rendered.result)
    for row in _table(rendered.markdown, "Cost score"):
        mean = float(np.mean(runs[row["candidate"]].tco_usd))
        score = min(5.0, max(1.0, 4.0 - math.log2(mean / anchor)))
        assert row["cost score"].startswith(f"{score:.2f} (")
        assert _number(row["TCO / anchor"]) == pytest.approx(mean / anchor, abs=0.005)
    assert "score = clip(4 - log2(TCO / anchor), 1, 5)" in rendered.markdown


def test_anchor_names_the_cheapest_model(rendered: Rendered) -> None:
    anchor = rendered.result.anchor
    assert anchor.kind == "cheapest-model"
    assert f"Anchor (cheapest-model): {format_usd(anchor.tco_usd)} USD" in (
        rendered.markdown
    )
    assert f"of {anchor.model}, the cheapest current catalogue model" in (
        rendered.markdown
    )


def test_anchor_explains_a_budget(tmp_path: Path, catalog: Catalog) -> None:
    text = SCENARIO.replace("seed = 11", "seed = 11\nbudget_usd = 5000")
    markdown = render_markdown(_run(tmp_path, text, catalog), [])
    assert (
        "Anchor (budget): the scenario's budget, 5,000 USD over the horizon."
        in markdown
    )


def test_budget_table_matches_annual_quantiles(rendered: Rendered) -> None:
    runs = _by_name(rendered.result)
    rows = _table(rendered.markdown, "Budget by year")
    assert [(r["candidate"], r["year"], r["first month"]) for r in rows] == [
        ("terra", "1", "2027-01"),
        ("terra", "2", "2028-01"),
        ("terra-deal", "1", "2027-01"),
        ("terra-deal", "2", "2028-01"),
    ]
    for row in rows:
        first = 12 * (int(row["year"]) - 1)
        totals = runs[row["candidate"]].cost_usd[:, first : first + 12].sum(axis=1)
        p50, p80, p90 = np.quantile(totals, [0.5, 0.8, 0.9])
        shown = [_number(row[k]) for k in ("P50 USD", "P80 USD", "P90 USD")]
        assert shown == pytest.approx([p50, p80, p90], rel=THREE_FIGURES)
        contingency = _number(row["contingency P80-P50 USD"])
        assert contingency == pytest.approx(p80 - p50, rel=THREE_FIGURES)


def test_money_by_kind_is_tokens_times_prices(rendered: Rendered) -> None:
    runs = _by_name(rendered.result)
    for row in _table(rendered.markdown, "Where the money goes"):
        name = row["candidate"]
        requests = float(runs[name].requests.sum(axis=1).mean())
        price_in, price_out = PRICES_PER_MTOK[name]
        input_usd = requests * IN_TOKENS * price_in / 1e6
        output_usd = requests * OUT_TOKENS * price_out / 1e6
        assert _number(row["input USD"]) == pytest.approx(input_usd, rel=THREE_FIGURES)
        assert _number(row["output USD"]) == pytest.approx(
            output_usd, rel=THREE_FIGURES
        )
        assert row["cached input USD"] == row["cache writes USD"] == "0"
        total = _number(row["total USD"])
        assert total == pytest.approx(input_usd + output_usd, rel=THREE_FIGURES)


def test_bottom_line_names_the_cheapest(rendered: Rendered) -> None:
    deal = _by_name(rendered.result)["terra-deal"]
    median = format_usd(float(np.median(deal.tco_usd)))
    assert (
        f"Cheapest by median TCO: terra-deal (openai/gpt-5.6-terra), {median} USD"
        in rendered.markdown
    )
    # Half the list prices on the same demand: cheaper on every path.
    assert "terra-deal is the cheapest on 100% of the 50 paths" in rendered.markdown


def test_assumptions_and_run_facts_are_listed(rendered: Rendered) -> None:
    result = rendered.result
    for assumption in result.assumptions:
        assert f"\n- {assumption}" in rendered.markdown
    facts = {r["fact"]: r["value"] for r in _table(rendered.markdown, "Run facts")}
    assert facts["seed"] == "11"
    assert facts["paths"] == "50"
    assert facts["engine"] == result.engine
    assert facts["price data sha256"] == result.catalog.sha256[:12]
    assert facts["scenario sha256"] == result.scenario.sha256[:12]


def test_candidates_without_notes_say_so(rendered: Rendered) -> None:
    notes = rendered.markdown.split("## Notes by candidate", 1)[1]
    assert notes.count("No notes.") == sum(
        not r.notes for r in rendered.result.candidates
    )


# --- figures and links ---------------------------------------------------------


def test_markdown_links_every_figure_relative_to_the_report(
    rendered: Rendered,
) -> None:
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", rendered.markdown)
    assert links == [
        "plots/cumulative_tco.png",
        "plots/monthly_cost_terra.png",
        "plots/monthly_cost_terra-deal.png",
        "plots/cost_breakdown.png",
        "plots/cache_hit_ratio.png",
        "plots/cost_per_1k_requests.png",
        "plots/price_terra.png",
        "plots/price_terra-deal.png",
        "plots/switching_cost_breakdown.png",
        "plots/cumulative_with_switching.png",
    ]
    folder = rendered.plots[0].parent.parent
    assert all((folder / link).is_file() for link in links)


def test_unknown_figures_go_under_more_figures(rendered: Rendered) -> None:
    extra = rendered.plots[0].with_name("price_paths.png")
    markdown = render_markdown(rendered.result, [*rendered.plots, extra])
    assert "## More figures\n\n![price paths](plots/price_paths.png)" in markdown


def test_plots_are_pngs_at_100_dpi(rendered: Rendered) -> None:
    names = sorted(p.name for p in rendered.plots)
    assert names == [
        "cache_hit_ratio.png",
        "cost_breakdown.png",
        "cost_per_1k_requests.png",
        "cumulative_tco.png",
        "cumulative_with_switching.png",
        "monthly_cost_terra-deal.png",
        "monthly_cost_terra.png",
        "price_terra-deal.png",
        "price_terra.png",
        "switching_cost_breakdown.png",
    ]
    for path in rendered.plots:
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        # IHDR holds width and height; 8 x 4.5 inches at 100 dpi.
        assert struct.unpack(">II", data[16:24]) == (800, 450)


def test_two_renders_give_identical_png_bytes(
    rendered: Rendered, tmp_path: Path
) -> None:
    again = render_plots(rendered.result, tmp_path / "plots")
    assert [p.name for p in again] == [p.name for p in rendered.plots]
    for first, second in zip(rendered.plots, again, strict=True):
        assert first.read_bytes() == second.read_bytes()


# --- html ------------------------------------------------------------------------


def test_html_has_no_outside_resources_or_scripts(rendered: Rendered) -> None:
    page = rendered.html
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()
    assert "url(" not in page
    # Every src or href points inside the page.
    targets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)""", page)
    assert targets and all(t.startswith("data:image/png;base64,") for t in targets)


def test_html_embeds_each_figure_as_its_png_bytes(rendered: Rendered) -> None:
    payloads = re.findall(r'src="data:image/png;base64,([^"]+)"', rendered.html)
    embedded = sorted(base64.b64decode(p) for p in payloads)
    assert embedded == sorted(p.read_bytes() for p in rendered.plots)


def test_html_escapes_text(rendered: Rendered) -> None:
    assert "<p>Q3 &lt;plan&gt; &amp; options</p>" in rendered.html
    assert "<plan>" not in rendered.html
    assert "Q3 <plan> & options" in rendered.markdown


def test_html_shows_the_markdown_tables(rendered: Rendered) -> None:
    for row in _table(rendered.markdown, "Candidates"):
        cells = "".join(f"<td{_cls(k)}>{v}</td>" for k, v in row.items())
        assert f"<tr>{cells}</tr>" in rendered.html


def _cls(header: str) -> str:
    return "" if header in ("candidate", "provider/model") else ' class="num"'


# --- money format ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1_234_567.0, "1,230,000"),
        (210_432.0, "210,000"),
        (5_000.0, "5,000"),
        (999.7, "1,000"),
        (12.345, "12.3"),
        (9.996, "10.0"),
        (7.6, "7.60"),
        (0.04567, "0.0457"),
        (0.0, "0"),
        (3e-9, "0"),
        (0.00012, "0.000120"),
        (-1_234.0, "-1,230"),
        (float("nan"), "n/a"),
    ],
)
def test_format_usd_keeps_three_significant_figures(value: float, text: str) -> None:
    assert format_usd(value) == text

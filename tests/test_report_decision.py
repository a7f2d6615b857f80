"""The decision section and the selection's outputs, end to end."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema

from sim.catalog import load_catalog
from sim.pipeline import run
from sim.report.decision import COMPOSITE_PNG, RANKS_PNG, TORNADO_PNG
from sim.report.markdown import render_markdown
from sim.report.plots import render_plots
from sim.report.summary import build_summary, render_scores_csv
from sim.report.summary_schema import summary_json_schema
from sim.scenario import load_scenario

SCENARIO = """\
[scenario]
name = "pick"
start = 2027-01-01
months = 12
paths = 40
prices = "frozen"
budget_usd = 20_000  # an anchor that keeps the cost scores off their clips

[scenario.selection]
weights = { cost = 1.0 }
requires = { soc2_type2 = true }
draws = 2000

[[workload]]
name = "chat"
requests_per_day = 10_000
input_tokens = { mean = 2_000 }
output_tokens = { mean = 300 }

[[candidate]]
name = "terra"
provider = "openai"
model = "gpt-5.6-terra"

[[candidate]]
name = "sonnet"
provider = "anthropic"
model = "claude-sonnet-5"

[[candidate]]
name = "flash"
provider = "google"
model = "gemini-3.7-flash"
"""


def test_decision_outputs(tmp_path: Path) -> None:
    path = tmp_path / "pick.toml"
    path.write_text(SCENARIO)
    catalog = load_catalog()
    result = run(load_scenario(path, catalog), catalog, "fluid")
    summary = build_summary(result)
    jsonschema.validate(summary, summary_json_schema())

    # All weight on cost: the ranking is the TCO order of those that pass.
    scores = [c["factors"]["cost"]["score"] for c in summary["candidates"]]
    assert all(1 < x < 5 for x in scores)
    by_name = {c["name"]: c for c in summary["candidates"]}
    assert by_name["flash"]["gates"]["passed"] is False
    assert "composite" not in by_name["flash"]
    ranked = sorted(
        (c for c in summary["candidates"] if "composite" in c),
        key=lambda c: c["composite"]["rank"],
    )
    tco_order = sorted(ranked, key=lambda c: c["tco_usd"]["mean"])
    assert [c["name"] for c in ranked] == [c["name"] for c in tco_order]
    assert summary["selection"]["winner"] == ranked[0]["name"]

    rows = list(csv.DictReader(io.StringIO(render_scores_csv(result))))
    composite = [r for r in rows if r["factor"] == "composite"]
    assert {r["candidate"] for r in composite} == {"terra", "sonnet"}
    p_first = sum(float(r["metric_value"]) for r in composite)
    assert abs(p_first - 1.0) < 1e-9

    plots = render_plots(result, tmp_path / "plots")
    names = {p.name for p in plots}
    assert {COMPOSITE_PNG, RANKS_PNG, TORNADO_PNG} <= names
    markdown = render_markdown(result, plots)
    assert markdown.index("## Recommendation") < markdown.index("## Bottom line")
    assert "flash: EXCLUDED: SOC 2 Type II required" in markdown
    json.dumps(summary)  # plain JSON all through

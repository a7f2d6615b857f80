"""The README's examples stay true: its scenario validates and runs."""

from __future__ import annotations

import re
from pathlib import Path

from sim.catalog import load_catalog
from sim.scenario import load_scenario

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_scenario_example_is_valid(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    guide = text[text.index("## Writing a scenario") :]
    example = re.search(r"```toml\n(.*?)```", guide, re.S)
    assert example is not None
    path = tmp_path / "example.toml"
    path.write_text(example.group(1), encoding="utf-8")
    scenario = load_scenario(path, load_catalog())
    assert scenario.name == "support-assistant"
    (cand,) = scenario.candidates
    assert cand.route is not None and cand.route.model.id == "gpt-5.6-luna"
    assert cand.provisioned is not None and cand.provisioned.tpm == 1_000_000

"""Shared fixtures: the bundled catalog and a valid base scenario."""

from __future__ import annotations

import os

# Before numpy loads: statsmodels' small fits (the price forecast) run ten
# times slower with OpenBLAS worker threads on a two-core machine. The CLI
# sets the same default (sim.cli.main).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from pathlib import Path

import pytest

from sim.catalog import Catalog, load_catalog

# The flat scenario of the design notes: with frozen prices its cost has a
# closed form, requests/day x days x (in x p_in + out x p_out) / 1e6.
FLAT_SCENARIO = """\
[scenario]
name = "flat"
start = 2027-01-01
months = 36
discount_rate = 0.10
seed = 42
paths = 20
prices = "frozen"

[[workload]]
name = "chat"
requests_per_day = 20_000
growth = { kind = "none" }
daily_profile = "flat"
weekly_profile = "flat"
input_tokens = { mean = 2_400, sd = 0 }
output_tokens = { mean = 400, sd = 0 }
cacheable_prefix_tokens = 0

[[candidate]]
name = "openai-terra"
provider = "openai"
model = "gpt-5.6-terra"

[candidate.price]
input = 2.0
output = 12.0
"""


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def write_scenario(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write scenario text to a file and return its path."""

    def write(text: str = FLAT_SCENARIO, name: str = "scenario.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write

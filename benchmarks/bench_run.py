"""Time ``tcosim run`` on the largest bundled scenario against a baseline.

The baseline, measured in the same run on the same machine, is the bare
import of tcosim's dependencies (numpy, pandas, statsmodels, matplotlib,
simpy, click, jsonschema) in a fresh interpreter: the least any run of a
Python tool built on them can take. The report is the ratio, which carries
across machines far better than seconds do.

Usage: python benchmarks/bench_run.py [--repeats N] [--scenario FILE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMPORTS = (
    "import numpy, pandas, statsmodels.api, matplotlib, matplotlib.pyplot, "
    "simpy, click, jsonschema"
)


def largest_scenario() -> Path:
    """The bundled scenario with the most candidate x workload x path work."""
    import tomllib

    def size(path: Path) -> int:
        doc = tomllib.loads(path.read_text())
        sc = doc["scenario"]
        work = len(doc["workload"]) * len(doc["candidate"])
        return work * sc.get("paths", 1000) * sc["months"]

    return max(sorted((ROOT / "scenarios").glob("*.toml")), key=size)


def time_command(argv: list[str], repeats: int) -> list[float]:
    """Wall-clock seconds of ``argv`` run ``repeats`` times."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    out = []
    for _ in range(repeats):
        began = time.perf_counter()
        subprocess.run(argv, check=True, env=env, capture_output=True)
        out.append(time.perf_counter() - began)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scenario", type=Path, default=None)
    args = parser.parse_args()
    scenario = args.scenario or largest_scenario()

    baseline = time_command([sys.executable, "-c", IMPORTS], args.repeats)
    with tempfile.TemporaryDirectory() as tmp:
        run = [sys.executable, "-m", "sim", "run", str(scenario), "--out", tmp, "-q"]
        runs = time_command(run, args.repeats)

    base, full = statistics.median(baseline), statistics.median(runs)
    print(f"scenario: {scenario.relative_to(ROOT)}")
    print(f"baseline (bare import of dependencies): median {base:.2f} s")
    print(f"tcosim run (all outputs and plots):     median {full:.2f} s")
    print(f"ratio run / baseline: {full / base:.2f}x over {args.repeats} repeats")


if __name__ == "__main__":
    main()

"""The wheel carries the price sheets and examples and runs on its own."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_in_a_fresh_venv_and_runs_a_bundled_scenario(
    tmp_path: Path,
) -> None:
    dist = tmp_path / "dist"
    # Offline: build with the installed setuptools, install without an index;
    # the venv sees the already installed dependencies but not this checkout.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = dist.glob("tcosim-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
    )

    work = tmp_path / "work"
    work.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import sim; print(sim.__file__)"],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(env_dir))

    tcosim = env_dir / "bin" / "tcosim"
    subprocess.run(
        [str(tcosim), "init", "--preset", "rag", "rag.toml"],
        cwd=work,
        check=True,
        capture_output=True,
    )
    done = subprocess.run(
        [str(tcosim), "run", "rag.toml", "--paths", "20", "--json", "-q"],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads(done.stdout)
    assert summary["scenario"]["name"] == "rag-docs"
    assert (work / "outputs" / "rag-docs" / "report.html").is_file()
    listed = subprocess.run(
        [str(tcosim), "prices", "list", "--provider", "groq"],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "llama-3.3-70b-versatile" in listed.stdout

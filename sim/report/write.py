"""Write a run's files atomically.

Everything is written into a temporary folder beside the destination and
moved into place only when complete, so a failed run never leaves a mix of
old and new files; an earlier run's folder is replaced whole.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from sim.errors import InputError
from sim.pipeline import Result

log = logging.getLogger(__name__)


def write_outputs(result: Result, out_dir: Path) -> list[Path]:
    """Write every output file of ``result`` into ``out_dir``.

    Returns:
        The paths written, relative to ``out_dir``.
    """
    out_dir = out_dir.resolve()
    check_out_dir(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        written = _write_all(result, staging)
        _swap_into_place(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log.info("wrote %d files to %s", len(written), out_dir)
    return written


def check_out_dir(out_dir: Path) -> None:
    """Never replace a folder that holds anything but an earlier run."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise InputError.single(
            "--out", "", f"{out_dir} is a file; expected a folder for the run"
        )
    if any(out_dir.iterdir()) and not (out_dir / "summary.json").is_file():
        raise InputError.single(
            "--out",
            "",
            f"{out_dir} holds files that are not a tcosim run; expected a new, "
            "empty or earlier-run folder",
        )


def _write_all(result: Result, folder: Path) -> list[Path]:
    from sim.report.html import render_html
    from sim.report.markdown import render_markdown
    from sim.report.plots import render_plots
    from sim.report.summary import (
        render_monthly_csv,
        render_scores_csv,
        render_summary_json,
    )

    files = {
        "summary.json": render_summary_json(result),
        "monthly.csv": render_monthly_csv(result),
        "scores.csv": render_scores_csv(result),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    plots = render_plots(result, folder / "plots")
    (folder / "report.md").write_text(render_markdown(result, plots), encoding="utf-8")
    (folder / "report.html").write_text(render_html(result, plots), encoding="utf-8")
    return (
        [Path(n) for n in files]
        + [p.relative_to(folder) for p in plots]
        + [Path("report.md"), Path("report.html")]
    )


def _swap_into_place(staging: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    retired = out_dir.with_name(f".{out_dir.name}.old")
    shutil.rmtree(retired, ignore_errors=True)
    out_dir.rename(retired)
    staging.rename(out_dir)
    shutil.rmtree(retired, ignore_errors=True)

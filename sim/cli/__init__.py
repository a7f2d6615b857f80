"""The ``tcosim`` command line: parse options, call the library, render.

Heavy libraries (numpy, pandas, matplotlib, statsmodels) are imported inside
the commands that need them, so ``tcosim --help`` starts instantly.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import sys
import traceback
from pathlib import Path
from typing import Any

import click

import sim
from sim.cli.compare import compare
from sim.cli.forecast import forecast
from sim.cli.prices import prices
from sim.errors import EXIT_FAILURE, EXIT_INPUT, InputError
from sim.progress import Progress

PRESETS = {
    "chat": "support-chat.toml",
    "rag": "rag-docs.toml",
    "agent": "coding-agent.toml",
    "batch": "nightly-batch.toml",
}


class TcosimGroup(click.Group):
    """A group that turns tcosim's errors into exit codes and one-liners."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            for problem in exc.problems:
                click.echo(f"Error: {problem}", err=True)
            ctx.exit(EXIT_INPUT)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # an unexpected failure: short, exit 1
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            else:
                click.echo(
                    f"Error: unexpected failure: {type(exc).__name__}: {exc} "
                    "(run with --debug for the traceback)",
                    err=True,
                )
            ctx.exit(EXIT_FAILURE)


@click.group(cls=TcosimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(sim.__version__, prog_name="tcosim")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Multi-year cost, price trajectory and lock-in risk of LLM providers.

    Example: tcosim run scenarios/support-chat.toml
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


cli.add_command(prices)
cli.add_command(forecast)
cli.add_command(compare)


def _setup_logging(quiet: bool, verbose: int, debug: bool) -> None:
    level = logging.WARNING if quiet else logging.INFO
    if verbose or debug:
        level = logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("sim")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


@cli.command()
@click.argument("scenario_file", metavar="SCENARIO.toml")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Output folder [default: outputs/<scenario name>/].",
)
@click.option("--seed", type=click.IntRange(min=0), help="Override scenario.seed.")
@click.option(
    "--paths",
    type=click.IntRange(1, 100_000),
    help="Override scenario.paths (Monte Carlo paths).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print summary.json to stdout instead of the table.",
)
@click.option(
    "--engine",
    type=click.Choice(["auto", "des", "fluid"]),
    default="auto",
    show_default=True,
    help="Workload engine: request-level simulation, closed form, or each "
    "where it fits.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress messages.")
@click.option("-v", "--verbose", count=True, help="More progress messages.")
@click.pass_context
def run(
    ctx: click.Context,
    scenario_file: str,
    out_dir: Path | None,
    seed: int | None,
    paths: int | None,
    as_json: bool,
    engine: str,
    quiet: bool,
    verbose: int,
) -> None:
    """Simulate a scenario and write its cost comparison.

    Example: tcosim run scenarios/support-chat.toml --out outputs/chat
    """
    from sim.catalog import load_catalog
    from sim.pipeline import run as run_pipeline
    from sim.report.summary import render_summary_json
    from sim.report.terminal import render_table
    from sim.report.write import check_out_dir, write_outputs
    from sim.scenario import load_scenario

    _setup_logging(quiet, verbose, ctx.obj["debug"])
    catalog = load_catalog()
    scenario = load_scenario(scenario_file, catalog)
    scenario = dataclasses.replace(
        scenario,
        seed=scenario.seed if seed is None else seed,
        paths=scenario.paths if paths is None else paths,
    )
    target = out_dir or Path("outputs") / scenario.name
    check_out_dir(target.resolve())  # fail before the work, not after
    logging.getLogger("sim").info(
        "scenario %s: %d workloads, %d candidates, %d months, %d paths",
        scenario.name,
        len(scenario.workloads),
        len(scenario.candidates),
        scenario.months,
        scenario.paths,
    )
    # A progress line on stderr for runs over a second; silent when quiet
    # or when stderr is not a terminal.
    with Progress(sys.stderr, enabled=not quiet) as progress:
        progress.phase("simulating")
        result = run_pipeline(scenario, catalog, engine)
        progress.phase("writing files")
        write_outputs(result, target)
    if as_json:
        click.echo(render_summary_json(result), nl=False)
    else:
        click.echo(render_table(result))
        if not quiet:
            click.echo(f"\nfiles: {target}/", err=True)


@cli.command()
@click.argument("scenario_file", metavar="SCENARIO.toml")
def validate(scenario_file: str) -> None:
    """Check a scenario file and report every problem in it.

    Example: tcosim validate scenarios/rag-docs.toml
    """
    from sim.catalog import load_catalog
    from sim.scenario import load_scenario

    scenario = load_scenario(scenario_file, load_catalog())
    click.echo(
        f"{scenario_file}: ok ({len(scenario.workloads)} workloads, "
        f"{len(scenario.candidates)} candidates, {scenario.months} months "
        f"from {scenario.start:%Y-%m})"
    )


@cli.command()
@click.argument("which", type=click.Choice(["scenario", "summary"]))
def schema(which: str) -> None:
    """Print the JSON Schema of scenario files or of summary.json.

    Example: tcosim schema scenario > tcosim-scenario.schema.json
    """
    if which == "scenario":
        from sim.scenario_schema import scenario_json_schema

        doc = scenario_json_schema()
    else:
        from sim.report.summary_schema import summary_json_schema

        doc = summary_json_schema()
    click.echo(json.dumps(doc, indent=2))


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--preset",
    type=click.Choice(sorted(PRESETS)),
    default="chat",
    show_default=True,
    help="Kind of deployment to start from.",
)
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def init(path: Path, preset: str, force: bool) -> None:
    """Write a commented starter scenario to adapt.

    Example: tcosim init --preset rag my-rag.toml
    """
    from sim.resources import scenarios_dir

    if path.exists() and not force:
        raise InputError.single(
            str(path), "", "already exists; choose another path or add --force"
        )
    shutil.copyfile(scenarios_dir() / PRESETS[preset], path)
    click.echo(f"wrote {path} (preset '{preset}'); next: tcosim validate {path}")


def main() -> None:
    """Console-script entry point."""
    # Before numpy loads (no command has imported it yet): statsmodels'
    # small fits in the price forecast run ten times slower with OpenBLAS
    # worker threads on a two-core machine, and tcosim's arrays are too
    # small to gain from threads. A value the user set wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    cli(prog_name="tcosim")

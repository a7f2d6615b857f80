"""``tcosim compare``: what changed between two runs' ``summary.json``.

Two runs differ because an input differs (the scenario file, the price
data, the tcosim version, the engine) or only because of randomness (the
seed or the number of Monte Carlo paths). The command sets the inputs
side by side; then, for each candidate in both runs, the TCO band, the
NPV mean and every factor score present in both, with B's change from
A; then the candidates only one run has; and ends with a one-line
verdict on the likely cause. Text by default, JSON with ``--json``.

It reads JSON only (no numpy, pandas or statsmodels), so it starts at
once. A file that is missing, not JSON or not a tcosim summary is an
input error: one ``Error: <file>: ...`` line per problem, exit status 2.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from sim.cli.forecast import align
from sim.errors import InputError, Problem, ProblemLog
from sim.report.summary_schema import summary_json_schema

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
Summary = dict[str, Any]
EXPECTED = "expected the summary.json of a tcosim run"

# JSON key, label, where summary.json holds it.
INPUTS = (
    ("scenario_sha256", "scenario sha256", ("scenario", "sha256")),
    ("pricing_data_sha256", "price data sha256", ("run", "pricing_data_sha256")),
    ("tcosim_version", "tcosim version", ("tcosim_version",)),
    ("engine", "engine", ("run", "engine")),
    ("seed", "seed", ("run", "seed")),
    ("paths", "paths", ("run", "paths")),
)
# An input that changes the model, and how the verdict names its change.
CAUSES = {
    "scenario_sha256": "scenario changed",
    "pricing_data_sha256": "price data changed",
    "tcosim_version": "tcosim version changed",
    "engine": "engine changed",
}
RANDOM_INPUTS = ("seed", "paths")
BANDS = (("tco_usd", ("p50", "p10", "p90")), ("npv_usd", ("mean",)))
# Keys compare reads, with the type each must have.
TOP_KEYS = (
    ("tcosim_version", str),
    ("scenario.sha256", str),
    ("run.seed", int),
    ("run.paths", int),
    ("run.engine", str),
    ("run.pricing_data_sha256", str),
    ("candidates", list),
)
CANDIDATE_KEYS = (
    ("name", str),
    *((f"{band}.{q}", float) for band, qs in BANDS for q in qs),
)
TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", list: "a list"}


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("summary_a", metavar="A.json", type=click.Path(path_type=Path))
@click.argument("summary_b", metavar="B.json", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON, not text.")
def compare(summary_a: Path, summary_b: Path, as_json: bool) -> None:
    """Show what changed between two runs' summary.json files.

    Changes are B minus A, in USD for money and in points for scores. A
    run folder stands for the summary.json inside it.

    Example: tcosim compare outputs/a/summary.json outputs/b/summary.json
    """
    doc = compare_runs(summary_a, summary_b)
    click.echo(json.dumps(doc, indent=2) if as_json else render_comparison(doc))


def compare_runs(path_a: Path, path_b: Path) -> dict[str, Any]:
    """Load two summaries and compare them (the ``--json`` document).

    Raises:
        InputError: every problem of both files, if either is not a
            readable tcosim summary.
    """
    problems: list[Problem] = []
    loaded: list[tuple[str, Summary]] = []
    for path in (path_a, path_b):
        try:
            loaded.append(load_summary(path))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    (name_a, a), (name_b, b) = loaded
    return {"a": _about(name_a, a), "b": _about(name_b, b), **compare_summaries(a, b)}


def compare_summaries(a: Summary, b: Summary) -> dict[str, Any]:
    """Inputs, candidates and verdict of B against A."""
    inputs = {
        key: _side_by_side(_get(a, where), _get(b, where)) for key, _, where in INPUTS
    }
    in_a = {c["name"]: c for c in a["candidates"]}
    in_b = {c["name"]: c for c in b["candidates"]}
    doc: dict[str, Any] = {
        "inputs": inputs,
        "candidates": [
            _compare_candidate(cand, in_b[name])
            for name, cand in in_a.items()
            if name in in_b
        ],
        "only_in_a": [name for name in in_a if name not in in_b],
        "only_in_b": [name for name in in_b if name not in in_a],
    }
    doc["verdict"] = verdict(doc)
    return doc


def verdict(doc: dict[str, Any]) -> str:
    """One line on why the two runs differ."""
    inputs = doc["inputs"]
    causes = ", ".join(t for key, t in CAUSES.items() if not inputs[key]["same"])
    noise = " and ".join(
        f"{key} {inputs[key]['a']} vs {inputs[key]['b']}"
        for key in RANDOM_INPUTS
        if not inputs[key]["same"]
    )
    if not _changed([doc["candidates"], doc["only_in_a"], doc["only_in_b"]]):
        found = ", ".join(part for part in (causes, noise) if part)
        return (
            f"{found}, yet no result changed" if found else "same inputs, same results"
        )
    if causes and noise:
        return f"{causes}; {noise} too, so part of the differences is randomness"
    if causes:
        return f"{causes}: same seed and paths, so the differences come from that"
    if noise:
        return f"same inputs: differences come from randomness ({noise})"
    return (
        "same inputs, seed and paths, yet results differ; expected identical "
        "runs: rerun both with the same tcosim install"
    )


# -- loading -------------------------------------------------------------------


def load_summary(path: Path) -> tuple[str, Summary]:
    """Read and check one summary; a run folder means its summary.json.

    Returns:
        The file's name as shown in messages, and the document.

    Raises:
        InputError: the file is missing, not JSON or not a tcosim summary.
    """
    if path.is_dir():
        path = path / "summary.json"
    name = str(path)
    doc = _parse_json(name, _read_text(name, path))
    _check_summary(name, doc)
    return name, doc


def _read_text(name: str, path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError.single(name, "", f"file not found; {EXPECTED}") from None
    except UnicodeDecodeError:
        raise InputError.single(name, "", f"not UTF-8 text; {EXPECTED}") from None
    except OSError as exc:
        raise InputError.single(name, "", f"cannot read: {exc.strerror}") from None


def _parse_json(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise InputError.single(
            name, "", f"not JSON ({exc.msg} at {where}); {EXPECTED}"
        ) from None


def _check_summary(name: str, doc: Any) -> None:
    """Refuse anything but a summary of the schema version this tcosim reads."""
    version = summary_json_schema()["properties"]["schema_version"]["const"]
    if not isinstance(doc, dict) or "schema_version" not in doc:
        raise InputError.single(
            name,
            "",
            "not a tcosim summary: no schema_version; expected the summary.json "
            f"of a tcosim run (schema_version {version})",
        )
    if doc["schema_version"] != version:
        raise InputError.single(
            name,
            "schema_version",
            f"{doc['schema_version']!r} is not supported; expected {version}, "
            "the version this tcosim reads",
        )
    log = ProblemLog(name)
    _check_keys(log, "", doc, TOP_KEYS)
    if isinstance(doc.get("candidates"), list):
        for i, cand in enumerate(doc["candidates"]):
            _check_keys(log, f"candidates[{i}].", cand, CANDIDATE_KEYS)
    log.raise_if_any()


def _check_keys(
    log: ProblemLog,
    prefix: str,
    doc: Any,
    keys: Sequence[tuple[str, type]],
) -> None:
    for key, kind in keys:
        value = _get(doc, tuple(key.split(".")))
        if not _is_kind(value, kind):
            found = "missing" if value is None else f"found {value!r}"
            log.add(f"{prefix}{key}", f"{found}; expected {TYPE_NAMES[kind]}")


def _is_kind(value: Any, kind: type) -> bool:
    if isinstance(value, bool):  # JSON true is no number
        return False
    if kind is float:
        return isinstance(value, int | float)
    return isinstance(value, kind)


# -- comparing -----------------------------------------------------------------


def _about(name: str, doc: Summary) -> dict[str, Any]:
    scenario = doc.get("scenario", {})
    return {
        "file": name,
        "scenario": scenario.get("name") if isinstance(scenario, dict) else None,
        "created_utc": doc.get("created_utc"),
    }


def _compare_candidate(a: Summary, b: Summary) -> dict[str, Any]:
    out: dict[str, Any] = {"name": a["name"]}
    for band, quantiles in BANDS:
        out[band] = {q: _change(a[band][q], b[band][q]) for q in quantiles}
    factors_a, factors_b = _factors(a), _factors(b)
    out["factors"] = {
        name: _change(score, factors_b[name], relative=False)
        for name, score in factors_a.items()
        if name in factors_b
    }
    composite = _compare_composite(_composite(a), _composite(b))
    if composite:
        out["composite"] = composite
    gates_a, gates_b = _gates_passed(a), _gates_passed(b)
    if gates_a is not None and gates_b is not None:
        out["gates_passed"] = _side_by_side(gates_a, gates_b)
    return out


def _factors(cand: Summary) -> dict[str, float]:
    """Factor -> score, for each factor that has a numeric score."""
    factors = cand.get("factors")
    if not isinstance(factors, dict):
        return {}
    return {
        name: factor["score"]
        for name, factor in factors.items()
        if name != "composite"
        and isinstance(factor, dict)
        and _is_kind(factor.get("score"), float)
    }


def _composite(cand: Summary) -> dict[str, Any]:
    """The composite block, at the candidate's top level or among its factors."""
    found = cand.get("composite")
    if not isinstance(found, dict):
        factors = cand.get("factors")
        found = factors.get("composite") if isinstance(factors, dict) else None
    return found if isinstance(found, dict) else {}


def _compare_composite(a: Summary, b: Summary) -> dict[str, Any]:
    return {
        key: _change(a[key], b[key], relative=False)
        for key in ("score", "rank")
        if _is_kind(a.get(key), float) and _is_kind(b.get(key), float)
    }


def _gates_passed(cand: Summary) -> bool | None:
    gates = cand.get("gates")
    passed = gates.get("passed") if isinstance(gates, dict) else gates
    return passed if isinstance(passed, bool) else None


def _change(a: float, b: float, relative: bool = True) -> dict[str, Any]:
    """A number in both runs, B minus A, and as a percentage of A."""
    out: dict[str, Any] = {"a": a, "b": b, "change": round(b - a, 6)}
    if relative:
        out["change_pct"] = round((b - a) / abs(a) * 100, 4) if a else None
    return out


def _side_by_side(a: Any, b: Any) -> dict[str, Any]:
    return {"a": a, "b": b, "same": a == b}


def _changed(value: Any) -> bool:
    """True if anything compared differs, or a candidate is in one run only."""
    if isinstance(value, dict):
        if value.get("same") is False or value.get("change", 0) != 0:
            return True
        return any(_changed(v) for v in value.values())
    if isinstance(value, list):
        return any(isinstance(v, str) or _changed(v) for v in value)
    return False


def _get(doc: Any, where: Sequence[str]) -> Any:
    """The value at a key path, or None where the path breaks off."""
    for key in where:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


# -- rendering -----------------------------------------------------------------


def render_comparison(doc: dict[str, Any]) -> str:
    """The comparison as plain aligned text."""
    parts = [_run_line("A", doc["a"]), _run_line("B", doc["b"]), ""]
    parts += [_render_inputs(doc["inputs"]), ""]
    if doc["candidates"]:
        parts += [_render_candidates(doc["candidates"]), ""]
    else:
        parts += ["no candidate is in both runs", ""]
    for side in ("a", "b"):
        if doc[f"only_in_{side}"]:
            parts.append(f"only in {side.upper()}: {', '.join(doc[f'only_in_{side}'])}")
    parts.append(f"verdict: {doc['verdict']}")
    return "\n".join(parts)


def _run_line(label: str, about: dict[str, Any]) -> str:
    return (
        f"{label}: {about['file']} (scenario {about['scenario']}, "
        f"written {about['created_utc']})"
    )


def _render_inputs(inputs: dict[str, Any]) -> str:
    rows: list[tuple[str, ...]] = [("input", "A", "B", "")]
    for key, label, _ in INPUTS:
        pair = inputs[key]
        cells = [_input_text(key, pair["a"]), _input_text(key, pair["b"])]
        rows.append((label, *cells, "same" if pair["same"] else "differs"))
    return align(rows, text_columns=4)


def _input_text(key: str, value: Any) -> str:
    # The first 12 hex digits tell files apart; --json holds them whole.
    text = str(value)
    return text[:12] if key.endswith("sha256") else text


def _render_candidates(candidates: Sequence[dict[str, Any]]) -> str:
    rows: list[tuple[str, ...]] = [
        ("candidate", "measure", "A", "B", "change", "change %")
    ]
    for cand in candidates:
        lines = _candidate_rows(cand)
        rows += [
            (cand["name"] if i == 0 else "", *line) for i, line in enumerate(lines)
        ]
    return align(rows, text_columns=2)


def _candidate_rows(cand: dict[str, Any]) -> list[tuple[str, ...]]:
    rows = [
        (f"{band[:3].upper()} {q} USD", *_money_cells(cand[band][q]))
        for band, quantiles in BANDS
        for q in quantiles
    ]
    for name, score in cand["factors"].items():
        rows.append((f"{name} score (1-5)", *_number_cells(score, ".2f")))
    composite = cand.get("composite", {})
    if "score" in composite:
        rows.append(
            ("composite score (1-5)", *_number_cells(composite["score"], ".2f"))
        )
    if "rank" in composite:
        rows.append(
            ("composite rank (1 = first)", *_number_cells(composite["rank"], "d"))
        )
    if "gates_passed" in cand:
        gates = cand["gates_passed"]
        state = "same" if gates["same"] else "changed"
        rows.append(("gates passed", _yes(gates["a"]), _yes(gates["b"]), state, ""))
    return rows


def _money_cells(change: dict[str, Any]) -> tuple[str, ...]:
    fmt = ",.0f" if max(abs(change["a"]), abs(change["b"])) >= 100 else ",.2f"
    pct = change["change_pct"]
    return (
        format(change["a"], fmt),
        format(change["b"], fmt),
        _signed(change["change"], fmt),
        "n/a" if pct is None else _signed(pct, ".2f") + "%",
    )


def _number_cells(change: dict[str, Any], fmt: str) -> tuple[str, ...]:
    if fmt == "d":  # ranks: JSON may carry them as 1.0
        change = {k: int(change[k]) for k in ("a", "b", "change")}
    return (
        format(change["a"], fmt),
        format(change["b"], fmt),
        _signed(change["change"], fmt),
        "",
    )


def _signed(value: float, fmt: str) -> str:
    """``+1,234``, ``-0.05``, and a bare ``0`` for no change."""
    text = format(value, "+" + fmt)
    return "0" if text.lstrip("+-").strip("0.,") == "" else text


def _yes(value: bool) -> str:
    return "yes" if value else "no"

"""Scenario keys of the selection: weights, gates, robustness settings, scores.

``[scenario.selection]`` (:class:`Selection`)::

    preset = "consumer-chat"          # a name from sim.selection.PRESETS
    weights = { cost = 0.3, latency = 0.3 }
    requires = { soc2_type2 = true, min_context_tokens = 200_000 }
    draws = 10_000                    # Monte Carlo draws
    weight_concentration = 120        # Dirichlet concentration
    latency_budget_seconds = 1.0      # queueing delay a user notices

Give ``preset``, ``weights`` or both. With both, each listed weight
replaces the preset's (whose weights sum to one), and the result is
normalised again; alone, ``weights`` leaves unlisted factors at 0.

``[candidate.scores]`` (:class:`TeamScores`) holds the team's 1-5 score
for any of the nine factors tcosim does not compute, as a number or a
``[low, high]`` range.

The JSON Schema fragments (:func:`selection_schema`, :func:`scores_schema`)
check types, ranges and names, with "did you mean" for misspelt factors,
presets and requirements; :func:`check_selection` and :func:`check_scores`
add the cross-field rules, one problem per line.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.errors import ProblemLog
from sim.selection.composite import CONCENTRATION, DRAWS
from sim.selection.factors import BY_NAME, FACTOR_NAMES, PRESETS, TEAM_SCORED
from sim.selection.gates import CONTEXT_KEY, GATES, Requirements
from sim.selection.signals import LATENCY_BUDGET_SECONDS

logger = logging.getLogger(__name__)

JsonDict = dict[str, Any]
MAX_DRAWS = 1_000_000


@dataclass(frozen=True)
class Selection:
    """``[scenario.selection]``, validated.

    Attributes:
        weights: all twelve factors, normalised to sum to one.
        requires: the gates every candidate must pass.
        preset: the preset the weights start from, if any.
        draws: Monte Carlo draws of the robustness analysis.
        weight_concentration: Dirichlet concentration of the weight
            draws (120: about +/-30% relative spread for a weight of
            1/12).
        latency_budget_seconds: the queueing delay that costs factor 2
            one point (see :mod:`sim.selection.signals`).
    """

    weights: Mapping[str, float] = field(default_factory=dict)
    requires: Requirements = Requirements()
    preset: str | None = None
    draws: int = DRAWS
    weight_concentration: float = CONCENTRATION
    latency_budget_seconds: float = LATENCY_BUDGET_SECONDS


@dataclass(frozen=True)
class TeamScores:
    """``[candidate.scores]``: the team's scores, each as ``(low, high)``.

    A number ``x`` is stored as ``(x, x)``. Factors the team left out are
    absent; tuples keep the object immutable and hashable.
    """

    ranges: tuple[tuple[str, float, float], ...] = ()

    def get(self, factor: str) -> tuple[float, float] | None:
        """The team's ``(low, high)`` for ``factor``, or None."""
        for name, low, high in self.ranges:
            if name == factor:
                return low, high
        return None

    def as_dict(self) -> dict[str, tuple[float, float]]:
        """Factor -> ``(low, high)``."""
        return {name: (low, high) for name, low, high in self.ranges}


def selection_schema() -> JsonDict:
    """JSON Schema of ``[scenario.selection]``."""
    return _table(
        {
            "preset": {
                "enum": list(PRESETS),
                "description": "Named weights for a typical workload; "
                "'weights' overrides its entries.",
            },
            "weights": _table(
                {f: _weight(f) for f in FACTOR_NAMES},
                "Factor weights, not negative; normalised to sum to one.",
            ),
            "requires": _requires_schema(),
            "draws": {
                "type": "integer",
                "minimum": 100,
                "maximum": MAX_DRAWS,
                "default": DRAWS,
                "description": "Monte Carlo draws of weights and scores.",
            },
            "weight_concentration": {
                "type": "number",
                "exclusiveMinimum": 0,
                "default": CONCENTRATION,
                "description": "Dirichlet concentration of the weight draws; "
                "larger is tighter (120: about +/-30% for a weight of 1/12).",
            },
            "latency_budget_seconds": {
                "type": "number",
                "exclusiveMinimum": 0,
                "default": LATENCY_BUDGET_SECONDS,
                "description": "Queueing delay, seconds, that costs the "
                "latency score one point.",
            },
        },
        "Gates, weights and robustness of the choice between candidates.",
    )


def scores_schema() -> JsonDict:
    """JSON Schema of ``[candidate.scores]``."""
    one = {"type": "number", "minimum": 1, "maximum": 5}
    either = [one, {"type": "array", "items": one, "minItems": 2, "maxItems": 2}]
    props = {
        f: {
            "oneOf": either,
            "description": f"Factor {BY_NAME[f].number}, "
            f"{BY_NAME[f].title}: 1-5 or [low, high].",
        }
        for f in TEAM_SCORED
    }
    return _table(props, "The team's scores of the factors tcosim does not compute.")


def check_selection(log: ProblemLog, key: str, table: Any) -> None:
    """Cross-field rules of ``[scenario.selection]``; one problem per line."""
    if not isinstance(table, dict):
        return  # absent, or the schema pass has reported it
    if "preset" not in table and "weights" not in table:
        log.add(key, "expected preset, weights or both")
        return
    preset, weights = table.get("preset"), table.get("weights", {})
    valid = isinstance(weights, dict) and all(
        f in FACTOR_NAMES and _number(v) and v >= 0 for f, v in weights.items()
    )
    if not valid or preset not in (None, *PRESETS):
        return  # the schema pass has reported it
    if not any(v > 0 for v in _merge(preset, weights).values()):
        where = f" after overriding preset '{preset}'" if preset else ""
        log.add(f"{key}.weights", f"every weight is 0{where}; expected one above 0")


def check_scores(log: ProblemLog, key: str, table: Any, selected: bool) -> None:
    """Cross-field rules of one ``[candidate.scores]`` table.

    Args:
        key: key path of the table, e.g. ``candidate[1].scores``.
        selected: the scenario has a ``[scenario.selection]`` table.
    """
    if not isinstance(table, dict):
        return
    if not selected:
        log.add(key, "only used with [scenario.selection]; add it or remove it")
    for factor, value in table.items():
        if _is_pair(value) and value[0] > value[1]:
            log.add(
                f"{key}.{factor}",
                f"[{value[0]}, {value[1]}] has low above high; expected "
                "[low, high] with low <= high",
            )


def build_selection(table: Mapping[str, Any] | None) -> Selection | None:
    """The validated ``[scenario.selection]`` table, or None when absent."""
    if table is None:
        return None
    preset = table.get("preset")
    raw = _merge(preset, table.get("weights", {}))
    total = sum(raw.values())
    return Selection(
        weights={f: raw[f] / total for f in FACTOR_NAMES},
        requires=_build_requires(table.get("requires", {})),
        preset=preset,
        draws=int(table.get("draws", DRAWS)),
        weight_concentration=float(table.get("weight_concentration", CONCENTRATION)),
        latency_budget_seconds=float(
            table.get("latency_budget_seconds", LATENCY_BUDGET_SECONDS)
        ),
    )


def build_scores(table: Mapping[str, Any] | None) -> TeamScores:
    """The validated ``[candidate.scores]`` table as :class:`TeamScores`."""
    ranges = []
    for factor in TEAM_SCORED:
        value = (table or {}).get(factor)
        if value is None:
            continue
        low, high = (value[0], value[1]) if _is_pair(value) else (value, value)
        ranges.append((factor, float(low), float(high)))
    return TeamScores(tuple(ranges))


# --- helpers -----------------------------------------------------------------


def _table(props: JsonDict, desc: str) -> JsonDict:
    return {
        "type": "object",
        "properties": props,
        "additionalProperties": False,
        "description": desc,
    }


def _weight(factor: str) -> JsonDict:
    spec = BY_NAME[factor]
    return {
        "type": "number",
        "minimum": 0,
        "description": f"Weight of factor {spec.number}, {spec.title} ({spec.source}).",
    }


def _requires_schema() -> JsonDict:
    props: JsonDict = {
        g.key: {
            "type": "boolean",
            "description": f"true: require {g.label} (price-sheet fact "
            f"'{g.fact}'; unknown fails).",
        }
        for g in GATES
    }
    props[CONTEXT_KEY] = {
        "type": "integer",
        "minimum": 1,
        "description": "Smallest context window accepted, tokens.",
    }
    return _table(props, "Gates: a candidate failing one is excluded, not scored.")


def _merge(preset: str | None, weights: Mapping[str, Any]) -> dict[str, float]:
    """The preset's weights (or zeros) with the given ones in their place."""
    out = PRESETS[preset].weights() if preset else dict.fromkeys(FACTOR_NAMES, 0.0)
    for factor, value in weights.items():
        if preset:
            logger.debug("weights.%s: %g -> %g", factor, out[factor], value)
        out[factor] = float(value)
    return out


def _build_requires(table: Mapping[str, Any]) -> Requirements:
    chosen = tuple(g.key for g in GATES if table.get(g.key) is True)
    # The schema takes 2e5 as a whole number; keep it an int.
    tokens = table.get(CONTEXT_KEY)
    return Requirements(chosen, None if tokens is None else int(tokens))


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(map(_number, value))

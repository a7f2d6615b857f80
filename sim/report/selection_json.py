"""The selection's part of ``summary.json``: gates, composite, robustness.

Per candidate, ``gates`` ({passed, failed}) and, when it passes them,
``composite`` ({score, rank, p_rank1, p_rank1_se, p_top2}) and the team's
scores beside the computed ones; at the top level, ``selection`` with the
weights, the verdict and the weight sensitivity.
"""

from __future__ import annotations

from typing import Any

from sim.selection import GateCheck, Robustness, Score, SelectionResult


def candidate_selection(result: SelectionResult, name: str) -> dict[str, Any]:
    """``gates``, ``composite`` and ``team_scores`` of one candidate."""
    gates = result.gates[name]
    out: dict[str, Any] = {
        "gates": {
            "passed": gates.passed,
            "failed": [_check(c) for c in gates.failed],
        }
    }
    robust = result.robustness
    if robust is not None and name in robust.composite:
        out["composite"] = _composite(robust, name)
        out["team_scores"] = {
            factor: _score(score)
            for factor, score in result.scores[name].items()
            if score.paths is None
        }
    return out


def selection_summary(result: SelectionResult) -> dict[str, Any]:
    """The top-level ``selection`` object."""
    robust = result.robustness
    out: dict[str, Any] = {
        "preset": result.selection.preset,
        "weights": dict(result.selection.weights),
        "excluded": list(result.excluded),
        "notes": list(result.notes),
    }
    if robust is None:
        return out | {"verdict": "no candidate passes the gates"}
    flip = robust.smallest_flip
    return out | {
        "verdict": robust.verdict,
        "winner": robust.winner,
        "leader": robust.leader,
        "robust_winner": robust.robust_winner,
        "tie": list(robust.tie),
        "draws": robust.draws,
        "weight_concentration": robust.concentration,
        "head_to_head": robust.head_to_head,
        "smallest_flip": None
        if flip is None
        else {
            "factor": flip.factor,
            "weight": flip.weight,
            "flip_weight": flip.flip_weight,
            "by": flip.by,
        },
    }


def _composite(robust: Robustness, name: str) -> dict[str, Any]:
    order = sorted(robust.composite, key=lambda n: -robust.composite[n])
    return {
        "score": robust.composite[name],
        "rank": order.index(name) + 1,
        "p_rank1": robust.p_first[name],
        "p_rank1_se": robust.p_first_se[name],
        "p_top2": robust.p_top2[name],
    }


def _check(check: GateCheck) -> dict[str, Any]:
    return {
        "requirement": check.key,
        "label": check.label,
        "value": check.value,
        "reason": check.reason,
        "source": check.source,
        "source_date": check.source_date,
    }


def _score(score: Score) -> dict[str, Any]:
    return {
        "score": score.value,
        "low": score.low,
        "high": score.high,
        "source": score.source,
    }

"""Selection: gates, the twelve-factor composite and its robustness.

The last step of a run (DESIGN 5.6). :func:`select_candidates` takes the
scenario's ``[scenario.selection]`` (:class:`Selection`) and, per
candidate, its provider facts, its team scores and the per-path scores
tcosim computed (:class:`CandidateInput`); it returns the gate checks,
the twelve scores and the Monte Carlo robustness of the ranking
(:class:`SelectionResult`).

Modules: :mod:`~sim.selection.factors` (the factors and presets),
:mod:`~sim.selection.gates` (requirements against provider facts),
:mod:`~sim.selection.composite` (weighted mean, rank probabilities,
weight sensitivity, verdict; plain arrays in, testable alone),
:mod:`~sim.selection.signals` (latency and fine-tuning from the engine
and the price sheets), :mod:`~sim.selection.keys` (scenario keys) and
:mod:`~sim.selection.select` (the step itself).
"""

from sim.selection.composite import (
    ROBUST,
    TIE,
    Robustness,
    Score,
    WeightFlip,
    assess_robustness,
    fixed_score,
    path_score,
    range_score,
    verdict_of,
    weighted_mean,
)
from sim.selection.factors import (
    COMPUTED,
    FACTOR_NAMES,
    FACTORS,
    PRESETS,
    TEAM_SCORED,
    Factor,
    Preset,
)
from sim.selection.gates import (
    GATES,
    REQUIREMENT_KEYS,
    GateCheck,
    GateResult,
    Requirements,
    check_gates,
)
from sim.selection.keys import Selection, TeamScores
from sim.selection.select import CandidateInput, SelectionResult, select_candidates
from sim.selection.signals import fine_tuning_prior, latency_penalty, latency_score

__all__ = [
    "COMPUTED",
    "FACTORS",
    "FACTOR_NAMES",
    "GATES",
    "PRESETS",
    "REQUIREMENT_KEYS",
    "ROBUST",
    "TEAM_SCORED",
    "TIE",
    "CandidateInput",
    "Factor",
    "GateCheck",
    "GateResult",
    "Preset",
    "Requirements",
    "Robustness",
    "Score",
    "Selection",
    "SelectionResult",
    "TeamScores",
    "WeightFlip",
    "assess_robustness",
    "check_gates",
    "fine_tuning_prior",
    "fixed_score",
    "latency_penalty",
    "latency_score",
    "path_score",
    "range_score",
    "select_candidates",
    "verdict_of",
    "weighted_mean",
]

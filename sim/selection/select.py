"""The selection step: gates, then the twelve scores, then robustness.

:func:`select_candidates` is what the pipeline calls once every candidate
has its computed scores (factors 3, 11 and 12, per path). It checks each
candidate against ``requires``; a candidate that fails is excluded with
its reasons and takes no further part, so it cannot change the ranking
of the others. The rest get a :class:`~sim.selection.composite.Score` for
each of the twelve factors:

* computed factors as given (per-path scores, moving jointly);
* team factors from ``[candidate.scores]``, a number fixed, a range drawn
  uniformly;
* latency less the engine's queueing delay, and fine-tuning from the price
  sheet when the team gives no score (:mod:`sim.selection.signals`);
* a weighted factor the team did not score: the whole range 1-5, with a
  note, so that the gap widens the uncertainty instead of being hidden.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sim.catalog import Fact
from sim.selection.composite import Robustness, Score, assess_robustness, range_score
from sim.selection.factors import (
    COMPUTED,
    FACTOR_NAMES,
    SCORE_MAX,
    SCORE_MIN,
    TEAM_SCORED,
)
from sim.selection.gates import GateResult, check_gates
from sim.selection.keys import Selection, TeamScores
from sim.selection.signals import fine_tuning_prior, latency_score
from sim.stats import FloatArray


@dataclass(frozen=True)
class CandidateInput:
    """What the selection needs to know of one candidate.

    Attributes:
        name: the candidate's name.
        provider: its provider id.
        model: ``provider/model``, named in gate reasons.
        facts: the provider's price-sheet facts (``PriceSheet.facts``).
        context_window_tokens: the model's context window, None if the
            sheet does not give it.
        team: the team's scores, ``[candidate.scores]``.
        computed: factor -> score for the factors tcosim computes
            (``cost``, ``pricing_trajectory``, ``lock_in``), built with
            :func:`~sim.selection.composite.path_score` from per-path
            arrays over the run's shared paths.
        delay_p95_seconds: (paths, months) the engine's 95th-percentile
            queueing delay over all workloads; None when no limit binds.
    """

    name: str
    provider: str
    model: str
    facts: Mapping[str, Fact]
    context_window_tokens: int | None
    team: TeamScores
    computed: Mapping[str, Score]
    delay_p95_seconds: FloatArray | None = None


@dataclass(frozen=True)
class SelectionResult:
    """Gates, scores and robustness for every candidate.

    Attributes:
        selection: the scenario's settings.
        gates: every candidate's gate checks, in scenario order.
        scores: candidate -> factor -> score, for the candidates that
            pass the gates.
        robustness: rank probabilities and verdict; None when no
            candidate passes the gates.
        notes: assumptions a reader should see (unscored factors, a
            point winner that is not the candidate most often first).
    """

    selection: Selection
    gates: dict[str, GateResult]
    scores: dict[str, dict[str, Score]]
    robustness: Robustness | None
    notes: tuple[str, ...]

    @property
    def excluded(self) -> tuple[str, ...]:
        """Candidates that fail a gate."""
        return tuple(n for n, g in self.gates.items() if not g.passed)


def select_candidates(
    selection: Selection, candidates: Sequence[CandidateInput], seed: int
) -> SelectionResult:
    """Gate, score and rank the candidates.

    Args:
        selection: ``[scenario.selection]``.
        candidates: every candidate of the scenario, in its order.
        seed: the scenario's seed; seeds every Monte Carlo draw.

    Raises:
        ValueError: if a computed factor of positive weight is missing.
    """
    gates = {c.name: _gates(c, selection) for c in candidates}
    eligible = [c for c in candidates if gates[c.name].passed]
    notes: list[str] = []
    scores = {c.name: _scores(c, selection, seed, notes) for c in eligible}
    if not scores:
        notes.append("no candidate passes the gates: nothing to rank")
        return SelectionResult(selection, gates, {}, None, tuple(notes))
    robust = assess_robustness(
        selection.weights,
        scores,
        selection.draws,
        selection.weight_concentration,
        seed,
    )
    if robust.leader != robust.winner:
        notes.append(
            f"{robust.winner} has the highest composite at the given weights, "
            f"but {robust.leader} ranks first in more draws"
        )
    return SelectionResult(selection, gates, scores, robust, tuple(notes))


def _gates(cand: CandidateInput, selection: Selection) -> GateResult:
    return check_gates(
        cand.name,
        cand.provider,
        selection.requires,
        cand.facts,
        cand.context_window_tokens,
        cand.model,
    )


def _scores(
    cand: CandidateInput, selection: Selection, seed: int, notes: list[str]
) -> dict[str, Score]:
    """All twelve scores of one candidate; a note names the unscored ones."""
    out: dict[str, Score] = {}
    for factor in FACTOR_NAMES:
        if factor not in COMPUTED:
            out[factor] = _team_score(cand, factor, selection, seed)
        elif factor in cand.computed:
            out[factor] = cand.computed[factor]
        elif selection.weights.get(factor, 0.0) > 0:
            raise ValueError(f"{cand.name}: no computed score for {factor}")
    unscored = [
        f
        for f in TEAM_SCORED
        if selection.weights.get(f, 0.0) > 0
        and cand.team.get(f) is None
        and f != "fine_tuning"  # the price sheet gives a range instead
    ]
    if unscored:
        notes.append(
            f"{cand.name}: no team score for {', '.join(unscored)}, which "
            "carry weight; each is drawn uniformly over 1-5"
        )
    return out


def _team_score(
    cand: CandidateInput, factor: str, selection: Selection, seed: int
) -> Score:
    given = cand.team.get(factor)
    if factor == "latency":
        stream = seed + zlib.crc32(cand.name.encode("utf-8"))
        team = given or (SCORE_MIN, SCORE_MAX)
        # Each candidate's team draws on its own stream, as in composite.
        return latency_score(
            team, cand.delay_p95_seconds, selection.latency_budget_seconds, stream
        )
    if given is not None:
        return range_score(*given, "team score")
    if factor == "fine_tuning":
        return fine_tuning_prior(cand.facts.get("fine_tuning"), cand.provider)
    return range_score(SCORE_MIN, SCORE_MAX, "not scored by the team")

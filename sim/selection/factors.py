"""The twelve selection factors and the named weight presets.

Every factor is scored on the same anchored scale: a continuous number in
[1, 5], higher is better, rounded only for display. Three factors are
computed by tcosim; the team scores the other nine per candidate, as a
number or a ``[low, high]`` range (``[candidate.scores]``). By number
and key, where each score comes from:

1. ``task_quality``: the team, from evals on its own tasks.
2. ``latency``: the team; when the engine reports queueing delay under
   the candidate's rate limits, that delay lowers it (:mod:`.signals`).
3. ``cost``: computed, TCO against a fixed anchor (:mod:`sim.scoring`).
4. ``function_calling``: the team.
5. ``long_context``: the team (the window itself is the gate
   ``min_context_tokens``).
6. ``compliance``: the team (attestations themselves are gates).
7. ``reliability``: the team (SLA, status history).
8. ``ecosystem``: the team (SDKs, integrations, community).
9. ``fine_tuning``: the team; without a score, a range read from the
   price sheet's ``fine_tuning`` fact (:mod:`.signals`).
10. ``provider_stability``: the team (funding, ownership, track record).
11. ``pricing_trajectory``: computed, price paths against the market.
12. ``lock_in``: computed, savings forgone to switching costs.

Presets are starting points drawn from typical workloads, in points out of
100 so that they read easily (``balanced``: one point each); they are
normalised to sum to one when used.
They are the judgement of tcosim's authors, not measurements: a team
should check them against its own priorities (``weights`` overrides any
entry of a preset).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

SCORE_MIN = 1.0
SCORE_MAX = 5.0


@dataclass(frozen=True)
class Factor:
    """One of the twelve factors.

    Attributes:
        number: 1-12, the framework's numbering.
        name: the key in scenarios and outputs.
        title: a short label for reports.
        computed: True if tcosim computes the score (factors 3, 11, 12).
        source: where the score comes from, in one line.
    """

    number: int
    name: str
    title: str
    computed: bool
    source: str


FACTORS = (
    Factor(1, "task_quality", "Task quality", False, "team score"),
    Factor(
        2,
        "latency",
        "Latency",
        False,
        "team score, less the engine's queueing delay when rate limits bind",
    ),
    Factor(3, "cost", "Cost at expected volume", True, "TCO against the anchor"),
    Factor(4, "function_calling", "Function calling", False, "team score"),
    Factor(5, "long_context", "Long context", False, "team score"),
    Factor(6, "compliance", "Compliance", False, "team score"),
    Factor(7, "reliability", "Reliability", False, "team score"),
    Factor(8, "ecosystem", "Ecosystem", False, "team score"),
    Factor(
        9,
        "fine_tuning",
        "Fine-tuning",
        False,
        "team score, else a range from the price sheet's fine_tuning fact",
    ),
    Factor(10, "provider_stability", "Provider stability", False, "team score"),
    Factor(
        11,
        "pricing_trajectory",
        "Pricing trajectory",
        True,
        "price paths against the market's trend",
    ),
    Factor(12, "lock_in", "Lock-in risk", True, "savings forgone to switching cost"),
)
FACTOR_NAMES = tuple(f.name for f in FACTORS)
COMPUTED = tuple(f.name for f in FACTORS if f.computed)
TEAM_SCORED = tuple(f.name for f in FACTORS if not f.computed)
BY_NAME: Mapping[str, Factor] = MappingProxyType({f.name: f for f in FACTORS})


@dataclass(frozen=True)
class Preset:
    """A named set of weights for a typical workload.

    Attributes:
        name: the value of ``preset`` in a scenario.
        points: factor -> points out of 100 (unlisted factors: 0).
        rationale: why the weights sit where they do, in one paragraph.
    """

    name: str
    points: Mapping[str, int]
    rationale: str

    def weights(self) -> dict[str, float]:
        """Weights of all twelve factors, summing to one."""
        total = sum(self.points.values())
        return {f: self.points.get(f, 0) / total for f in FACTOR_NAMES}


def _points(**points: int) -> Mapping[str, int]:
    # Each preset spends exactly 100 points; checked by the tests.
    return MappingProxyType(points)


PRESETS: Mapping[str, Preset] = MappingProxyType(
    {
        p.name: p
        for p in (
            Preset(
                "balanced",
                _points(**dict.fromkeys(FACTOR_NAMES, 1)),
                "Every factor counts the same: the no-preference view to "
                "compare a team's own weights against.",
            ),
            Preset(
                "healthcare-voice",
                _points(
                    compliance=22,
                    latency=20,
                    task_quality=14,
                    reliability=12,
                    function_calling=8,
                    cost=6,
                    provider_stability=6,
                    lock_in=4,
                    ecosystem=2,
                    long_context=2,
                    fine_tuning=2,
                    pricing_trajectory=2,
                ),
                "A voice agent handling patient data: a spoken turn stalls "
                "past about a second, so latency weighs nearly as much as "
                "compliance (audit, retention, breach terms beyond the gates); "
                "calls book and look up records, hence function calling and "
                "reliability; volume is modest, so cost weighs little.",
            ),
            Preset(
                "consumer-chat",
                _points(
                    latency=22,
                    cost=22,
                    task_quality=16,
                    reliability=10,
                    pricing_trajectory=8,
                    lock_in=5,
                    provider_stability=5,
                    function_calling=4,
                    ecosystem=3,
                    long_context=2,
                    compliance=2,
                    fine_tuning=1,
                ),
                "A consumer chat app: users leave slow replies, and high "
                "volume on thin margins makes cost and its trend matter; "
                "quality must be good enough rather than best.",
            ),
            Preset(
                "back-office-batch",
                _points(
                    cost=35,
                    task_quality=15,
                    pricing_trajectory=12,
                    reliability=8,
                    lock_in=8,
                    long_context=6,
                    compliance=4,
                    provider_stability=4,
                    function_calling=3,
                    fine_tuning=3,
                    ecosystem=1,
                    latency=1,
                ),
                "A nightly back-office job (extraction, classification): "
                "results are due in hours, so latency hardly counts; spend "
                "dominates, and over years the price trend and the cost of "
                "moving decide how much of the market's declines it keeps.",
            ),
            Preset(
                "coding-agent",
                _points(
                    task_quality=25,
                    function_calling=18,
                    long_context=14,
                    cost=10,
                    latency=8,
                    reliability=8,
                    ecosystem=6,
                    lock_in=4,
                    pricing_trajectory=3,
                    provider_stability=2,
                    compliance=1,
                    fine_tuning=1,
                ),
                "An agent that edits code: a wrong edit costs an engineer's "
                "time, far more than tokens, so quality, tool use and large "
                "repository context lead.",
            ),
            Preset(
                "document-rag",
                _points(
                    task_quality=18,
                    long_context=16,
                    compliance=14,
                    cost=14,
                    latency=8,
                    reliability=8,
                    lock_in=6,
                    provider_stability=5,
                    pricing_trajectory=4,
                    ecosystem=3,
                    function_calling=2,
                    fine_tuning=2,
                ),
                "Question answering over internal documents: long prompts "
                "of retrieved text, company data under contract, answers "
                "read by staff; embeddings tie the corpus to a provider.",
            ),
        )
    }
)

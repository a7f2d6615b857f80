"""The shape of traffic: sessions of turns and what each turn re-sends.

A session has a geometric number of turns with mean ``session_turns``
(each turn continues the session with probability ``1 - 1/mean``), so the
share of requests that are turn ``j`` is ``r^(j-1) (1 - r)``. Turn ``j``
re-sends the conversation so far::

    prompt_j    = P + (j - 1)(u + o) + u
    cacheable_j = P + (j - 1)(u + o)        (all but the newest message)

with ``P`` the shared prefix, ``u`` the new tokens a turn adds (the first
turn's prompt less the prefix) and ``o`` the output. With one turn per
session this is the single-request workload: prompt = input_tokens. ``u``
is lognormal with mean ``E[input] - P`` and the standard deviation of
``input_tokens``, so the first turn's prompt ``P + u`` keeps the mean and
spread the scenario gives while never falling below its prefix.
Prompt caching marks its breakpoint after the history, before the newest
user message, so the history itself becomes cacheable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.engine.cache import FloatArray
from sim.scenario import Workload

MAX_TURNS = 4000
_TAIL = 1e-10  # turns whose share of requests is below this are dropped


@dataclass(frozen=True)
class TurnMix:
    """Mean tokens of each turn and the share of requests that are turn j.

    Arrays are indexed by turn (index 0 is the first turn).
    """

    weights: FloatArray
    cacheable: FloatArray
    prev_cacheable: FloatArray
    new_tokens: float
    output_tokens: float
    prefix_tokens: float
    new_sigma: float = 0.0
    output_sigma: float = 0.0

    def prompt_variance(self) -> FloatArray:
        """Variance of each turn's prompt: a sum of independent draws."""
        var_new = (self.new_tokens * math.sqrt(math.expm1(self.new_sigma**2))) ** 2
        out = self.output_tokens * math.sqrt(math.expm1(self.output_sigma**2))
        turns = np.arange(self.weights.size, dtype=np.float64)
        return np.asarray(turns * (var_new + out**2) + var_new)

    @property
    def prompt(self) -> FloatArray:
        """Mean prompt tokens of each turn."""
        return np.asarray(self.cacheable + self.new_tokens)

    def with_first_turn_scaled(self, factor: float) -> TurnMix:
        """The mix after removing ``1 - factor`` of the first turns."""
        weights = self.weights.copy()
        weights[0] *= factor
        total = weights.sum()
        return TurnMix(
            weights=weights / total if total > 0 else weights,
            cacheable=self.cacheable,
            prev_cacheable=self.prev_cacheable,
            new_tokens=self.new_tokens,
            output_tokens=self.output_tokens,
            prefix_tokens=self.prefix_tokens,
            new_sigma=self.new_sigma,
            output_sigma=self.output_sigma,
        )


def turn_weights(mean_turns: float) -> FloatArray:
    """Share of requests that are the 1st, 2nd, ... turn of their session."""
    if mean_turns <= 1.0:
        return np.ones(1)
    r = 1.0 - 1.0 / mean_turns
    count = min(MAX_TURNS, int(math.log(_TAIL) / math.log(r)) + 1)
    weights = (1.0 - r) * r ** np.arange(count, dtype=np.float64)
    return np.asarray(weights / weights.sum())


def turn_mix(workload: Workload) -> TurnMix:
    """The turn structure of ``workload`` (see the module docstring)."""
    weights = turn_weights(workload.session_turns)
    prefix = float(workload.cacheable_prefix_tokens)
    new = workload.input_tokens.mean - prefix
    out = workload.output_tokens.mean
    turns = np.arange(weights.size, dtype=np.float64)
    cacheable = prefix + turns * (new + out)
    prev = np.concatenate([[0.0], cacheable[:-1]])
    return TurnMix(
        weights, cacheable, prev, new, out, prefix, new_tokens_sigma(workload)
    )


def new_tokens_sigma(workload: Workload) -> float:
    """Log-sd of the new tokens per turn: same absolute spread as the prompt."""
    dist = workload.input_tokens
    new = dist.mean - workload.cacheable_prefix_tokens
    if dist.sigma == 0 or new <= 0:
        return 0.0
    sd = dist.mean * math.sqrt(math.expm1(dist.sigma**2))
    return math.sqrt(math.log1p((sd / new) ** 2))


def requests_per_session(workload: Workload) -> float:
    """Mean requests per session."""
    return max(workload.session_turns, 1.0)

"""The usage ledger: tokens per month by billing category, and its keys.

A category key is ``"[alt:]<tier>/<kind>"``: the service tier the tokens were
served on (standard, batch, flex, priority) and what they are (input billed
at the uncached rate, cached input read, cache write, output), with an
``lc_`` prefix on the kind for requests above the model's long-context
threshold, which are billed whole at the higher rate. Keys of the second
model behind a router (``route`` or ``cascade``) start with ``alt:``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

TIERS = ("standard", "batch", "flex", "priority")
KINDS = ("input", "cached_input", "cache_write", "output")


def category(
    tier: str, kind: str, long_context: bool = False, slot: str = "main"
) -> str:
    """The ledger key of ``kind`` tokens on ``tier`` of model ``slot``."""
    prefix = "" if slot == "main" else f"{slot}:"
    return f"{prefix}{tier}/{'lc_' if long_context else ''}{kind}"


def split_category(key: str) -> tuple[str, str, bool]:
    """Inverse of :func:`category`: (tier, kind, long_context)."""
    tier, kind = key.split(":")[-1].split("/")
    if kind.startswith("lc_"):
        return tier, kind[3:], True
    return tier, kind, False


def slot_of(key: str) -> str:
    """Which model behind the router a key belongs to: main or alt."""
    return key.split(":")[0] if ":" in key else "main"


@dataclass(frozen=True)
class UsageLedger:
    """Usage of one workload on one candidate, independent of price.

    Attributes:
        requests: requests per month, shape (paths, months).
        tokens: category key -> tokens per month, shape (paths, months).
        notes: assumptions the engine made that a reader must see.
        stats: per-month signals, shape (paths, months): cache hit ratios,
            capacity spill-over, queueing delays, sampling errors.
    """

    requests: FloatArray
    tokens: dict[str, FloatArray]
    notes: tuple[str, ...] = ()
    stats: dict[str, FloatArray] = field(default_factory=dict)

    def total(self, kind: str) -> FloatArray:
        """Tokens of one kind over every tier, shape (paths, months)."""
        out = np.zeros_like(self.requests)
        for key, values in self.tokens.items():
            if split_category(key)[1] == kind:
                out = out + values
        return out

    def share(self, tier: str) -> FloatArray:
        """Share of input and output tokens served on ``tier``."""
        on_tier = np.zeros_like(self.requests)
        total = np.zeros_like(self.requests)
        for key, values in self.tokens.items():
            total = total + values
            if split_category(key)[0] == tier:
                on_tier = on_tier + values
        return np.divide(on_tier, total, out=np.zeros_like(total), where=total > 0)

"""The usage ledger: tokens per month by billing category, and its keys.

A category key is ``"<tier>/<kind>"``: the service tier the tokens were
served on (standard, batch, flex, priority) and what they are (input billed
at the uncached rate, cached input read, cache write, output), with an
``lc_`` prefix on the kind for requests above the model's long-context
threshold, which are billed whole at the higher rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

TIERS = ("standard", "batch", "flex", "priority")
KINDS = ("input", "cached_input", "cache_write", "output")


def category(tier: str, kind: str, long_context: bool = False) -> str:
    """The ledger key of ``kind`` tokens on ``tier``."""
    return f"{tier}/{'lc_' if long_context else ''}{kind}"


def split_category(key: str) -> tuple[str, str, bool]:
    """Inverse of :func:`category`: (tier, kind, long_context)."""
    tier, kind = key.split("/")
    if kind.startswith("lc_"):
        return tier, kind[3:], True
    return tier, kind, False


@dataclass(frozen=True)
class UsageLedger:
    """Usage of one workload on one candidate, independent of price.

    Attributes:
        requests: requests per month, shape (paths, months).
        tokens: category key -> tokens per month, shape (paths, months).
        notes: assumptions the engine made that a reader must see.
    """

    requests: FloatArray
    tokens: dict[str, FloatArray]
    notes: tuple[str, ...] = ()

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

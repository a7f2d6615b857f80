"""Factor scores, anchored rather than ranked within the shortlist.

Factor 3, cost at expected volume::

    score = clip(4 - log2(TCO / anchor), 1, 5)

The anchor is the scenario's budget when given, else the TCO of the
cheapest current catalogue model of the required capability class on the
same workloads. A candidate at the anchor scores 4; each doubling of cost
takes a point off, each halving adds one, within [1, 5]. Because the
anchor does not depend on the other candidates, adding or removing a
candidate cannot change anyone else's score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.stats import FloatArray


@dataclass(frozen=True)
class CostScore:
    """Factor 3 for one candidate.

    ``score`` comes from the mean TCO; ``score_p10``/``score_p90`` are the
    10th and 90th percentiles of the score across paths (the low end comes
    from the costly paths).
    """

    score: float
    score_p10: float
    score_p90: float
    tco_mean_usd: float
    anchor_usd: float

    @property
    def tco_to_anchor(self) -> float:
        """TCO as a multiple of the anchor: the raw metric behind the score."""
        return self.tco_mean_usd / self.anchor_usd


def cost_score_of(tco_usd: float | FloatArray, anchor_usd: float) -> FloatArray:
    """The factor 3 formula, elementwise."""
    ratio = np.asarray(tco_usd, dtype=np.float64) / anchor_usd
    return np.asarray(np.clip(4.0 - np.log2(ratio), 1.0, 5.0))


def calc_cost_score(tco_paths: FloatArray, anchor_usd: float) -> CostScore:
    """Score one candidate from its TCO on every path."""
    if anchor_usd <= 0:
        raise ValueError(f"anchor_usd must be positive, got {anchor_usd}")
    mean = float(tco_paths.mean())
    per_path = cost_score_of(tco_paths, anchor_usd)
    low, high = np.quantile(per_path, [0.1, 0.9])
    return CostScore(
        score=float(cost_score_of(mean, anchor_usd)),
        score_p10=float(low),
        score_p90=float(high),
        tco_mean_usd=mean,
        anchor_usd=anchor_usd,
    )

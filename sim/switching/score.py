"""Factor 12, lock-in risk, scored from the savings lock-in forgoes.

The raw metric is the lock-in cost as a share of the never-switch NPV
(methods B2). Bands, with linear interpolation inside each, so that the
score rounded to a whole number is the band's score::

    share     0     2.5%   5%    10%   15%   20% and above
    score     5     4.5    3.5   2.5   1.5   1

Under 2.5% scores 5, 2.5-5% 4, 5-10% 3, 10-15% 2, over 15% 1; a share on
a band's edge scores the half point between the two bands; the last band
ends at 20%, where methods B2 found lock-in costs to saturate. A negative
share (the candidate is easier to leave than the portable reference)
scores 5.

Without an alternative of another provider there is no option to value,
and the score falls back to the switching cost in months of spend::

    months    0     0.5    1.5   3     6     12 and above
    score     5     4.5    3.5   2.5   1.5   1
"""

from __future__ import annotations

import numpy as np

from sim.stats import FloatArray

SHARE_KNOTS = (0.0, 0.025, 0.05, 0.10, 0.15, 0.20)
MONTH_KNOTS = (0.0, 0.5, 1.5, 3.0, 6.0, 12.0)
KNOT_SCORES = (5.0, 4.5, 3.5, 2.5, 1.5, 1.0)


def score_lock_in(share: float | FloatArray) -> FloatArray:
    """Factor 12 score from the lock-in cost as a share of NPV, elementwise."""
    return _interp(share, SHARE_KNOTS)


def score_switching_months(months: float | FloatArray) -> FloatArray:
    """Fallback score from the switching cost in months of spend."""
    return _interp(months, MONTH_KNOTS)


def _interp(value: float | FloatArray, knots: tuple[float, ...]) -> FloatArray:
    # np.interp holds the end values outside the knots: 5 below 0, 1 above.
    x = np.asarray(value, dtype=np.float64)
    return np.asarray(np.interp(x, knots, KNOT_SCORES))

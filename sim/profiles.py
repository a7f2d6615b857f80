"""Named daily and weekly traffic shapes.

The named shapes are illustrative starting points, not measurements: each
is a plain statement of when a kind of product is used, to be replaced by a
team's own 24 hourly (UTC) or 7 daily (Monday first) weights from its logs.
Weights are relative; tcosim normalises them to a mean of 1.
"""

from __future__ import annotations

from collections.abc import Sequence

# Office-hours product: quiet nights, a plateau 08:00-18:00, lunch dip.
_BUSINESS = (
    0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0, 1.9,
    1.5, 1.9, 2.0, 2.0, 1.8, 1.4, 0.8, 0.5, 0.3, 0.2, 0.2, 0.1,
)  # fmt: skip
# Consumer app: low mornings, rising through the day, evening peak.
_CONSUMER = (
    0.4, 0.3, 0.2, 0.2, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0, 1.0, 1.1,
    1.2, 1.1, 1.1, 1.1, 1.2, 1.3, 1.5, 1.8, 2.0, 1.9, 1.4, 0.8,
)  # fmt: skip
# Jobs scheduled overnight (00:00-06:00), a trickle otherwise.
_NIGHTLY = (
    3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2,
    0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2,
)  # fmt: skip

DAILY_PROFILES: dict[str, tuple[float, ...]] = {
    "flat": (1.0,) * 24,
    "business-hours": _BUSINESS,
    "consumer-evening": _CONSUMER,
    "nightly-batch": _NIGHTLY,
}

WEEKLY_PROFILES: dict[str, tuple[float, ...]] = {
    "flat": (1.0,) * 7,
    "weekdays": (1.0, 1.0, 1.0, 1.0, 1.0, 0.25, 0.2),
    "weekend-heavy": (0.9, 0.9, 0.9, 0.9, 1.0, 1.3, 1.3),
}


def normalise(weights: Sequence[float]) -> tuple[float, ...]:
    """Scale ``weights`` to a mean of 1.

    Raises:
        ValueError: if the weights do not have a positive sum.
    """
    total = float(sum(weights))
    if total <= 0:
        raise ValueError("profile weights must have a positive sum")
    mean = total / len(weights)
    return tuple(float(w) / mean for w in weights)

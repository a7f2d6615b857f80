"""The fitted market: jump models of class indices and of model prices,
tied together by one market-wide shock.

:func:`fit_market` is the one place a price history becomes a model; fits
are cached per price data, token mix and last month within a process, so a
run, a report and a backtest that need the same fit share it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date

from sim.forecast.index import PriceHistory
from sim.forecast.jump import JumpFit, build_panel, fit_jump
from sim.forecast.shock import ShockFit, fit_shock, provider_months

log = logging.getLogger(__name__)

CLASS_LEVEL = 0  # index of the class panel in the shock's participation axis
MODEL_LEVEL = 1
_CACHE_SIZE = 64


@dataclass(frozen=True)
class MarketFit:
    """Everything a price path needs, fitted on one history.

    Attributes:
        classes: the jump model of provider class indices (``track``).
        models: the jump model of single models' prices (``pin``).
        shock: the shared market shock, with one participation
            probability per level (:data:`CLASS_LEVEL`, :data:`MODEL_LEVEL`).
        history: the history the fit saw.
    """

    classes: JumpFit
    models: JumpFit
    shock: ShockFit
    history: PriceHistory

    @property
    def data_end(self) -> date:
        """The last month the fit saw."""
        return self.history.data_end

    def level(self, pinned: bool) -> tuple[JumpFit, int]:
        """The jump model and shock level of a pinned or tracking series."""
        if pinned:
            return self.models, MODEL_LEVEL
        return self.classes, CLASS_LEVEL

    @property
    def diagnostics(self) -> tuple[str, ...]:
        """What a reader of the forecast must know about the fits."""
        shock = self.shock
        summary = (
            f"market shock: posterior mean {shock.q_mean:.3f} a month; in a "
            f"shock month each class index joins with probability "
            f"{shock.pi_mean(CLASS_LEVEL):.2f}, each model's own price with "
            f"{shock.pi_mean(MODEL_LEVEL):.2f}"
        )
        return (*self.classes.diagnostics, *self.models.diagnostics, summary)


def fit_market(history: PriceHistory) -> MarketFit:
    """Fit both jump models and the shared shock on ``history``."""
    key = (history.source, history.mix.key, len(history.months))
    if key not in _FITS:
        if len(_FITS) >= _CACHE_SIZE:
            _FITS.pop(next(iter(_FITS)))  # oldest first
        _FITS[key] = _fit(history)
    return _FITS[key]


_FITS: dict[tuple[str, str, int], MarketFit] = {}


def _fit(history: PriceHistory) -> MarketFit:
    began = time.perf_counter()
    months = len(history.months)
    class_panel = build_panel(history.classes, months)
    model_panel = build_panel(history.models, months)
    classes = fit_jump(class_panel, "class")
    models = fit_jump(model_panel, "model")
    shock = fit_shock(
        provider_months(class_panel, classes), provider_months(model_panel, models)
    )
    log.debug(
        "fitted the price market through %s in %.2f s",
        history.data_end,
        time.perf_counter() - began,
    )
    return MarketFit(classes, models, shock, history)

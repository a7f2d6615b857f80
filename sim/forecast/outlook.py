"""Where each provider's class index is heading: ``tcosim forecast``.

The outlook of a class index is its history (month by month, on the
default token mix) and forecast bands from the same fitted market and the
same draws a run uses: the seed keys the market shock, the series key the
index's own steps, so ``tcosim forecast --seed 42`` shows the paths a run
with seed 42 gives a candidate tracking that index.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np

from sim.catalog import CAPABILITY_CLASSES, Catalog, CatalogLookupError
from sim.errors import InputError, suggest
from sim.forecast.frontier import ClassMarket, class_market
from sim.forecast.index import (
    FloatArray,
    PriceSeries,
    TokenMix,
    add_months,
    build_history,
    default_mix,
)
from sim.forecast.jump import JumpFit
from sim.forecast.market import MarketFit, fit_market
from sim.forecast.paths import draw_market, simulate_steps
from sim.forecast.trajectory import HORIZON_MONTHS, LOW_EVIDENCE_STEPS, series_rng

PATHS = 1000
BANDS = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class IndexOutlook:
    """One class index: history and forecast, USD per request of the mix.

    Attributes:
        bands: (3, months) p10, p50 and p90 of the index in each month
            after the data.
        annual_log_change: (3,) p10, p50, p90 of the annualised log change
            over the forecast months.
    """

    series: PriceSeries
    history_months: tuple[date, ...]
    forecast_months: tuple[date, ...]
    bands: FloatArray
    annual_log_change: FloatArray
    own_steps: int

    @property
    def low_evidence(self) -> bool:
        """Fewer own steps than the factor 11 evidence bar."""
        return self.own_steps < LOW_EVIDENCE_STEPS

    @property
    def model_now(self) -> str:
        """The model the index is priced on in the last month of data."""
        return self.series.models[-1]


@dataclass(frozen=True)
class Outlook:
    """The selected class indices, their classes' markets, the fit's notes."""

    indices: tuple[IndexOutlook, ...]
    markets: tuple[ClassMarket, ...]
    data_end: date
    mix: TokenMix
    diagnostics: tuple[str, ...]
    seed: int
    hazard_decay: float


def forecast_indices(
    catalog: Catalog,
    provider: str | None = None,
    capability_class: str | None = None,
    months: int = HORIZON_MONTHS,
    seed: int = 42,
    hazard_decay: float = 0.0,
) -> Outlook:
    """History and forecast of the class indices that match the filters.

    Raises:
        InputError: for an unknown provider or class, or a provider that
            offers no model of the class.
    """
    _check_filters(catalog, provider, capability_class)
    history = build_history(catalog, default_mix())
    fit = fit_market(history)
    paths = _simulate_indices(fit, seed, months, hazard_decay)
    found = [
        _outlook(series, history.months, paths[key], fit.classes)
        for key, series in history.classes.items()
        if provider in (None, series.provider)
        and capability_class in (None, series.capability_class)
    ]
    if not found:
        raise _no_series(provider, capability_class, history.classes)
    classes = dict.fromkeys(one.series.capability_class for one in found)
    markets = tuple(class_market(history, cls, paths) for cls in classes)
    return Outlook(
        tuple(found),
        markets,
        history.data_end,
        history.mix,
        fit.diagnostics,
        seed,
        hazard_decay,
    )


def _simulate_indices(
    fit: MarketFit, seed: int, months: int, hazard_decay: float
) -> dict[str, FloatArray]:
    """Cumulative log changes of every class index, (paths, months) each.

    Every index is simulated, whatever the filters: the market rates of a
    class need all of its providers. The keys of the draws are a run's.
    """
    market = draw_market(fit, seed, PATHS, months, hazard_decay)
    jump, level = fit.level(pinned=False)
    return {
        key: simulate_steps(
            jump,
            level,
            series.provider,
            series.capability_class,
            market,
            series_rng(seed, key, pinned=False),
        ).log_change
        for key, series in fit.history.classes.items()
    }


def _outlook(
    series: PriceSeries,
    months: tuple[date, ...],
    log_change: FloatArray,
    jump: JumpFit,
) -> IndexOutlook:
    last = float(series.usd[-1])
    bands = last * np.exp(np.quantile(log_change, BANDS, axis=0))
    rates = log_change[:, -1] * 12.0 / log_change.shape[1]
    ahead = tuple(add_months(months[-1], k + 1) for k in range(log_change.shape[1]))
    steps = jump.steps_by_series.get(series.key, 0)
    return IndexOutlook(
        series=series,
        history_months=months,
        forecast_months=ahead,
        bands=np.asarray(bands),
        annual_log_change=np.asarray(np.quantile(rates, BANDS)),
        own_steps=int(steps),
    )


def _check_filters(
    catalog: Catalog, provider: str | None, capability_class: str | None
) -> None:
    try:
        if provider is not None:
            catalog.sheet(provider)
    except CatalogLookupError as exc:
        raise InputError.single("--provider", "", str(exc.args[0])) from None
    if capability_class is not None and capability_class not in CAPABILITY_CLASSES:
        known = ", ".join(CAPABILITY_CLASSES)
        raise InputError.single(
            "--class",
            "",
            f"unknown capability class '{capability_class}'; known: {known}"
            f"{suggest(capability_class, CAPABILITY_CLASSES)}",
        )


def _no_series(
    provider: str | None,
    capability_class: str | None,
    classes: Mapping[str, PriceSeries],
) -> InputError:
    offered = sorted(
        s.capability_class for s in classes.values() if s.provider == provider
    )
    return InputError.single(
        "--class",
        "",
        f"{provider} offers no '{capability_class}' model in the price data; "
        f"expected one of: {', '.join(offered)}",
    )

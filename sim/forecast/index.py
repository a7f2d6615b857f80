"""Price history as indices: what one request of a token mix cost, by month.

Per-model list prices are step functions that rarely move, so tcosim
forecasts what a customer pays instead. For a token mix (the scenario's
workloads, cache hits and batch share included) two kinds of monthly series
are built from the dated regimes of the price sheets:

* a **class index** per provider and capability class: the cost of one
  request on the cheapest *current* model of the class (on sale that month
  and not superseded by a newer model of its family), so a cut, a cheaper
  launch or a successor priced higher all show as steps;
* a **model series** per model: the cost of one request on that model
  alone, whose steps are the provider's list-price changes on it.

Each month is priced on its first day, through the same engine and billing
rules a run uses. The data count as known through the month of the latest
``effective_from`` in the sheets (:func:`data_end`); the grid stops there.
Scheduled changes up to that month are history like any other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from sim.billing import Terms, build_price_table
from sim.catalog import CAPABILITY_CLASSES, Catalog, Model
from sim.engine import simulate_usage
from sim.scenario import Candidate, Growth, Scenario, TokenDist, Workload

FloatArray = npt.NDArray[np.float64]

MTOK = 1e6
# Log changes smaller than this are float noise, not price steps.
MIN_STEP = 1e-6
DAYS_PER_MONTH = 30.0


@dataclass(frozen=True)
class TokenMix:
    """The demand one index value stands for: workloads and their shares.

    ``shares`` are shares of requests; an index value is the mean cost of
    one request drawn from the mix, in USD.
    """

    name: str
    workloads: tuple[Workload, ...]
    shares: tuple[float, ...]

    @property
    def key(self) -> str:
        """A stable digest of the mix, for caches."""
        return hashlib.sha256(repr(self).encode()).hexdigest()


@dataclass(frozen=True)
class Step:
    """One move of a series: from month ``month - 1`` to ``month``."""

    series: str
    month: int
    log_change: float
    new_model: bool


@dataclass(frozen=True)
class PriceSeries:
    """One monthly series on the history grid.

    Attributes:
        key: ``provider/class`` for class indices, ``provider/model`` for
            model series.
        usd: cost of one request of the mix in each month of the grid, USD;
            NaN where nothing qualifying was on sale.
        models: the model behind each month's value ('' where none).
    """

    key: str
    provider: str
    capability_class: str
    usd: FloatArray
    models: tuple[str, ...]

    def steps(self) -> list[Step]:
        """Every month-to-month change of the series, in order."""
        logs = np.log(self.usd)
        out = []
        for t in range(1, logs.size):
            change = float(logs[t] - logs[t - 1])
            if np.isfinite(change) and abs(change) > MIN_STEP:
                moved = self.models[t] != self.models[t - 1]
                out.append(Step(self.key, t, change, moved))
        return out

    def months_known(self) -> int:
        """How many months of the grid have a value."""
        return int(np.isfinite(self.usd).sum())


@dataclass(frozen=True)
class PriceHistory:
    """Class indices and model series of one token mix on one month grid."""

    months: tuple[date, ...]
    classes: Mapping[str, PriceSeries]
    models: Mapping[str, PriceSeries]
    mix: TokenMix
    source: str = ""  # sha256 of the price data, for caches

    @property
    def data_end(self) -> date:
        """The last month of the grid, the month the data run through."""
        return self.months[-1]

    def until(self, month: int) -> PriceHistory:
        """The history as known at the end of grid month ``month``.

        Values after it are dropped, so a fit on the result cannot see
        anything that happened later.
        """
        return PriceHistory(
            self.months[: month + 1],
            _truncate(self.classes, month),
            _truncate(self.models, month),
            self.mix,
            self.source,
        )

    def class_index(self, provider: str, capability_class: str) -> PriceSeries:
        """The class index of one provider.

        Raises:
            KeyError: if the provider never offered a model of the class.
        """
        return self.classes[f"{provider}/{capability_class}"]


def default_mix() -> TokenMix:
    """A chat request of 2,400 input and 400 output tokens, uncached.

    The mix of the design's flat example, used where no scenario says
    otherwise (``tcosim forecast`` and the backtest).
    """
    flat_day = (1.0,) * 24  # profiles have a mean of 1
    chat = Workload(
        name="default-mix",
        requests_per_day=20_000.0,
        growth=Growth(),
        daily_profile=flat_day,
        weekly_profile=(1.0,) * 7,
        input_tokens=TokenDist(2_400.0),
        output_tokens=TokenDist(400.0),
        cache_hit_ratio=0.0,
    )
    return TokenMix("default", (chat,), (1.0,))


def scenario_mix(scenario: Scenario) -> TokenMix:
    """The scenario's workloads, weighted by their start-month requests."""
    total = sum(w.requests_per_day for w in scenario.workloads)
    shares = tuple(w.requests_per_day / total for w in scenario.workloads)
    return TokenMix(scenario.name, scenario.workloads, shares)


def data_end(catalog: Catalog) -> date:
    """First day of the month of the latest ``effective_from`` in the sheets."""
    latest = max(
        regime.effective_from
        for model in _all_models(catalog)
        for regime in model.regimes
    )
    return latest.replace(day=1)


def add_months(day: date, months: int) -> date:
    """First day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, later: date) -> int:
    """Whole calendar months from ``first``'s month to ``later``'s."""
    return (later.year - first.year) * 12 + later.month - first.month


def build_history(catalog: Catalog, mix: TokenMix) -> PriceHistory:
    """Class indices and model series of ``mix`` over the whole price data.

    Results are cached per price data and mix within a process.
    """
    key = (catalog.sha256, mix.key)
    if key not in _HISTORIES:
        if len(_HISTORIES) >= _CACHE_SIZE:
            _HISTORIES.pop(next(iter(_HISTORIES)))  # oldest first
        _HISTORIES[key] = _build_history(catalog, mix)
    return _HISTORIES[key]


class MixPricer:
    """Cost of one request of a mix on a model, on a day.

    Costs are cached per model and regime: prices (and so costs) only
    change when a regime starts.
    """

    def __init__(self, catalog: Catalog, mix: TokenMix) -> None:
        self.catalog = catalog
        self.mix = mix
        self._cache: dict[tuple[object, ...], float] = {}

    def request_usd(self, model: Model, day: date) -> float | None:
        """USD per request on ``day`` at list prices; None before launch."""
        regime = model.regime_at(day)
        if regime is None:
            return None
        windows = tuple(id(w.regime_at(day)) for w in model.windows)
        key = (model.key, id(regime), windows)
        if key not in self._cache:
            self._cache[key] = self._price(model, day)
        return self._cache[key]

    def _price(self, model: Model, day: date) -> float:
        terms = self.catalog.sheet(model.provider).terms
        cand = Candidate(name=model.key, provider=model.provider, model=model)
        billing = Terms(model, terms)
        total = 0.0
        for workload, share in zip(self.mix.workloads, self.mix.shares, strict=True):
            tokens = _tokens_per_request(workload, cand, day, self.catalog)
            table = build_price_table(
                billing, [day, day + timedelta(days=1)], workload.daily_profile, False
            )
            usd = sum(n * table.prices[cat][0] for cat, n in tokens.items())
            total += share * usd / MTOK
        return total


# --- building ----------------------------------------------------------------


_CACHE_SIZE = 16
_HISTORIES: dict[tuple[str, str], PriceHistory] = {}


def _build_history(catalog: Catalog, mix: TokenMix) -> PriceHistory:
    months = _grid(catalog)
    pricer = MixPricer(catalog, mix)
    classes = {series.key: series for series in _class_indices(catalog, months, pricer)}
    models = {
        model.key: _model_series(model, months, pricer)
        for model in _all_models(catalog)
    }
    return PriceHistory(
        months,
        MappingProxyType(classes),
        MappingProxyType(models),
        mix,
        catalog.sha256,
    )


def _grid(catalog: Catalog) -> tuple[date, ...]:
    first = min(model.release_date for model in _all_models(catalog))
    end = data_end(catalog)
    count = months_between(first, end) + 1
    return tuple(add_months(first, t) for t in range(count))


def _class_indices(
    catalog: Catalog, months: tuple[date, ...], pricer: MixPricer
) -> Iterator[PriceSeries]:
    for provider in catalog.sheets:
        for cls in CAPABILITY_CLASSES:
            values, names = [], []
            for day in months:
                usd, name = _cheapest(catalog, provider, cls, day, pricer)
                values.append(usd)
                names.append(name)
            usd_array = np.asarray(values, dtype=np.float64)
            if np.isfinite(usd_array).any():
                yield PriceSeries(
                    f"{provider}/{cls}", provider, cls, usd_array, tuple(names)
                )


def _cheapest(
    catalog: Catalog, provider: str, cls: str, day: date, pricer: MixPricer
) -> tuple[float, str]:
    """The cheapest current model of a provider's class on ``day``."""
    best = (float("nan"), "")
    for model in catalog.current_models(day, cls):
        if model.provider != provider:
            continue
        usd = pricer.request_usd(model, day)
        # Any comparison with the NaN start is false, so the first price is
        # taken; ties keep the first in sheet order, so reruns agree.
        if usd is not None and not usd >= best[0]:
            best = (usd, model.id)
    return best


def _model_series(
    model: Model, months: tuple[date, ...], pricer: MixPricer
) -> PriceSeries:
    values = [pricer.request_usd(model, day) for day in months]
    usd = np.asarray([np.nan if v is None else v for v in values])
    names = tuple("" if v is None else model.id for v in values)
    return PriceSeries(model.key, model.provider, model.capability_class, usd, names)


def _tokens_per_request(
    workload: Workload, cand: Candidate, day: date, catalog: Catalog
) -> dict[str, float]:
    """Mean tokens per request by ledger category on ``cand`` at ``day``.

    One month at the workload's start volume: the engine derives cache hits
    from traffic, so the volume matters.
    """
    requests = workload.requests_per_day * DAYS_PER_MONTH
    # The closed-form engine, as for the cost anchor: an index needs
    # expectations, not one sampled month.
    ledger, _ = simulate_usage(
        "fluid",
        workload,
        cand,
        catalog.sheet(cand.provider).terms,
        day,
        np.full((1, 1), requests),
        np.full(1, DAYS_PER_MONTH),
        0,
    )
    return {cat: float(v[0, 0]) / requests for cat, v in ledger.tokens.items()}


def _truncate(
    series: Mapping[str, PriceSeries], month: int
) -> Mapping[str, PriceSeries]:
    kept = {}
    for key, one in series.items():
        usd = one.usd[: month + 1]
        if np.isfinite(usd).any():
            kept[key] = replace(one, usd=usd, models=one.models[: month + 1])
    return MappingProxyType(kept)


def _all_models(catalog: Catalog) -> Iterator[Model]:
    for sheet in catalog.sheets.values():
        yield from sheet.models.values()

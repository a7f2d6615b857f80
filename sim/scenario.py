"""Scenario files: loading, validation, and the immutable Scenario object.

A scenario is one planning question: a horizon, workloads (streams of
traffic) and candidates (a provider's model with its terms). Validation
runs in two passes that both collect problems: the JSON Schema of
:mod:`sim.scenario_schema` (types, ranges, unknown keys), then cross-field
rules of :mod:`sim.scenario_checks` (duplicates, token distributions,
known providers and models). Every problem of the file is reported
together, as ``file: key.path: message``, with list indices counted from 0.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sim.catalog import CAPABILITY_CLASSES, Catalog, Model
from sim.errors import InputError, ProblemLog
from sim.profiles import DAILY_PROFILES, WEEKLY_PROFILES, normalise
from sim.scenario_checks import check_cross_fields, check_start
from sim.scenario_schema import scenario_json_schema
from sim.schema_errors import report_schema_errors
from sim.selection.keys import (
    Selection,
    TeamScores,
    build_scores,
    build_selection,
)
from sim.switching.keys import (
    LockIn,
    Switching,
    build_lock_in,
    build_switching,
)

Z90 = 1.2815515655446004  # standard normal quantile at 0.90


@dataclass(frozen=True)
class TokenDist:
    """Tokens per request, lognormal with this mean and log-sd ``sigma``.

    ``sigma == 0`` means every request has exactly ``mean`` tokens.
    """

    mean: float
    sigma: float = 0.0

    @property
    def mu(self) -> float:
        """Mean of the log of tokens."""
        return math.log(self.mean) - 0.5 * self.sigma**2

    def share_above(self, threshold: float) -> tuple[float, float]:
        """Shares of requests and of tokens in requests above ``threshold``.

        Closed form for the lognormal: P(X > t) and E[X; X > t] / E[X].
        """
        if self.sigma == 0:
            above = 1.0 if self.mean > threshold else 0.0
            return above, above
        z = (math.log(threshold) - self.mu) / self.sigma
        return _norm_sf(z), _norm_sf(z - self.sigma)

    def quantile(self, q: float) -> float:
        """The ``q`` quantile of tokens per request (0 < q < 1)."""
        if self.sigma == 0:
            return self.mean
        return math.exp(self.mu + self.sigma * _norm_ppf(q))


@dataclass(frozen=True)
class Growth:
    """Volume growth. ``rate`` is per month; ``sd`` is drawn once per path."""

    kind: str = "none"
    rate: float = 0.0
    sd: float = 0.0
    cap: float | None = None


@dataclass(frozen=True)
class ResponseCache:
    """Application cache of whole responses, in front of the provider.

    Either ``hit_ratio`` is given, or it is derived from ``ttl_seconds``,
    ``distinct_queries`` (Zipf popular) and an optional LRU capacity.
    """

    hit_ratio: float | None = None
    ttl_seconds: float | None = None
    distinct_queries: int | None = None
    zipf_exponent: float = 1.0
    capacity_entries: int | None = None


@dataclass(frozen=True)
class Workload:
    """One stream of traffic with its volume, shape and token mix."""

    name: str
    requests_per_day: float
    growth: Growth
    daily_profile: tuple[float, ...]
    weekly_profile: tuple[float, ...]
    input_tokens: TokenDist
    output_tokens: TokenDist
    cacheable_prefix_tokens: int = 0
    cache_hit_ratio: float | None = None
    batch_share: float = 0.0
    flex_share: float = 0.0
    priority_share: float = 0.0
    volume_sd: float = 0.0
    prefixes: int = 1
    prefix_popularity: str = "uniform"
    zipf_exponent: float = 1.0
    session_turns: float = 1.0
    think_seconds: float = 60.0
    response_cache: ResponseCache | None = None


@dataclass(frozen=True)
class PriceOverride:
    """Negotiated list prices, USD per 1M tokens; None keeps the sheet's."""

    input: float | None = None
    output: float | None = None
    cached_input: float | None = None
    cache_write: float | None = None
    batch_input: float | None = None
    batch_output: float | None = None


@dataclass(frozen=True)
class Route:
    """A second model of the same provider behind the candidate's router.

    ``kind`` ``route``: ``share`` of requests go to ``model`` instead of the
    main model. ``cascade``: every request tries ``model`` first and
    ``share`` of them escalate to the main model, billed on both.
    """

    kind: str
    model: Model
    share: float


@dataclass(frozen=True)
class RateLimit:
    """Account rate limits; what exceeds them is delayed, moved or dropped."""

    rpm: float | None = None
    tpm: float | None = None
    on_limit: str = "delay"
    fallback: str | None = None
    workload: str | None = None


@dataclass(frozen=True)
class Provisioned:
    """Provisioned throughput: fixed hourly price, on-demand spill-over."""

    units: int
    tpm_per_unit: float
    usd_per_unit_hour: float
    term_months: int = 0
    workload: str | None = None

    @property
    def tpm(self) -> float:
        """Tokens per minute the units serve together."""
        return self.units * self.tpm_per_unit


@dataclass(frozen=True)
class Candidate:
    """A provider's model with the terms a team would run it on."""

    name: str
    provider: str
    model: Model
    region: str = "global"
    discount: float = 0.0
    price: PriceOverride | None = None
    cache_ttl: str | None = None
    route: Route | None = None
    rate_limit: RateLimit | None = None
    provisioned: Provisioned | None = None
    price_model: str = "track"
    migration_usd: float = 0.0
    lock_in: LockIn = LockIn()  # what ties the deployment to it (factor 12)
    scores: TeamScores = TeamScores()  # the team's 1-5 factor scores


@dataclass(frozen=True)
class Scenario:
    """One validated planning question."""

    name: str
    path: str
    sha256: str
    start: date
    months: int
    discount_rate: float
    seed: int
    paths: int
    prices: str
    capability_class: str
    workloads: tuple[Workload, ...]
    candidates: tuple[Candidate, ...]
    budget_usd: float | None = None
    description: str = ""
    hazard_decay: float = 0.0  # per year; 0 keeps historical price hazards
    switching: Switching = Switching()  # team-wide switching terms (factor 12)
    selection: Selection | None = None  # gates, weights, robustness settings

    def month_start(self, t: int) -> date:
        """First day of month ``t`` (0 = the start month)."""
        index = self.start.year * 12 + self.start.month - 1 + t
        return date(index // 12, index % 12 + 1, 1)


def load_scenario(path: str | Path, catalog: Catalog) -> Scenario:
    """Read, validate and build a scenario.

    Raises:
        InputError: listing every problem of the file.
    """
    name = str(path)
    raw_bytes = _read_bytes(name)
    doc = _parse_toml(name, raw_bytes)
    log = ProblemLog(name)
    report_schema_errors(log, _dates_to_text(doc), scenario_json_schema())
    check_cross_fields(log, doc, catalog)
    log.raise_if_any()
    return _build(doc, name, hashlib.sha256(raw_bytes).hexdigest(), catalog)


def _read_bytes(name: str) -> bytes:
    try:
        return Path(name).read_bytes()
    except FileNotFoundError:
        raise InputError.single(name, "", "file not found") from None
    except OSError as exc:
        raise InputError.single(name, "", f"cannot read: {exc.strerror}") from None


def _parse_toml(name: str, raw: bytes) -> dict[str, Any]:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError.single(name, "", "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError.single(name, "", f"invalid TOML: {exc}") from None


def _dates_to_text(value: Any) -> Any:
    """TOML dates become ISO strings so the JSON Schema can check them."""
    if isinstance(value, dict):
        return {k: _dates_to_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_to_text(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()[:10]
    return value


# --- building the immutable objects -----------------------------------------


def _build(doc: dict[str, Any], path: str, digest: str, cat: Catalog) -> Scenario:
    sc = doc["scenario"]
    start = check_start(ProblemLog(path), sc["start"])
    assert start is not None  # validated above
    candidates = tuple(_build_candidate(c, cat) for c in doc["candidate"])
    return Scenario(
        name=sc["name"],
        path=path,
        sha256=digest,
        start=start,
        months=int(sc["months"]),
        discount_rate=float(sc.get("discount_rate", 0.10)),
        seed=int(sc.get("seed", 42)),
        paths=int(sc.get("paths", 1000)),
        prices=str(sc.get("prices", "forecast")),
        capability_class=sc.get("capability_class") or _lowest_class(candidates),
        workloads=tuple(_build_workload(w) for w in doc["workload"]),
        candidates=candidates,
        budget_usd=sc.get("budget_usd"),
        description=sc.get("description", ""),
        hazard_decay=float(sc.get("forecast", {}).get("hazard_decay", 0.0)),
        switching=build_switching(sc.get("switching")),
        selection=build_selection(sc.get("selection")),
    )


def _lowest_class(candidates: tuple[Candidate, ...]) -> str:
    ranks = [CAPABILITY_CLASSES.index(c.model.capability_class) for c in candidates]
    return CAPABILITY_CLASSES[min(ranks)]


def _build_workload(wl: Mapping[str, Any]) -> Workload:
    growth = wl.get("growth", {"kind": "none"})
    return Workload(
        name=wl["name"],
        requests_per_day=float(wl["requests_per_day"]),
        growth=Growth(
            kind=growth["kind"],
            rate=float(growth.get("rate", 0.0)),
            sd=float(growth.get("sd", 0.0)),
            cap=growth.get("cap"),
        ),
        daily_profile=_build_profile(wl.get("daily_profile"), DAILY_PROFILES),
        weekly_profile=_build_profile(wl.get("weekly_profile"), WEEKLY_PROFILES),
        input_tokens=_build_dist(wl["input_tokens"]),
        output_tokens=_build_dist(wl["output_tokens"]),
        cacheable_prefix_tokens=int(wl.get("cacheable_prefix_tokens", 0)),
        cache_hit_ratio=_opt_float(wl.get("cache_hit_ratio")),
        batch_share=float(wl.get("batch_share", 0.0)),
        flex_share=float(wl.get("flex_share", 0.0)),
        priority_share=float(wl.get("priority_share", 0.0)),
        volume_sd=float(wl.get("volume_sd", 0.0)),
        prefixes=int(wl.get("prefixes", 1)),
        prefix_popularity=str(wl.get("prefix_popularity", "uniform")),
        zipf_exponent=float(wl.get("zipf_exponent", 1.0)),
        session_turns=float(wl.get("session_turns", 1.0)),
        think_seconds=float(wl.get("think_seconds", 60.0)),
        response_cache=_build_response_cache(wl.get("response_cache")),
    )


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _build_response_cache(cache: Mapping[str, Any] | None) -> ResponseCache | None:
    if cache is None:
        return None
    return ResponseCache(
        hit_ratio=_opt_float(cache.get("hit_ratio")),
        ttl_seconds=_opt_float(cache.get("ttl_seconds")),
        distinct_queries=cache.get("distinct_queries"),
        zipf_exponent=float(cache.get("zipf_exponent", 1.0)),
        capacity_entries=cache.get("capacity_entries"),
    )


def _build_profile(
    value: Any, named: dict[str, tuple[float, ...]]
) -> tuple[float, ...]:
    if value is None:
        value = "flat"
    weights = named[value] if isinstance(value, str) else value
    return normalise([float(w) for w in weights])


def _build_dist(dist: Mapping[str, Any]) -> TokenDist:
    if "mean" in dist:
        mean, sd = float(dist["mean"]), float(dist.get("sd", 0.0))
        return TokenDist(mean, math.sqrt(math.log1p((sd / mean) ** 2)))
    p50, p90 = float(dist["p50"]), float(dist["p90"])
    sigma = math.log(p90 / p50) / Z90
    return TokenDist(p50 * math.exp(0.5 * sigma**2), sigma)


def _build_candidate(cand: Mapping[str, Any], cat: Catalog) -> Candidate:
    price = cand.get("price")
    return Candidate(
        name=cand["name"],
        provider=cand["provider"],
        model=cat.resolve(cand["provider"], cand["model"]),
        region=cand.get("region", "global"),
        discount=float(cand.get("discount", 0.0)),
        price=PriceOverride(**{k: float(v) for k, v in price.items()})
        if price
        else None,
        cache_ttl=cand.get("cache_ttl"),
        route=_build_route(cand, cat),
        rate_limit=RateLimit(**cand["rate_limit"]) if "rate_limit" in cand else None,
        provisioned=Provisioned(**cand["provisioned"])
        if "provisioned" in cand
        else None,
        price_model=cand.get("price_model", "track"),
        migration_usd=float(cand.get("migration_usd", 0.0)),
        lock_in=build_lock_in(cand.get("lock_in")),
        scores=build_scores(cand.get("scores")),
    )


def _build_route(cand: Mapping[str, Any], cat: Catalog) -> Route | None:
    for kind, share_key in (("route", "share"), ("cascade", "escalation")):
        if kind in cand:
            sub = cand[kind]
            model = cat.resolve(cand["provider"], sub["model"])
            return Route(kind, model, float(sub[share_key]))
    return None


def _norm_sf(z: float) -> float:
    """Survival function of the standard normal."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _norm_ppf(q: float) -> float:
    """Inverse CDF of the standard normal, by bisection on erfc."""
    lo, hi = -12.0, 12.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if 1.0 - _norm_sf(mid) < q:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)

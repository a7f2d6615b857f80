"""Cross-field rules of a scenario file, the second validation pass.

The JSON Schema pass of :mod:`sim.scenario_schema` checks each value on its
own (types, ranges, unknown keys); the rules here relate values to each
other and to the price catalog: unique names, token distributions, growth
settings, shares, known providers, models, regions and TTLs, fallbacks and
capacity targets. Every rule adds to a :class:`~sim.errors.ProblemLog` and
never raises, so all problems of a file are reported together. The rules
read the raw TOML document, which the schema pass may have found wrong, so
each one skips values of the wrong type rather than failing on them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sim.catalog import Catalog, CatalogLookupError
from sim.errors import ProblemLog, suggest
from sim.scenario_schema import DATE_PATTERN
from sim.selection.keys import check_scores, check_selection
from sim.switching.keys import check_lock_in, check_switching


def check_cross_fields(log: ProblemLog, doc: dict[str, Any], cat: Catalog) -> None:
    """Add every cross-field problem of the raw document ``doc`` to ``log``."""
    scenario = doc.get("scenario")
    start = None
    if isinstance(scenario, dict) and "start" in scenario:
        start = check_start(log, scenario["start"])
    if isinstance(scenario, dict):
        check_switching(log, "scenario.switching", scenario.get("switching"))
        check_selection(log, "scenario.selection", scenario.get("selection"))
    selected = isinstance(scenario, dict) and "selection" in scenario
    workloads = _entries(doc, "workload")
    candidates = _entries(doc, "candidate")
    _check_unique(log, "workload", workloads)
    _check_unique(log, "candidate", candidates)
    for i, wl in workloads:
        _check_workload(log, f"workload[{i}]", wl)
    for i, cand in candidates:
        _check_candidate(log, f"candidate[{i}]", cand, cat, start)
        _check_price_model(log, f"candidate[{i}]", cand)
        check_lock_in(log, f"candidate[{i}].lock_in", cand.get("lock_in"))
        check_scores(log, f"candidate[{i}].scores", cand.get("scores"), selected)
    _check_fallbacks(log, candidates)
    _check_capacity_workloads(log, candidates, [w.get("name") for _, w in workloads])


def _entries(doc: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    items = doc.get(key)
    if not isinstance(items, list):
        return []
    return [(i, it) for i, it in enumerate(items) if isinstance(it, dict)]


def check_start(log: ProblemLog, value: Any) -> date | None:
    """The first day of the start month, or None if ``value`` is no date.

    The builder calls this too, on a value already validated, so the
    parsing lives in one place.
    """
    if isinstance(value, date):
        return date(value.year, value.month, 1)
    if not isinstance(value, str) or not re.match(DATE_PATTERN, value):
        return None  # the schema pass has reported it
    try:
        year, month = int(value[:4]), int(value[5:7])
        parsed = date.fromisoformat(value) if len(value) == 10 else None
        return parsed.replace(day=1) if parsed else date(year, month, 1)
    except ValueError:
        log.add(
            "scenario.start",
            f"'{value}' is not a calendar date; expected YYYY-MM-DD or YYYY-MM",
        )
        return None


def _check_unique(
    log: ProblemLog, key: str, items: list[tuple[int, dict[str, Any]]]
) -> None:
    seen: dict[str, int] = {}
    for i, item in items:
        name = item.get("name")
        if not isinstance(name, str):
            continue
        if name in seen:
            log.add(
                f"{key}[{i}].name",
                f"duplicate name '{name}' (also {key}[{seen[name]}]); "
                "expected unique names",
            )
        else:
            seen[name] = i


def _check_workload(log: ProblemLog, key: str, wl: dict[str, Any]) -> None:
    for part in ("input_tokens", "output_tokens"):
        dist = wl.get(part)
        if isinstance(dist, dict):
            _check_dist(log, f"{key}.{part}", dist)
    growth = wl.get("growth")
    if isinstance(growth, dict):
        _check_growth(log, f"{key}.growth", growth)
    _check_shares(log, key, wl)
    _check_prefix(log, key, wl)
    _check_traffic(log, key, wl)


def _check_dist(log: ProblemLog, key: str, dist: dict[str, Any]) -> None:
    has_mean = "mean" in dist
    has_pct = "p50" in dist or "p90" in dist
    if has_mean == has_pct:
        log.add(key, "expected either mean (and sd) or p50 and p90")
    elif has_pct and not ("p50" in dist and "p90" in dist):
        log.add(key, "expected both p50 and p90")
    elif has_pct and "sd" in dist:
        log.add(f"{key}.sd", "sd goes with mean, not with p50/p90")
    elif has_pct and _num(dist["p90"]) < _num(dist["p50"]):
        log.add(
            f"{key}.p90",
            f"{dist['p90']} is below p50 {dist['p50']}; expected p90 >= p50",
        )


def _check_growth(log: ProblemLog, key: str, growth: dict[str, Any]) -> None:
    kind = growth.get("kind")
    if kind == "none":
        for extra in ("rate", "sd", "cap"):
            if extra in growth and _num(growth[extra]) != 0:
                log.add(f"{key}.{extra}", "not used with kind 'none'; remove it")
        return
    if kind in ("linear", "exponential", "logistic") and "rate" not in growth:
        log.add(f"{key}.rate", f"missing; kind '{kind}' needs a monthly rate")
    if kind == "logistic" and "cap" not in growth:
        log.add(f"{key}.cap", "missing; kind 'logistic' needs a cap (> 1)")
    if kind in ("linear", "exponential") and "cap" in growth:
        log.add(f"{key}.cap", f"only used with kind 'logistic', not '{kind}'")
    if kind == "exponential" and _num(growth.get("rate", 0)) <= -1:
        log.add(f"{key}.rate", f"{growth['rate']} is <= -1; expected > -1")


def _check_shares(log: ProblemLog, key: str, wl: dict[str, Any]) -> None:
    names = ("batch_share", "flex_share", "priority_share")
    total = sum(_num(wl.get(n, 0)) for n in names)
    if total > 1 + 1e-12:
        log.add(
            key,
            f"batch_share + flex_share + priority_share = {total:g}; "
            "expected at most 1",
        )


def _check_prefix(log: ProblemLog, key: str, wl: dict[str, Any]) -> None:
    prefix = wl.get("cacheable_prefix_tokens", 0)
    dist = wl.get("input_tokens")
    if not isinstance(dist, dict) or not isinstance(prefix, int):
        return
    typical = dist.get("mean", dist.get("p50"))
    if isinstance(typical, int | float) and prefix > typical:
        log.add(
            f"{key}.cacheable_prefix_tokens",
            f"{prefix} exceeds the typical prompt of {typical:g} tokens; "
            "expected a prefix no longer than input_tokens",
        )


def _check_traffic(log: ProblemLog, key: str, wl: dict[str, Any]) -> None:
    if "zipf_exponent" in wl and wl.get("prefix_popularity") != "zipf":
        log.add(
            f"{key}.zipf_exponent",
            "only used with prefix_popularity = 'zipf'; remove it or set "
            "prefix_popularity",
        )
    cache = wl.get("response_cache")
    if not isinstance(cache, dict):
        return
    derived = "ttl_seconds" in cache or "distinct_queries" in cache
    if "hit_ratio" in cache and derived:
        log.add(
            f"{key}.response_cache",
            "give hit_ratio, or ttl_seconds and distinct_queries, not both",
        )
    elif "hit_ratio" not in cache and not (
        "ttl_seconds" in cache and "distinct_queries" in cache
    ):
        log.add(
            f"{key}.response_cache",
            "expected hit_ratio, or both ttl_seconds and distinct_queries",
        )


def _check_price_model(log: ProblemLog, key: str, cand: dict[str, Any]) -> None:
    if cand.get("price_model") == "pin" and "migration_usd" in cand:
        log.add(
            f"{key}.migration_usd",
            "only used with price_model = 'track': a pinned candidate never "
            "moves to another model; remove it",
        )


def _check_candidate(
    log: ProblemLog,
    key: str,
    cand: dict[str, Any],
    cat: Catalog,
    start: date | None,
) -> None:
    provider, model = cand.get("provider"), cand.get("model")
    if not isinstance(provider, str) or not isinstance(model, str):
        return
    try:
        sheet = cat.sheet(provider)
    except CatalogLookupError as exc:
        log.add(f"{key}.provider", str(exc.args[0]))
        return
    try:
        found = cat.resolve(provider, model)
    except CatalogLookupError as exc:
        log.add(f"{key}.model", str(exc.args[0]))
        return
    if start is not None and found.regime_at(start) is None:
        log.add(
            f"{key}.model",
            f"'{found.id}' has no price before {found.release_date}, after "
            f"the scenario start {start:%Y-%m}; expected a model on sale then",
        )
    _check_serving(log, key, cand, sheet, cat)
    region = cand.get("region", "global")
    known = sheet.terms.regions
    if isinstance(region, str) and region != "global" and region not in known:
        allowed = ", ".join(["global", *sorted(known)])
        log.add(
            f"{key}.region",
            f"unknown region '{region}' for {provider}; expected one of "
            f"{allowed}" + suggest(region, known),
        )


def _check_serving(
    log: ProblemLog, key: str, cand: dict[str, Any], sheet: Any, cat: Catalog
) -> None:
    """Cache TTL, router and capacity settings of one candidate."""
    ttl = cand.get("cache_ttl")
    known = dict(sheet.terms.cache.ttl_seconds) if sheet.terms.cache else {}
    if isinstance(ttl, str) and ttl not in known:
        offered = ", ".join(sorted(known)) or "none"
        log.add(
            f"{key}.cache_ttl",
            f"'{ttl}' is not a TTL {sheet.provider} sells; expected one of "
            f"{offered}" + suggest(ttl, known),
        )
    if "route" in cand and "cascade" in cand:
        log.add(key, "give route or cascade, not both")
    for part in ("route", "cascade"):
        sub = cand.get(part)
        if isinstance(sub, dict) and isinstance(sub.get("model"), str):
            try:
                cat.resolve(sheet.provider, sub["model"])
            except CatalogLookupError as exc:
                log.add(f"{key}.{part}.model", str(exc.args[0]))
    limit = cand.get("rate_limit")
    if isinstance(limit, dict):
        _check_rate_limit(log, f"{key}.rate_limit", limit)


def _check_rate_limit(log: ProblemLog, key: str, limit: dict[str, Any]) -> None:
    if "rpm" not in limit and "tpm" not in limit:
        log.add(key, "expected rpm, tpm or both")
    wants = limit.get("on_limit", "delay") == "fallback"
    if wants and "fallback" not in limit:
        log.add(f"{key}.fallback", "missing; on_limit = 'fallback' needs one")
    if not wants and "fallback" in limit:
        log.add(f"{key}.fallback", "only used with on_limit = 'fallback'")


def _check_fallbacks(
    log: ProblemLog, candidates: list[tuple[int, dict[str, Any]]]
) -> None:
    names = [c.get("name") for _, c in candidates]
    for i, cand in candidates:
        limit = cand.get("rate_limit")
        target = limit.get("fallback") if isinstance(limit, dict) else None
        if not isinstance(target, str):
            continue
        if target == cand.get("name") or target not in names:
            others = [str(n) for n in names if n != cand.get("name")]
            expected = (
                f"expected one of {', '.join(others)}" + suggest(target, others)
                if others
                else "add another candidate to fall back to"
            )
            log.add(
                f"candidate[{i}].rate_limit.fallback",
                f"'{target}' is not another candidate; {expected}",
            )


def _check_capacity_workloads(
    log: ProblemLog,
    candidates: list[tuple[int, dict[str, Any]]],
    names: list[Any],
) -> None:
    """Capacity serves one workload: name it when there are several."""
    for i, cand in candidates:
        for part in ("rate_limit", "provisioned"):
            sub = cand.get(part)
            if not isinstance(sub, dict):
                continue
            key = f"candidate[{i}].{part}.workload"
            target = sub.get("workload")
            if target is None and len(names) > 1:
                log.add(
                    key,
                    "missing; the scenario has several workloads: name "
                    f"the one this capacity serves ({', '.join(map(str, names))})",
                )
            elif target is not None and target not in names:
                log.add(
                    key,
                    f"unknown workload '{target}'; expected one of "
                    f"{', '.join(map(str, names))}"
                    + suggest(str(target), [str(n) for n in names]),
                )


def _num(value: Any) -> float:
    """A number from a value the schema pass may have already rejected."""
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok else 0.0

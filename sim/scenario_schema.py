"""The scenario file's JSON Schema: one source for validation and export.

``tcosim schema scenario`` prints :func:`scenario_json_schema`, which TOML
editors (Taplo, Even Better TOML) use for completion and checks; the loader
in :mod:`sim.scenario` validates against the same schema before its own
cross-field checks, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sim.profiles import DAILY_PROFILES, WEEKLY_PROFILES
from sim.selection.keys import scores_schema, selection_schema
from sim.switching.keys import KEY_CHOICES, KEY_HELP, KEY_LIMITS, LockIn, Switching

NAME_PATTERN = "^[A-Za-z0-9_-]+$"
DATE_PATTERN = r"^\d{4}-\d{2}(-\d{2})?$"
MAX_MONTHS = 240
MAX_PATHS = 100_000

JsonDict = dict[str, Any]


def _num(desc: str, minimum: float | None = None, **extra: Any) -> JsonDict:
    out: JsonDict = {"type": "number", "description": desc}
    if minimum is not None and "exclusiveMinimum" not in extra:
        out["minimum"] = minimum
    out.update(extra)
    return out


def _share(desc: str) -> JsonDict:
    return _num(desc, 0, maximum=1, default=0)


def _table(props: JsonDict, required: list[str] | None = None) -> JsonDict:
    out: JsonDict = {
        "type": "object",
        "properties": props,
        "additionalProperties": False,
    }
    if required:
        out["required"] = required
    return out


def _scenario_table() -> JsonDict:
    return _table(
        {
            "name": {
                "type": "string",
                "pattern": NAME_PATTERN,
                "description": "Output folder name: letters, digits, '-', '_'.",
            },
            "description": {"type": "string"},
            "start": {
                "type": "string",
                "pattern": DATE_PATTERN,
                "description": "First simulated month, a TOML date or "
                "'YYYY-MM'; the day is ignored.",
            },
            "months": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_MONTHS,
                "description": "Horizon in calendar months.",
            },
            "discount_rate": _num(
                "Effective annual rate for NPV (0.10 = 10%/year).",
                0,
                maximum=1,
                default=0.10,
            ),
            "seed": {"type": "integer", "minimum": 0, "default": 42},
            "paths": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_PATHS,
                "default": 1000,
                "description": "Monte Carlo paths.",
            },
            "prices": {
                "enum": ["forecast", "frozen"],
                "default": "forecast",
                "description": "'frozen': list prices at the start month held "
                "flat; 'forecast': dated regimes, scheduled changes included, "
                "then Monte Carlo price paths after the last dated change.",
            },
            "budget_usd": _num(
                "Total budget over the horizon, USD; anchors the cost score.",
                0,
                exclusiveMinimum=0,
            ),
            "capability_class": {
                "enum": ["small", "mid", "frontier"],
                "description": "Class the workloads need; the cheapest current "
                "catalogue model of it anchors the cost score. Default: the "
                "lowest class among the candidates' models.",
            },
            "forecast": _forecast(),
            "switching": _keys_table(
                Switching, "Team-wide switching terms (factor 12, lock-in)."
            ),
            "selection": selection_schema(),
        },
        required=["name", "start", "months"],
    )


def _forecast() -> JsonDict:
    return _table(
        {
            "hazard_decay": _num(
                "Per year: the monthly probability of a price cut (and of a "
                "market-wide cut) falls by exp(-hazard_decay x years ahead); "
                "0 keeps the historical rate.",
                0,
                default=0,
            ),
        }
    ) | {"description": "Options of the price forecast (factor 11)."}


def _keys_table(cls: type[Switching] | type[LockIn], desc: str) -> JsonDict:
    """Factor 12 keys: types, ranges and defaults from the dataclass ``cls``."""
    props = {f.name: _key(f.name, f.default) for f in fields(cls)}
    return _table(props) | {"description": desc}


def _key(name: str, default: Any) -> JsonDict:
    out: JsonDict = {"description": KEY_HELP[name], "default": default}
    if isinstance(default, bool):
        out["type"] = "boolean"
    elif isinstance(default, tuple):
        out["type"] = "array"
        out["items"] = {"enum": list(KEY_CHOICES[name])}
        out["default"] = list(default)
    else:
        out["type"] = "integer" if isinstance(default, int) else "number"
        out["minimum"] = 0
    return out | KEY_LIMITS.get(name, {})


def _token_dist(desc: str) -> JsonDict:
    return _table(
        {
            "mean": _num("Mean tokens per request.", 0, exclusiveMinimum=0),
            "sd": _num("Standard deviation, tokens (0: constant).", 0),
            "p50": _num("Median tokens per request.", 0, exclusiveMinimum=0),
            "p90": _num("90th percentile, tokens.", 0, exclusiveMinimum=0),
        }
    ) | {"description": desc + " Give mean (and sd), or p50 and p90."}


def _profile(names: tuple[str, ...], length: int, unit: str) -> JsonDict:
    return {
        "description": f"A named shape or {length} non-negative weights, one "
        f"per {unit}.",
        "default": "flat",
        "oneOf": [
            {"enum": list(names)},
            {
                "type": "array",
                "items": {"type": "number", "minimum": 0},
                "minItems": length,
                "maxItems": length,
            },
        ],
    }


def _growth() -> JsonDict:
    return _table(
        {
            "kind": {"enum": ["none", "linear", "exponential", "logistic"]},
            "rate": _num(
                "Per month: linear adds rate x start volume each month; "
                "exponential multiplies by (1 + rate); logistic steepness."
            ),
            "sd": _num("Standard deviation of rate, drawn once per path.", 0),
            "cap": _num(
                "Logistic only: saturation volume as a multiple of the start "
                "month (> 1).",
                1,
                exclusiveMinimum=1,
            ),
        },
        required=["kind"],
    )


def _workload() -> JsonDict:
    return _table(
        {
            "name": {"type": "string", "pattern": NAME_PATTERN},
            "requests_per_day": _num(
                "Mean requests per day over the start month.",
                0,
                exclusiveMinimum=0,
            ),
            "growth": _growth(),
            "volume_sd": _num(
                "Month-to-month volume noise, coefficient of variation.",
                0,
                default=0,
            ),
            "daily_profile": _profile(DAILY_PROFILES_NAMES, 24, "hour (UTC)"),
            "weekly_profile": _profile(WEEKLY_PROFILES_NAMES, 7, "weekday, Mon"),
            "input_tokens": _token_dist("The whole prompt of a request."),
            "output_tokens": _token_dist("Output tokens, reasoning included."),
            "cacheable_prefix_tokens": {
                "type": "integer",
                "minimum": 0,
                "default": 0,
                "description": "Part of the prompt shared across requests.",
            },
            "cache_hit_ratio": _num(
                "Assumed share of requests whose shared prefix is read from "
                "the provider's prompt cache; omit it to derive the hit ratio "
                "from traffic, TTL and prefix popularity.",
                0,
                maximum=1,
            ),
            "prefixes": {
                "type": "integer",
                "minimum": 1,
                "default": 1,
                "description": "Distinct shared prefixes (system prompts, "
                "tenants, tools) the requests spread over.",
            },
            "prefix_popularity": {
                "enum": ["uniform", "zipf"],
                "default": "uniform",
                "description": "How requests spread over the prefixes.",
            },
            "zipf_exponent": _num(
                "Zipf exponent s of prefix popularity (weight of rank k ~ k^-s).",
                0,
                exclusiveMinimum=0,
                default=1.0,
            ),
            "session_turns": _num(
                "Mean turns per session (geometric); each turn re-sends the "
                "conversation so far.",
                1,
                default=1,
            ),
            "think_seconds": _num(
                "Mean gap between turns of a session, seconds (exponential).",
                0,
                exclusiveMinimum=0,
                default=60,
            ),
            "response_cache": _response_cache(),
            "batch_share": _share("Share of requests sent to the batch API."),
            "flex_share": _share("Share of requests on the flex tier."),
            "priority_share": _share("Share of requests on the priority tier."),
        },
        required=["name", "requests_per_day", "input_tokens", "output_tokens"],
    )


def _response_cache() -> JsonDict:
    return _table(
        {
            "hit_ratio": _num("Given share of first turns answered.", 0, maximum=1),
            "ttl_seconds": _num("Entry lifetime, seconds.", 0, exclusiveMinimum=0),
            "distinct_queries": {
                "type": "integer",
                "minimum": 1,
                "description": "Distinct first-turn queries (Zipf popular).",
            },
            "zipf_exponent": _num(
                "Zipf exponent of query popularity.", 0, exclusiveMinimum=0, default=1.0
            ),
            "capacity_entries": {
                "type": "integer",
                "minimum": 1,
                "description": "Most entries kept (least recently used go).",
            },
        }
    ) | {
        "description": "Application cache of whole responses in front of the "
        "provider: give hit_ratio, or ttl_seconds and distinct_queries (and "
        "optionally capacity_entries) to derive it."
    }


def _route() -> JsonDict:
    return _table(
        {
            "model": {"type": "string", "description": "Same provider's model."},
            "share": _num("Share of requests sent to it.", 0, maximum=1),
        },
        required=["model", "share"],
    ) | {"description": "Send a share of requests to a smaller model."}


def _cascade() -> JsonDict:
    return _table(
        {
            "model": {"type": "string", "description": "Model tried first."},
            "escalation": _num(
                "Share of requests escalated to the main model.", 0, maximum=1
            ),
        },
        required=["model", "escalation"],
    ) | {"description": "Small model first; escalations are billed on both."}


def _rate_limit() -> JsonDict:
    return _table(
        {
            "rpm": _num("Requests per minute.", 0, exclusiveMinimum=0),
            "tpm": _num("Tokens (input + output) per minute.", 0, exclusiveMinimum=0),
            "on_limit": {
                "enum": ["delay", "fallback", "drop"],
                "default": "delay",
                "description": "What happens to requests over the limit.",
            },
            "fallback": {
                "type": "string",
                "description": "Candidate that serves requests over the limit "
                "(on_limit = 'fallback').",
            },
            "workload": {
                "type": "string",
                "description": "The workload this limit serves (required "
                "when the scenario has several).",
            },
        }
    ) | {"description": "The provider's rate limits for the account's tier."}


def _provisioned() -> JsonDict:
    return _table(
        {
            "units": {"type": "integer", "minimum": 1},
            "tpm_per_unit": _num(
                "Tokens per minute one unit serves.", 0, exclusiveMinimum=0
            ),
            "usd_per_unit_hour": _num("Price of one unit per hour.", 0),
            "term_months": {"type": "integer", "minimum": 0, "default": 0},
            "workload": {
                "type": "string",
                "description": "The workload the units serve (required when "
                "the scenario has several).",
            },
        },
        required=["units", "tpm_per_unit", "usd_per_unit_hour"],
    ) | {
        "description": "Provisioned throughput billed every hour whether used "
        "or not; traffic over it spills to on-demand."
    }


PRICE_KEYS = (
    "input",
    "output",
    "cached_input",
    "cache_write",
    "batch_input",
    "batch_output",
)


def _candidate() -> JsonDict:
    price = _table(
        {k: _num(f"{k} price, USD per 1M tokens.", 0) for k in PRICE_KEYS}
    ) | {"description": "Negotiated or private list prices, USD per 1M tokens."}
    return _table(
        {
            "name": {"type": "string", "pattern": NAME_PATTERN},
            "provider": {"type": "string", "description": "A price sheet."},
            "model": {"type": "string", "description": "Model id or alias."},
            "region": {
                "type": "string",
                "default": "global",
                "description": "'global' or a region the price sheet lists.",
            },
            "discount": _num(
                "Negotiated discount on every price (0.15 = 15% off).",
                0,
                exclusiveMaximum=1,
                default=0,
            ),
            "price": price,
            "price_model": {
                "enum": ["pin", "track"],
                "default": "track",
                "description": "'track': follow the provider's cheapest current "
                "model of the class as it changes; 'pin': stay on this model "
                "and take only its own price changes.",
            },
            "migration_usd": _num(
                "One-off cost of each move to another model when tracking, USD.",
                0,
                default=0,
            ),
            "cache_ttl": {
                "type": "string",
                "description": "Prompt-cache TTL bought from the provider, "
                "e.g. '1h'; default: the provider's default TTL.",
            },
            "route": _route(),
            "cascade": _cascade(),
            "rate_limit": _rate_limit(),
            "provisioned": _provisioned(),
            "lock_in": _keys_table(
                LockIn,
                "What ties the deployment to this candidate, and the "
                "mitigations declared for it (factor 12, lock-in).",
            ),
            "scores": scores_schema(),
        },
        required=["name", "provider", "model"],
    )


DAILY_PROFILES_NAMES = tuple(DAILY_PROFILES)
WEEKLY_PROFILES_NAMES = tuple(WEEKLY_PROFILES)


def scenario_json_schema() -> JsonDict:
    """Return the JSON Schema (draft 2020-12) of a scenario file."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "tcosim scenario",
        "type": "object",
        "additionalProperties": False,
        "required": ["scenario", "workload", "candidate"],
        "properties": {
            "scenario": _scenario_table(),
            "workload": {"type": "array", "minItems": 1, "items": _workload()},
            "candidate": {"type": "array", "minItems": 1, "items": _candidate()},
        },
    }

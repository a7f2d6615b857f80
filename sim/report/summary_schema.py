"""JSON Schema of ``summary.json`` (``tcosim schema summary``)."""

from __future__ import annotations

from typing import Any

JsonDict = dict[str, Any]

_NUM: JsonDict = {"type": "number"}
_BAND: JsonDict = {
    "type": "object",
    "required": ["mean", "p10", "p50", "p90"],
    "properties": {k: _NUM for k in ("mean", "p10", "p50", "p90")},
    "additionalProperties": False,
}


def _obj(props: JsonDict, extra: bool = False) -> JsonDict:
    return {
        "type": "object",
        "required": sorted(props),
        "properties": props,
        "additionalProperties": extra,
    }


def _cost_factor() -> JsonDict:
    return _obj(
        {
            "score": {"type": "number", "minimum": 1, "maximum": 5},
            "score_p10": {"type": "number", "minimum": 1, "maximum": 5},
            "score_p90": {"type": "number", "minimum": 1, "maximum": 5},
            "tco_to_anchor": {**_NUM, "description": "mean TCO / anchor"},
            "anchor_usd": _NUM,
        }
    )


def _trajectory_factor() -> JsonDict:
    rate = "natural-log change of the price a year"
    return _obj(
        {
            "score": {"type": "number", "minimum": 1, "maximum": 5},
            "score_p10": {"type": "number", "minimum": 1, "maximum": 5},
            "score_p90": {"type": "number", "minimum": 1, "maximum": 5},
            "annual_log_change": {
                **_NUM,
                "description": f"median over paths, next 24 months; {rate}",
            },
            "risk_adjusted_log_change": {
                **_NUM,
                "description": "median pushed halfway to the 80th percentile",
            },
            "market_log_change": {
                **_NUM,
                "description": "risk-adjusted rate of the class's median provider",
            },
            "relative": {
                **_NUM,
                "description": "risk_adjusted_log_change - market_log_change",
            },
            "low_evidence": {
                "type": "boolean",
                "description": "the provider's history has fewer than 3 steps",
            },
            "own_steps": {"type": "integer", "minimum": 0},
            "price_model": {"enum": ["pin", "track"]},
        }
    )


def _price_forecast() -> JsonDict:
    return _obj(
        {
            "model": {"const": "jump"},
            "data_through": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
            "hazard_decay": {**_NUM, "minimum": 0},
            "diagnostics": {"type": "array", "items": {"type": "string"}},
        }
    )


def _budget_year() -> JsonDict:
    return _obj(
        {
            "year": {"type": "integer", "minimum": 1},
            "first_month": {"type": "string"},
            "months": {"type": "integer", "minimum": 1, "maximum": 12},
            "p50_usd": _NUM,
            "p80_usd": _NUM,
            "p90_usd": _NUM,
            "contingency_usd": {**_NUM, "description": "P80 - P50"},
        }
    )


def _lock_in_factor() -> JsonDict:
    score = {"type": "number", "minimum": 1, "maximum": 5}
    props: JsonDict = {
        "score": score,
        "score_p10": score,
        "score_p90": score,
        "basis": {"enum": ["simulation", "switching months"]},
        "lock_in_usd": {**_NUM, "description": "savings forgone, NPV USD"},
        "lock_in_share": {**_NUM, "description": "of the never-switch NPV"},
        "switching_cost_usd": _NUM,
        "switching_cost_months": {**_NUM, "description": "months of spend"},
        "p_switch": {"type": "number", "minimum": 0, "maximum": 1},
        "expected_switches": _NUM,
        "ledger": {"type": "array"},
        "blockers": {"type": "array"},
        "warnings": {"type": "array"},
        "gateway": {"type": "object"},
    }
    return {
        "type": "object",
        "required": sorted(props),
        "properties": props,
        "additionalProperties": True,
    }


OPTIONAL = ("gates", "composite", "team_scores", "selection")


def _optional(schema: JsonDict) -> JsonDict:
    """Drop the selection's keys from ``required``: a run without a
    ``[scenario.selection]`` table has none of them."""
    schema["required"] = [k for k in schema["required"] if k not in OPTIONAL]
    return schema


def _candidate() -> JsonDict:
    return _optional(
        _obj(
            {
                "name": {"type": "string"},
                "provider": {"type": "string"},
                "model": {"type": "string"},
                "capability_class": {"enum": ["small", "mid", "frontier"]},
                "region": {"type": "string"},
                "discount": _NUM,
                "tco_usd": {**_BAND, "description": "undiscounted total, USD"},
                "npv_usd": {**_BAND, "description": "discounted total, USD"},
                "requests_total_mean": _NUM,
                "cost_per_1k_requests_usd": _NUM,
                "budget_years": {"type": "array", "items": _budget_year()},
                # Factor 12 joins these as it is computed.
                "factors": {
                    "type": "object",
                    "required": ["cost", "pricing_trajectory"],
                    "properties": {
                        "cost": _cost_factor(),
                        "pricing_trajectory": _trajectory_factor(),
                        "lock_in": _lock_in_factor(),
                    },
                    "additionalProperties": True,
                },
                "gates": {
                    "type": "object",
                    "required": ["passed", "failed"],
                    "description": "present when the scenario has a selection",
                },
                "composite": {
                    "type": "object",
                    "required": ["score", "rank", "p_rank1"],
                    "description": "present for candidates that pass the gates",
                },
                "team_scores": {"type": "object"},
                "engines": {
                    "type": "object",
                    "description": "workload -> engine used (des or fluid)",
                    "additionalProperties": {"enum": ["des", "fluid"]},
                },
                "notes": {"type": "array", "items": {"type": "string"}},
            }
        )
    )


def summary_json_schema() -> JsonDict:
    """Return the JSON Schema (draft 2020-12) of ``summary.json``."""
    schema = _optional(
        _obj(
            {
                "schema_version": {"const": 1},
                "tcosim_version": {"type": "string"},
                "created_utc": {"type": "string"},
                "scenario": _obj(
                    {
                        "name": {"type": "string"},
                        "start": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
                        "months": {"type": "integer"},
                        "sha256": {"type": "string"},
                        "prices": {"enum": ["forecast", "frozen"]},
                        "discount_rate": _NUM,
                        "capability_class": {"type": "string"},
                    }
                ),
                "run": _obj(
                    {
                        "seed": {"type": "integer"},
                        "paths": {"type": "integer"},
                        "engine": {"type": "string"},
                        "pricing_data_sha256": {"type": "string"},
                    }
                ),
                "anchor": _obj(
                    {
                        "kind": {"enum": ["budget", "cheapest-model"]},
                        "tco_usd": _NUM,
                        "capability_class": {"type": "string"},
                        "model": {"type": ["string", "null"]},
                    }
                ),
                "assumptions": {"type": "array", "items": {"type": "string"}},
                "price_forecast": _price_forecast(),
                "candidates": {"type": "array", "items": _candidate()},
                "selection": {
                    "type": "object",
                    "description": "weights, verdict and weight sensitivity; "
                    "present when the scenario has a selection",
                },
            }
        )
    )
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tcosim run summary"
    return schema

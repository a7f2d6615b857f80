"""Build ``pricing_data/*.toml`` from the sourced reference tables.

Inputs (copies committed beside this script, in ``tools/reference/``):

- ``price_points.csv``: one row per dated price regime of a model. Every row
  becomes a ``[[models.regimes]]`` entry with its prices, dates, date
  quality, source and notes copied unchanged. A blank cell is left out of the
  sheet: unknown stays unknown, never zero.
- ``provider_facts.csv``: one row per provider fact; every row of the ten
  providers with a price sheet becomes a ``[facts.<fact>]`` table. The rows of
  ``google-vertex`` and ``azure-openai`` are skipped: the reference holds no
  per-token price list for them, so they have no price sheet.
- ``provider_billing.md`` (in the shared reference folder, not read here):
  the serving terms (batch, prompt cache, service tiers, regional uplifts) are
  transcribed by hand into :data:`TERMS` below, each block with the source
  the document cites. Mechanisms the document marks "not captured", or gives
  only per model without a provider rule, are left out.

Rules applied:

- Time-of-day pseudo-models such as ``deepseek-chat[off-peak 16:30-00:30
  UTC]`` become a ``[[models.windows]]`` entry (name ``off-peak``, UTC spans
  ``["16:30-00:30"]``) of the model before the bracket.
- A model's ``context_window`` is the newest non-blank value of its rows; a
  regime whose own non-blank value differs carries it as the regime's
  ``context_window``.
- Aliases: a model id ending in a date suffix (``-YYYY-MM-DD``,
  ``-YYYYMMDD`` or ``-MM-YYYY``) gets the id without it as an alias, given to
  the newest snapshot (by suffix date) of the provider that shares it. No
  alias is made when it equals another model's id, or when two snapshots of
  the same date share it. So ``gpt-4o`` names ``gpt-4o-2024-11-20``, while
  ``command-r-08-2024`` gets none because ``command-r`` is a model of its own.

The price and long-context key names come from :mod:`sim.price_sheet`, the
schema the sheets are checked against, so the two cannot drift apart.

Run from the repository root (stdlib and this repository's ``sim``)::

    python tools/build_pricing_data.py

Limitations: the alias is fixed to the newest snapshot for all dates, also
before that snapshot was released; pin a dated id to price an older one.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts tools/ on the path, not the repository: add
# it, so that the keys come from this checkout's sim.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.price_sheet import LONG_CONTEXT_KEYS, PRICE_KEYS  # noqa: E402

REFERENCE = ROOT / "tools" / "reference"
OUT_DIR = ROOT / "pricing_data"

# Short names the billing document uses for its sources, written out.
GP_REPO = (
    "github.com/pydantic/genai-prices prices/providers/*.yml@47df840a (2026-08-21)"
)
GP_023 = (
    "genai-prices 0.2.3 wheel genai_prices/data.py (price_variants, price_comments)"
)
LL = (
    "github.com/BerriAI/litellm model_prices_and_context_window.json "
    "(litellm 1.110.2 wheel)"
)
MD = "github.com/anomalyco/models.dev"

PROVIDER_NAMES = {
    "openai": "OpenAI API",
    "anthropic": "Anthropic Claude API",
    "google": "Google Gemini API",
    "mistral": "Mistral AI La Plateforme",
    "deepseek": "DeepSeek API",
    "xai": "xAI Grok API",
    "cohere": "Cohere API",
    "aws-bedrock": "Amazon Bedrock",
    "groq": "Groq GroqCloud",
    "together": "Together AI",
}

# Serving terms transcribed from provider_billing.md. A "#" entry holds
# comment lines written under the table header.
TERMS: dict[str, dict[str, Any]] = {
    "openai": {
        "batch": {
            "discount": 0.5,
            "turnaround_hours": 24,
            "source": f"{LL} *_batches | {GP_023}",
        },
        "cache": {
            "#": [
                "Caches clear after 5-10 min idle, always within 1 h; the",
                "extended retention (24h) write premium is not captured.",
                "GPT-5.6 writes bill at 1.25x input: that price is in the",
                "regimes' cache_write_usd_per_mtok. Read discount varies by",
                "generation (50% gpt-4o, 75% gpt-4.1/o3, 90% gpt-5): see the",
                "regimes' cached_input_usd_per_mtok.",
            ],
            "mode": "automatic",
            "min_prefix_tokens": 1024,
            "default_ttl": "5m",
            "ttl_seconds": {"5m": 300, "24h": 86400},
            "write_multipliers": {"5m": 1.0},
            "source": (
                "https://openai.com/index/api-prompt-caching/ | "
                "https://yooqur.com/thread/729317-1.html (extended retention)"
            ),
        },
        "tiers": {
            "priority": {
                "#": [
                    "Per family from the sources; 2.0 (gpt-5's) is the",
                    "default for families the sources do not list (the",
                    "document gives 1.7-2.5x for OpenAI).",
                ],
                "multiplier": 2.0,
                "by_family": {"gpt-4o": 1.7, "gpt-4.1": 1.75, "o3": 1.75, "gpt-5": 2.0},
                "by_model": {"gpt-5.5": 2.5},
                "source": f"{LL} *_priority | {GP_023} service_tier",
            },
            "flex": {
                "#": ["Flex is billed at the batch price."],
                "multiplier": 0.5,
                "source": f"{LL} *_flex | {GP_023} service_tier",
            },
        },
        "regions": {
            name: {
                "multiplier": 1.1,
                "models_released_from": date(2026, 3, 5),
                "source": "https://developers.openai.com/api/docs/guides/data-residency",
            }
            for name in ("eu", "us", "au", "in", "jp")
        },
    },
    "anthropic": {
        "batch": {
            "#": ["Cache multipliers stack with the batch discount."],
            "discount": 0.5,
            "turnaround_hours": 24,
            "available_from": date(2024, 10, 8),
            "source": (
                "https://claude.com/blog/message-batches-api | "
                "https://docs.anthropic.com/en/docs/about-claude/pricing"
            ),
        },
        "cache": {
            "#": [
                "Up to 4 cache_control breakpoints per request; TTL refreshed",
                "on each hit. 1-hour writes are offered from Claude 4 on.",
                "Sonnet 5.5, Opus 5.5 and Fable 5.1 read at 0.05x/0.025x but",
                "are not in this sheet.",
            ],
            "mode": "explicit",
            "min_prefix_tokens": 1024,
            "min_prefix_tokens_by_family": {"claude-haiku": 2048},
            "default_ttl": "5m",
            "ttl_seconds": {"5m": 300, "1h": 3600},
            "write_multipliers": {"5m": 1.25, "1h": 2.0},
            "read_multiplier": 0.1,
            "source": (
                "https://portkey.ai/docs/aigw/integrations/llms/anthropic/"
                "prompt-caching | https://docs.keywordsai.co/documentation/"
                "products/gateway/performance_optimization/prompt-caching | "
                f"{LL} prompt_cache_min_tokens | "
                "https://6thwave.news/2024/08/14/anthropic-unveils-prompt-"
                "caching-for-cost-effective-api-usage/"
            ),
        },
    },
    "google": {
        "batch": {
            "#": ["Context caching stays at the standard rate under batch."],
            "discount": 0.5,
            "turnaround_hours": 24,
            "source": (
                f"{GP_023} (verified on 2026-10-14 at ai.google.dev pricing, "
                f"Batch tab) | {LL} *_batches"
            ),
        },
        "cache": {
            "#": [
                "Implicit caching (automatic, no guaranteed saving) since",
                "2025-05-08. Minimum prefix: 1024 (2.5 Flash, 3 Flash), 4096",
                "(2.5 Pro, 3 Pro); litellm says 2048 for gemini-2.5-pro, in",
                "conflict. The 1h TTL is explicit caches' default; the",
                "implicit-cache lifetime is not captured. Explicit caches",
                "also bill storage, known only for Gemini 3.6/3.7 Flash.",
            ],
            "mode": "automatic",
            "min_prefix_tokens": 1024,
            "min_prefix_tokens_by_family": {"gemini-pro": 4096},
            "ttl_seconds": {"1h": 3600},
            "storage_usd_per_mtok_hour_by_model": {
                "gemini-3.6-flash": 0.5,
                "gemini-3.7-flash": 0.5,
            },
            "source": (
                "https://ai.google.dev/gemini-api/docs/caching | "
                f"{GP_REPO} price_comments (storage) | {LL}"
            ),
        },
        "tiers": {
            "flex": {
                "#": ["Target latency 1-15 min, no guarantee."],
                "multiplier": 0.5,
                "source": (
                    "https://www.aibase.com/news/26838 | https://wordupnews.com/"
                    "cryptocurrency/alphabet-googl-stock-google-unveils-"
                    "flexible-gemini-api-pricing-options/"
                ),
            },
            "priority": {
                "#": [
                    "Announced as +75% to +100%; litellm and genai-prices",
                    "price it at 1.8x. Overflow beyond the quota bills at",
                    "standard.",
                ],
                "multiplier": 1.8,
                "source": (
                    f"{LL} *_priority | {GP_023} | https://www.aibase.com/news/26838"
                ),
            },
        },
    },
    "deepseek": {
        "cache": {
            "#": [
                "Context caching on disk; cache hits bill at the regimes'",
                "cached_input_usd_per_mtok. Minimum prefix and TTL not",
                "captured.",
            ],
            "mode": "automatic",
            "source": f"{MD} (history) | {GP_REPO}",
        },
    },
    "mistral": {
        "batch": {
            "discount": 0.5,
            "source": (
                f"{GP_023} batch variants | {LL} *_batches | "
                "https://amnic.com/blogs/mistral-api-pricing"
            ),
        },
    },
    "xai": {
        "batch": {
            "discount": 0.2,
            "source": f"{LL} *_batches | {GP_023} batch variant",
        },
        "cache": {
            "#": ["Read discount varies by model: see the regimes."],
            "mode": "automatic",
            "source": f"{GP_REPO} | {LL} | {MD}",
        },
        "regions": {
            "us": {
                "#": ["us.api.x.ai; the global endpoint is the base price."],
                "multiplier": 1.1,
                "source": (
                    "https://docs.x.ai/developers/advanced-api-usage/regions.md"
                ),
            },
        },
    },
    "aws-bedrock": {
        "batch": {
            "discount": 0.5,
            "source": f"{LL} *_batches",
        },
        "tiers": {
            "flex": {
                "multiplier": 0.5,
                "source": f"{LL} (Nova Pro flex)",
            },
            "priority": {
                "multiplier": 1.75,
                "source": f"{LL} (Nova Pro, Nova Premier priority)",
            },
        },
        "regions": {
            name: {
                "#": ["Over the global cross-region endpoint price."],
                "multiplier": 1.1,
                "source": f"{GP_REPO} aws.yml price_comments",
            }
            for name in ("us", "eu", "apac", "jp", "au", "us-gov")
        },
    },
    "together": {
        "regions": {
            name: {
                "#": ["Geo-specific endpoint: input, cached input and output."],
                "multiplier": 1.25,
                "source": (
                    "https://docs.together.ai/docs/serverless/geo-specific-inference"
                ),
            }
            for name in ("us", "ca")
        },
    },
}

# A regime key -> its CSV column; price columns are named as the keys.
LONG_CONTEXT_COLUMNS = {key: f"long_context_{key}" for key in LONG_CONTEXT_KEYS}
WINDOW_MODEL = re.compile(r"^(?P<model>[^\[]+)\[(?P<name>\S+) (?P<spans>\S+) UTC\]$")
DATE_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8}|\d{2}-\d{4})$")
Row = dict[str, str]


def main() -> int:
    """Write one price sheet per provider; return the exit status."""
    prices = _read_csv(REFERENCE / "price_points.csv")
    facts = _read_csv(REFERENCE / "provider_facts.csv")
    OUT_DIR.mkdir(exist_ok=True)
    for provider in PROVIDER_NAMES:
        text = render_sheet(provider, prices, facts)
        path = OUT_DIR / f"{provider}.toml"
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)
    return 0


def render_sheet(provider: str, prices: list[Row], facts: list[Row]) -> str:
    """The whole TOML text of one provider's price sheet."""
    lines = _header(provider)
    lines += ["schema_version = 1", "", "[provider]"]
    lines += [f"id = {_str(provider)}", f"name = {_str(PROVIDER_NAMES[provider])}"]
    lines += _render_terms(TERMS.get(provider, {}))
    lines += _render_facts([r for r in facts if r["provider"] == provider])
    lines += _render_models([r for r in prices if r["provider"] == provider])
    return "\n".join(lines) + "\n"


def _header(provider: str) -> list[str]:
    return [
        f"# Price sheet of {PROVIDER_NAMES[provider]} ({provider}).",
        "#",
        "# GENERATED by tools/build_pricing_data.py from tools/reference/",
        "# price_points.csv and provider_facts.csv, and from the serving terms",
        "# it transcribes from the shared reference provider_billing.md.",
        "# Do not edit by hand: change the reference or the script, then run",
        "#     python tools/build_pricing_data.py",
        "#",
        "# Prices are USD per million tokens (_usd_per_mtok) at list rates. A",
        "# price left out is unknown, not zero. Regimes run [effective_from,",
        "# effective_to); no effective_to means no later change is recorded.",
        "",
    ]


# -- serving terms and facts ------------------------------------------------


def _render_terms(terms: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    for block in ("batch", "cache"):
        if block in terms:
            lines += _table(f"terms.{block}", terms[block])
    for group in ("tiers", "regions"):
        for name, table in terms.get(group, {}).items():
            lines += _table(f"terms.{group}.{_key(name)}", table)
    return lines


def _render_facts(rows: list[Row]) -> list[str]:
    lines: list[str] = []
    for row in rows:
        table: dict[str, Any] = {"value": row["value"]}
        for column in ("detail", "source"):
            if row[column]:
                table[column] = row[column]
        if row["source_date"]:
            table["source_date"] = _fact_date(row["source_date"])
        lines += _table(f"facts.{_key(row['fact'])}", table)
    return lines


def _fact_date(text: str) -> date | str:
    """A full date as a TOML date; a month-only date stays a string."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text)
    if not re.fullmatch(r"\d{4}-\d{2}", text):
        raise ValueError(f"source_date {text!r} is neither YYYY-MM-DD nor YYYY-MM")
    return text


# -- models -------------------------------------------------------------------


def _render_models(rows: list[Row]) -> list[str]:
    plain, windows = _split_windows(rows)
    aliases = make_aliases(plain)
    lines: list[str] = []
    for model_id in sorted(plain, key=lambda m: _model_order(plain[m], m)):
        lines += _render_model(model_id, plain[model_id], aliases.get(model_id))
        for name, spans, window_rows in windows.get(model_id, []):
            lines += ["", "[[models.windows]]", f"name = {_str(name)}"]
            lines.append(f"utc = {_value(spans)}")
            window_context = _context_window(plain[model_id])
            for row in window_rows:
                header = "[[models.windows.regimes]]"
                lines += _table(header, _regime(row, window_context), array=True)
    return lines


def _split_windows(
    rows: list[Row],
) -> tuple[dict[str, list[Row]], dict[str, list[tuple[str, list[str], list[Row]]]]]:
    """Rows by model id, and time-of-day windows by the model they belong to."""
    plain: dict[str, list[Row]] = defaultdict(list)
    grouped: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for row in rows:
        match = WINDOW_MODEL.match(row["model"])
        if match is None:
            plain[row["model"]].append(row)
        else:
            key = (match["model"], match["name"], match["spans"])
            grouped[key].append(row)
    windows: dict[str, list[tuple[str, list[str], list[Row]]]] = defaultdict(list)
    for (model, name, spans), window_rows in sorted(grouped.items()):
        if model not in plain:
            raise ValueError(f"window row of unknown model {model!r}")
        windows[model].append((name, spans.split(","), _by_date(window_rows)))
    return {m: _by_date(r) for m, r in plain.items()}, windows


def _render_model(model_id: str, rows: list[Row], alias: str | None) -> list[str]:
    first = rows[0]
    lines = ["", "[[models]]", f"id = {_str(model_id)}"]
    if alias is not None:
        lines.append(f"aliases = {_value([alias])}")
    lines.append(f"family = {_str(first['family'])}")
    lines.append(f"capability_class = {_str(first['capability_class'])}")
    context = _context_window(rows)
    if context is not None:
        lines.append(f"context_window = {context}")
    for row in rows:
        lines += _table("[[models.regimes]]", _regime(row, context), array=True)
    return lines


def _regime(row: Row, model_context: int | None) -> dict[str, Any]:
    """One CSV row as a regime table; blank cells are left out."""
    table: dict[str, Any] = {}
    table["effective_from"] = date.fromisoformat(row["effective_from"])
    if row["effective_to"]:
        table["effective_to"] = date.fromisoformat(row["effective_to"])
    for column in PRICE_KEYS:
        if row[column]:
            table[column] = float(row[column])
    if row["context_window"] and int(row["context_window"]) != model_context:
        table["context_window"] = int(row["context_window"])
    long_context = _long_context(row)
    if long_context is not None:
        table["long_context"] = long_context
    table["date_quality"] = row["date_quality"]
    table["source"] = row["source"]
    if row["notes"]:
        table["notes"] = row["notes"]
    return table


def _long_context(row: Row) -> dict[str, Any] | None:
    cells = {key: row[column] for key, column in LONG_CONTEXT_COLUMNS.items()}
    if not any(cells.values()):
        return None
    if not all(cells.values()):
        raise ValueError(f"incomplete long-context columns in {row['model']}")
    return {
        "threshold_tokens": int(cells["threshold_tokens"]),
        "input_usd_per_mtok": float(cells["input_usd_per_mtok"]),
        "output_usd_per_mtok": float(cells["output_usd_per_mtok"]),
    }


def _context_window(rows: list[Row]) -> int | None:
    """The newest non-blank context window of a model's rows."""
    known = [int(r["context_window"]) for r in rows if r["context_window"]]
    return known[-1] if known else None


def make_aliases(models: Mapping[str, list[Row]]) -> dict[str, str]:
    """Model id -> its short alias, by the rule in the module docstring."""
    snapshots: dict[str, list[tuple[date, str]]] = defaultdict(list)
    for model_id in models:
        match = DATE_SUFFIX.search(model_id)
        if match is not None:
            short = model_id[: match.start()]
            snapshots[short].append((_suffix_date(match.group(1)), model_id))
    aliases: dict[str, str] = {}
    for short, dated in snapshots.items():
        dated.sort()
        newest_day, newest = dated[-1]
        tied = len(dated) > 1 and dated[-2][0] == newest_day
        if short not in models and not tied:
            aliases[newest] = short
    return aliases


def _suffix_date(text: str) -> date:
    if len(text) == 8:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    if len(text) == 7:
        return date(int(text[3:]), int(text[:2]), 1)
    return date.fromisoformat(text)


def _model_order(rows: list[Row], model_id: str) -> tuple[str, str, str]:
    return (rows[0]["family"], rows[0]["effective_from"], model_id)


def _by_date(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: r["effective_from"])


# -- TOML emitter -------------------------------------------------------------


def _table(header: str, table: Mapping[str, Any], array: bool = False) -> list[str]:
    """A TOML table: header, "#" comment lines, then key = value lines."""
    lines = ["", header if array else f"[{header}]"]
    lines += [f"# {text}" for text in table.get("#", [])]
    for key, value in table.items():
        if key != "#":
            lines.append(f"{_key(key)} = {_value(value)}")
    return lines


def _value(value: Any) -> str:
    """A TOML literal for a string, number, date, list or inline table."""
    if isinstance(value, str):
        return _str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | date):
        return str(value) if not isinstance(value, float) else repr(value)
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_str(k)} = {_value(v)}" for k, v in value.items())
        return f"{{ {inner} }}"
    if isinstance(value, Iterable):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def _str(text: str) -> str:
    # A JSON string is a valid TOML basic string, except for U+007F, which
    # JSON leaves raw and TOML forbids.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _key(name: str) -> str:
    """A bare key where TOML allows one, else a quoted key."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _str(name)


def _read_csv(path: Path) -> list[Row]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


if __name__ == "__main__":
    sys.exit(main())

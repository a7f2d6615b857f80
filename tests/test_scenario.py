"""Scenario loading: every kind of malformed file gives exact one-liners."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from sim.catalog import Catalog
from sim.errors import InputError
from sim.scenario import TokenDist, load_scenario
from tests.conftest import FLAT_SCENARIO

Writer = Callable[..., Path]


def problems_of(path: Path, catalog: Catalog) -> list[str]:
    with pytest.raises(InputError) as info:
        load_scenario(path, catalog)
    prefix = f"{path}: "
    lines = [str(p) for p in info.value.problems]
    assert all(line.startswith(prefix) for line in lines)
    return [line[len(prefix) :] for line in lines]


def edit(old: str, new: str, text: str = FLAT_SCENARIO) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


EXTRA_CANDIDATE = """
[[candidate]]
name = "other"
provider = "anthropic"
model = "claude-sonnet-5"
"""

MALFORMED = [
    (
        "toml syntax",
        edit("months = 36", "months = = 36"),
        "invalid TOML: Invalid value (at line 4, column 10)",
    ),
    (
        "unknown key",
        edit("seed = 42", "sead = 42"),
        "scenario.sead: unknown key; expected one of budget_usd, "
        "capability_class, description, discount_rate, forecast, months, name, "
        "paths, prices, seed, selection, start, switching; did you mean 'seed'?",
    ),
    (
        "wrong type",
        edit("months = 36", 'months = "36"'),
        "scenario.months: expected a whole number >= 1 and <= 240, found '36'",
    ),
    (
        "zero volume",
        edit("requests_per_day = 20_000", "requests_per_day = 0"),
        "workload[0].requests_per_day: 0 is out of range; expected > 0",
    ),
    (
        "negative volume",
        edit("requests_per_day = 20_000", "requests_per_day = -3"),
        "workload[0].requests_per_day: -3 is out of range; expected > 0",
    ),
    (
        "bad date",
        edit("start = 2027-01-01", 'start = "2027-02-30"'),
        "scenario.start: '2027-02-30' is not a calendar date; expected "
        "YYYY-MM-DD or YYYY-MM",
    ),
    (
        "date not a date",
        edit("start = 2027-01-01", 'start = "next year"'),
        "scenario.start: 'next year' is not valid; expected a date YYYY-MM-DD "
        "or 'YYYY-MM'",
    ),
    (
        "empty candidate list",
        "candidate = []\n" + FLAT_SCENARIO[: FLAT_SCENARIO.index("[[candidate]]")],
        "candidate: a list of 0; expected a list of at least 1 entries",
    ),
    (
        "missing section",
        FLAT_SCENARIO[: FLAT_SCENARIO.index("[[candidate]]")],
        "candidate: missing; expected a list of at least 1 entries",
    ),
    (
        "duplicate names",
        FLAT_SCENARIO + EXTRA_CANDIDATE.replace('"other"', '"openai-terra"'),
        "candidate[1].name: duplicate name 'openai-terra' (also candidate[0]); "
        "expected unique names",
    ),
    (
        "unknown provider",
        edit('provider = "openai"', 'provider = "openia"'),
        "candidate[0].provider: unknown provider 'openia'; known: anthropic, "
        "aws-bedrock, cohere, deepseek, google, groq, mistral, openai, "
        "together, xai; did you mean 'openai'?",
    ),
    (
        "unknown model",
        edit('model = "gpt-5.6-terra"', 'model = "gpt-5.6-tera"'),
        "candidate[0].model: unknown model 'gpt-5.6-tera' for provider "
        "'openai'; did you mean 'gpt-5.6-terra'?",
    ),
    (
        "months out of range",
        edit("months = 36", "months = 600"),
        "scenario.months: 600 is out of range; expected <= 240",
    ),
    (
        "sd negative",
        edit("mean = 2_400, sd = 0", "mean = 2_400, sd = -5"),
        "workload[0].input_tokens.sd: -5 is out of range; expected >= 0",
    ),
    (
        "profile of the wrong length",
        edit('daily_profile = "flat"', "daily_profile = [1, 2, 3]"),
        "workload[0].daily_profile: a list of 3 is not valid; expected one of "
        "flat, business-hours, consumer-evening, nightly-batch or a list of "
        "24 entries, each a number >= 0",
    ),
    (
        "unknown profile name",
        edit('weekly_profile = "flat"', 'weekly_profile = "weekday"'),
        "workload[0].weekly_profile: 'weekday' is not valid; expected one of "
        "flat, weekdays, weekend-heavy or a list of 7 entries, each a number "
        ">= 0",
    ),
    (
        "bad enum",
        edit('prices = "frozen"', 'prices = "frozn"'),
        "scenario.prices: 'frozn' is not allowed; expected one of forecast, "
        "frozen; did you mean 'frozen'?",
    ),
    (
        "bad growth kind",
        edit('growth = { kind = "none" }', 'growth = { kind = "expo" }'),
        "workload[0].growth.kind: 'expo' is not allowed; expected one of "
        "none, linear, exponential, logistic",
    ),
    (
        "growth rate missing",
        edit('growth = { kind = "none" }', 'growth = { kind = "linear" }'),
        "workload[0].growth.rate: missing; kind 'linear' needs a monthly rate",
    ),
    (
        "logistic without cap",
        edit('{ kind = "none" }', '{ kind = "logistic", rate = 0.2 }'),
        "workload[0].growth.cap: missing; kind 'logistic' needs a cap (> 1)",
    ),
    (
        "shares above one",
        edit("cacheable_prefix_tokens = 0", "batch_share = 0.6\nflex_share = 0.6"),
        "workload[0]: batch_share + flex_share + priority_share = 1.2; "
        "expected at most 1",
    ),
    (
        "percentiles incomplete",
        edit("output_tokens = { mean = 400, sd = 0 }", "output_tokens = { p50 = 400 }"),
        "workload[0].output_tokens: expected both p50 and p90",
    ),
    (
        "prefix longer than prompt",
        edit("cacheable_prefix_tokens = 0", "cacheable_prefix_tokens = 9000"),
        "workload[0].cacheable_prefix_tokens: 9000 exceeds the typical prompt "
        "of 2400 tokens; expected a prefix no longer than input_tokens",
    ),
    (
        "hit ratio above one",
        edit("cacheable_prefix_tokens = 0", "cache_hit_ratio = 1.5"),
        "workload[0].cache_hit_ratio: 1.5 is out of range; expected <= 1",
    ),
    (
        "unknown region",
        edit('model = "gpt-5.6-terra"', 'model = "gpt-5.6-terra"\nregion = "mars"'),
        "candidate[0].region: unknown region 'mars' for openai; expected one "
        "of global, au, eu, in, jp, us",
    ),
    (
        "model not yet on sale",
        edit("start = 2027-01-01", "start = 2024-01-01"),
        "candidate[0].model: 'gpt-5.6-terra' has no price before",
    ),
    (
        "negative discount",
        edit('model = "gpt-5.6-terra"', 'model = "gpt-5.6-terra"\ndiscount = -0.1'),
        "candidate[0].discount: -0.1 is out of range; expected >= 0",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_malformed_scenario_gives_one_clear_line(
    text: str, expected: str, write_scenario: Writer, catalog: Catalog
) -> None:
    problems = problems_of(write_scenario(text), catalog)
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected)


def test_every_problem_of_a_file_is_reported_together(
    write_scenario: Writer, catalog: Catalog
) -> None:
    text = edit("months = 36", "months = 0")
    text = edit("requests_per_day = 20_000", "requests_per_day = -1", text)
    text = edit('provider = "openai"', 'provider = "nope"', text)
    problems = problems_of(write_scenario(text), catalog)
    assert [p.split(":")[0] for p in problems] == [
        "scenario.months",
        "workload[0].requests_per_day",
        "candidate[0].provider",
    ]


def test_missing_file(tmp_path: Path, catalog: Catalog) -> None:
    path = tmp_path / "none.toml"
    with pytest.raises(InputError, match=re.escape(f"{path}: file not found")):
        load_scenario(path, catalog)


def test_valid_file_builds_defaults(write_scenario: Writer, catalog: Catalog) -> None:
    sc = load_scenario(write_scenario(), catalog)
    assert (sc.name, sc.months, sc.paths, sc.prices) == ("flat", 36, 20, "frozen")
    assert sc.capability_class == "mid"  # gpt-5.6-terra's class
    assert sc.candidates[0].model.id == "gpt-5.6-terra"
    assert sc.workloads[0].daily_profile == (1.0,) * 24
    assert sc.month_start(12).isoformat() == "2028-01-01"


def test_alias_and_month_only_start(write_scenario: Writer, catalog: Catalog) -> None:
    text = edit("start = 2027-01-01", 'start = "2027-03"')
    text = edit('model = "gpt-5.6-terra"', 'model = "gpt-4o"', text)
    sc = load_scenario(write_scenario(text), catalog)
    assert sc.start.isoformat() == "2027-03-01"
    assert sc.candidates[0].model.id.startswith("gpt-4o-20")


def test_percentile_tokens_fit_a_lognormal() -> None:
    # p50 1000, p90 4000: sigma = ln 4 / z90, mean = p50 exp(sigma^2 / 2).
    from sim.scenario import _build_dist

    dist = _build_dist({"p50": 1000, "p90": 4000})
    sigma = math.log(4) / 1.2815515655446004
    assert dist.sigma == pytest.approx(sigma)
    assert dist.mean == pytest.approx(1000 * math.exp(sigma**2 / 2))
    assert dist.quantile(0.5) == pytest.approx(1000)
    assert dist.quantile(0.9) == pytest.approx(4000)


def test_share_above_matches_numerical_integration() -> None:
    dist = TokenDist(50_000, 1.1)
    req, tok = dist.share_above(200_000)
    import numpy as np

    x = np.exp(np.linspace(np.log(10), np.log(5e7), 400_001))
    mu, s = dist.mu, dist.sigma
    pdf = np.exp(-((np.log(x) - mu) ** 2) / (2 * s * s)) / (x * s * np.sqrt(2 * np.pi))
    above = x > 200_000
    req_num = np.trapezoid(pdf * above, x)
    tok_num = np.trapezoid(x * pdf * above, x) / np.trapezoid(x * pdf, x)
    assert req == pytest.approx(req_num, abs=1e-4)
    assert tok == pytest.approx(tok_num, abs=1e-4)
    assert TokenDist(1000).share_above(999) == (1.0, 1.0)
    assert TokenDist(1000).share_above(1000) == (0.0, 0.0)


TWO_WORKLOADS = FLAT_SCENARIO.replace(
    "[[candidate]]",
    """[[workload]]
name = "summaries"
requests_per_day = 1_000
input_tokens = { mean = 4_000 }
output_tokens = { mean = 300 }

[[candidate]]""",
    1,
)

ENGINE_MALFORMED = [
    (
        "unknown cache ttl",
        edit('model = "gpt-5.6-terra"', 'model = "gpt-5.6-terra"\ncache_ttl = "1h"'),
        "candidate[0].cache_ttl: '1h' is not a TTL openai sells; expected one "
        "of 24h, 5m",
    ),
    (
        "route and cascade",
        edit(
            'model = "gpt-5.6-terra"',
            'model = "gpt-5.6-terra"\n'
            'route = { model = "gpt-5.6-luna", share = 0.2 }\n'
            'cascade = { model = "gpt-5.6-luna", escalation = 0.2 }',
        ),
        "candidate[0]: give route or cascade, not both",
    ),
    (
        "unknown routed model",
        edit(
            'model = "gpt-5.6-terra"',
            'model = "gpt-5.6-terra"\nroute = { model = "gpt-5.6-lune", share = 0.2 }',
        ),
        "candidate[0].route.model: unknown model 'gpt-5.6-lune' for provider "
        "'openai'; did you mean 'gpt-5.6-luna'?",
    ),
    (
        "rate limit without a limit",
        FLAT_SCENARIO + '\n[candidate.rate_limit]\non_limit = "drop"\n',
        "candidate[0].rate_limit: expected rpm, tpm or both",
    ),
    (
        "fallback missing",
        FLAT_SCENARIO + '\n[candidate.rate_limit]\nrpm = 10\non_limit = "fallback"\n',
        "candidate[0].rate_limit.fallback: missing; on_limit = 'fallback' needs one",
    ),
    (
        "fallback to itself",
        FLAT_SCENARIO + '\n[candidate.rate_limit]\nrpm = 10\non_limit = "fallback"\n'
        'fallback = "openai-terra"\n',
        "candidate[0].rate_limit.fallback: 'openai-terra' is not another "
        "candidate; add another candidate to fall back to",
    ),
    (
        "capacity without its workload",
        TWO_WORKLOADS + "\n[candidate.provisioned]\nunits = 1\ntpm_per_unit = 1000\n"
        "usd_per_unit_hour = 1.0\n",
        "candidate[0].provisioned.workload: missing; the scenario has several "
        "workloads: name the one this capacity serves (chat, summaries)",
    ),
    (
        "response cache both ways",
        edit(
            "cacheable_prefix_tokens = 0",
            "response_cache = { hit_ratio = 0.1, ttl_seconds = 60, "
            "distinct_queries = 10 }",
        ),
        "workload[0].response_cache: give hit_ratio, or ttl_seconds and "
        "distinct_queries, not both",
    ),
    (
        "zipf exponent without zipf",
        edit("cacheable_prefix_tokens = 0", "zipf_exponent = 1.2"),
        "workload[0].zipf_exponent: only used with prefix_popularity = 'zipf'; "
        "remove it or set prefix_popularity",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [case[1:] for case in ENGINE_MALFORMED],
    ids=[case[0] for case in ENGINE_MALFORMED],
)
def test_malformed_engine_keys_give_one_clear_line(
    text: str, expected: str, write_scenario: Writer, catalog: Catalog
) -> None:
    problems = problems_of(write_scenario(text), catalog)
    assert problems == [expected]

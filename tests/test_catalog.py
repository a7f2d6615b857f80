"""Price sheets: built from the reference, strict on load, exact lookups."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import re
import shutil
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from sim.catalog import (
    Catalog,
    CatalogLookupError,
    LongContext,
    Model,
    PriceRegime,
    load_catalog,
)
from sim.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "tools" / "reference"
WINDOW_MODEL = re.compile(r"^(?P<model>[^\[]+)\[(?P<name>\S+) (?P<spans>\S+) UTC\]$")
SHEET_PROVIDERS = {
    "openai",
    "anthropic",
    "google",
    "mistral",
    "deepseek",
    "xai",
    "cohere",
    "aws-bedrock",
    "groq",
    "together",
}


def _rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


PRICE_ROWS = _rows("price_points.csv")
FACT_ROWS = [r for r in _rows("provider_facts.csv") if r["provider"] in SHEET_PROVIDERS]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _price(cell: str) -> float | None:
    return float(cell) if cell else None


def _find_regime(catalog: Catalog, row: dict[str, str]) -> tuple[Model, PriceRegime]:
    window = WINDOW_MODEL.match(row["model"])
    model = catalog.sheet(row["provider"]).models[
        window["model"] if window else row["model"]
    ]
    regimes = model.regimes
    if window is not None:
        (found,) = [w for w in model.windows if w.name == window["name"]]
        assert (
            ",".join(
                f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"
                for a, b in found.utc_minutes
            )
            == window["spans"]
        )
        regimes = found.regimes
    start = date.fromisoformat(row["effective_from"])
    (regime,) = [r for r in regimes if r.effective_from == start]
    return model, regime


# -- (a) every reference row is in the sheets, unchanged ------------------------


@pytest.mark.parametrize(
    "row", PRICE_ROWS, ids=[f"{r['model']}@{r['effective_from']}" for r in PRICE_ROWS]
)
def test_every_price_row_is_a_regime(catalog: Catalog, row: dict[str, str]) -> None:
    model, regime = _find_regime(catalog, row)
    end = date.fromisoformat(row["effective_to"]) if row["effective_to"] else None
    long_context = None
    if row["long_context_threshold_tokens"]:
        long_context = LongContext(
            int(row["long_context_threshold_tokens"]),
            float(row["long_context_input_usd_per_mtok"]),
            float(row["long_context_output_usd_per_mtok"]),
        )
    assert (model.family, model.capability_class) == (
        row["family"],
        row["capability_class"],
    )
    assert regime.effective_to == end
    assert regime.input_usd_per_mtok == float(row["input_usd_per_mtok"])
    assert regime.output_usd_per_mtok == float(row["output_usd_per_mtok"])
    for column in (
        "cached_input_usd_per_mtok",
        "cache_write_usd_per_mtok",
        "batch_input_usd_per_mtok",
        "batch_output_usd_per_mtok",
    ):
        assert getattr(regime, column) == _price(row[column]), column
    assert regime.long_context == long_context
    assert (regime.date_quality, regime.source, regime.notes) == (
        row["date_quality"],
        row["source"],
        row["notes"],
    )


def test_context_windows_follow_the_reference(catalog: Catalog) -> None:
    for row in PRICE_ROWS:
        model, regime = _find_regime(catalog, row)
        if row["context_window"] and "[" not in row["model"]:
            day = regime.effective_from
            assert model.context_window_at(day) == int(row["context_window"])


def test_sheets_hold_nothing_beyond_the_reference(catalog: Catalog) -> None:
    regimes = [
        regime
        for sheet in catalog.sheets.values()
        for model in sheet.models.values()
        for regime in [*model.regimes, *(r for w in model.windows for r in w.regimes)]
    ]
    assert len(regimes) == len(PRICE_ROWS) == 200
    assert set(catalog.sheets) == SHEET_PROVIDERS


@pytest.mark.parametrize(
    "row", FACT_ROWS, ids=[f"{r['provider']}.{r['fact']}" for r in FACT_ROWS]
)
def test_every_fact_row_is_a_fact(catalog: Catalog, row: dict[str, str]) -> None:
    fact = catalog.sheet(row["provider"]).facts[row["fact"]]
    assert (fact.value, fact.detail, fact.source) == (
        row["value"],
        row["detail"],
        row["source"],
    )
    assert fact.source_date_text == row["source_date"]


def test_month_only_fact_dates_stay_months(catalog: Catalog) -> None:
    fact = catalog.sheet("groq").facts["ownership_backers"]
    assert (fact.source_date, fact.source_date_text) == (None, "2025-12")
    soc2 = catalog.sheet("openai").facts["soc2_type2"]
    assert soc2.source_date == date(2026, 7, 5)


def test_sheets_are_what_the_generator_writes() -> None:
    tool = _load_tool()
    prices, facts = _rows("price_points.csv"), _rows("provider_facts.csv")
    for provider in SHEET_PROVIDERS:
        text = (ROOT / "pricing_data" / f"{provider}.toml").read_text("utf-8")
        assert text == tool.render_sheet(provider, prices, facts), provider


def _load_tool() -> ModuleType:
    path = ROOT / "tools" / "build_pricing_data.py"
    spec = importlib.util.spec_from_file_location("build_pricing_data", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- (b) regimes never overlap ----------------------------------------------------


def test_no_two_regimes_overlap(catalog: Catalog) -> None:
    for model in catalog.models():
        series = [model.regimes, *(w.regimes for w in model.windows)]
        for regimes in series:
            for early, late in zip(regimes, regimes[1:], strict=False):
                assert early.effective_to is not None, model.key
                assert early.effective_to <= late.effective_from, model.key


# -- (c) strict schema ------------------------------------------------------------

VALID_SHEET = """\
schema_version = 1

[provider]
id = "acme"
name = "Acme"

[terms.batch]
discount = 0.5
source = "batch page"

[facts.soc2_type2]
value = "yes"
source = "trust page"
source_date = 2026-01-02

[[models]]
id = "acme-1-2024-01-01"
aliases = ["acme-1"]
family = "acme"
capability_class = "mid"
context_window = 1000

[[models.regimes]]
effective_from = 2024-01-01
effective_to = 2024-06-01
input_usd_per_mtok = 2.0
output_usd_per_mtok = 8
date_quality = "exact"
source = "price page"

[[models.regimes]]
effective_from = 2024-06-01
input_usd_per_mtok = 1.0
output_usd_per_mtok = 4.0
date_quality = "release-date"
source = "price page"

[models.regimes.long_context]
threshold_tokens = 500
input_usd_per_mtok = 2
output_usd_per_mtok = 6

[[models.windows]]
name = "night"
utc = ["22:00-02:00"]

[[models.windows.regimes]]
effective_from = 2024-01-01
input_usd_per_mtok = 1.0
output_usd_per_mtok = 4.0
date_quality = "exact"
source = "night page"
"""


def _write(folder: Path, text: str, name: str = "acme") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.toml").write_text(text, encoding="utf-8")
    return folder


def _problems(folder: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_catalog(folder)
    return [f"{p.key}: {p.message}" for p in caught.value.problems]


def test_valid_sheet_loads(tmp_path: Path) -> None:
    catalog = load_catalog(_write(tmp_path, VALID_SHEET))
    model = catalog.resolve("acme", "acme-1")
    assert model.key == "acme/acme-1-2024-01-01"
    assert model.regime_at(date(2024, 7, 1)) == PriceRegime(
        effective_from=date(2024, 6, 1),
        effective_to=None,
        input_usd_per_mtok=1.0,
        output_usd_per_mtok=4.0,
        date_quality="release-date",
        source="price page",
        long_context=LongContext(500, 2.0, 6.0),
    )
    assert model.windows[0].utc_minutes == ((1320, 120),)
    assert catalog.sheet("acme").terms.batch is not None


BAD_SHEETS = [
    (
        ("output_usd_per_mtok = 8\n", "output_usd_per_mtok = -8\n"),
        "models[0].regimes[0].output_usd_per_mtok: found -8; expected a number >= 0",
    ),
    (
        ("input_usd_per_mtok = 2.0", 'input_usd_per_mtok = "2.0"'),
        "models[0].regimes[0].input_usd_per_mtok: found '2.0' (a string); "
        "expected a number >= 0",
    ),
    (
        (
            "input_usd_per_mtok = 2.0",
            "input_usd_per_mtok = 2.0\ncached_input_usd_per_mtk = 1",
        ),
        "models[0].regimes[0].cached_input_usd_per_mtk: unknown key "
        "'cached_input_usd_per_mtk'; expected one of: effective_from, effective_to, "
        "input_usd_per_mtok, output_usd_per_mtok, cached_input_usd_per_mtok, "
        "cache_write_usd_per_mtok, batch_input_usd_per_mtok, "
        "batch_output_usd_per_mtok, context_window, long_context, date_quality, "
        "source, notes; did you mean 'cached_input_usd_per_mtok'?",
    ),
    (
        ('name = "Acme"', 'name = "Acme"\nurl = "x"'),
        "provider.url: unknown key 'url'; expected one of: id, name",
    ),
    (
        ("discount = 0.5", "discount = 0.5\nturnaround = 24"),
        "terms.batch.turnaround: unknown key 'turnaround'; expected one of: "
        "discount, turnaround_hours, available_from, source; did you mean "
        "'turnaround_hours'?",
    ),
    (
        ('capability_class = "mid"', 'capability_class = "medium"'),
        "models[0].capability_class: found 'medium' (a string); expected one "
        "of: small, mid, frontier",
    ),
    (
        ("effective_to = 2024-06-01", "effective_to = 2024-01-01"),
        "models[0].regimes[0].effective_to: found 2024-01-01, not after "
        "effective_from 2024-01-01; expected a later date, or no effective_to",
    ),
    (
        ("effective_to = 2024-06-01", "effective_to = 2024-07-01"),
        "models[0].regimes[1].effective_from: found 2024-06-01, inside "
        "models[0].regimes[0] [2024-01-01, 2024-07-01); expected regimes that "
        "do not overlap",
    ),
    (
        (
            "effective_from = 2024-01-01\neffective_to",
            '"effective_from" = "2024-01-01"\neffective_to',
        ),
        "models[0].regimes[0].effective_from: found '2024-01-01' (a string); "
        "expected a date YYYY-MM-DD written without quotes",
    ),
    (
        ("output_usd_per_mtok = 6\n", ""),
        "models[0].regimes[1].long_context.output_usd_per_mtok: missing; "
        "expected a number >= 0",
    ),
    (
        ('utc = ["22:00-02:00"]', 'utc = ["22:00-26:00"]'),
        "models[0].windows[0].utc[0]: found '22:00-26:00'; expected "
        "'HH:MM-HH:MM' in UTC from 00:00 to 24:00, start and end different",
    ),
    (
        ('utc = ["22:00-02:00"]', "utc = []"),
        "models[0].windows[0].utc: found an empty list; expected a list of at "
        "least one string",
    ),
    (
        ("context_window = 1000", "context_window = 1000.5"),
        "models[0].context_window: found 1000.5; expected a whole number >= 1",
    ),
    (
        (
            'date_quality = "exact"\nsource = "price page"',
            'date_quality = "guess"\nsource = "price page"',
        ),
        "models[0].regimes[0].date_quality: found 'guess' (a string); expected "
        "one of: exact, release-date, commit-date-approx",
    ),
    (
        ('source = "night page"', 'source = ""'),
        "models[0].windows[0].regimes[0].source: found '' (a string); expected "
        "a non-empty string",
    ),
    (
        ("source_date = 2026-01-02", 'source_date = "Jan 2026"'),
        "facts.soc2_type2.source_date: found 'Jan 2026' (a string); expected a "
        "date YYYY-MM-DD, or 'YYYY-MM' when only the month is known",
    ),
    (
        ("effective_from = 2024-06-01", "effective_from = 2024-06-01T00:00:00"),
        "models[0].regimes[1].effective_from: found 2024-06-01T00:00:00 (a "
        "date-time); expected a date YYYY-MM-DD",
    ),
    (
        ('4.0\ndate_quality = "release', 'true\ndate_quality = "release'),
        "models[0].regimes[1].output_usd_per_mtok: found true (a boolean); "
        "expected a number >= 0",
    ),
    (
        ('aliases = ["acme-1"]', 'aliases = ["acme-1", ""]'),
        "models[0].aliases[1]: found '' (a string); expected a non-empty string",
    ),
    (
        ("schema_version = 1", "schema_version = 2"),
        "schema_version: found 2; expected 1",
    ),
    (
        ('id = "acme"', 'id = "acme-corp"'),
        "provider.id: found 'acme-corp'; expected 'acme', the file's name",
    ),
    (
        ("discount = 0.5", "discount = 1.5"),
        "terms.batch.discount: found 1.5; expected a fraction below 1",
    ),
]


@pytest.mark.parametrize(("edit", "message"), BAD_SHEETS)
def test_bad_sheet_is_refused_with_one_exact_problem(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    old, new = edit
    assert VALID_SHEET.count(old) == 1
    folder = _write(tmp_path, VALID_SHEET.replace(old, new))
    with pytest.raises(InputError, match=re.escape(f"acme.toml: {message}")):
        load_catalog(folder)
    assert _problems(folder) == [message]


def test_all_problems_of_all_files_are_reported_together(tmp_path: Path) -> None:
    text = (
        VALID_SHEET.replace("output_usd_per_mtok = 8\n", "output_usd_per_mtok = -8\n")
        .replace('capability_class = "mid"', 'capability_class = "huge"')
        .replace('name = "night"', "name = 3")
    )
    _write(tmp_path, text)
    _write(tmp_path, "schema_version = 1\n[provider\n", name="broken")
    with pytest.raises(InputError) as caught:
        load_catalog(tmp_path)
    lines = str(caught.value).splitlines()
    assert [line.replace(str(tmp_path) + "/", "") for line in lines] == [
        "acme.toml: models[0].capability_class: found 'huge' (a string); "
        "expected one of: small, mid, frontier",
        "acme.toml: models[0].regimes[0].output_usd_per_mtok: found -8; "
        "expected a number >= 0",
        "acme.toml: models[0].windows[0].name: found 3; expected a non-empty string",
        "broken.toml: TOML syntax error: Expected ']' at the end of a table "
        "declaration (at line 2, column 10)",
    ]


def test_duplicate_ids_and_aliases_are_refused(tmp_path: Path) -> None:
    second = VALID_SHEET[VALID_SHEET.index("[[models]]") :]
    twin = second.replace('aliases = ["acme-1"]', 'aliases = ["acme-1-2024-01-01"]')
    _write(tmp_path, VALID_SHEET + "\n" + twin)
    assert _problems(tmp_path) == [
        "models[1].id: found 'acme-1-2024-01-01', already used at models[0].id; "
        "expected ids unique in the sheet",
        "models[1].aliases[0]: found 'acme-1-2024-01-01', already used at "
        "models[0].id; expected names unique in the sheet",
    ]


def test_missing_sections_are_named(tmp_path: Path) -> None:
    _write(tmp_path, "schema_version = 1\n")
    assert _problems(tmp_path) == [
        "provider: missing; expected a table",
        "models: missing; expected an array of tables [[models]] with at least "
        "one entry",
    ]


def test_a_folder_without_sheets_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no price sheets found; expected"):
        load_catalog(tmp_path / "nowhere")


def test_sha256_covers_names_and_bytes(tmp_path: Path) -> None:
    folder = _write(tmp_path / "a", VALID_SHEET)
    raw = VALID_SHEET.encode()
    expected = hashlib.sha256(f"acme.toml\0{len(raw)}\0".encode() + raw)
    assert load_catalog(folder).sha256 == expected.hexdigest()

    copy = shutil.copytree(folder, tmp_path / "b")
    assert load_catalog(copy).sha256 == expected.hexdigest()
    edited = _write(tmp_path / "c", VALID_SHEET.replace("2.0", "2.5"))
    assert load_catalog(edited).sha256 != expected.hexdigest()


# -- (d) names: aliases and did-you-mean ------------------------------------------


@pytest.mark.parametrize(
    ("provider", "name", "model_id"),
    [
        ("openai", "gpt-4o", "gpt-4o-2024-11-20"),
        ("openai", "gpt-4o-2024-08-06", "gpt-4o-2024-08-06"),
        ("openai", "o3", "o3-2025-04-16"),
        ("anthropic", "claude-3-5-haiku", "claude-3-5-haiku-20241022"),
        ("anthropic", "claude-3-5-sonnet", "claude-3-5-sonnet-20241022"),
        ("cohere", "command-a", "command-a-03-2025"),
        # command-r is a model of its own, so command-r-08-2024 gets no alias
        ("cohere", "command-r", "command-r"),
        (
            "together",
            "meta-llama/Llama-3-70b-chat-hf",
            "meta-llama/Llama-3-70b-chat-hf",
        ),
    ],
)
def test_names_resolve(
    catalog: Catalog, provider: str, name: str, model_id: str
) -> None:
    assert catalog.resolve(provider, name).id == model_id


def test_no_alias_shadows_a_model_id(catalog: Catalog) -> None:
    for sheet in catalog.sheets.values():
        names = [n for model in sheet.models.values() for n in model.names]
        assert len(names) == len(set(names)), sheet.provider
    assert catalog.resolve("cohere", "command-r-08-2024").aliases == ()


def test_alias_rule_picks_the_newest_unique_snapshot() -> None:
    make_aliases = _load_tool().make_aliases
    models = {
        "x-2024-01-01": [],
        "x-2024-05-01": [],
        "y-20240101": [],
        "y": [],
        "z-01-2025": [],
        "z-2025-01-01": [],
        "w-03-2025": [],
    }
    assert make_aliases(models) == {"x-2024-05-01": "x", "w-03-2025": "w"}


@pytest.mark.parametrize(
    ("provider", "name", "message"),
    [
        (
            "opnai",
            "gpt-4o",
            "unknown provider 'opnai'; known: anthropic, aws-bedrock, cohere, "
            "deepseek, google, groq, mistral, openai, together, xai; did you "
            "mean 'openai'?",
        ),
        (
            "openai",
            "gpt-4x",
            "unknown model 'gpt-4x' for provider 'openai'; did you mean 'gpt-4o'?",
        ),
        ("openai", "zzz", "unknown model 'zzz' for provider 'openai'"),
    ],
)
def test_unknown_names_suggest(
    catalog: Catalog, provider: str, name: str, message: str
) -> None:
    with pytest.raises(CatalogLookupError, match=f"^{re.escape(message)}$"):
        catalog.resolve(provider, name)


def test_unknown_class_is_refused(catalog: Catalog) -> None:
    with pytest.raises(
        CatalogLookupError,
        match=re.escape(
            "unknown capability class 'frontiers'; known: small, mid, frontier; "
            "did you mean 'frontier'?"
        ),
    ):
        catalog.current_models(date(2025, 1, 1), "frontiers")


# -- (e) prices at a date and time-of-day shares ------------------------------------


@pytest.mark.parametrize(
    ("day", "input_price"),
    [
        (date(2024, 12, 25), None),  # before release
        (date(2024, 12, 26), 0.14),  # launch promotion
        (date(2025, 2, 7), 0.14),
        (date(2025, 2, 8), 0.27),  # the promotion's end is the next start
        (date(2025, 9, 29), 0.28),
        (date(2030, 1, 1), 0.14),  # the last regime holds on
    ],
)
def test_regime_at(catalog: Catalog, day: date, input_price: float | None) -> None:
    regime = catalog.resolve("deepseek", "deepseek-chat").regime_at(day)
    assert (regime.input_usd_per_mtok if regime else None) == input_price


def test_cache_price_arrives_with_its_regime(catalog: Catalog) -> None:
    model = catalog.resolve("openai", "gpt-4o-2024-08-06")
    before = model.regime_at(date(2024, 9, 30))
    after = model.regime_at(date(2024, 10, 1))
    assert before is not None and before.cached_input_usd_per_mtok is None
    assert after is not None and after.cached_input_usd_per_mtok == 1.25


def test_window_regime_ends(catalog: Catalog) -> None:
    (window,) = catalog.resolve("deepseek", "deepseek-chat").windows
    assert window.name == "off-peak"
    assert window.regime_at(date(2025, 2, 25)) is None
    inside = window.regime_at(date(2025, 9, 4))
    assert inside is not None and inside.input_usd_per_mtok == 0.135
    assert window.regime_at(date(2025, 9, 5)) is None  # effective_to excluded


def test_share_of_day(catalog: Catalog) -> None:
    (off_peak,) = catalog.resolve("deepseek", "deepseek-chat").windows
    (peak,) = catalog.resolve("deepseek", "deepseek-v4-pro").windows
    flat = [1.0] * 24
    # 16:30-24:00 is 7.5 h, 00:00-00:30 another 0.5 h: 8 of 24 hours.
    assert off_peak.share_of_day(flat) == pytest.approx(8 / 24)
    # 01:00-04:00 and 06:00-10:00: 3 + 4 hours.
    assert peak.share_of_day(flat) == pytest.approx(7 / 24)
    # All traffic in 16:00-17:00 UTC: the window holds its second half.
    only_16 = [0.0] * 16 + [1.0] + [0.0] * 7
    assert off_peak.share_of_day(only_16) == pytest.approx(0.5)
    # Traffic only at 00:xx: half of it before 00:30.
    assert off_peak.share_of_day([2.0] + [0.0] * 23) == pytest.approx(0.5)


def test_context_window_at(catalog: Catalog) -> None:
    model = catalog.resolve("deepseek", "deepseek-chat")
    assert model.context_window_at(date(2025, 1, 1)) == 65536
    assert model.context_window_at(date(2025, 10, 1)) == 131072
    assert model.context_window_at(date(2026, 5, 1)) == 1_000_000


# -- (f) current models, worked out from the reference ----------------------------


@pytest.mark.parametrize(
    ("day", "capability_class", "provider", "expected"),
    [
        # gpt-4 has two snapshots of 2023-03-14; o1-preview comes 2024-09-12.
        (
            date(2024, 9, 1),
            "frontier",
            "openai",
            [
                "gpt-4-0314",
                "gpt-4-32k-0314",
                "gpt-4-turbo-2024-04-09",
                "gpt-4o-2024-08-06",
            ],
        ),
        (date(2025, 1, 1), "mid", "anthropic", ["claude-3-5-sonnet-20241022"]),
        (date(2026, 8, 1), "mid", "google", ["gemini-3.6-flash"]),
        (date(2027, 1, 1), "mid", "google", ["gemini-3.7-flash"]),
        # deepseek-v4-pro shares family deepseek-v4 with the mid v4-flash.
        (
            date(2026, 9, 15),
            "frontier",
            "deepseek",
            ["deepseek-chat", "deepseek-reasoner", "deepseek-v4-pro"],
        ),
        (date(2023, 1, 1), "small", "openai", []),
    ],
)
def test_current_models(
    catalog: Catalog,
    day: date,
    capability_class: str,
    provider: str,
    expected: list[str],
) -> None:
    found = catalog.current_models(day, capability_class)
    assert sorted(m.id for m in found if m.provider == provider) == expected


def test_models_filter(catalog: Catalog) -> None:
    small_openai = {
        r["model"]
        for r in PRICE_ROWS
        if r["provider"] == "openai" and r["capability_class"] == "small"
    }
    found = catalog.models("openai", "small")
    assert {m.id for m in found} == small_openai
    assert len(catalog.models()) == len(
        {(r["provider"], r["model"]) for r in PRICE_ROWS if "[" not in r["model"]}
    )


# -- serving terms ------------------------------------------------------------------


def test_tier_and_region_multipliers(catalog: Catalog) -> None:
    terms = catalog.sheet("openai").terms
    priority = terms.tiers["priority"]
    assert priority.multiplier_for(catalog.resolve("openai", "gpt-5.5")) == 2.5
    assert priority.multiplier_for(catalog.resolve("openai", "gpt-5.2")) == 2.0
    assert priority.multiplier_for(catalog.resolve("openai", "gpt-4o")) == 1.7
    eu = terms.regions["eu"]
    assert eu.multiplier_for(catalog.resolve("openai", "gpt-4o")) == 1.0
    assert eu.multiplier_for(catalog.resolve("openai", "gpt-5.6-terra")) == 1.1


def test_cache_terms(catalog: Catalog) -> None:
    anthropic = catalog.sheet("anthropic").terms.cache
    assert anthropic is not None
    assert (
        anthropic.min_prefix_tokens_for(
            catalog.resolve("anthropic", "claude-haiku-4-5")
        )
        == 2048
    )
    assert (
        anthropic.min_prefix_tokens_for(catalog.resolve("anthropic", "claude-sonnet-5"))
        == 1024
    )
    assert dict(anthropic.write_multipliers) == {"5m": 1.25, "1h": 2.0}
    google = catalog.sheet("google").terms.cache
    assert google is not None
    assert google.storage_for(catalog.resolve("google", "gemini-3.6-flash")) == 0.5
    assert google.storage_for(catalog.resolve("google", "gemini-2.5-flash")) is None


@pytest.mark.parametrize(
    ("provider", "batch", "tiers", "regions"),
    [
        ("openai", 0.5, ["priority", "flex"], ["eu", "us", "au", "in", "jp"]),
        ("anthropic", 0.5, [], []),
        ("google", 0.5, ["flex", "priority"], []),
        ("mistral", 0.5, [], []),
        ("xai", 0.2, [], ["us"]),
        (
            "aws-bedrock",
            0.5,
            ["flex", "priority"],
            ["us", "eu", "apac", "jp", "au", "us-gov"],
        ),
        ("together", None, [], ["us", "ca"]),
        ("deepseek", None, [], []),
        ("cohere", None, [], []),
        ("groq", None, [], []),
    ],
)
def test_serving_terms_per_provider(
    catalog: Catalog,
    provider: str,
    batch: float | None,
    tiers: list[str],
    regions: list[str],
) -> None:
    terms = catalog.sheet(provider).terms
    assert (terms.batch.discount if terms.batch else None) == batch
    assert list(terms.tiers) == tiers
    assert list(terms.regions) == regions
    for block in [
        terms.batch,
        terms.cache,
        *terms.tiers.values(),
        *terms.regions.values(),
    ]:
        assert block is None or block.source

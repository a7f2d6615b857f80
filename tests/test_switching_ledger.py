"""Factor 12's switching ledger: every line worked out by hand.

The defaults are those of :mod:`sim.switching.keys`; the flat scenario of
the design notes prices 2,400 input and 400 output tokens at 2 and 12 USD
per 1M tokens. Provider facts come from the bundled price sheets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.catalog import Catalog
from sim.scenario import Provisioned, Scenario, load_scenario
from sim.switching import (
    MITIGATIONS,
    STATE_KINDS,
    LockIn,
    SwitchingLedger,
    build_ledger,
    build_ledgers,
)
from tests.conftest import FLAT_SCENARIO
from tests.test_scenario import edit

Writer = Callable[..., Path]
SPEND = 50_000.0  # USD per month in the synthetic markets

OTHERS = """
[[candidate]]
name = "claude"
provider = "anthropic"
model = "claude-sonnet-5"

[[candidate]]
name = "together"
provider = "together"
model = "meta-llama/Llama-3.3-70B-Instruct-Turbo"
"""


def scenario_of(
    write: Writer, catalog: Catalog, lock_in: str = "", switching: str = ""
) -> Scenario:
    """The flat scenario plus two candidates; ``lock_in`` for the first."""
    text = FLAT_SCENARIO + OTHERS
    if lock_in:
        text = edit(
            "[candidate.price]",
            f"[candidate.lock_in]\n{lock_in}\n\n[candidate.price]",
            text,
        )
    if switching:
        text = edit(
            'prices = "frozen"',
            f'prices = "frozen"\nswitching = {{ {switching} }}',
            text,
        )
    return load_scenario(write(text), catalog)


def ledger_of(
    sc: Scenario, catalog: Catalog, name: str, spend: float = SPEND
) -> SwitchingLedger:
    cand = next(c for c in sc.candidates if c.name == name)
    return build_ledger(cand, sc, catalog, spend)


def lines(ledger: SwitchingLedger) -> dict[str, float]:
    return {item.name: item.usd for item in ledger.items}


# --- the ledger, by hand --------------------------------------------------------

# Flat scenario: 2,400 input and 400 output tokens at 2 and 12 USD per 1M,
# so the blended price is (2,400 x 2 + 400 x 12) / 2,800 USD per 1M.
TERRA_USD_PER_MTOK = 9_600 / 2_800


def test_default_ledger_line_by_line(write_scenario: Writer, catalog: Catalog) -> None:
    ledger = ledger_of(scenario_of(write_scenario, catalog), catalog, "openai-terra")
    assert ledger.usd_per_mtok == pytest.approx(TERRA_USD_PER_MTOK)
    assert lines(ledger) == pytest.approx(
        {
            # 2 days x 1,000 USD, halved: OpenAI's endpoint is the format.
            "integration": 1_000.0,
            # 10 prompts x 8 h x 125 USD/h
            "prompt_retuning": 10_000.0,
            # 10M tokens at the shown price (the candidate's own by default)
            "eval_tokens": 10 * TERRA_USD_PER_MTOK,
            # 40 h x 125 USD
            "eval_review": 5_000.0,
            "tool_schemas": 0.0,
            "re_embedding": 0.0,
            "fine_tunes": 0.0,
            "provider_state": 0.0,
            "proprietary_features": 0.0,
            "contracts": 0.0,
            # 10 days x 1,000 USD
            "people_process": 10_000.0,
            "egress": 0.0,
        }
    )
    # Half of re-tuning and re-evaluation is paid at any model change.
    incremental = 1_000 + 5_000 + 5 * TERRA_USD_PER_MTOK + 2_500 + 10_000
    assert ledger.switching_cost_usd == pytest.approx(incremental)
    parts = sum(item.incremental_usd for item in ledger.items)
    assert parts == pytest.approx(ledger.switching_cost_usd)
    assert ledger.switching_cost_months == pytest.approx(incremental / SPEND)
    assert ledger.cost.exit_usd == pytest.approx(np.full(36, 18_500.0))
    assert ledger.cost.eval_mtok == 5.0
    assert (ledger.cost.lead_time_months, ledger.cost.dual_run_months) == (2, 1.0)
    assert ledger.dual_run_usd == SPEND


def test_reference_is_the_portable_deployment_behind_a_gateway(
    write_scenario: Writer, catalog: Catalog
) -> None:
    sc = scenario_of(write_scenario, catalog, lock_in="proprietary_features = 3")
    for name in ("openai-terra", "claude"):
        ledger = ledger_of(sc, catalog, name)
        # integration 2,000 x 0.25; re-tuning and review halved by portable
        # evals, then halved again as forced; process in full; no features.
        expected = 500 + 10_000 * 0.5 * 0.5 + 5_000 * 0.5 * 0.5 + 10_000
        assert ledger.reference.exit_usd == pytest.approx(np.full(36, expected))


def test_gateway_lowers_exactly_the_lines_it_addresses(
    write_scenario: Writer, catalog: Catalog
) -> None:
    plain = scenario_of(write_scenario, catalog, switching="tools = 4")
    gated = plain.candidates[1]
    gated = replace(gated, lock_in=replace(gated.lock_in, mitigations=("gateway",)))
    without = build_ledger(plain.candidates[1], plain, catalog, SPEND)
    with_gateway = build_ledger(gated, plain, catalog, SPEND)
    # Anthropic's compatible endpoint is for testing: integration counts in
    # full (2,000), a gateway leaves a quarter; 4 tools x 4 h x 125 = 2,000,
    # a gateway leaves half.
    assert lines(without)["integration"] == 2_000
    assert lines(with_gateway)["integration"] == 500
    assert lines(without)["tool_schemas"] == 2_000
    assert lines(with_gateway)["tool_schemas"] == 1_000
    saved = without.switching_cost_usd - with_gateway.switching_cost_usd
    assert saved == pytest.approx(1_500 + 1_000)
    assert with_gateway.gateway_toggled.exit_usd == pytest.approx(without.cost.exit_usd)


def test_gateway_and_compatible_endpoint_are_not_counted_twice(
    write_scenario: Writer, catalog: Catalog
) -> None:
    sc = scenario_of(write_scenario, catalog, lock_in='mitigations = ["gateway"]')
    # OpenAI: compatible (0.5) and a gateway (0.25): the smaller share only.
    assert lines(ledger_of(sc, catalog, "openai-terra"))["integration"] == 500


def test_non_exportable_fine_tune_is_a_blocker_with_its_source(
    write_scenario: Writer, catalog: Catalog
) -> None:
    sc = scenario_of(write_scenario, catalog, lock_in="fine_tunes = 2")
    ledger = ledger_of(sc, catalog, "openai-terra")
    # 2 x (20M tokens x 3 USD/M + 5 days x 1,000 USD), half forced.
    assert lines(ledger)["fine_tunes"] == pytest.approx(2 * (60 + 5_000))
    (blocker,) = ledger.blockers
    assert "openai fine-tuned weights are not exportable" in blocker.message
    source = catalog.sheet("openai").facts["fine_tuned_weights_exportable"].source
    assert blocker.source == source != ""


def test_open_weight_fallback_turns_the_blocker_into_a_warning(
    write_scenario: Writer, catalog: Catalog
) -> None:
    sc = scenario_of(
        write_scenario,
        catalog,
        lock_in='fine_tunes = 1\nmitigations = ["open_weight_fallback"]',
    )
    ledger = ledger_of(sc, catalog, "openai-terra")
    assert lines(ledger)["fine_tunes"] == 0
    assert not ledger.blockers
    assert any("open-weight fallback" in f.message for f in ledger.flags)


def test_exportable_weights_need_no_retraining_tokens(
    write_scenario: Writer, catalog: Catalog
) -> None:
    sc = scenario_of(write_scenario, catalog)
    cand = sc.candidates[2]
    cand = replace(cand, lock_in=replace(cand.lock_in, fine_tunes=1))
    ledger = build_ledger(cand, sc, catalog, SPEND)
    assert lines(ledger)["fine_tunes"] == 5_000  # data work only
    assert not ledger.blockers


def test_state_without_export_is_a_blocker_unless_kept_client_side(
    write_scenario: Writer, catalog: Catalog
) -> None:
    state = 'provider_state = ["files", "vector_stores"]\nstate_exportable = false'
    stuck = ledger_of(
        scenario_of(write_scenario, catalog, lock_in=state), catalog, "openai-terra"
    )
    assert lines(stuck)["provider_state"] == 2 * 5 * 1_000
    assert [f.level for f in stuck.blockers] == ["blocker"]
    assert "files, vector_stores" in stuck.blockers[0].message

    kept = state + '\nmitigations = ["client_side_state"]'
    free = ledger_of(
        scenario_of(write_scenario, catalog, lock_in=kept), catalog, "openai-terra"
    )
    assert lines(free)["provider_state"] == 0
    assert not free.blockers


def test_contract_lines_move_with_the_decision_month(
    write_scenario: Writer, catalog: Catalog
) -> None:
    sc = scenario_of(
        write_scenario,
        catalog,
        lock_in="commitment_usd = 120_000\ncommitment_months = 12\ntermination_usd = 7",
    )
    ledger = ledger_of(sc, catalog, "openai-terra")
    contracts = ledger.cost.exit_usd - ledger.cost.exit_usd[-1]
    # 120,000 drawn down over 12 months; the lead time (2) draws more.
    t = np.arange(36)
    expected = 120_000 * np.clip(1 - (t + 2) / 12, 0, 1)
    assert contracts == pytest.approx(expected)
    assert lines(ledger)["contracts"] == pytest.approx(100_000 + 7)


def test_provisioned_term_left_after_the_lead_time(
    write_scenario: Writer, catalog: Catalog
) -> None:
    sc = scenario_of(write_scenario, catalog)
    units = 2 * 39.6 * 730.5  # USD per month of two units
    cand = replace(
        sc.candidates[0],
        provisioned=Provisioned(2, 500_000.0, 39.6, term_months=6),
    )
    exit_usd = build_ledger(cand, sc, catalog, SPEND).cost.exit_usd
    base = build_ledger(sc.candidates[0], sc, catalog, SPEND).cost.exit_usd
    # Term months left after the 2-month lead, renewing every 6 months.
    left = [4, 3, 2, 1, 0, 0] * 6
    assert exit_usd - base == pytest.approx(np.asarray(left) * units)


def test_egress_is_free_for_eu_customers_from_the_data_act_date(
    write_scenario: Writer, catalog: Catalog
) -> None:
    sc = scenario_of(
        write_scenario,
        catalog,
        lock_in="egress_gb = 1_000",
        switching="eu_data_act = true",
    )
    ledger = ledger_of(sc, catalog, "openai-terra")
    egress = ledger.cost.exit_usd - ledger.cost.exit_usd[-1]
    # January 2027 starts before 2027-01-12: 1,000 GB x 0.09 USD; then 0.
    assert egress == pytest.approx([90.0] + [0.0] * 35)


def test_deprecation_notice_shorter_than_the_lead_time_is_a_warning(
    write_scenario: Writer, catalog: Catalog
) -> None:
    def notes(lead: int) -> list[str]:
        sc = scenario_of(
            write_scenario, catalog, switching=f"lead_time_months = {lead}"
        )
        return [f.message for f in ledger_of(sc, catalog, "claude").flags]

    # Anthropic: ">= 60 days", just under two months.
    assert notes(1) == []
    assert notes(2) == [
        "anthropic's deprecation notice ('>= 60 days') is shorter than the "
        "2-month lead time of a move"
    ]
    sc = scenario_of(write_scenario, catalog, switching="lead_time_months = 6")
    assert ledger_of(sc, catalog, "openai-terra").flags == ()  # GA >= 6 months


def test_ledgers_show_eval_tokens_at_the_alternatives_mean_price(
    write_scenario: Writer, catalog: Catalog
) -> None:
    sc = scenario_of(write_scenario, catalog)
    ledgers = build_ledgers(
        sc, catalog, dict.fromkeys(["openai-terra", "claude", "together"], SPEND)
    )
    others = [ledgers[n].usd_per_mtok for n in ("claude", "together")]
    shown = lines(ledgers["openai-terra"])["eval_tokens"]
    assert shown == pytest.approx(10 * float(np.mean(others)))


@pytest.fixture(scope="module")
def three_providers(
    tmp_path_factory: pytest.TempPathFactory, catalog: Catalog
) -> Scenario:
    path = tmp_path_factory.mktemp("switching") / "scenario.toml"
    path.write_text(FLAT_SCENARIO + OTHERS, encoding="utf-8")
    return load_scenario(path, catalog)


LOCK_INS = st.builds(
    LockIn,
    provider_state=st.lists(st.sampled_from(STATE_KINDS), unique=True).map(tuple),
    corpus_tokens=st.floats(0, 1e10),
    fine_tunes=st.integers(0, 5),
    proprietary_features=st.integers(0, 10),
    commitment_usd=st.floats(0, 1e6),
    commitment_months=st.integers(1, 24),
    termination_usd=st.floats(0, 1e5),
    egress_gb=st.floats(0, 1e5),
)


@settings(max_examples=60, deadline=None)
@given(
    lock_in=LOCK_INS, mitigation=st.sampled_from(MITIGATIONS), which=st.integers(0, 2)
)
def test_ledger_invariants(
    three_providers: Scenario,
    catalog: Catalog,
    lock_in: LockIn,
    mitigation: str,
    which: int,
) -> None:
    cand = replace(three_providers.candidates[which], lock_in=lock_in)
    ledger = build_ledger(cand, three_providers, catalog, SPEND)
    assert all(item.usd >= 0 for item in ledger.items)
    assert (ledger.cost.exit_usd >= 0).all()
    parts = sum(item.incremental_usd for item in ledger.items)
    assert parts == pytest.approx(ledger.switching_cost_usd)

    # A mitigation never raises a line; one more dependency always costs.
    helped = replace(cand, lock_in=replace(lock_in, mitigations=(mitigation,)))
    mitigated = build_ledger(helped, three_providers, catalog, SPEND)
    for before, after in zip(ledger.items, mitigated.items, strict=True):
        assert after.usd <= before.usd
    more = replace(lock_in, proprietary_features=lock_in.proprietary_features + 1)
    sticky = build_ledger(replace(cand, lock_in=more), three_providers, catalog, SPEND)
    assert sticky.switching_cost_usd == pytest.approx(ledger.switching_cost_usd + 5_000)

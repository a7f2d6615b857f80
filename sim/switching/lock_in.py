"""Lock-in cost per candidate: the policy run three ways on the same paths.

For each candidate ``i`` the policy starts on ``i`` and runs with:

1. every candidate's own switching cost (the switching-allowed TCO/NPV);
2. ``i``'s cost replaced by the portable reference's (methods B2's
   "realistically mitigated" cost: a gateway and portable evals, no
   provider-specific ties), the others unchanged;
3. ``i``'s cost with the gateway toggled, for the gateway trade-off.

Lock-in cost = the option value of run 2 minus that of run 1, where an
option value is ``E[never-switch NPV] - E[NPV]`` floored at 0 (see
:func:`forgone_usd`); stated in USD, as a share of the never-switch NPV
(the score's metric) and in months of spend. Only ``i``'s own ties
differ between the runs, so a candidate's lock-in never moves because
another candidate is sticky, and with identical ledgers it is exactly 0.
All runs share the paths, so the per-path differences give the score's
p10 and p90.

Limitations: the threshold rule is not the optimal switching policy, so
on some markets a higher switching cost can stop bad switches and raise
the policy's value; flooring option values at 0 and the hysteresis term
keep the lock-in cost rising with the switching cost on the markets the
tests simulate (two lognormal prices, methods B2's jump market), not on
every market. The gateway's fee is taken on the never-switch spend.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.stats import FloatArray, npv
from sim.switching.facts import Flag
from sim.switching.ledger import SwitchCost, SwitchingLedger
from sim.switching.policy import (
    IntArray,
    Market,
    PolicyRun,
    prepare_market,
    run_policy,
)
from sim.switching.score import score_lock_in, score_switching_months


@dataclass(frozen=True)
class GatewayTradeoff:
    """A gateway's saving in lock-in against its own fee, NPV in USD.

    Attributes:
        declared: the candidate declares the gateway mitigation.
        switching_with_usd, switching_without_usd: incremental switching
            cost at the start month with and without the gateway.
        lock_in_with_usd, lock_in_without_usd: lock-in cost with and
            without it.
        fee_npv_usd: the gateway's fee over the horizon, discounted:
            ``gateway_fee_share`` of the never-switch spend plus
            ``gateway_usd_per_month`` every month.
    """

    declared: bool
    switching_with_usd: float
    switching_without_usd: float
    lock_in_with_usd: float
    lock_in_without_usd: float
    fee_npv_usd: float

    @property
    def lock_in_saved_usd(self) -> float:
        """Lock-in cost the gateway removes, NPV USD."""
        return self.lock_in_without_usd - self.lock_in_with_usd

    @property
    def net_usd(self) -> float:
        """Lock-in saved minus the fee: positive when the gateway pays."""
        return self.lock_in_saved_usd - self.fee_npv_usd


@dataclass(frozen=True)
class LockInResult:
    """Factor 12 for one candidate. Arrays are over the shared paths.

    Attributes:
        ledger: the candidate's switching ledger.
        cost_usd: (paths, months) cost with switching allowed, switching
            charges included.
        switching_usd: (paths, months) the switching charges alone.
        npv_usd, tco_usd: (paths,) with switching allowed.
        never_npv_usd: (paths,) staying on the candidate throughout.
        reference_npv_usd: (paths,) switching allowed, the candidate's
            ties replaced by the portable reference's.
        switches: (paths,) moves on each path.
        switch_month_share: (months,) share of paths deciding a move in
            each month.
        lock_in_usd: savings forgone against the reference, NPV USD
            (see :func:`forgone_usd`).
        lock_in_share: lock_in_usd / E[never_npv_usd]; the score's metric.
        score, score_p10, score_p90: factor 12, and its percentiles over
            paths.
        basis: ``simulation``, or ``switching months`` when no candidate
            of another provider exists to switch to.
    """

    candidate: str
    ledger: SwitchingLedger
    cost_usd: FloatArray
    switching_usd: FloatArray
    npv_usd: FloatArray
    tco_usd: FloatArray
    never_npv_usd: FloatArray
    reference_npv_usd: FloatArray
    switches: IntArray
    switch_month_share: FloatArray
    lock_in_usd: float
    lock_in_share: float
    score: float
    score_p10: float
    score_p90: float
    basis: str
    gateway: GatewayTradeoff

    @property
    def p_switch(self) -> float:
        """Probability of at least one move over the horizon."""
        return float((self.switches > 0).mean())

    @property
    def expected_switches(self) -> float:
        """Mean number of moves over the horizon."""
        return float(self.switches.mean())

    @property
    def lock_in_months(self) -> float:
        """Lock-in cost in months of start-month spend."""
        spend = self.ledger.monthly_spend_usd
        return self.lock_in_usd / spend if spend > 0 else float("inf")

    @property
    def option_value_usd(self) -> float:
        """What the option to switch is worth: never-switch minus switching
        NPV, USD (negative when the policy loses money)."""
        return float(self.never_npv_usd.mean() - self.npv_usd.mean())

    @property
    def flags(self) -> tuple[Flag, ...]:
        """Blockers and warnings to show beside the score."""
        return self.ledger.flags

    def as_dict(self) -> dict[str, Any]:
        """Plain mapping for ``summary.json`` (units in the key names)."""
        return _as_dict(self)


def simulate_switching(
    costs: Mapping[str, FloatArray],
    ledgers: Mapping[str, SwitchingLedger],
    discount_rate: float,
    hysteresis: float,
    outlook: str = "ensemble",
) -> dict[str, LockInResult]:
    """Factor 12 for every candidate on shared cost paths.

    Args:
        costs: candidate -> (paths, months) monthly cost, USD, every
            candidate on the SAME demand and price paths.
        ledgers: candidate -> its switching ledger (same keys as costs).
        discount_rate: effective annual rate, as for the TCO's NPV.
        hysteresis: margin over the switching cost (0.5 = 50%).
        outlook: ``ensemble`` or ``flat``; see :mod:`sim.switching.policy`.

    Raises:
        ValueError: if the keys or shapes of the inputs disagree.
    """
    names = list(costs)
    _check_inputs(names, costs, ledgers)
    market = prepare_market(
        [costs[n] for n in names],
        [ledgers[n].provider for n in names],
        [ledgers[n].usd_per_mtok for n in names],
        discount_rate,
        outlook,
    )
    exits = [ledgers[n].cost for n in names]
    return {
        name: _candidate_result(market, i, exits, ledgers[name], hysteresis)
        for i, name in enumerate(names)
    }


def _check_inputs(
    names: list[str],
    costs: Mapping[str, FloatArray],
    ledgers: Mapping[str, SwitchingLedger],
) -> None:
    if set(names) != set(ledgers):
        raise ValueError(
            f"costs and ledgers name different candidates: {sorted(names)} "
            f"vs {sorted(ledgers)}"
        )
    shapes = {np.shape(costs[n]) for n in names}
    if len(shapes) != 1:
        raise ValueError(f"cost paths differ in shape: {sorted(shapes)}")
    months = np.shape(costs[names[0]])[-1]
    for name in names:
        if ledgers[name].cost.exit_usd.shape != (months,):
            raise ValueError(f"ledger of '{name}' does not cover {months} months")


def _candidate_result(
    market: Market,
    i: int,
    exits: list[SwitchCost],
    ledger: SwitchingLedger,
    hysteresis: float,
) -> LockInResult:
    def run(own: SwitchCost) -> PolicyRun:
        return run_policy(market, i, [*exits[:i], own, *exits[i + 1 :]], hysteresis)

    actual, reference = run(ledger.cost), run(ledger.reference)
    never = npv(market.costs[i], market.rate)
    npv_actual = npv(actual.cost_usd, market.rate)
    npv_reference = npv(reference.cost_usd, market.rate)
    lock_in = forgone_usd(never, npv_actual, npv_reference)
    toggled = run(ledger.gateway_toggled)
    return LockInResult(
        candidate=ledger.candidate,
        ledger=ledger,
        cost_usd=actual.cost_usd,
        switching_usd=actual.switching_usd,
        npv_usd=npv_actual,
        tco_usd=actual.cost_usd.sum(axis=1),
        never_npv_usd=never,
        reference_npv_usd=npv_reference,
        switches=actual.switches,
        switch_month_share=actual.decided / market.costs.shape[1],
        lock_in_usd=lock_in,
        lock_in_share=lock_in / float(never.mean()),
        **_score(market, ledger, lock_in, npv_actual - npv_reference, never),
        gateway=_gateway(market, ledger, never, lock_in, npv_reference, toggled),
    )


def forgone_usd(
    never: FloatArray, npv_own: FloatArray, npv_reference: FloatArray
) -> float:
    """Savings the candidate's own switching cost forgoes, NPV USD.

    The option to switch is worth ``E[never] - E[policy]``, floored at 0:
    a team whose policy loses money on average would stop switching, so
    a policy that destroys value forgoes nothing more. Lock-in is the
    reference's option value minus the candidate's own; it is negative
    when the candidate is easier to leave than the portable reference.
    """
    base = float(never.mean())
    own = max(0.0, base - float(npv_own.mean()))
    reference = max(0.0, base - float(npv_reference.mean()))
    return reference - own


def _score(
    market: Market,
    ledger: SwitchingLedger,
    lock_in: float,
    per_path_usd: FloatArray,
    never: FloatArray,
) -> dict[str, Any]:
    """Score, p10 and p90 over paths, and the basis they rest on.

    With a candidate of another provider to move to, the score comes from
    the lock-in share and its spread from the per-path differences of the
    two runs; without one, from the switching cost in months of spend.
    """
    if not any(p != ledger.provider for p in market.providers):
        score = float(score_switching_months(ledger.switching_cost_months))
        return _scored(score, score, score, "switching months")
    per_path = score_lock_in(per_path_usd / never)
    low, high = np.quantile(per_path, [0.1, 0.9])
    score = float(score_lock_in(lock_in / float(never.mean())))
    return _scored(score, float(low), float(high), "simulation")


def _scored(score: float, low: float, high: float, basis: str) -> dict[str, Any]:
    return {"score": score, "score_p10": low, "score_p90": high, "basis": basis}


def _gateway(
    market: Market,
    ledger: SwitchingLedger,
    never: FloatArray,
    lock_in: float,
    npv_reference: FloatArray,
    toggled: PolicyRun,
) -> GatewayTradeoff:
    """Lock-in with and without the gateway, against its fee."""
    other = forgone_usd(never, npv(toggled.cost_usd, market.rate), npv_reference)
    fee = ledger.gateway_fee_share * float(never.mean())
    fee += ledger.gateway_usd_per_month * float(market.discount.sum())
    own = ledger.start_usd(ledger.cost)
    flipped = ledger.start_usd(ledger.gateway_toggled)
    declared = ledger.has_gateway
    return GatewayTradeoff(
        declared=declared,
        switching_with_usd=own if declared else flipped,
        switching_without_usd=flipped if declared else own,
        lock_in_with_usd=lock_in if declared else other,
        lock_in_without_usd=other if declared else lock_in,
        fee_npv_usd=fee,
    )


def _as_dict(result: LockInResult) -> dict[str, Any]:
    ledger = result.ledger
    return {
        "score": result.score,
        "score_p10": result.score_p10,
        "score_p90": result.score_p90,
        "basis": result.basis,
        "lock_in_usd": result.lock_in_usd,
        "lock_in_share": result.lock_in_share,
        "lock_in_months": result.lock_in_months,
        "p_switch": result.p_switch,
        "expected_switches": result.expected_switches,
        "switch_month_share": [float(x) for x in result.switch_month_share],
        "option_value_usd": result.option_value_usd,
        "npv_usd_mean": float(result.npv_usd.mean()),
        "tco_usd_mean": float(result.tco_usd.mean()),
        "never_switch_npv_usd_mean": float(result.never_npv_usd.mean()),
        **_ledger_dict(ledger),
        "gateway": _gateway_dict(result.gateway),
    }


def _ledger_dict(ledger: SwitchingLedger) -> dict[str, Any]:
    return {
        "switching_cost_usd": ledger.switching_cost_usd,
        "switching_cost_months": ledger.switching_cost_months,
        "gross_switching_cost_usd": ledger.gross_usd,
        "reference_switching_cost_usd": ledger.start_usd(ledger.reference),
        "lead_time_months": ledger.cost.lead_time_months,
        "dual_run_months": ledger.cost.dual_run_months,
        "ledger": [
            {
                "line": item.name,
                "driver": item.driver,
                "usd": item.usd,
                "forced_share": item.forced_share,
                "incremental_usd": item.incremental_usd,
                "source": item.source,
            }
            for item in ledger.items
        ],
        "mitigations": list(ledger.mitigations),
        "blockers": [_flag(f) for f in ledger.flags if f.level == "blocker"],
        "warnings": [_flag(f) for f in ledger.flags if f.level == "warning"],
        "facts": [
            {"name": f.name, "value": f.value, "source": f.source} for f in ledger.facts
        ],
    }


def _gateway_dict(gateway: GatewayTradeoff) -> dict[str, Any]:
    return {
        "declared": gateway.declared,
        "switching_with_usd": gateway.switching_with_usd,
        "switching_without_usd": gateway.switching_without_usd,
        "lock_in_with_usd": gateway.lock_in_with_usd,
        "lock_in_without_usd": gateway.lock_in_without_usd,
        "lock_in_saved_usd": gateway.lock_in_saved_usd,
        "fee_npv_usd": gateway.fee_npv_usd,
        "net_usd": gateway.net_usd,
    }


def _flag(flag: Flag) -> dict[str, str]:
    return {"message": flag.message, "source": flag.source}

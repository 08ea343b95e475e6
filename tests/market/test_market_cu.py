"""Compute-unit caps of the kgpu_market instructions, measured by bench/cu_market.py.

Each cap sits a little above the last measured own units (total minus CPIs), so a change that
makes an instruction noticeably more expensive fails here. `register_provider` is measured with
several fixed authorities and must cost the same for each.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from cu_market import OWN_CU_TARGET, REGISTER_AUTHORITIES, CuRow, cu_from_logs, measure  # noqa: E402

# Last measured own units in the comment; cap about 2% above. bench/cu_market.py uses seeded
# keys, so the figures repeat from run to run for a given build.
OWN_CU_CAPS = {
    "initialize_market": 2_030,  # 1,988
    "initialize_carbon_mint": 820,  # 797
    "initialize_vault stake": 910,  # 893
    "initialize_vault reward": 920,  # 898
    "initialize_vault insurance": 910,  # 893
    "initialize_vault escrow": 920,  # 895
    "update_market_params": 930,  # 905
    "register_provider, pre-funded": 2_000,  # 1,958
    "approve_provider": 790,  # 774
    "stake": 1_140,  # 1,111
    "open_job": 2_160,  # 2,110
    # settle_receipt's cap is its target, 100 under the 3,000 system target for own units.
    "settle_receipt": 2_900,  # 2,884
    "sweep_fees": 760,  # 742
    "sweep_fees, nothing to sweep": 300,  # 287
    "close_job": 1_320,  # 1,294
    "close_job, refund booked": 1_000,  # 973
    "claim_refund": 1_000,  # 978
    "claim_rewards": 1_100,  # 1,075
    "claim_rewards, with sweep": 1_570,  # 1,531
    "request_unstake": 1_040,  # 1,014
    "withdraw_unstaked": 1_330,  # 1,298
    "slash": 2_280,  # 2,228
}

# register_provider measured 1,889 own units for every authority in REGISTER_AUTHORITIES.
REGISTER_CAP = 1_930


@pytest.fixture(scope="module")
def measured() -> list[CuRow]:
    return measure()


@pytest.fixture(scope="module")
def rows(measured) -> dict[str, CuRow]:
    return {row.instruction: row for row in measured}


@pytest.mark.parametrize("instruction", sorted(OWN_CU_CAPS))
def test_own_cu_under_cap(rows, instruction):
    row = rows[instruction]
    assert row.own <= OWN_CU_CAPS[instruction], row
    assert row.total == row.cpi + row.own


def test_register_provider_cost_same_for_every_authority(rows):
    register = [rows[f"register_provider, {label}"] for label in REGISTER_AUTHORITIES]
    assert len({row.own for row in register}) == 1, register
    assert len({row.total for row in register}) == 1, register
    assert register[0].own <= REGISTER_CAP, register[0]
    assert register[0].own < OWN_CU_TARGET


def test_every_instruction_measured(rows):
    register = {f"register_provider, {label}" for label in REGISTER_AUTHORITIES}
    assert set(rows) == set(OWN_CU_CAPS) | register


def test_measure_is_repeatable(measured):
    assert measure() == measured


def test_cu_from_logs_splits_nested_programs():
    program = "Prog1111111111111111111111111111111111111111"
    logs = [
        f"Program {program} invoke [1]",
        "Program 11111111111111111111111111111111 invoke [2]",
        "Program 11111111111111111111111111111111 success",
        "Program Token111 invoke [2]",
        "Program Inner111 invoke [3]",
        "Program Inner111 consumed 50 of 900 compute units",
        "Program Inner111 success",
        "Program Token111 consumed 300 of 1000 compute units",
        "Program Token111 success",
        f"Program {program} consumed 3000 of 200000 compute units",
        f"Program {program} success",
    ]
    row = cu_from_logs("example", logs, program)
    # Two invocations at depth 2: 150 for the System program, 300 logged (inner 50 included),
    # plus 1,000 per invocation.
    assert row == CuRow("example", 3_000, 150 + 300 + 2_000, 3_000 - 2_450)


def test_cu_from_logs_requires_the_program():
    with pytest.raises(ValueError, match="no completed invocation"):
        cu_from_logs("example", ["Program Other invoke [1]", "Program Other success"], "Prog")

"""Compute-unit caps of the kgpu_market instructions, measured by bench/cu_market.py.

Each cap sits a little above the last measured own units (total minus CPIs), so a change that
makes an instruction noticeably more expensive fails here. `register_provider` searches the
canonical bump of its provider PDA, so its cap grows by a fixed allowance per bump tried.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from cu_market import OWN_CU_TARGET, CuRow, RegisterSample, cu_from_logs, measure_with_sample  # noqa: E402

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
    "approve_provider": 790,  # 774
    "stake": 1_140,  # 1,111
    "open_job": 2_320,  # 2,273
    # settle_receipt's cap is its target, 100 under the 3,000 system target for own units.
    "settle_receipt": 2_900,  # 2,884
    "sweep_fees": 760,  # 742
    "sweep_fees, nothing to sweep": 300,  # 287
    "close_job": 1_500,  # 1,464
    "claim_rewards": 1_100,  # 1,075
    "claim_rewards, with sweep": 1_570,  # 1,531
    "request_unstake": 1_040,  # 1,014
    "withdraw_unstaked": 1_330,  # 1,298
    "slash": 2_280,  # 2,228
}

# register_provider measured 1,944 own units with one bump try and 314 more per further try
# (2,886 with four), over the seeded sample in bench/cu_market.py.
REGISTER_BASE_CAP = 1_990
REGISTER_CAP_PER_TRY = 320


@pytest.fixture(scope="module")
def measured() -> tuple[list[CuRow], RegisterSample]:
    return measure_with_sample()


@pytest.fixture(scope="module")
def rows(measured) -> dict[str, CuRow]:
    return {row.instruction: row for row in measured[0] if row.instruction != "register_provider"}


@pytest.mark.parametrize("instruction", sorted(OWN_CU_CAPS))
def test_own_cu_under_cap(rows, instruction):
    row = rows[instruction]
    assert row.own <= OWN_CU_CAPS[instruction], row
    assert row.total == row.cpi + row.own
    assert row.bump_tries == 0, row


def test_register_provider_own_cu_per_try(measured):
    _, sample = measured
    assert sorted(sample.by_tries) == [1, 2, 3, 4]
    for tries, row in sample.by_tries.items():
        assert row.bump_tries == tries
        assert row.own <= REGISTER_BASE_CAP + REGISTER_CAP_PER_TRY * (tries - 1), row
        assert row.total == row.cpi + row.own
    assert sample.max_row.own <= REGISTER_BASE_CAP + REGISTER_CAP_PER_TRY * (sample.max_row.bump_tries - 1)


def test_register_provider_sample_under_target(measured):
    _, sample = measured
    # One or two tries, about three quarters of all authorities, stay well under the target.
    assert sample.by_tries[1].own < OWN_CU_TARGET
    assert sample.by_tries[2].own < OWN_CU_TARGET
    assert sample.under_target >= sample.size * 3 // 4, sample


def test_measure_is_repeatable(measured):
    again, _ = measure_with_sample()
    assert again == measured[0]


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

"""Compute-unit caps of the kgpu_market instructions, measured by bench/cu_market.py.

Each cap sits a little above the last measured own units (total minus CPIs), so a change that
makes an instruction noticeably more expensive fails here. Instructions that search a PDA bump
(`initialize_market`, `register_provider`, `open_job`) vary with the random keys and have no cap.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from cu_market import CuRow, cu_from_logs, measure  # noqa: E402

# Last measured own units in the comment; cap about 2% above.
OWN_CU_CAPS = {
    "update_market_params": 950,  # 930
    "approve_provider": 870,  # 852
    "stake": 1_440,  # 1,408
    # NOTE: the system target for own units is 3,000, which settle_receipt misses. The estimated
    # parts are listed under "Compute units" in docs/market-program.md.
    "settle_receipt": 4_660,  # 4,569
    "close_job": 1_590,  # 1,555
    "claim_rewards": 1_510,  # 1,475
    "request_unstake": 1_220,  # 1,189
    "withdraw_unstaked": 1_520,  # 1,485
    "slash": 2_720,  # 2,664
}


@pytest.fixture(scope="module")
def rows() -> dict[str, CuRow]:
    return {row.instruction: row for row in measure()}


@pytest.mark.parametrize("instruction", sorted(OWN_CU_CAPS))
def test_own_cu_under_cap(rows, instruction):
    row = rows[instruction]
    assert row.own <= OWN_CU_CAPS[instruction], row
    assert row.total == row.cpi + row.own


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

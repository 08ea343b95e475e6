"""Compute-unit caps of the kgpu_market instructions, measured by bench/cu_market.py.

Each cap sits a little above the last measured own units (total minus CPIs), so a change that
makes an instruction noticeably more expensive fails here. `open_job` searches the canonical
bump of its job PDA, whose number of tries depends on the random renter key, so its cap grows
by a fixed allowance per try. `initialize_market` and `register_provider` also search bumps and
have no cap.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from cu_market import CuRow, cu_from_logs, measure  # noqa: E402

# Last measured own units in the comment; cap about 2% above.
OWN_CU_CAPS = {
    "update_market_params": 890,  # 873
    "approve_provider": 790,  # 768
    "stake": 1_140,  # 1,113
    # NOTE: the system target for own units is 3,000, which settle_receipt misses. The measured
    # parts are listed under "Compute units" in docs/market-program.md.
    "settle_receipt": 3_880,  # 3,796
    "close_job": 1_495,  # 1,464
    "claim_rewards": 1_190,  # 1,162
    "request_unstake": 1_030,  # 1,008
    "withdraw_unstaked": 1_320,  # 1,287
    "slash": 2_290,  # 2,242
}

# open_job measured 2,674 own units plus 315 per bump tried (2,989 with one try, 3,304 with two).
OPEN_JOB_BASE_CAP = 2_710
OPEN_JOB_CAP_PER_TRY = 320


@pytest.fixture(scope="module")
def rows() -> dict[str, CuRow]:
    return {row.instruction: row for row in measure()}


@pytest.mark.parametrize("instruction", sorted(OWN_CU_CAPS))
def test_own_cu_under_cap(rows, instruction):
    row = rows[instruction]
    assert row.own <= OWN_CU_CAPS[instruction], row
    assert row.total == row.cpi + row.own


def test_open_job_own_cu_under_cap(rows):
    row = rows["open_job"]
    assert row.bump_tries >= 1, row
    assert row.own <= OPEN_JOB_BASE_CAP + OPEN_JOB_CAP_PER_TRY * row.bump_tries, row
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

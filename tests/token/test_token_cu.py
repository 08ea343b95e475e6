"""Compute-unit caps of the kgpu_token instructions, measured by bench/cu_token.py.

Each cap sits a little above the last measured own units (total minus CPIs), so a change that
makes an instruction noticeably more expensive fails here, and every cap is under the 3,000
own-unit target. The keys derive from fixed seeds, so the figures repeat for a given build.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from cu_token import measure_set_kyc_spread, measure_token_cu  # noqa: E402

OWN_CU_TARGET = 3_000

# Last measured own units in the comment; cap about 3% above.
OWN_CU_CAPS = {
    "initialize": 1_880,  # 1,816
    "initialize_mint (no token metadata)": 1_610,  # 1,557
    "initialize_mint (with token metadata)": 2_280,  # 2,205
    "update_oracle_set": 1_040,  # 1,001
    "update_params": 890,  # 859
    "set_kyc (new record, thaw)": 2_250,  # 2,180
    "set_kyc (existing record, no state change)": 1_450,  # 1,404
    "attest_collateral": 1_820,  # 1,762
    "mint_deposit": 2_650,  # 2,568
    "redeem": 2_120,  # 2,053
    "confirm_redemption": 1_310,  # 1,269
    "seize": 1_270,  # 1,223
    "thaw_program_account": 1_650,  # 1,601
}


@pytest.fixture(scope="module")
def rows() -> dict[str, tuple[int, int, int]]:
    return {name: (total, cpi, own) for name, total, cpi, own in measure_token_cu()}


def test_every_instruction_measured(rows):
    assert sorted(rows) == sorted(OWN_CU_CAPS)


@pytest.mark.parametrize("instruction", sorted(OWN_CU_CAPS))
def test_own_cu_under_cap(rows, instruction):
    own = rows[instruction][2]

    assert own <= OWN_CU_CAPS[instruction]
    assert own < OWN_CU_TARGET


def test_set_kyc_cost_same_for_every_wallet():
    spread = measure_set_kyc_spread(OWN_CU_TARGET, size=32)

    assert len(spread.samples) == 32
    assert min(spread.samples) == max(spread.samples)
    assert max(spread.samples) <= OWN_CU_CAPS["set_kyc (new record, thaw)"]

"""Measure the compute units of every kgpu_token instruction in LiteSVM.

`measure_token_cu()` deploys `programs/target/deploy/kgpu_token.so` through BPF Loader
Upgradeable into a fresh LiteSVM, runs each instruction once on its success path, and returns one
row per instruction: (instruction, total CU, CPI CU, own CU).

- total: the "Program <kgpu_token> consumed N of M compute units" line of the outer invocation;
- CPI: for each invocation it makes (depth 2), the callee's "consumed" line (150 for the System
  program, a builtin that logs none) plus 1,000 for the CPI syscall's base charge to the caller
  (`invoke_units` of Agave's default compute budget);
- own: total minus CPI: the program's own instructions and its other syscalls (hashing, curve
  checks, sysvars, logs), plus the serialization part of each CPI syscall charge.

Every key derives from a fixed seed, so the rows repeat from run to run. `initialize` and
`initialize_mint` share one transaction and get one row each. `measure_set_kyc_spread()` runs
`set_kyc` creating a record for 256 seeded wallets and reports the lowest and highest own CU. The
record sits at a System seed address, one hash whatever the wallet, so the two should be equal.

Usage: uv run --frozen python bench/cu_token.py
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "token"))

from solders.keypair import Keypair  # noqa: E402
from solders.litesvm import LiteSVM  # noqa: E402
from solders.pubkey import Pubkey  # noqa: E402

from kgpu_sbf.loader import deploy_upgradeable, program_elf, program_keypair  # noqa: E402
from kgpu_sbf.spl import install_token_2022
import kgpu_token_testkit as kit  # noqa: E402

Row = tuple[str, int, int, int]


SYSTEM_PROGRAM = "11111111111111111111111111111111"
# Compute units the CPI syscall charges the caller per invocation (Agave's `invoke_units`).
INVOKE_UNITS = 1_000
# Compute units the System program consumes per instruction; as a builtin it logs no
# "consumed" line.
SYSTEM_PROGRAM_UNITS = 150


def split_compute_units(logs: Sequence[str], program_id: Pubkey, occurrence: int = 0) -> tuple[int, int]:
    """Return (total, CPI) compute units of a top-level invocation of `program_id`.

    `occurrence` counts the program's top-level invocations in the transaction from 0.

    CPI counts, for every invocation at depth 2, the callee's logged consumption (150 for the
    System program, which logs none) plus the 1,000 units the CPI syscall charges the caller.
    """
    depth = 0
    inside = False
    seen = -1
    total = 0
    cpi = 0
    for line in logs:
        parts = line.split()
        if len(parts) < 3 or parts[0] != "Program":
            continue
        if parts[2] == "invoke" and len(parts) >= 4:
            depth = int(parts[3].strip("[]"))
            if depth == 1:
                seen += parts[1] == str(program_id)
                inside = parts[1] == str(program_id) and seen == occurrence
            elif depth == 2 and inside:
                cpi += INVOKE_UNITS + (SYSTEM_PROGRAM_UNITS if parts[1] == SYSTEM_PROGRAM else 0)
        elif parts[2] == "consumed" and inside:
            units = int(parts[3])
            if depth == 1 and parts[1] == str(program_id):
                total = units
                break
            if depth == 2:
                cpi += units
        elif parts[2] in ("success", "failed:", "failed"):
            depth -= 1
    return total, cpi


def _row(name: str, result, program_id: Pubkey, occurrence: int = 0) -> Row:
    total, cpi = split_compute_units(result.logs(), program_id, occurrence)
    return (name, total, cpi, total - cpi)


def _seeded_keypair(label: str) -> Keypair:
    """Return a keypair derived from `label`, so that runs use the same keys."""
    return Keypair.from_seed(hashlib.sha256(b"kgpu_token cu " + label.encode()).digest())


def _fresh_env() -> kit.TokenEnv:
    """Deploy kgpu_token into a new LiteSVM and initialize it with fixed keys."""
    svm = LiteSVM()
    install_token_2022(svm)
    payer = _seeded_keypair("payer")
    svm.airdrop(payer.pubkey(), 1_000 * 1_000_000_000)

    def deploy(name: str) -> Pubkey:
        return deploy_upgradeable(svm, payer, program_keypair(name), program_elf(name))

    return kit.make_env(svm, payer, deploy, key_seed=b"kgpu_token cu")


def measure_token_cu() -> list[Row]:
    """Run every kgpu_token instruction once and return (instruction, total, CPI, own) rows."""
    env = _fresh_env()
    svm = env.svm
    payer = env.admin
    program_id = kit.PROGRAM_ID
    rows: list[Row] = []
    # `initialize` and `initialize_mint` ran in one transaction inside make_env.
    rows.append(_row("initialize", env.last_result, program_id, 0))
    rows.append(_row("initialize_mint (no token metadata)", env.last_result, program_id, 1))
    rows.append(_measure_initialize_mint_with_metadata())

    rows.append(_row("update_oracle_set", env.send_ok(
        [kit.update_oracle_set_ix(payer.pubkey(), [k.pubkey() for k in env.oracles], env.threshold)]), program_id))
    rows.append(_row("update_params", env.send_ok([kit.update_params_ix(payer.pubkey())]), program_id))

    holder = _seeded_keypair("holder")
    svm.airdrop(holder.pubkey(), 10_000_000_000)
    env.send_ok([kit.create_associated_token_account(payer.pubkey(), holder.pubkey(), kit.mint_address(), kit.TOKEN_2022_PROGRAM_ID)])
    rows.append(_row("set_kyc (new record, thaw)", env.send_ok(
        [kit.set_kyc_ix(env.registry.pubkey(), payer.pubkey(), holder.pubkey(), token_accounts=[kit.ata(holder.pubkey())])],
        [env.registry]), program_id))

    # The common update path: the record exists and the account is already thawed.
    rows.append(_row("set_kyc (existing record, no state change)", env.send_ok(
        [kit.set_kyc_ix(env.registry.pubkey(), payer.pubkey(), holder.pubkey(), level=2,
                        token_accounts=[kit.ata(holder.pubkey())])],
        [env.registry]), program_id))
    rows.append(_row("attest_collateral", _ok(env.attest(10_000_000)), program_id))
    deposit_id = env.next_deposit_id()
    rows.append(_row("mint_deposit",
                     _ok(env.mint(holder.pubkey(), 1_000, deposit_id=deposit_id)), program_id))
    nonce = kit.canonical_nonce(holder.pubkey())
    rows.append(_row("redeem", env.send_ok([kit.redeem_ix(holder.pubkey(), nonce, 100, b"\x01" * 32)], [holder]), program_id))
    rows.append(_row("confirm_redemption", _ok(env.confirm(kit.redemption_address(holder.pubkey(), nonce), b"\x02" * 32)), program_id))
    rows.append(_row("seize", env.send_ok([kit.seize_ix(payer.pubkey(), kit.ata(holder.pubkey()), 10, b"\x03" * 32)]), program_id))

    # A vault owned by a PDA of an approved program; the token program itself plays that program.
    vault_owner, vault_bump = Pubkey.find_program_address([b"vault"], program_id)
    env.send_ok([kit.update_params_ix(payer.pubkey(), approved_programs=[program_id])])
    env.send_ok([kit.create_associated_token_account(payer.pubkey(), vault_owner, kit.mint_address(), kit.TOKEN_2022_PROGRAM_ID)])
    rows.append(_row("thaw_program_account", env.send_ok(
        [kit.thaw_program_account_ix(payer.pubkey(), kit.ata(vault_owner), program_id, [b"vault", bytes([vault_bump])])]),
        program_id))
    return rows


def _measure_initialize_mint_with_metadata() -> Row:
    """Measure `initialize_mint` with a name, symbol and uri, in a LiteSVM of its own."""
    svm = LiteSVM()
    install_token_2022(svm)
    payer = _seeded_keypair("payer")
    svm.airdrop(payer.pubkey(), 1_000 * 1_000_000_000)
    deploy_upgradeable(svm, payer, program_keypair("kgpu_token"), program_elf("kgpu_token"))
    env = kit.TokenEnv(svm=svm, admin=payer, registry=payer, oracles=[payer], deployment_id=bytes(32), threshold=1)
    result = env.send_ok([
        kit.initialize_ix(payer.pubkey(), payer.pubkey(), bytes(32), [payer.pubkey()], 1),
        kit.initialize_mint_ix(payer.pubkey(), name=METADATA_NAME, symbol=METADATA_SYMBOL, uri=METADATA_URI),
    ])
    return _row("initialize_mint (with token metadata)", result, kit.PROGRAM_ID, 1)


# Token metadata of the measured `initialize_mint`: a realistic name, symbol and uri.
METADATA_NAME = "K-GPU KRW Stable Token"
METADATA_SYMBOL = "KGPU"
METADATA_URI = "https://kgpu.example/token/kgpu.json"

# Wallets in the set_kyc spread, derived from fixed seeds.
KYC_SAMPLE_SIZE = 256


@dataclass
class KycSpread:
    """Own CU of set_kyc creating a record and thawing one ATA, over a fixed wallet sample."""

    samples: list[int]
    target: int

    def under_target_share(self) -> float:
        return sum(own < self.target for own in self.samples) / len(self.samples)


def measure_set_kyc_spread(target: int = 3_000, size: int = KYC_SAMPLE_SIZE) -> KycSpread:
    """Run set_kyc (new record, thaw one ATA) for `size` seeded wallets and collect each own CU."""
    env = _fresh_env()
    payer = env.admin
    samples = []
    for index in range(size):
        wallet = _seeded_keypair(f"kyc sample {index}").pubkey()
        env.send_ok([kit.create_associated_token_account(payer.pubkey(), wallet, kit.mint_address(), kit.TOKEN_2022_PROGRAM_ID)])
        result = env.send_ok(
            [kit.set_kyc_ix(env.registry.pubkey(), payer.pubkey(), wallet, token_accounts=[kit.ata(wallet)])], [env.registry])
        samples.append(_row("set_kyc", result, kit.PROGRAM_ID)[3])
    return KycSpread(samples, target)


def render_spread(spread: KycSpread) -> list[str]:
    """Return the printed lines of the set_kyc spread."""
    return [
        f"set_kyc new record with one thaw over {len(spread.samples)} seeded wallets: "
        f"own CU min {min(spread.samples)}, max {max(spread.samples)}; "
        f"under {spread.target}: {spread.under_target_share():.1%}",
    ]


def _ok(result):
    if not hasattr(result, "logs"):
        raise RuntimeError(f"transaction failed: {result.err()}\n" + "\n".join(result.meta().logs()))
    return result


def main() -> None:
    rows = measure_token_cu()
    print(f"{'instruction':44} {'total':>7} {'CPI':>7} {'own':>7}")
    for name, total, cpi, own in rows:
        print(f"{name:44} {total:7d} {cpi:7d} {own:7d}")
    print()
    print("\n".join(render_distribution(measure_set_kyc_distribution())))


if __name__ == "__main__":
    main()

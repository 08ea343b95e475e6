"""The Anchor IDL against the program: discriminators, errors, and anchorpy driving every
instruction and decoding every account and event the program wrote."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from anchorpy import Context, Idl, Program, Provider, Wallet
from solana.rpc.async_api import AsyncClient
from solders.instruction import AccountMeta
from solders.pubkey import Pubkey
from solders.sysvar import INSTRUCTIONS

from kgpu_token_testkit import (
    ERROR_OFFSET,
    ERRORS,
    PROGRAM_ID,
    TOKEN_2022_PROGRAM_ID,
    TokenEnv,
    account_discriminator,
    ata,
    attest_payload,
    canonical_deposit_id,
    canonical_nonce,
    config_address,
    create_associated_token_account,
    deposit_address,
    event_discriminator,
    ix_discriminator,
    kyc_address,
    mint_address,
    mint_payload,
    redemption_address,
)

REPO = Path(__file__).resolve().parents[2]
IDL_PATH = REPO / "programs" / "kgpu_token" / "idl" / "kgpu_token.json"
ERROR_RS = REPO / "programs" / "kgpu_token" / "src" / "error.rs"
SYSTEM_PROGRAM_ID = Pubkey.from_string("11111111111111111111111111111111")


@pytest.fixture(scope="module")
def raw_idl() -> dict:
    return json.loads(IDL_PATH.read_text())


@pytest.fixture
def program(raw_idl) -> Program:
    # The client is never used for requests: instructions go through LiteSVM.
    provider = Provider(AsyncClient("http://127.0.0.1:1"), Wallet.dummy())
    return Program(Idl.from_json(json.dumps(raw_idl)), PROGRAM_ID, provider)


def test_idl_address_and_discriminators(raw_idl):
    assert raw_idl["address"] == str(PROGRAM_ID)
    for ix in raw_idl["instructions"]:
        assert bytes(ix["discriminator"]) == ix_discriminator(ix["name"]), ix["name"]
    for account in raw_idl["accounts"]:
        assert bytes(account["discriminator"]) == account_discriminator(account["name"])
    for event in raw_idl["events"]:
        assert bytes(event["discriminator"]) == event_discriminator(event["name"])


def test_idl_instruction_discriminators_match_rust(raw_idl):
    source = REPO / "programs" / "kgpu_token" / "src" / "instructions"
    for ix in raw_idl["instructions"]:
        text = (source / f"{ix['name']}.rs").read_text()
        declared = re.search(r"pub const DISCRIMINATOR: \[u8; 8\] = \[([0-9, ]+)\];", text).group(1)
        assert [int(b) for b in declared.split(",")] == ix["discriminator"], ix["name"]


def test_idl_errors_match_rust_enum(raw_idl):
    body = ERROR_RS.read_text().split("pub enum TokenError")[1]
    # Implicit discriminants count up from the previous variant, and explicit ones set the code.
    codes = []
    next_code = ERROR_OFFSET
    for name, explicit in re.findall(r"^\s+([A-Z][A-Za-z0-9]*)(?: = (\d+))?,$", body, re.MULTILINE):
        code = ERROR_OFFSET + int(explicit) if explicit else next_code
        codes.append((code, name))
        next_code = code + 1
    assert codes == sorted((code, name) for name, code in ERRORS.items())
    assert [(e["code"], e["name"]) for e in raw_idl["errors"]] == codes


def test_idl_loads_in_anchorpy(program):
    assert sorted(program.instruction.keys()) == sorted(ix.name for ix in program.idl.instructions)
    assert len(program.idl.accounts) == 4
    assert len(program.idl.events) == 12


def _events(program: Program, logs) -> list:
    out = []
    for line in logs:
        if line.startswith("Program data: "):
            out.append(program.coder.events.parse(base64.b64decode(line.split(": ", 1)[1])))
    return out


def test_anchorpy_drives_every_instruction(env: TokenEnv, program: Program):
    admin = env.admin.pubkey()
    seen_events: set[str] = set()

    def run(name, *args, accounts, signers=(), remaining=(), pre=()):
        ix = program.instruction[name](*args, ctx=Context(accounts=accounts, remaining_accounts=list(remaining)))
        result = env.send_ok([*pre, ix], signers)
        for event in _events(program, result.logs()):
            seen_events.add(event.name)
        return result

    oracle_keys = [k.pubkey() for k in env.oracles]
    run("update_oracle_set", oracle_keys, 2, accounts={"config": config_address(), "admin": admin})
    run("update_params", 500, 86_400, False, [list(b"CN"), list(b"RU")], [PROGRAM_ID],
        accounts={"config": config_address(), "admin": admin})

    holder = env.stranger()
    env.send_ok([create_associated_token_account(admin, holder.pubkey(), mint_address(), TOKEN_2022_PROGRAM_ID)])
    run("set_kyc", holder.pubkey(), list(b"KR"), 1, env.now() + 86_400, False,
        accounts={"config": config_address(), "registry_authority": env.registry.pubkey(), "payer": admin,
                  "kyc_record": kyc_address(holder.pubkey()), "mint": mint_address(),
                  "token_program": TOKEN_2022_PROGRAM_ID, "system_program": SYSTEM_PROGRAM_ID},
        signers=[env.registry], remaining=[AccountMeta(ata(holder.pubkey()), False, True)])

    report, custodian = bytes(32), bytes(32)
    payload = attest_payload(1, env.now(), 1_000_000, report, custodian)
    run("attest_collateral", 1, env.now(), 1_000_000, list(report), list(custodian),
        accounts={"config": config_address(), "mint": mint_address(), "instructions_sysvar": INSTRUCTIONS},
        pre=[env.quorum(1, payload)])

    deposit_id = canonical_deposit_id(b"anchorpy deposit")
    run("mint_deposit", list(deposit_id), holder.pubkey(), 500,
        accounts={"config": config_address(), "mint": mint_address(), "destination": ata(holder.pubkey()),
                  "kyc_record": kyc_address(holder.pubkey()), "deposit_record": deposit_address(deposit_id),
                  "payer": admin, "instructions_sysvar": INSTRUCTIONS, "token_program": TOKEN_2022_PROGRAM_ID,
                  "system_program": SYSTEM_PROGRAM_ID},
        pre=[env.quorum(2, mint_payload(deposit_id, holder.pubkey(), 500))])

    nonce = canonical_nonce(holder.pubkey())
    request = redemption_address(holder.pubkey(), nonce)
    run("redeem", nonce, 100, list(bytes(32)),
        accounts={"config": config_address(), "mint": mint_address(), "source": ata(holder.pubkey()),
                  "holder": holder.pubkey(), "redemption": request, "token_program": TOKEN_2022_PROGRAM_ID,
                  "system_program": SYSTEM_PROGRAM_ID},
        signers=[holder])

    reference = bytes([7]) * 32
    run("confirm_redemption", list(reference),
        accounts={"config": config_address(), "redemption": request, "instructions_sysvar": INSTRUCTIONS},
        pre=[env.quorum(3, bytes(request) + reference)])

    run("seize", 50, list(bytes(32)),
        accounts={"config": config_address(), "admin": admin, "source": ata(holder.pubkey()), "mint": mint_address(),
                  "token_program": TOKEN_2022_PROGRAM_ID})

    vault_owner, bump = Pubkey.find_program_address([b"vault"], PROGRAM_ID)
    env.send_ok([create_associated_token_account(admin, vault_owner, mint_address(), TOKEN_2022_PROGRAM_ID)])
    run("thaw_program_account", PROGRAM_ID, [b"vault", bytes([bump])],
        accounts={"config": config_address(), "admin": admin, "vault": ata(vault_owner), "mint": mint_address(),
                  "token_program": TOKEN_2022_PROGRAM_ID})

    assert seen_events == {
        "OracleSetUpdated", "ParamsUpdated", "KycUpdated", "CollateralAttested", "DepositMinted",
        "RedemptionRequested", "RedemptionConfirmed", "Seized", "ProgramAccountThawed",
    }

    # Decode every account type the program wrote.
    config = program.coder.accounts.decode(bytes(env.svm.get_account(config_address()).data))
    assert config.admin == admin
    assert config.total_minted == 500
    assert config.total_burned == 150
    assert list(config.blocked_jurisdictions[0]) == list(b"CN")
    kyc = program.coder.accounts.decode(bytes(env.svm.get_account(kyc_address(holder.pubkey())).data))
    assert kyc.wallet == holder.pubkey()
    assert bytes(kyc.jurisdiction) == b"KR"
    deposit = program.coder.accounts.decode(bytes(env.svm.get_account(deposit_address(deposit_id)).data))
    assert bytes(deposit.deposit_id) == deposit_id
    assert deposit.amount == 500
    redemption = program.coder.accounts.decode(bytes(env.svm.get_account(request).data))
    assert redemption.status == 1
    assert bytes(redemption.payment_reference_hash) == reference


def test_anchorpy_decodes_initialize_and_undercollateralized_events(env: TokenEnv, program: Program):
    names = [e.name for e in _events(program, env.last_result.logs())]
    assert names == ["Initialized", "MintInitialized"]
    holder = env.new_holder()
    env.attest(1_000)
    env.mint(holder.pubkey(), 900)
    result = env.attest(10)
    events = _events(program, result.logs())
    assert [e.name for e in events] == ["CollateralAttested", "Undercollateralized"]
    assert events[1].data.supply == 900
    assert events[1].data.capacity == 9


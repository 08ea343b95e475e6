"""The kgpu_token SDK offline: instruction bytes and account lists against the IDL, account
decoding, PDAs, and the registered error classes."""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path
from typing import Any

import pytest
from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.transaction_status import InstructionErrorCustom, TransactionErrorInstructionError

from kgpu import token
from kgpu.addresses import KGPU_TOKEN_PROGRAM_ID
from kgpu.errors import decode_transaction_error, registered_program_errors
from kgpu.i18n import CATALOGUE
from kgpu.quorum import AttestCollateral, ConfirmRedemption, MintDeposit

IDL_PATH = Path(__file__).resolve().parents[2] / "programs" / "kgpu_token" / "idl" / "kgpu_token.json"
IDL = json.loads(IDL_PATH.read_text())
IDL_INSTRUCTIONS = {entry["name"]: entry for entry in IDL["instructions"]}

ADMIN = Pubkey.from_bytes(hashlib.sha256(b"admin").digest())
REGISTRY = Pubkey.from_bytes(hashlib.sha256(b"registry").digest())
WALLET = Pubkey.from_bytes(hashlib.sha256(b"wallet").digest())
ORACLES = [Pubkey.from_bytes(hashlib.sha256(b"oracle %d" % i).digest()) for i in range(3)]
HASH_A = hashlib.sha256(b"a").digest()
HASH_B = hashlib.sha256(b"b").digest()


def borsh(type_: Any, value: Any) -> bytes:
    """Encode `value` by its IDL type, independently of the SDK builders."""
    if type_ == "pubkey":
        return bytes(value)
    if type_ == "bool":
        return bytes([1 if value else 0])
    if type_ == "string":
        raw = value.encode()
        return struct.pack("<I", len(raw)) + raw
    if type_ == "bytes":
        return struct.pack("<I", len(value)) + bytes(value)
    if type_ in ("u8", "u16", "u64", "i64"):
        return struct.pack({"u8": "<B", "u16": "<H", "u64": "<Q", "i64": "<q"}[type_], value)
    if "array" in type_:
        item, length = type_["array"]
        assert len(value) == length
        return b"".join(borsh(item, element) for element in value)
    if "vec" in type_:
        return struct.pack("<I", len(value)) + b"".join(borsh(type_["vec"], element) for element in value)
    raise AssertionError(f"type {type_} is not used by the kgpu_token IDL")


def idl_data(name: str, args: dict[str, Any]) -> bytes:
    entry = IDL_INSTRUCTIONS[name]
    return bytes(entry["discriminator"]) + b"".join(borsh(arg["type"], args[arg["name"]]) for arg in entry["args"])


CASES: list[tuple[str, Instruction, dict[str, Any]]] = [
    (
        "initialize",
        token.initialize_instruction(
            admin=ADMIN, registry_authority=REGISTRY, deployment_id=HASH_A, haircut_bps=500,
            max_attestation_age=86_400, oracles=ORACLES, threshold=2,
        ),
        {"registry_authority": REGISTRY, "deployment_id": HASH_A, "haircut_bps": 500, "max_attestation_age": 86_400,
         "oracles": ORACLES, "threshold": 2},
    ),
    (
        "initialize_mint",
        token.initialize_mint_instruction(admin=ADMIN, name="K-GPU", symbol="KGPU", uri="https://k"),
        {"name": "K-GPU", "symbol": "KGPU", "uri": "https://k"},
    ),
    (
        "update_oracle_set",
        token.update_oracle_set_instruction(admin=ADMIN, oracles=ORACLES[:2], threshold=1),
        {"oracles": ORACLES[:2], "threshold": 1},
    ),
    (
        "update_params",
        token.update_params_instruction(
            admin=ADMIN, haircut_bps=250, max_attestation_age=-1, mint_paused=True,
            blocked_jurisdictions=[b"KP", b"IR", b"CN"], approved_programs=ORACLES[:1],
        ),
        {"haircut_bps": 250, "max_attestation_age": -1, "mint_paused": True,
         "blocked_jurisdictions": [b"KP", b"IR", b"CN"], "approved_programs": ORACLES[:1]},
    ),
    (
        "set_kyc",
        token.set_kyc_instruction(
            registry_authority=REGISTRY, payer=ADMIN, wallet=WALLET, jurisdiction=b"KR", level=2,
            expires_at=1_800_000_000, revoked=True,
        ),
        {"wallet": WALLET, "jurisdiction": b"KR", "level": 2, "expires_at": 1_800_000_000, "revoked": True},
    ),
    (
        "attest_collateral",
        token.attest_collateral_instruction(AttestCollateral(9, 1_753_056_000, 2**64 - 1, HASH_A, HASH_B)),
        {"sequence": 9, "valuation_time": 1_753_056_000, "collateral_value": 2**64 - 1, "report_hash": HASH_A,
         "custodian_id": HASH_B},
    ),
    (
        "mint_deposit",
        token.mint_deposit_instruction(MintDeposit(HASH_A, WALLET, 1_000_000), payer=ADMIN),
        {"deposit_id": HASH_A, "beneficiary": WALLET, "amount": 1_000_000},
    ),
    (
        "redeem",
        token.redeem_instruction(holder=WALLET, nonce=7, amount=250_000, bank_reference_hash=HASH_B),
        {"nonce": 7, "amount": 250_000, "bank_reference_hash": HASH_B},
    ),
    (
        "confirm_redemption",
        token.confirm_redemption_instruction(ConfirmRedemption(token.redemption_address(WALLET, 7), HASH_A)),
        {"payment_reference_hash": HASH_A},
    ),
    (
        "seize",
        token.seize_instruction(admin=ADMIN, source=WALLET, amount=5, reason_hash=HASH_B),
        {"amount": 5, "reason_hash": HASH_B},
    ),
    (
        "thaw_program_account",
        token.thaw_program_account_instruction(admin=ADMIN, vault=WALLET, owner_program=ORACLES[0], seeds=[b"escrow", b"\x01" * 32, b"\xfe"]),
        {"program_id": ORACLES[0], "seeds": [b"escrow", b"\x01" * 32, b"\xfe"]},
    ),
]  # fmt: skip


def test_every_idl_instruction_has_a_case() -> None:
    assert sorted(name for name, _, _ in CASES) == sorted(IDL_INSTRUCTIONS)


@pytest.mark.parametrize(("name", "instruction", "args"), CASES, ids=[case[0] for case in CASES])
def test_instruction_data_matches_idl(name: str, instruction: Instruction, args: dict[str, Any]) -> None:
    assert instruction.program_id == KGPU_TOKEN_PROGRAM_ID
    assert bytes(instruction.data) == idl_data(name, args)


@pytest.mark.parametrize(("name", "instruction", "args"), CASES, ids=[case[0] for case in CASES])
def test_instruction_accounts_match_idl(name: str, instruction: Instruction, args: dict[str, Any]) -> None:
    expected = IDL_INSTRUCTIONS[name]["accounts"]

    assert len(instruction.accounts) == len(expected)
    for meta, entry in zip(instruction.accounts, expected, strict=True):
        assert meta.is_writable == entry.get("writable", False), entry["name"]
        assert meta.is_signer == entry.get("signer", False), entry["name"]
        if "address" in entry:
            assert str(meta.pubkey) == entry["address"], entry["name"]


def test_instruction_pdas() -> None:
    by_name = {name: instruction for name, instruction, _ in CASES}
    config = token.config_address()
    mint = token.mint_address()

    assert config == Pubkey.find_program_address([b"config"], KGPU_TOKEN_PROGRAM_ID)[0]
    assert [meta.pubkey for meta in by_name["initialize"].accounts[:2]] == [config, ADMIN]
    assert [meta.pubkey for meta in by_name["initialize_mint"].accounts[:3]] == [config, mint, ADMIN]
    config = Pubkey.find_program_address([b"config"], KGPU_TOKEN_PROGRAM_ID)[0]
    assert by_name["set_kyc"].accounts[3].pubkey == Pubkey.create_with_seed(config, bytes(WALLET)[:16].hex(), KGPU_TOKEN_PROGRAM_ID)
    assert by_name["mint_deposit"].accounts[2].pubkey == token.token_account_address(WALLET)
    assert by_name["mint_deposit"].accounts[4].pubkey == Pubkey.find_program_address([b"deposit", HASH_A], KGPU_TOKEN_PROGRAM_ID)[0]
    assert by_name["redeem"].accounts[4].pubkey == Pubkey.find_program_address(
        [b"redemption", bytes(WALLET), struct.pack("<Q", 7)], KGPU_TOKEN_PROGRAM_ID
    )[0]


def test_set_kyc_appends_token_accounts() -> None:
    accounts = [Pubkey.new_unique(), Pubkey.new_unique()]
    instruction = token.set_kyc_instruction(
        registry_authority=REGISTRY, payer=ADMIN, wallet=WALLET, jurisdiction=b"KR", level=1,
        expires_at=0, token_accounts=accounts,
    )  # fmt: skip

    assert [meta.pubkey for meta in instruction.accounts[7:]] == accounts
    assert all(meta.is_writable and not meta.is_signer for meta in instruction.accounts[7:])


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: token.set_kyc_instruction(registry_authority=REGISTRY, payer=ADMIN, wallet=WALLET, jurisdiction=b"KOR", level=1, expires_at=0), "2-letter"),
        (lambda: token.redeem_instruction(holder=WALLET, nonce=1, amount=1, bank_reference_hash=b"short"), "32 bytes"),
        (lambda: token.initialize_mint_instruction(admin=ADMIN, symbol="TOO-LONG-SYMBOL"), "at most 10"),
        (lambda: token.deposit_record_address(b"\x00" * 31), "32 bytes"),
    ],
    ids=["jurisdiction", "hash", "symbol", "deposit_id"],
)  # fmt: skip
def test_builders_reject_bad_input(build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def _config_bytes() -> bytes:
    data = bytearray(753)
    data[:8] = token.account_discriminator("Config")
    data[8:40] = bytes(ADMIN)
    data[40:72] = bytes(REGISTRY)
    data[72:104] = bytes(token.mint_address())
    data[104:106] = b"\xfe\xfd"
    data[106:138] = HASH_A
    struct.pack_into("<Hq?BB", data, 138, 500, 86_400, False, 3, 2)
    for index, oracle in enumerate(ORACLES):
        data[151 + 32 * index : 183 + 32 * index] = bytes(oracle)
    data[471] = 2
    data[472:476] = b"CNRU"
    data[504] = 1
    data[505:537] = bytes(WALLET)
    struct.pack_into("<QqQQ", data, 633, 4, 1_753_056_000, 1_000_000, 950_000)
    data[665:697] = HASH_B
    data[697:729] = HASH_A
    struct.pack_into("<QQQ", data, 729, 77, 600_000, 100_000)
    return bytes(data)


def test_config_decodes_every_field() -> None:
    config = token.Config.from_bytes(_config_bytes())

    assert (config.admin, config.registry_authority, config.mint) == (ADMIN, REGISTRY, token.mint_address())
    assert (config.bump, config.mint_bump, config.deployment_id) == (0xFE, 0xFD, HASH_A)
    assert (config.haircut_bps, config.max_attestation_age, config.mint_paused) == (500, 86_400, False)
    assert config.oracles == tuple(ORACLES)
    assert config.oracle_threshold == 2
    assert config.blocked_jurisdictions == (b"CN", b"RU")
    assert config.approved_programs == (WALLET,)
    assert (config.attestation_sequence, config.valuation_time) == (4, 1_753_056_000)
    assert (config.collateral_value, config.capacity) == (1_000_000, 950_000)
    assert (config.report_hash, config.custodian_id) == (HASH_B, HASH_A)
    assert (config.attested_slot, config.total_minted, config.total_burned) == (77, 600_000, 100_000)


def test_records_decode() -> None:
    kyc = token.account_discriminator("KycRecord") + bytes(WALLET) + b"KR" + struct.pack("<Bq?B", 1, 1_800_000_000, False, 0)
    deposit = token.account_discriminator("DepositRecord") + HASH_A + bytes(WALLET) + struct.pack("<QQB", 5, 99, 253)
    redemption = (
        token.account_discriminator("Redemption") + bytes(WALLET) + struct.pack("<QQ", 3, 40)
        + HASH_A + b"\x01" + HASH_B + struct.pack("<qqB", 1_700_000_000, 1_700_000_100, 252)
    )  # fmt: skip

    assert token.KycRecord.from_bytes(kyc) == token.KycRecord(WALLET, b"KR", 1, 1_800_000_000, False)
    assert token.KycRecord.from_bytes(kyc).is_valid(1_799_999_999)
    assert not token.KycRecord.from_bytes(kyc).is_valid(1_800_000_000)
    assert not token.KycRecord.from_bytes(kyc).is_valid(0, (b"KR",))
    assert token.DepositRecord.from_bytes(deposit) == token.DepositRecord(HASH_A, WALLET, 5, 99, 253)
    assert token.Redemption.from_bytes(redemption) == token.Redemption(
        WALLET, 3, 40, HASH_A, token.RedemptionStatus.PAID, HASH_B, 1_700_000_000, 1_700_000_100, 252
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00" * 753, "discriminator"),
        (token.account_discriminator("Config") + b"\x00" * 10, "753 bytes"),
        (token.account_discriminator("KycRecord") + b"\x00" * 745, "discriminator"),
    ],
    ids=["zeros", "short", "other-type"],
)
def test_config_rejects_other_data(data: bytes, message: str) -> None:
    with pytest.raises(token.AccountDecodeError, match=message):
        token.Config.from_bytes(data)


def test_every_token_error_is_registered() -> None:
    registry = registered_program_errors()

    for entry in IDL["errors"]:
        cls = registry[(KGPU_TOKEN_PROGRAM_ID, entry["code"])]
        assert issubclass(cls, token.KgpuTokenError)
        assert cls.error_name == entry["name"]
        assert cls.key in CATALOGUE, cls.__name__
        assert getattr(token, cls.__name__) is cls
    assert len(IDL["errors"]) == 38


def test_token_error_decodes_in_both_languages() -> None:
    error = TransactionErrorInstructionError(1, InstructionErrorCustom(6013))

    decoded = decode_transaction_error(error, program_ids=[Pubkey.default(), KGPU_TOKEN_PROGRAM_ID])

    assert isinstance(decoded, token.QuorumNotReachedError)
    assert decoded.code == 6013
    assert "instruction 1" in decoded.message("en")
    assert "oracle" in decoded.message("en")
    assert "명령어 1번" in decoded.message("ko")


def test_canonical_deposit_id_has_bump_255() -> None:
    deposit_id = token.canonical_deposit_id("KB-2025-0001")
    assert Pubkey.find_program_address([b"deposit", deposit_id], KGPU_TOKEN_PROGRAM_ID)[1] == 255
    counters = [c for c in range(64) if hashlib.sha256(b"KB-2025-0001" + struct.pack("<I", c)).digest() == deposit_id]
    assert len(counters) == 1
    for earlier in range(counters[0]):
        candidate = hashlib.sha256(b"KB-2025-0001" + struct.pack("<I", earlier)).digest()
        assert Pubkey.find_program_address([b"deposit", candidate], KGPU_TOKEN_PROGRAM_ID)[1] < 255
    assert token.canonical_deposit_id(b"KB-2025-0001") == deposit_id


def test_canonical_redemption_nonce_has_bump_255() -> None:
    nonce = token.canonical_redemption_nonce(WALLET)
    seeds = [b"redemption", bytes(WALLET)]
    assert Pubkey.find_program_address([*seeds, struct.pack("<Q", nonce)], KGPU_TOKEN_PROGRAM_ID)[1] == 255
    for earlier in range(1, nonce):
        assert Pubkey.find_program_address([*seeds, struct.pack("<Q", earlier)], KGPU_TOKEN_PROGRAM_ID)[1] < 255
    assert token.canonical_redemption_nonce(WALLET, nonce + 1) > nonce


def test_canonical_helpers_reject_invalid_input() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        token.canonical_deposit_id("")
    with pytest.raises(ValueError, match="must be a u64"):
        token.canonical_redemption_nonce(WALLET, -1)

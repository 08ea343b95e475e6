"""Quorum message bytes: golden hex, shared vectors, round trips and the Ed25519 precompile layout."""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nacl.signing import SigningKey
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction

from kgpu_oracle.messages import (
    AttestCollateral,
    ConfirmRedemption,
    Kind,
    MessageDecodeError,
    MintDeposit,
    SettleReceipt,
    Slash,
    build_ed25519_instruction,
    custodian_id_from_address,
    decode_message,
    encode_message,
)

VECTORS_PATH = Path(__file__).resolve().parents[1] / "vectors" / "quorum_messages.json"
DEPLOYMENT_ID = hashlib.sha256(b"kgpu test deployment").digest()

TAG_HEX = "4b47505551524d31" + "01"
TOKEN_PROGRAM_HEX = "c984c1c1db498bebf3ddf2b11c61c2f53eca969658ddc372e09a2aaaa7371881"
MARKET_PROGRAM_HEX = "2c3ef42c5f8302eb7c1ed4b3512ffde97845b6c95e3da17efedcfc1a4d083f98"
DEPLOYMENT_HEX = "94554a2abc7798bd6fb38876c930271bbc85174ebebade7fb5e558a85a637cd9"


def test_attest_collateral_golden_hex() -> None:
    payload = AttestCollateral(
        sequence=7,
        valuation_time=1753056000,
        collateral_value=29_857_263_000,
        report_hash=bytes(range(32)),
        custodian_id=custodian_id_from_address("0x00112233445566778899aabbccddeeff00112233"),
    )
    expected = (
        TAG_HEX
        + TOKEN_PROGRAM_HEX
        + DEPLOYMENT_HEX
        + "01"
        + "0700000000000000"
        + "00837d6800000000"
        + "98ada1f306000000"
        + bytes(range(32)).hex()
        + "000000000000000000000000"
        + "00112233445566778899aabbccddeeff00112233"
    )
    assert encode_message(payload, DEPLOYMENT_ID).hex() == expected


def test_settle_receipt_golden_hex() -> None:
    job = Pubkey.from_bytes(hashlib.sha256(b"job").digest())
    usage_hash = hashlib.sha256(b"usage").digest()
    payload = SettleReceipt(job, 3, 7200, 1753056000, 1753059600, 1400, 700, usage_hash)
    expected = (
        TAG_HEX
        + MARKET_PROGRAM_HEX
        + DEPLOYMENT_HEX
        + "10"
        + bytes(job).hex()
        + "0300000000000000"
        + "201c000000000000"
        + "00837d6800000000"
        + "10917d6800000000"
        + "7805000000000000"
        + "bc02000000000000"
        + usage_hash.hex()
    )
    assert encode_message(payload, DEPLOYMENT_ID).hex() == expected


def test_header_constants_match_program_ids() -> None:
    assert Pubkey.from_string("EZeMmdPeDvBmR12mLDJwtXAdX8vsQuzMgFiBW1eRns2Q") == Pubkey.from_bytes(
        bytes.fromhex(TOKEN_PROGRAM_HEX)
    )
    assert Pubkey.from_string("3yich5k68oTJZ3qTWocKJ9sUQFR612Yp8REmcuqQ5vjH") == Pubkey.from_bytes(
        bytes.fromhex(MARKET_PROGRAM_HEX)
    )


def _payload_from_vector(vector: dict) -> object:
    fields = dict(vector["fields"])
    kind = Kind(vector["kind"])
    pubkey_fields = {"beneficiary", "redemption", "job", "provider", "recipient"}
    for name, value in fields.items():
        if name in pubkey_fields:
            fields[name] = Pubkey.from_string(value)
        elif isinstance(value, str):
            fields[name] = bytes.fromhex(value)
    payload_type = {
        Kind.ATTEST_COLLATERAL: AttestCollateral,
        Kind.MINT_DEPOSIT: MintDeposit,
        Kind.CONFIRM_REDEMPTION: ConfirmRedemption,
        Kind.SETTLE_RECEIPT: SettleReceipt,
        Kind.SLASH: Slash,
    }[kind]
    return payload_type(**fields)


def test_shared_vectors_match_encoder() -> None:
    document = json.loads(VECTORS_PATH.read_text())
    deployment_id = bytes.fromhex(document["deployment_id_hex"])
    kinds = set()
    for vector in document["vectors"]:
        payload = _payload_from_vector(vector)
        kinds.add(vector["kind"])
        assert encode_message(payload, deployment_id).hex() == vector["message_hex"], vector["name"]
        assert str(payload.PROGRAM_ID) == vector["program_id"], vector["name"]
    assert kinds == {kind.value for kind in Kind}


def test_shared_vectors_decode_back() -> None:
    document = json.loads(VECTORS_PATH.read_text())
    for vector in document["vectors"]:
        deployment_id, payload = decode_message(bytes.fromhex(vector["message_hex"]))
        assert deployment_id.hex() == document["deployment_id_hex"]
        assert payload == _payload_from_vector(vector)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda m: b"KGPUQRM2" + m[8:], "tag"),
        (lambda m: m[:8] + b"\x02" + m[9:], "version"),
        (lambda m: m[:73] + b"\x09" + m[74:], "kind"),
        (lambda m: m[:-1], "payload"),
        (lambda m: m + b"\x00", "payload"),
        (lambda m: m[:9] + bytes(32) + m[41:], "program"),
    ],
)
def test_decode_rejects_malformed(mutate, reason: str) -> None:
    message = encode_message(MintDeposit(bytes(32), Pubkey.default(), 5), DEPLOYMENT_ID)
    with pytest.raises(MessageDecodeError):
        decode_message(mutate(message))


def test_payload_rejects_out_of_range() -> None:
    with pytest.raises(ValueError, match="amount"):
        MintDeposit(bytes(32), Pubkey.default(), 2**64)
    with pytest.raises(ValueError, match="window_start"):
        SettleReceipt(Pubkey.default(), 1, 1, -(2**63) - 1, 0, 0, 0, bytes(32))
    with pytest.raises(ValueError, match="deposit_id"):
        MintDeposit(bytes(31), Pubkey.default(), 1)


u64 = st.integers(0, 2**64 - 1)
i64 = st.integers(-(2**63), 2**63 - 1)
b32 = st.binary(min_size=32, max_size=32)
pubkeys = b32.map(Pubkey.from_bytes)


@given(
    st.one_of(
        st.builds(AttestCollateral, u64, i64, u64, b32, b32),
        st.builds(MintDeposit, b32, pubkeys, u64),
        st.builds(ConfirmRedemption, pubkeys, b32),
        st.builds(SettleReceipt, pubkeys, u64, u64, i64, i64, u64, u64, b32),
        st.builds(Slash, pubkeys, u64, u64, b32, pubkeys),
    ),
    b32,
)
def test_encode_decode_round_trip(payload, deployment_id: bytes) -> None:
    message = encode_message(payload, deployment_id)
    assert message[73] == payload.KIND
    assert decode_message(message) == (deployment_id, payload)


def _signers(count: int) -> list[SigningKey]:
    return [SigningKey(hashlib.sha256(f"oracle {index}".encode()).digest()) for index in range(count)]


def test_ed25519_instruction_layout() -> None:
    message = encode_message(MintDeposit(bytes(32), Pubkey.default(), 1), DEPLOYMENT_ID)
    keys = _signers(2)
    signed = [(Pubkey.from_bytes(bytes(k.verify_key)), k.sign(message).signature) for k in keys]
    data = bytes(build_ed25519_instruction(message, signed).data)

    assert data[0] == 2
    assert data[1] == 0
    for index, (signer, signature) in enumerate(signed):
        entry = struct.unpack_from("<7H", data, 2 + 14 * index)
        sig_off, sig_ix, key_off, key_ix, msg_off, msg_size, msg_ix = entry
        assert (sig_ix, key_ix, msg_ix) == (0xFFFF, 0xFFFF, 0xFFFF)
        assert data[key_off : key_off + 32] == bytes(signer)
        assert data[sig_off : sig_off + 64] == signature
        assert data[msg_off : msg_off + msg_size] == message


def _run_with_precompile(instruction) -> object:
    svm = LiteSVM()
    payer = Keypair()
    svm.airdrop(payer.pubkey(), 10**9)
    transfer_ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=10**6))
    message = Message.new_with_blockhash([instruction, transfer_ix], payer.pubkey(), svm.latest_blockhash())
    return svm.send_transaction(Transaction([payer], message, svm.latest_blockhash()))


def test_precompile_accepts_instruction() -> None:
    message = encode_message(AttestCollateral(1, 0, 10, bytes(32), bytes(32)), DEPLOYMENT_ID)
    signed = [(Pubkey.from_bytes(bytes(k.verify_key)), k.sign(message).signature) for k in _signers(3)]
    result = _run_with_precompile(build_ed25519_instruction(message, signed))
    assert "Failed" not in type(result).__name__, result


def test_precompile_rejects_bad_signature() -> None:
    message = encode_message(AttestCollateral(1, 0, 10, bytes(32), bytes(32)), DEPLOYMENT_ID)
    keys = _signers(2)
    signed = [(Pubkey.from_bytes(bytes(k.verify_key)), k.sign(message).signature) for k in keys]
    signed[1] = (signed[1][0], signed[0][1])
    result = _run_with_precompile(build_ed25519_instruction(message, signed))
    assert "Failed" in type(result).__name__

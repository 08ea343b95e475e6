"""The attestation outbox: durable states, this operator's signature, and posting to Solana.

States, each change committed with a row in `attestation_events`:

- `verified`: evidence checked and stored, this operator's signature recorded (the `intake` event
  is written in the same transaction, because verification runs within the request);
- `signatures_gathered`: at least `threshold` valid signatures from the oracle set;
- `sent`: a transaction carrying them was submitted. Its bytes, signature and the blockhash's last
  valid block height are stored *before* the submission, so a restart finds it;
- `confirmed`: the cluster reports the transaction confirmed without error;
- `failed`: the cluster executed the transaction and it returned an error.

Fault injection: when the environment variable `KGPU_ORACLE_CRASH_AT` names one of
`CRASH_POINTS`, the process exits with status 86 (`os._exit`, no cleanup) on reaching it.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from typing import Any

from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import Transaction
from spl.token.instructions import create_idempotent_associated_token_account
from sqlalchemy import select
from sqlalchemy.orm import Session

from kgpu.addresses import TOKEN_2022_PROGRAM_ID
from kgpu.errors import decode_transaction_error
from kgpu.token import (
    INSTRUCTIONS_SYSVAR_ID,
    attest_collateral_instruction,
    confirm_redemption_instruction,
    mint_address,
    mint_deposit_instruction,
)

from kgpu_oracle import db
from kgpu_oracle.intake import Accepted
from kgpu_oracle.logs import log_event
from kgpu_oracle.messages import (
    AttestCollateral,
    ConfirmRedemption,
    Kind,
    MintDeposit,
    Payload,
    build_ed25519_instruction,
    decode_message,
    encode_message,
)
from kgpu_oracle.schemas import AttestationView
from kgpu_oracle.state import OracleState

__all__ = [
    "CRASH_POINTS",
    "CRASH_EXIT_STATUS",
    "build_program_instruction",
    "build_transaction",
    "crash_point",
    "create_attestation",
    "describe_transaction_error",
    "record_state",
    "retry_delay",
    "view_attestation",
]

CRASH_EXIT_STATUS = 86
CRASH_POINTS = (
    "after_verified_commit",
    "after_signatures_commit",
    "before_send_record",
    "after_send_record",
    "after_send",
    "after_sent_commit",
    "before_confirm_commit",
)
MAX_RETRY_DELAY_SECONDS = 300


def crash_point(step: str) -> None:
    """Exit the process immediately when `KGPU_ORACLE_CRASH_AT` equals `step`."""
    if os.environ.get("KGPU_ORACLE_CRASH_AT") == step:
        log_event(50, "crash_injected", step=step)
        os._exit(CRASH_EXIT_STATUS)


def retry_delay(attempts: int) -> int:
    """Seconds to wait before attempt `attempts + 1`: 1, 2, 4, … up to 300."""
    return min(2 ** min(attempts, 16), MAX_RETRY_DELAY_SECONDS)


def record_state(session: Session, attestation: db.Attestation, state: str, now: int, detail: str | None = None) -> None:
    """Move `attestation` to `state` and add the event row; the caller commits."""
    attestation.state = state
    attestation.updated_at = now
    session.add(db.AttestationEvent(attestation_id=attestation.id, state=state, at=now, detail=detail))


def create_attestation(state: OracleState, session: Session, accepted: Accepted) -> db.Attestation:
    """Add an outbox row in state `verified` with this operator's signature; the caller commits.

    Evidence that already has an attestation returns that row unchanged.
    """
    existing = session.scalar(select(db.Attestation).where(db.Attestation.evidence_key == accepted.evidence_key))
    if existing is not None:
        return existing
    now = state.now()
    message = encode_message(accepted.payload, state.config.deployment_id)
    attestation = db.Attestation(
        id=uuid.uuid4().hex,
        kind=int(accepted.payload.KIND),
        evidence_key=accepted.evidence_key,
        evidence_json=json.dumps({"kind": accepted.kind, **accepted.evidence}),
        message=message,
        state="intake",
        attempts=0,
        next_attempt_at=0,
        created_at=now,
        updated_at=now,
    )
    session.add(attestation)
    session.add(db.AttestationEvent(attestation_id=attestation.id, state="intake", at=now))
    record_state(session, attestation, "verified", now)
    operator = state.config.operator
    session.add(
        db.SignatureRow(
            attestation_id=attestation.id,
            signer=str(operator.pubkey()),
            signature=bytes(operator.sign_message(message)),
        )
    )
    return attestation


def view_attestation(state: OracleState, session: Session, attestation: db.Attestation) -> AttestationView:
    """Describe an outbox row for `GET /v1/attestations/{id}`."""
    signers = session.scalars(
        select(db.SignatureRow.signer).where(db.SignatureRow.attestation_id == attestation.id)
    ).all()
    events = session.scalars(
        select(db.AttestationEvent)
        .where(db.AttestationEvent.attestation_id == attestation.id)
        .order_by(db.AttestationEvent.id)
    ).all()
    return AttestationView(
        id=attestation.id,
        kind=attestation.kind,
        state=attestation.state,
        evidence_key=attestation.evidence_key,
        message_hex=attestation.message.hex(),
        signers=sorted(signers),
        threshold=state.config.threshold,
        attempts=attestation.attempts,
        last_error=attestation.last_error,
        tx_signature=attestation.tx_signature,
        history=[{"state": event.state, "at": event.at, "detail": event.detail} for event in events],
    )


_MARKET_INSTRUCTION_NAMES = {
    Kind.SETTLE_RECEIPT: "settle_receipt",
    Kind.SLASH: "slash",
}


def build_program_instruction(payload: Payload, payer: Pubkey) -> Instruction:
    """Build the `kgpu_token` or `kgpu_market` instruction that consumes the quorum signatures.

    Kinds 1 to 3 use the `kgpu.token` builders, so the instruction is the one the deployed
    `kgpu_token` program decodes. `payer` pays the rent of a new deposit record (kind 2). The
    beneficiary's K-GPU token account is the destination of a mint.

    NOTE: kinds 16 and 17 get a placeholder here: an Anchor-style instruction
    (sha256("global:<name>")[:8], then the payload bytes) with only the payer and the
    instructions sysvar as accounts, which the market program rejects. The worker builds the
    real ones with `kgpu_oracle.market_posting` and passes them to `build_transaction`.
    """
    if isinstance(payload, AttestCollateral):
        return attest_collateral_instruction(payload)
    if isinstance(payload, MintDeposit):
        return mint_deposit_instruction(payload, payer=payer)
    if isinstance(payload, ConfirmRedemption):
        return confirm_redemption_instruction(payload)
    name = _MARKET_INSTRUCTION_NAMES[payload.KIND]
    discriminator = hashlib.sha256(f"global:{name}".encode()).digest()[:8]
    accounts = [
        AccountMeta(payer, is_signer=True, is_writable=True),
        AccountMeta(INSTRUCTIONS_SYSVAR_ID, is_signer=False, is_writable=False),
    ]
    return Instruction(payload.PROGRAM_ID, discriminator + payload.encode(), accounts)


def build_transaction(
    message: bytes,
    signatures: list[tuple[Pubkey, bytes]],
    payer: Keypair,
    blockhash: Hash,
    *,
    program_instruction: Instruction | None = None,
) -> Transaction:
    """Build and sign the transaction: the Ed25519 precompile instruction, then the program's.

    `program_instruction` replaces the instruction of `build_program_instruction`. The worker
    passes the `kgpu_market` instruction of kinds 16 and 17 from `kgpu_oracle.market_posting`,
    because building it needs a read of the job account.

    A mint (kind 2) first creates the beneficiary's K-GPU token account when it does not exist
    (idempotent), so a deposit needs only the beneficiary's KYC record. The new account starts
    frozen, and `mint_deposit` thaws it after its KYC check.
    """
    _, payload = decode_message(message)
    instructions = []
    if isinstance(payload, MintDeposit):
        instructions.append(
            create_idempotent_associated_token_account(
                payer.pubkey(), payload.beneficiary, mint_address(), TOKEN_2022_PROGRAM_ID
            )
        )
    instructions += [
        build_ed25519_instruction(message, signatures),
        program_instruction or build_program_instruction(payload, payer.pubkey()),
    ]
    transaction_message = Message.new_with_blockhash(instructions, payer.pubkey(), blockhash)
    return Transaction([payer], transaction_message, blockhash)


def signatures_for(session: Session, attestation: db.Attestation, oracle_set: frozenset[Pubkey]) -> list[tuple[Pubkey, bytes]]:
    """Return the stored signatures of keys in `oracle_set`, sorted by key."""
    rows = session.scalars(select(db.SignatureRow).where(db.SignatureRow.attestation_id == attestation.id)).all()
    pairs = [(Pubkey.from_string(row.signer), row.signature) for row in rows]
    return sorted((pair for pair in pairs if pair[0] in oracle_set), key=lambda pair: bytes(pair[0]))


def parse_signature(value: str | None) -> Signature | None:
    """Parse a stored base58 transaction signature."""
    return Signature.from_string(value) if value else None


def describe(error: BaseException) -> str:
    """Return a one-line description of `error` for logs and `last_error`."""
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:500]


def describe_transaction_error(error: Any, transaction_bytes: bytes | None) -> str:
    """Name a landed transaction's error with the SDK's class and English message.

    The program ids in `transaction_bytes` (the stored transaction) identify the program that
    returned a custom error code. Without them the code is reported as an unknown program's.
    """
    program_ids: list[Pubkey] = []
    if transaction_bytes:
        message = Transaction.from_bytes(transaction_bytes).message
        program_ids = [message.account_keys[instruction.program_id_index] for instruction in message.instructions]
    decoded = decode_transaction_error(error, program_ids=program_ids)
    return f"{type(decoded).__name__}: {decoded.message('en')}"[:500]


def log_fields(attestation: db.Attestation) -> dict[str, Any]:
    """Ids that every outbox log line carries."""
    return {"attestation": attestation.id, "kind": attestation.kind, "state": attestation.state}

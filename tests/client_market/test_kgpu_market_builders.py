"""kgpu.market offline: every instruction byte for byte against anchorpy and the IDL, the PDAs,
the parameter checks and the quorum messages of kinds 16 and 17."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import market_testkit as kit
import pytest
from nacl.signing import VerifyKey
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from kgpu import market
from kgpu.quorum import ED25519_PROGRAM_ID, Kind, SettleReceipt, Slash, decode_message

ADMIN = Pubkey.new_unique()
AUTHORITY = Pubkey.new_unique()
NODE_KEY = Pubkey.new_unique()
REGISTRY = Pubkey.new_unique()
RENTER = Pubkey.new_unique()
CALLER = Pubkey.new_unique()
OTHER_ACCOUNT = Pubkey.new_unique()
JOB_NONCE = market.find_job_nonce(RENTER, 7)
JOB = kit.job_address(RENTER, JOB_NONCE)
PROVIDER = kit.provider_address(AUTHORITY)
USAGE_HASH = hashlib.sha256(b"usage").digest()
EVIDENCE_HASH = hashlib.sha256(b"evidence").digest()
DEPLOYMENT_ID = hashlib.sha256(b"deployment").digest()

PARAMS = market.MarketParams(
    fee_bps=250, min_stake_per_gpu=1_000_000, unbonding_period=604_800, grid_gco2_per_kwh=436,
    blocked_jurisdictions=(b"CN", b"RU", b"KP"),
)  # fmt: skip
KIT_PARAMS = {"fee_bps": 250, "min_stake_per_gpu": 1_000_000, "unbonding_period": 604_800, "grid_gco2_per_kwh": 436, "blocked": [b"CN", b"RU", b"KP"]}
SETTLE = SettleReceipt(JOB, 3, 7_200, 1_000, 4_600, 2_000, 1_500, USAGE_HASH)
KIT_SETTLE = kit.UsageReceipt(JOB, 3, 7_200, 1_000, 4_600, 2_000, 1_500, USAGE_HASH)
SLASH = Slash(PROVIDER, 1, 500_000, EVIDENCE_HASH, OTHER_ACCOUNT)
KIT_SLASH = kit.Slash(PROVIDER, 1, 500_000, OTHER_ACCOUNT, EVIDENCE_HASH)

# (case id, kgpu.market builder, the testkit's anchorpy builder from the IDL)
CASES: list[tuple[str, Callable[[], Instruction], Callable[[], Instruction]]] = [
    ("initialize_market",
     lambda: market.initialize_market_instruction(admin=ADMIN, params=PARAMS),
     lambda: kit.initialize_market_ix(ADMIN, **KIT_PARAMS)),
    ("initialize_market_no_blocked",
     lambda: market.initialize_market_instruction(admin=ADMIN, params=market.MarketParams(0, 0, 0, 0, ())),
     lambda: kit.initialize_market_ix(ADMIN, fee_bps=0, min_stake_per_gpu=0, unbonding_period=0, grid_gco2_per_kwh=0, blocked=[])),
    ("initialize_carbon_mint",
     lambda: market.initialize_carbon_mint_instruction(admin=ADMIN),
     lambda: kit.initialize_carbon_mint_ix(ADMIN)),
    *[
        (f"initialize_vault_{kind.name.lower()}",
         lambda kind=kind: market.initialize_vault_instruction(admin=ADMIN, kind=kind),
         lambda kind=kind: kit.initialize_vault_ix(ADMIN, int(kind)))
        for kind in market.VaultKind
    ],
    ("update_market_params",
     lambda: market.update_market_params_instruction(admin=ADMIN, params=PARAMS),
     lambda: kit.update_market_params_ix(ADMIN, **KIT_PARAMS)),
    ("register_provider",
     lambda: market.register_provider_instruction(authority=AUTHORITY, node_key=NODE_KEY, gpu_model="NVIDIA H100 80GB", gpu_count=8, region=b"KR", energy_source=market.EnergySource.SOLAR),
     lambda: kit.register_provider_ix(AUTHORITY, NODE_KEY, gpu_model=b"NVIDIA H100 80GB", gpu_count=8, region=b"KR", energy_source=1)),
    ("approve_provider",
     lambda: market.approve_provider_instruction(registry_authority=REGISTRY, provider=PROVIDER),
     lambda: kit.approve_provider_ix(REGISTRY, PROVIDER, True)),
    ("approve_provider_revoke",
     lambda: market.approve_provider_instruction(registry_authority=REGISTRY, provider=PROVIDER, approved=False),
     lambda: kit.approve_provider_ix(REGISTRY, PROVIDER, False)),
    ("stake",
     lambda: market.stake_instruction(authority=AUTHORITY, amount=2**64 - 1),
     lambda: kit.stake_ix(AUTHORITY, 2**64 - 1)),
    ("stake_from_other_account",
     lambda: market.stake_instruction(authority=AUTHORITY, amount=5, source=OTHER_ACCOUNT),
     lambda: kit.stake_ix(AUTHORITY, 5, source=OTHER_ACCOUNT)),
    ("request_unstake",
     lambda: market.request_unstake_instruction(authority=AUTHORITY, amount=123_456),
     lambda: kit.request_unstake_ix(AUTHORITY, 123_456)),
    ("withdraw_unstaked",
     lambda: market.withdraw_unstaked_instruction(authority=AUTHORITY),
     lambda: kit.withdraw_unstaked_ix(AUTHORITY)),
    ("claim_rewards",
     lambda: market.claim_rewards_instruction(authority=AUTHORITY, destination=OTHER_ACCOUNT),
     lambda: kit.claim_rewards_ix(AUTHORITY, destination=OTHER_ACCOUNT)),
    ("sweep_fees",
     lambda: market.sweep_fees_instruction(),
     lambda: kit.sweep_fees_ix()),
    ("open_job",
     lambda: market.open_job_instruction(renter=RENTER, provider=PROVIDER, nonce=JOB_NONCE, price_per_gpu_hour=3_000, budget=100_000, end_time=1_800_000_000),
     lambda: kit.open_job_ix(RENTER, PROVIDER, JOB_NONCE, 3_000, 100_000, 1_800_000_000)),
    ("close_job",
     lambda: market.close_job_instruction(caller=CALLER, job=JOB, renter=RENTER, provider=PROVIDER),
     lambda: kit.close_job_ix(CALLER, JOB, RENTER, PROVIDER)),
    ("claim_refund",
     lambda: market.claim_refund_instruction(job=JOB, renter=RENTER),
     lambda: kit.claim_refund_ix(JOB, RENTER)),
    ("settle_receipt",
     lambda: market.settle_receipt_instruction(SETTLE, payer=ADMIN, provider=PROVIDER, provider_authority=AUTHORITY),
     lambda: kit.settle_receipt_ix(ADMIN, KIT_SETTLE, PROVIDER, AUTHORITY)),
    ("settle_receipt_other_bump",
     lambda: market.settle_receipt_instruction(SETTLE, payer=ADMIN, provider=PROVIDER, provider_authority=AUTHORITY, receipt_bump=17),
     lambda: kit.settle_receipt_ix(ADMIN, KIT_SETTLE, PROVIDER, AUTHORITY, receipt_bump=17)),
    ("slash",
     lambda: market.slash_instruction(SLASH),
     lambda: kit.slash_ix(KIT_SLASH)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "build", "build_with_anchorpy"), CASES, ids=[case[0] for case in CASES])
def test_instruction_matches_anchorpy(name: str, build: Callable[[], Instruction], build_with_anchorpy: Callable[[], Instruction]) -> None:
    ours = build()
    expected = build_with_anchorpy()

    assert ours.program_id == kit.PROGRAM_ID
    assert bytes(ours.data) == bytes(expected.data)
    assert list(ours.accounts) == list(expected.accounts)
    assert bytes(ours) == bytes(expected)


def test_every_idl_instruction_has_a_case() -> None:
    covered = {bytes(build().data)[:8] for _name, build, _kit in CASES}
    idl = {bytes(entry["discriminator"]) for entry in kit.IDL_JSON["instructions"]}

    assert covered == idl


def test_pdas_match_program_seeds() -> None:
    assert market.market_address() == kit.MARKET
    assert market.find_authority_address() == (kit.AUTHORITY, kit.AUTHORITY_BUMP)
    assert market.carbon_mint_address() == kit.CARBON_MINT
    assert [
        market.stake_vault_address(), market.reward_vault_address(),
        market.insurance_vault_address(), market.escrow_vault_address(),
    ] == kit.VAULTS  # fmt: skip
    assert market.provider_address(AUTHORITY) == PROVIDER
    assert market.job_address(RENTER, JOB_NONCE) == JOB
    assert market.find_receipt_address(JOB, 3) == kit.receipt_address(JOB, 3)
    assert market.carbon_token_account(AUTHORITY) == kit.carbon_account(AUTHORITY)


def test_pda_rejects_negative_nonce() -> None:
    with pytest.raises(ValueError, match="nonce must be an integer in 0..2\\^64-1, got -1"):
        market.job_address(RENTER, -1)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"fee_bps": 10_001}, "fee_bps must be 0 to 10,000"),
        ({"unbonding_period": -1}, "unbonding_period must be 0 to"),
        ({"min_stake_per_gpu": 2**64}, "min_stake_per_gpu must be an integer"),
        ({"grid_gco2_per_kwh": 2**32}, "grid_gco2_per_kwh must be a u32"),
        ({"blocked_jurisdictions": (b"kr",)}, "upper-case ISO 3166-1"),
        ({"blocked_jurisdictions": (b"KOR",)}, "upper-case ISO 3166-1"),
        ({"blocked_jurisdictions": tuple(bytes([65, 65 + i]) for i in range(17))}, "at most 16 blocked"),
    ],
    ids=["fee", "unbonding", "min_stake", "grid", "lower_case", "three_letters", "seventeen"],
)
def test_market_params_rejects(changes: dict, message: str) -> None:
    values = {"fee_bps": 250, "min_stake_per_gpu": 1, "unbonding_period": 0, "grid_gco2_per_kwh": 436, "blocked_jurisdictions": ()}
    values.update(changes)

    with pytest.raises(ValueError, match=message):
        market.MarketParams(**values)


def test_market_params_accepts_list() -> None:
    params = market.MarketParams(250, 1, 0, 436, [b"CN"])  # type: ignore[arg-type]

    assert params.blocked_jurisdictions == (b"CN",)
    assert params.encode()[22:] == b"\x01\x00\x00\x00CN"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"gpu_count": 0}, "gpu_count must be 1 to 4096"),
        ({"gpu_count": 4097}, "gpu_count must be 1 to 4096"),
        ({"energy_source": 6}, "energy_source must be 0"),
        ({"region": b"kr"}, "region must be a 2-letter"),
        ({"gpu_model": "x" * 33}, "gpu_model may have at most 32"),
    ],
    ids=["no_gpus", "too_many_gpus", "energy_source", "region", "model"],
)
def test_register_provider_rejects(arguments: dict, message: str) -> None:
    values = {"authority": AUTHORITY, "node_key": NODE_KEY, "gpu_model": "A100", "gpu_count": 1, "region": b"KR", "energy_source": 0}
    values.update(arguments)

    with pytest.raises(ValueError, match=message):
        market.register_provider_instruction(**values)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: market.stake_instruction(authority=AUTHORITY, amount=0), "amount must be above zero"),
        (lambda: market.request_unstake_instruction(authority=AUTHORITY, amount=2**64), "amount must be above zero"),
        (lambda: market.open_job_instruction(renter=RENTER, provider=PROVIDER, nonce=JOB_NONCE, price_per_gpu_hour=0, budget=1, end_time=1), "price_per_gpu_hour"),
        (lambda: market.open_job_instruction(renter=RENTER, provider=PROVIDER, nonce=JOB_NONCE, price_per_gpu_hour=1, budget=0, end_time=1), "budget"),
        (lambda: market.open_job_instruction(renter=RENTER, provider=PROVIDER, nonce=JOB_NONCE, price_per_gpu_hour=1, budget=1, end_time=0), "end_time"),
        (lambda: market.settle_receipt_instruction(SETTLE, payer=ADMIN, provider=PROVIDER, provider_authority=AUTHORITY, receipt_bump=256), "receipt_bump"),
    ],
    ids=["zero_stake", "unstake_overflow", "zero_price", "zero_budget", "zero_end_time", "bump"],
)
def test_builders_reject_out_of_range(build: Callable[[], Instruction], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_settle_payload_matches_program_layout() -> None:
    assert SETTLE.encode() == KIT_SETTLE.payload()
    assert len(SETTLE.encode()) == 112


def test_slash_payload_matches_program_layout() -> None:
    assert SLASH.encode() == KIT_SLASH.payload()
    assert len(SLASH.encode()) == 112


@pytest.mark.parametrize(("payload", "kind", "kit_payload"), [(SETTLE, 16, KIT_SETTLE), (SLASH, 17, KIT_SLASH)], ids=["settle_receipt", "slash"])
def test_quorum_message_matches_program(payload, kind: int, kit_payload) -> None:
    message = market.market_quorum_message(payload, DEPLOYMENT_ID)

    assert message == kit.market_message(DEPLOYMENT_ID, kind, kit_payload.payload())
    assert decode_message(message) == (DEPLOYMENT_ID, payload)
    assert payload.KIND == Kind(kind)


def test_quorum_message_for_other_program_id() -> None:
    other = Pubkey.new_unique()

    message = market.market_quorum_message(SETTLE, DEPLOYMENT_ID, program_id=other)

    assert message == kit.market_message(DEPLOYMENT_ID, 16, SETTLE.encode(), program_id=other)


def test_quorum_instruction_carries_valid_signatures() -> None:
    oracles = [Keypair() for _ in range(2)]
    gathered = Keypair()
    message = market.market_quorum_message(SLASH, DEPLOYMENT_ID)

    instruction = market.market_quorum_instruction(
        SLASH, DEPLOYMENT_ID, signers=oracles, signatures=[(gathered.pubkey(), bytes(gathered.sign_message(message)))]
    )

    assert instruction.program_id == ED25519_PROGRAM_ID
    data = bytes(instruction.data)
    assert data[0] == 3
    assert data.endswith(message)
    for index, oracle in enumerate([*oracles, gathered]):
        key_offset = 2 + 14 * 3 + 96 * index
        assert data[key_offset : key_offset + 32] == bytes(oracle.pubkey())
        VerifyKey(data[key_offset : key_offset + 32]).verify(message, data[key_offset + 32 : key_offset + 96])


def test_quorum_instruction_needs_a_signature() -> None:
    with pytest.raises(ValueError, match="needs oracle signers or signatures"):
        market.market_quorum_instruction(SETTLE, DEPLOYMENT_ID)


def test_find_job_nonce_returns_bump_255() -> None:
    nonce = market.find_job_nonce(RENTER, 1)

    assert nonce >= 1
    assert market.job_bump(RENTER, nonce) == market.JOB_BUMP == 255
    assert all(market.job_bump(RENTER, skipped) != 255 for skipped in range(1, nonce))


def test_open_job_rejects_nonce_below_bump_255() -> None:
    nonce = next(n for n in range(1, 1_000) if market.job_bump(RENTER, n) != 255)

    with pytest.raises(ValueError, match=f"nonce {nonce} gives a job PDA with bump .*find_job_nonce"):
        market.open_job_instruction(renter=RENTER, provider=PROVIDER, nonce=nonce, price_per_gpu_hour=1, budget=1, end_time=1)


def test_setup_market_instructions_order() -> None:
    instructions = market.setup_market_instructions(admin=ADMIN, params=PARAMS)
    expected = [
        kit.initialize_market_ix(ADMIN, **KIT_PARAMS),
        kit.initialize_carbon_mint_ix(ADMIN),
        *(kit.initialize_vault_ix(ADMIN, kind) for kind in range(4)),
    ]

    assert [bytes(ix) for ix in instructions] == [bytes(ix) for ix in expected]

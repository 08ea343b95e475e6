"""`attest_collateral` and the quorum check shared by every oracle-driven instruction."""

from __future__ import annotations

import struct

from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.transaction_metadata import TransactionMetadata

from kgpu_token_testkit import (
    NOW,
    PROGRAM_ID,
    TokenEnv,
    assert_fails,
    attest_collateral_ix,
    attest_payload,
    config_address,
    ed25519_instruction,
    event_discriminator,
    ix_discriminator,
    load_vectors,
    mint_address,
    program_data_events,
    quorum_message,
    snapshot,
)

REPORT = bytes(range(32))
CUSTODIAN = b"\x00" * 12 + bytes.fromhex("112233445566778899aabbccddeeff0011223344")


def payload(sequence=1, valuation_time=NOW - 60, value=10_000_000):
    return attest_payload(sequence, valuation_time, value, REPORT, CUSTODIAN)


def test_attest_records_collateral(env: TokenEnv):
    result = env.send_ok([env.quorum(1, payload()), attest_collateral_ix(payload())])
    config = env.config()
    assert config.sequence == 1
    assert config.valuation_time == NOW - 60
    assert config.collateral_value == 10_000_000
    assert config.capacity == 9_500_000  # 5% haircut
    assert config.report_hash == REPORT
    assert config.custodian_id == CUSTODIAN
    assert config.attested_slot == env.svm.get_clock().slot
    events = program_data_events(result.logs())
    assert len(events) == 1
    assert events[0][:8] == event_discriminator("CollateralAttested")
    assert struct.unpack_from("<QqQQQ", events[0], 8) == (1, NOW - 60, 10_000_000, 9_500_000, 0)


def test_attest_golden_vector(env: TokenEnv):
    """The program accepts signatures over the exact bytes of the shared vector."""
    vector = next(v for v in load_vectors()["vectors"] if v["name"] == "attest_collateral")
    fields = vector["fields"]
    data = attest_payload(fields["sequence"], fields["valuation_time"], fields["collateral_value"],
                          bytes.fromhex(fields["report_hash"]), bytes.fromhex(fields["custodian_id"]))
    message = bytes.fromhex(vector["message_hex"])
    assert quorum_message(env.deployment_id, 1, data) == message
    env.send_ok([ed25519_instruction(env.oracles[:2], message), attest_collateral_ix(data)])
    assert env.config().sequence == fields["sequence"]


def test_attest_all_vectors_match_builder(env: TokenEnv):
    for vector in load_vectors()["vectors"]:
        if vector["program_id"] != str(PROGRAM_ID):
            continue
        fields = vector["fields"]
        if vector["kind"] == 1:
            data = attest_payload(fields["sequence"], fields["valuation_time"], fields["collateral_value"],
                                  bytes.fromhex(fields["report_hash"]), bytes.fromhex(fields["custodian_id"]))
        elif vector["kind"] == 2:
            data = bytes.fromhex(fields["deposit_id"]) + bytes(Pubkey.from_string(fields["beneficiary"])) + struct.pack("<Q", fields["amount"])
        else:
            data = bytes(Pubkey.from_string(fields["redemption"])) + bytes.fromhex(fields["payment_reference_hash"])
        assert quorum_message(env.deployment_id, vector["kind"], data).hex() == vector["message_hex"], vector["name"]


def test_attest_below_supply_emits_undercollateralized(env: TokenEnv):
    holder = env.new_holder()
    env.attest(1_000_000)
    assert isinstance(env.mint(holder.pubkey(), 900_000), TransactionMetadata)
    result = env.attest(500_000)
    events = program_data_events(result.logs())
    assert [e[:8] for e in events] == [event_discriminator("CollateralAttested"), event_discriminator("Undercollateralized")]
    assert struct.unpack_from("<QQQ", events[1], 8) == (2, 475_000, 900_000)
    assert env.config().capacity == 475_000


def _watched():
    return [config_address(), mint_address()]


def test_attest_stale_sequence_fails(env: TokenEnv):
    env.send_ok([env.quorum(1, payload(sequence=5)), attest_collateral_ix(payload(sequence=5))])
    for sequence in (5, 4):
        before = snapshot(env.svm, _watched())
        result = env.send([env.quorum(1, payload(sequence=sequence)), attest_collateral_ix(payload(sequence=sequence))])
        assert_fails(env, result, "StaleSequence", _watched(), before)


def test_attest_future_valuation_fails(env: TokenEnv):
    before = snapshot(env.svm, _watched())
    data = payload(valuation_time=NOW + 1)
    assert_fails(env, env.send([env.quorum(1, data), attest_collateral_ix(data)]), "FutureValuation", _watched(), before)


def test_quorum_one_signature_fails(env: TokenEnv):
    before = snapshot(env.svm, _watched())
    result = env.send([env.quorum(1, payload(), env.oracles[:1]), attest_collateral_ix(payload())])
    assert_fails(env, result, "QuorumNotReached", _watched(), before)


def test_quorum_same_key_twice_counts_once(env: TokenEnv):
    before = snapshot(env.svm, _watched())
    twice = [env.oracles[0], env.oracles[0]]
    result = env.send([env.quorum(1, payload(), twice), attest_collateral_ix(payload())])
    assert_fails(env, result, "QuorumNotReached", _watched(), before)


def test_quorum_same_key_in_two_instructions_counts_once(env: TokenEnv):
    before = snapshot(env.svm, _watched())
    first = env.quorum(1, payload(), env.oracles[:1])
    second = env.quorum(1, payload(), env.oracles[:1])
    result = env.send([first, second, attest_collateral_ix(payload())])
    assert_fails(env, result, "QuorumNotReached", _watched(), before)


def test_quorum_signatures_split_over_two_instructions(env: TokenEnv):
    first = env.quorum(1, payload(), env.oracles[:1])
    second = env.quorum(1, payload(), env.oracles[1:2])
    env.send_ok([first, second, attest_collateral_ix(payload())])
    assert env.config().sequence == 1


def test_quorum_outsider_key_fails(env: TokenEnv):
    before = snapshot(env.svm, _watched())
    signers = [env.oracles[0], Keypair()]
    result = env.send([env.quorum(1, payload(), signers), attest_collateral_ix(payload())])
    assert_fails(env, result, "QuorumNotReached", _watched(), before)


def test_quorum_other_message_fails(env: TokenEnv):
    """Signatures over a different collateral value do not authorise this one."""
    before = snapshot(env.svm, _watched())
    result = env.send([env.quorum(1, payload(value=99)), attest_collateral_ix(payload())])
    assert_fails(env, result, "QuorumNotReached", _watched(), before)


def test_quorum_replay_across_kinds_fails(env: TokenEnv):
    """The same payload bytes signed under another kind byte are rejected."""
    before = snapshot(env.svm, _watched())
    result = env.send([env.quorum(2, payload()), attest_collateral_ix(payload())])
    assert_fails(env, result, "QuorumNotReached", _watched(), before)


def test_quorum_replay_across_deployments_fails(env: TokenEnv):
    before = snapshot(env.svm, _watched())
    message = quorum_message(b"\x00" * 32, 1, payload())
    result = env.send([ed25519_instruction(env.oracles[:2], message), attest_collateral_ix(payload())])
    assert_fails(env, result, "QuorumNotReached", _watched(), before)


def test_quorum_fake_instructions_sysvar_fails(env: TokenEnv):
    before = snapshot(env.svm, _watched())
    fake = Pubkey.new_unique()
    ix = attest_collateral_ix(payload())
    accounts = [AccountMeta(config_address(), False, True), AccountMeta(mint_address(), False, False), AccountMeta(fake, False, False)]
    result = env.send([env.quorum(1, payload()), Instruction(PROGRAM_ID, bytes(ix.data), accounts)])
    assert_fails(env, result, "InvalidAddress", _watched(), before)


def test_quorum_entry_pointing_elsewhere_fails(env: TokenEnv):
    """An entry whose message lives in another instruction is rejected, not skipped."""
    before = snapshot(env.svm, _watched())
    data = payload()
    message = quorum_message(env.deployment_id, 1, data)
    # Index 1 is the program instruction. The precompile verifies the signatures against that
    # instruction's data, so the oracles sign that data to get past the precompile.
    target = attest_collateral_ix(data)
    signers = env.oracles[:2]
    count = len(signers)
    header = 2 + 14 * count
    blobs = b"".join(bytes(k.pubkey()) + bytes(k.sign_message(bytes(target.data))) for k in signers)
    entries = b"".join(
        struct.pack("<HHHHHHH", header + 96 * i + 32, 0xFFFF, header + 96 * i, 0xFFFF, 0, len(target.data), 1)
        for i in range(count)
    )
    pointing = Instruction(ed25519_instruction(signers, message).program_id, bytes([count, 0]) + entries + blobs, [])
    result = env.send([pointing, target])
    assert_fails(env, result, "InvalidEd25519Instruction", _watched(), before)


def test_quorum_threshold_follows_oracle_rotation(env: TokenEnv):
    from kgpu_token_testkit import update_oracle_set_ix

    new_oracles = [Keypair() for _ in range(2)]
    env.send_ok([update_oracle_set_ix(env.admin.pubkey(), [k.pubkey() for k in new_oracles], 2)])
    before = snapshot(env.svm, _watched())
    result = env.send([env.quorum(1, payload()), attest_collateral_ix(payload())])
    assert_fails(env, result, "QuorumNotReached", _watched(), before)
    env.send_ok([env.quorum(1, payload(), new_oracles), attest_collateral_ix(payload())])


def test_attest_wrong_discriminator_fails(env: TokenEnv):
    before = snapshot(env.svm, _watched())
    ix = attest_collateral_ix(payload())
    bad = Instruction(PROGRAM_ID, ix_discriminator("attest") + payload(), ix.accounts)
    assert_fails(env, env.send([env.quorum(1, payload()), bad]), "InvalidInstructionData", _watched(), before)



def test_failure_logs_error_name(env: TokenEnv):
    result = env.send([env.quorum(1, payload(), env.oracles[:1]), attest_collateral_ix(payload())])
    assert "Program log: QuorumNotReached" in result.meta().logs()

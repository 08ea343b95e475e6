"""The kgpu_market IDL against the program: anchorpy loads it, and its discriminators, account
layouts, event layouts and error codes match what the deployed program reads and writes."""

from __future__ import annotations

import hashlib
import re

from anchorpy import EventParser

from market_testkit import (
    CODER,
    ESCROW_VAULT,
    IDL,
    IDL_JSON,
    INSURANCE_VAULT,
    MARKET,
    PROGRAM_ID,
    REPO,
    Slash,
    UsageReceipt,
    approve_provider_ix,
    claim_refund_ix,
    claim_rewards_ix,
    close_job_ix,
    receipt_address,
    register_provider_ix,
    request_unstake_ix,
    stake_ix,
    update_market_params_ix,
    withdraw_unstaked_ix,
)

SOURCE = REPO / "programs" / "kgpu_market" / "src"

# Borsh sizes of the IDL's primitive types.
PRIMITIVE_SIZES = {"bool": 1, "u8": 1, "u16": 2, "u32": 4, "u64": 8, "i64": 8, "pubkey": 32}


def borsh_size(idl_type) -> int:
    if isinstance(idl_type, str):
        return PRIMITIVE_SIZES[idl_type]
    element, count = idl_type["array"]
    return borsh_size(element) * count


def type_fields(name: str):
    return next(entry for entry in IDL_JSON["types"] if entry["name"] == name)["type"]["fields"]


def test_idl_loads_with_program_address():
    assert str(IDL.address) == str(PROGRAM_ID)
    assert len(IDL.instructions) == 16


def test_instruction_discriminators_match_dispatch():
    dispatched = re.findall(r'tag\("(\w+)"\)', (SOURCE / "lib.rs").read_text())
    assert sorted(dispatched) == sorted(ix["name"] for ix in IDL_JSON["instructions"])
    for ix in IDL_JSON["instructions"]:
        assert bytes(ix["discriminator"]) == hashlib.sha256(f"global:{ix['name']}".encode()).digest()[:8]


def test_error_codes_match_enum_order():
    source = (SOURCE / "error.rs").read_text()
    body = source[source.index("pub enum MarketError"):]
    variants = re.findall(r"^    (\w+)(?: = \d+)?,$", body, re.MULTILINE)
    assert [error["name"] for error in IDL_JSON["errors"]] == variants
    assert [error["code"] for error in IDL_JSON["errors"]] == list(range(6000, 6000 + len(variants)))


def test_account_layout_sizes_match_program():
    # Sizes asserted at compile time in programs/kgpu_market/src/state.rs.
    expected = {"Market": 456, "Provider": 248, "Job": 248, "Receipt": 200}
    for name, size in expected.items():
        assert 8 + sum(borsh_size(field["type"]) for field in type_fields(name)) == size, name


def test_every_account_and_event_decodes(env):
    """Drive every instruction once; anchorpy decodes every account and every event."""
    seen_events = {}
    parser = EventParser(PROGRAM_ID, CODER)

    def collect(result):
        parser.parse_logs(result.logs(), lambda event: seen_events.setdefault(event.name, event.data))
        return result

    for result in env.initialize_results:
        collect(result)
    collect(env.send_ok([update_market_params_ix(env.admin.pubkey())]))
    provider = env.new_provider(approve=False, stake=0)
    collect(env.send_ok([approve_provider_ix(env.token.registry.pubkey(), provider.address)], [env.token.registry]))
    collect(env.send_ok([stake_ix(provider.wallet.pubkey(), 3_000_000)], [provider.wallet]))
    renter = env.new_wallet(kgpu=1_000_000)
    result, job = env.open_job(renter, provider)
    collect(result)
    now = env.token.now()
    collect(env.settle(UsageReceipt(job, 1, 3_600, now - 3_600, now, 100, 50), provider))
    collect(env.send_ok([close_job_ix(renter.pubkey(), job, renter.pubkey(), provider.address)], [renter]))
    # A second job closed to a foreign account books its refund, which claim_refund then pays.
    deferred_result, deferred_job = env.open_job(renter, provider)
    collect(deferred_result)
    collect(env.send_ok([close_job_ix(renter.pubkey(), deferred_job, renter.pubkey(), provider.address, destination=ESCROW_VAULT)], [renter]))
    collect(env.send_ok([claim_refund_ix(deferred_job, renter.pubkey())]))
    collect(env.send_ok([claim_rewards_ix(provider.wallet.pubkey())], [provider.wallet]))
    collect(env.send_ok([request_unstake_ix(provider.wallet.pubkey(), 1_000)], [provider.wallet]))
    env.token.set_time(now + env.market().unbonding_period)
    collect(env.send_ok([withdraw_unstaked_ix(provider.wallet.pubkey())], [provider.wallet]))
    collect(env.slash(Slash(provider.address, 1, 10, INSURANCE_VAULT)))

    # new_provider discarded its registration logs, so register one more provider.
    other = env.new_wallet()
    collect(env.send_ok([register_provider_ix(other.pubkey(), other.pubkey())], [other]))
    assert set(seen_events) == {event["name"] for event in IDL_JSON["events"]}
    assert seen_events["ReceiptSettled"].payment == 3_000
    assert seen_events["ProviderSlashed"].amount == 10
    assert seen_events["RefundClaimed"].amount == 100_000
    assert seen_events["MarketInitialized"].fee_bps == env.market().fee_bps

    for address, name in [(MARKET, "Market"), (provider.address, "Provider"), (job, "Job"), (receipt_address(job, 1)[0], "Receipt")]:
        data = bytes(env.svm.get_account(address).data)
        decoded = CODER.accounts.decode(data)
        assert type(decoded).__name__ == name

"""Attacks on kgpu_market that tests/market does not cover. Each test asserts the secure
behaviour: the attack fails and changes nothing. A failing test is a vulnerability."""

from __future__ import annotations

import kgpu_token_testkit as token_kit
from solders.pubkey import Pubkey
from solders.transaction_metadata import FailedTransactionMetadata

from market_testkit import (
    next_job_nonce,
    ERRORS,
    ESCROW_VAULT,
    INSURANCE_VAULT,
    KIND_SETTLE_RECEIPT,
    KIND_SLASH,
    MARKET,
    REWARD_VAULT,
    STAKE_VAULT,
    UNBONDING_PERIOD,
    Slash,
    UsageReceipt,
    balance,
    claim_refund_ix,
    claim_rewards_ix,
    close_job_ix,
    custom_error,
    decode,
    error_text,
    kgpu_account,
    open_job_ix,
    receipt_address,
    replace_account,
    request_unstake_ix,
    settle_receipt_ix,
    slash_ix,
    stake_ix,
    withdraw_unstaked_ix,
)


def failed(result) -> bool:
    return isinstance(result, FailedTransactionMetadata)


def ok(result):
    assert not failed(result), f"{result.err()}\n" + "\n".join(result.meta().logs())
    return result


def receipt_for(env, job, sequence=1, **changes):
    now = env.token.now()
    fields = dict(job=job, sequence=sequence, gpu_seconds=3_600, window_start=now - 3_600, window_end=now, energy_wh=700, renewable_wh=100)
    fields.update(changes)
    return UsageReceipt(**fields)


def snapshot(env, addresses):
    return token_kit.snapshot(env.svm, addresses)


def open_job(env, provider, *, budget=100_000, price=3_000, duration=86_400):
    renter = env.new_wallet(kgpu=1_000_000)
    result, job = env.open_job(renter, provider, price=price, budget=budget, duration=duration)
    ok(result)
    return renter, job


def test_open_job_with_fake_token_program(market_env):
    """A program other than Token-2022 in the token_program slot must not credit escrow."""
    env = market_env
    provider = env.new_provider()
    renter = env.new_wallet(kgpu=1_000_000)
    env.nonce = next_job_nonce(renter.pubkey(), env.nonce)
    ix = open_job_ix(renter.pubkey(), provider.address, env.nonce, 3_000, 100_000, env.token.now() + 86_400)
    ix = replace_account(ix, "token_program", token_kit.PROGRAM_ID)
    before = snapshot(env, [ESCROW_VAULT, kgpu_account(renter.pubkey())])
    result = env.send([ix], [renter])
    assert failed(result)
    assert snapshot(env, [ESCROW_VAULT, kgpu_account(renter.pubkey())]) == before


def test_settle_message_replayed_as_slash(market_env):
    """Both payloads are 112 bytes. A kind-16 signature over bytes that parse as a slash order
    must not authorise the slash."""
    env = market_env
    provider = env.new_provider(stake=3_000_000)
    slash = Slash(provider.address, 1, 1_000, INSURANCE_VAULT)
    before = snapshot(env, [STAKE_VAULT, INSURANCE_VAULT, provider.address])
    result = env.send([env.quorum(KIND_SETTLE_RECEIPT, slash.payload()), slash_ix(slash)])
    assert failed(result)
    assert snapshot(env, [STAKE_VAULT, INSURANCE_VAULT, provider.address]) == before


def test_slash_message_replayed_as_settle(market_env):
    env = market_env
    provider = env.new_provider()
    _, job = open_job(env, provider)
    receipt = receipt_for(env, job)
    before = snapshot(env, [ESCROW_VAULT, job])
    ix = settle_receipt_ix(env.admin.pubkey(), receipt, provider.address, provider.wallet.pubkey())
    result = env.send([env.quorum(KIND_SLASH, receipt.payload()), ix])
    assert failed(result)
    assert snapshot(env, [ESCROW_VAULT, job]) == before


def test_settle_to_escrow_vault(market_env):
    """The escrow vault passed as the provider's payment account (same vault twice)."""
    env = market_env
    provider = env.new_provider()
    _, job = open_job(env, provider)
    before = snapshot(env, [ESCROW_VAULT, REWARD_VAULT, job])
    result = env.settle(receipt_for(env, job), provider, provider_token_account=ESCROW_VAULT)
    assert failed(result)
    assert snapshot(env, [ESCROW_VAULT, REWARD_VAULT, job]) == before


def test_slash_above_stake_is_capped(market_env):
    env = market_env
    victim = env.new_provider(stake=2_000_000)
    bystander = env.new_provider(stake=5_000_000)
    vault_before = balance(env.svm, STAKE_VAULT)
    ok(env.slash(Slash(victim.address, 1, 10**15, INSURANCE_VAULT)))
    assert balance(env.svm, STAKE_VAULT) == vault_before - 2_000_000
    assert balance(env.svm, INSURANCE_VAULT) == 2_000_000
    assert decode(env.svm, bystander.address).active_stake == 5_000_000
    market = env.market()
    assert market.total_active_stake == 5_000_000
    assert balance(env.svm, STAKE_VAULT) == market.total_active_stake + market.total_unbonding_stake
    # A second slash with the next sequence moves nothing more from the vault.
    ok(env.slash(Slash(victim.address, 2, 1, INSURANCE_VAULT)))
    assert balance(env.svm, STAKE_VAULT) == 5_000_000


def test_claims_after_slash_within_fees(market_env):
    """Fees accrue to two providers, then one is slashed to zero, restakes and both claim. The reward
    vault must cover every claim."""
    env = market_env
    slashed = env.new_provider(stake=3_000_000)
    other = env.new_provider(stake=7_000_001)
    _, job = open_job(env, slashed, budget=900_000, price=3_333_333)
    for sequence in range(1, 4):
        ok(env.settle(receipt_for(env, job, sequence=sequence, gpu_seconds=97 * sequence), slashed))
    ok(env.slash(Slash(slashed.address, 1, 10**15, INSURANCE_VAULT)))
    ok(env.send([stake_ix(slashed.wallet.pubkey(), 1_000_003)], [slashed.wallet]))
    ok(env.settle(receipt_for(env, job, sequence=4, gpu_seconds=31), slashed))
    for provider in (slashed, other):
        env.send([claim_rewards_ix(provider.wallet.pubkey())], [provider.wallet])
    market = env.market()
    assert market.total_rewards_claimed <= market.total_fees
    assert balance(env.svm, REWARD_VAULT) == market.total_fees - market.total_rewards_claimed


def test_seize_escrow_locks_refund(market_env):
    """The token admin tries to burn from the market's escrow and stake vaults with seize
    (permanent delegate). The market books every unit in them to a job or a provider, so a burn
    would leave the renter's refund unpayable. Secure behaviour: seize rejects both vaults with
    `ProtectedAccount`, nothing changes, and the refund pays in full."""
    env = market_env
    provider = env.new_provider()
    renter, job = open_job(env, provider, budget=100_000)
    renter_account = kgpu_account(renter.pubkey())
    watched = [ESCROW_VAULT, STAKE_VAULT, MARKET, job, provider.address, renter_account, token_kit.mint_address(), token_kit.config_address()]
    assert balance(env.svm, ESCROW_VAULT) == 100_000
    assert balance(env.svm, STAKE_VAULT) == 2_000_000

    for vault in (ESCROW_VAULT, STAKE_VAULT):
        before = snapshot(env, watched)
        seize = env.send([token_kit.seize_ix(env.admin.pubkey(), vault, balance(env.svm, vault), b"\x00" * 32)])
        assert failed(seize), f"seize burned from {vault}"
        assert custom_error(seize) == token_kit.ERRORS["ProtectedAccount"], error_text(seize)
        assert snapshot(env, watched) == before

    # The market's books still match its vaults, and the renter's refund pays in full.
    market = env.market()
    assert market.total_escrowed == balance(env.svm, ESCROW_VAULT) == 100_000
    renter_before = balance(env.svm, renter_account)
    ok(env.send([close_job_ix(renter.pubkey(), job, renter.pubkey(), provider.address)], [renter]))
    assert balance(env.svm, renter_account) == renter_before + 100_000
    assert balance(env.svm, ESCROW_VAULT) == 0
    assert env.market().total_escrowed == 0
    assert decode(env.svm, job).refunded == 100_000

    # Once refunded, the K-GPU sits in the renter's wallet account, where seize works.
    ok(env.send([token_kit.seize_ix(env.admin.pubkey(), renter_account, 100_000, b"\x00" * 32)]))
    assert balance(env.svm, renter_account) == renter_before


def test_withdraw_stake_during_open_job(market_env):
    """A provider unstakes everything after a job opens and withdraws after unbonding while the
    job still settles, so a later slash for that job finds nothing. Secure behaviour: stake backing
    an open job cannot be withdrawn before the job closes."""
    env = market_env
    provider = env.new_provider(stake=2_000_000)
    _, job = open_job(env, provider, duration=30 * 86_400)
    env.send([request_unstake_ix(provider.wallet.pubkey(), 2_000_000)], [provider.wallet])
    env.token.set_time(env.token.now() + UNBONDING_PERIOD)
    withdraw = env.send([withdraw_unstaked_ix(provider.wallet.pubkey())], [provider.wallet])
    # The job runs 30 days. After 7 it is still open and must still have stake behind it.
    assert decode(env.svm, job).status == 0
    assert failed(withdraw), "stake that backs an open 30-day job was withdrawn after 7 days"
    assert decode(env.svm, provider.address).active_stake == 2_000_000
    ok(env.slash(Slash(provider.address, 1, 2_000_000, INSURANCE_VAULT)))
    assert balance(env.svm, INSURANCE_VAULT) == 2_000_000


def test_withdraw_before_unbonding_end(market_env):
    env = market_env
    provider = env.new_provider(stake=2_000_000)
    ok(env.send([request_unstake_ix(provider.wallet.pubkey(), 1_000)], [provider.wallet]))
    env.token.set_time(env.token.now() + UNBONDING_PERIOD - 1)
    before = snapshot(env, [STAKE_VAULT, provider.address])
    result = env.send([withdraw_unstaked_ix(provider.wallet.pubkey())], [provider.wallet])
    assert failed(result)
    assert snapshot(env, [STAKE_VAULT, provider.address]) == before


def test_settle_noncanonical_bump_then_canonical(market_env):
    """A receipt settled at a non-canonical bump must not leave the canonical address free for a
    second payment of the same sequence."""
    env = market_env
    provider = env.new_provider()
    _, job = open_job(env, provider)
    receipt = receipt_for(env, job)
    canonical, bump = receipt_address(job, 1)
    other_bump = next(b for b in range(bump - 1, -1, -1) if is_valid_receipt_bump(job, 1, b))
    other = Pubkey.create_program_address([b"receipt", bytes(job), (1).to_bytes(8, "little"), bytes([other_bump])], Pubkey.from_string("3yich5k68oTJZ3qTWocKJ9sUQFR612Yp8REmcuqQ5vjH"))
    first = env.settle(receipt, provider, receipt_record=other, receipt_bump=other_bump)
    escrow = balance(env.svm, ESCROW_VAULT)
    second = env.settle(receipt, provider)
    assert failed(first) or failed(second)
    if not failed(first):
        assert balance(env.svm, ESCROW_VAULT) == escrow


def is_valid_receipt_bump(job, sequence, bump):
    try:
        Pubkey.create_program_address([b"receipt", bytes(job), sequence.to_bytes(8, "little"), bytes([bump])], Pubkey.from_string("3yich5k68oTJZ3qTWocKJ9sUQFR612Yp8REmcuqQ5vjH"))
        return True
    except Exception:
        return False


def test_refund_to_legacy_token_account(market_env):
    """A legacy SPL Token account that carries the K-GPU mint and the renter as owner in its data
    must not receive the refund: close_job books it in refund_due, and claim_refund rejects it."""
    from solders.account import Account

    env = market_env
    provider = env.new_provider()
    renter, job = open_job(env, provider)
    legacy_program = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
    fake = Pubkey.new_unique()
    data = bytearray(165)
    data[0:32] = bytes(token_kit.mint_address())
    data[32:64] = bytes(renter.pubkey())
    data[108] = 1
    env.svm.set_account(fake, Account(lamports=10**7, data=bytes(data), owner=legacy_program, executable=False))
    before = snapshot(env, [ESCROW_VAULT, fake])
    ok(env.send([close_job_ix(renter.pubkey(), job, renter.pubkey(), provider.address, destination=fake)], [renter]))
    assert snapshot(env, [ESCROW_VAULT, fake]) == before
    assert (decode(env.svm, job).refund_due, decode(env.svm, job).refunded) == (100_000, 0)

    result = env.send([claim_refund_ix(job, renter.pubkey(), destination=fake)])
    assert custom_error(result) == ERRORS["InvalidTokenAccount"]
    assert snapshot(env, [ESCROW_VAULT, fake]) == before


def test_price_overflow_blocks_receipts(market_env):
    """The renter names the price. With price_per_gpu_hour = 2^63 a normal one-hour receipt for
    two GPUs (7,200 GPU-seconds) makes gpu_seconds * price / 3600 exceed a u64, so settle_receipt
    fails with ArithmeticOverflow although the payment is capped at the escrow anyway. The renter
    uses the GPUs, no receipt ever settles, and close_job refunds the whole budget.
    Secure behaviour: the receipt settles and pays min(full price, escrow)."""
    env = market_env
    provider = env.new_provider(gpu_count=2)
    renter, job = open_job(env, provider, budget=100_000, price=2**63)
    now = env.token.now()
    receipt = UsageReceipt(job=job, sequence=1, gpu_seconds=7_200, window_start=now - 3_600, window_end=now, energy_wh=1_400, renewable_wh=0)
    provider_before = balance(env.svm, kgpu_account(provider.wallet.pubkey()))
    result = env.settle(receipt, provider)
    assert not failed(result), "a valid one-hour receipt cannot settle: " + " ".join(result.meta().logs()[-3:])
    assert decode(env.svm, job).escrowed == 0
    assert balance(env.svm, kgpu_account(provider.wallet.pubkey())) > provider_before


def test_open_job_from_escrow_vault(market_env):
    """The escrow vault as the renter's source: escrow would be credited from itself."""
    env = market_env
    provider = env.new_provider()
    _, _ = open_job(env, provider)
    renter = env.new_wallet(kgpu=1_000_000)
    env.nonce = next_job_nonce(renter.pubkey(), env.nonce)
    ix = open_job_ix(renter.pubkey(), provider.address, env.nonce, 3_000, 100_000, env.token.now() + 86_400, source=ESCROW_VAULT)
    before = snapshot(env, [ESCROW_VAULT])
    market_before = env.market().total_escrowed
    result = env.send([ix], [renter])
    assert failed(result)
    assert snapshot(env, [ESCROW_VAULT]) == before
    assert env.market().total_escrowed == market_before


def test_refund_to_carbon_account(market_env):
    """A K-CARBON account of the renter (wrong mint) as the refund destination: close_job books
    the refund in refund_due, and claim_refund rejects the account."""
    from market_testkit import TOKEN_2022_PROGRAM_ID, CARBON_MINT, carbon_account
    from spl.token.instructions import create_associated_token_account

    env = market_env
    provider = env.new_provider()
    renter, job = open_job(env, provider)
    env.send_ok([create_associated_token_account(env.admin.pubkey(), renter.pubkey(), CARBON_MINT, TOKEN_2022_PROGRAM_ID)])
    destination = carbon_account(renter.pubkey())
    before = snapshot(env, [ESCROW_VAULT, destination])
    ok(env.send([close_job_ix(renter.pubkey(), job, renter.pubkey(), provider.address, destination=destination)], [renter]))
    assert snapshot(env, [ESCROW_VAULT, destination]) == before
    assert decode(env.svm, job).refund_due == 100_000

    result = env.send([claim_refund_ix(job, renter.pubkey(), destination=destination)])
    assert custom_error(result) == ERRORS["InvalidTokenAccount"]
    assert snapshot(env, [ESCROW_VAULT, destination]) == before

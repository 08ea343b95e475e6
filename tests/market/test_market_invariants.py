"""Hypothesis state machine over kgpu_market: random jobs, receipts, closes, refund claims, stake
moves, claims, fee sweeps and slashes. A close to a foreign account books the refund for
claim_refund. The machine checks escrow and stake conservation against the token balances after
every step.

Settlement leaves each fee in the escrow vault as `Market.unswept_fees` until `sweep_fees` or a
claim moves it, and a refund booked by close_job stays there in `total_escrowed` until
claim_refund pays it. So the escrow vault's balance is `total_escrowed + unswept_fees`, and the reward
vault's balance plus `unswept_fees` is every fee not yet claimed."""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import HealthCheck, event, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.transaction_metadata import FailedTransactionMetadata
from kgpu_sbf.spl import install_token_2022

from kgpu_sbf.loader import deploy_upgradeable, program_elf, program_keypair
from market_testkit import (
    ESCROW_VAULT,
    INSURANCE_VAULT,
    MIN_STAKE_PER_GPU,
    REWARD_VAULT,
    STAKE_VAULT,
    Slash,
    UsageReceipt,
    balance,
    claim_refund_ix,
    claim_rewards_ix,
    close_job_ix,
    decode,
    kgpu_account,
    make_market_env,
    request_unstake_ix,
    stake_ix,
    sweep_fees_ix,
    withdraw_unstaked_ix,
)

REWARD_SCALE = 10**12


def succeeded(result, label: str | None = None) -> bool:
    """Return whether the transaction succeeded; with `label`, count the outcome in the
    statistics that `pytest --hypothesis-show-statistics` prints."""
    ok = not isinstance(result, FailedTransactionMetadata)
    if label:
        event(f"{label}: {'ok' if ok else 'rejected'}")
    return ok


class MarketMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        svm = LiteSVM()
        install_token_2022(svm)
        payer = Keypair()
        svm.airdrop(payer.pubkey(), 1_000 * 10**9)
        self.env = make_market_env(svm, payer, lambda name: deploy_upgradeable(svm, payer, program_keypair(name), program_elf(name)))
        self.providers = [self.env.new_provider(gpu_count=1, stake=2_000_000 * (i + 1), kgpu=20_000_000) for i in range(2)]
        self.renters = [self.env.new_wallet(kgpu=10_000_000) for _ in range(2)]
        self.stranger = self.env.new_wallet()
        # Job address -> (renter, provider) for every job opened.
        self.jobs: list[tuple] = []
        self.slash_counts = [0, 0]

    # --- rules -------------------------------------------------------------------------------

    @rule(renter=st.integers(0, 1), provider=st.integers(0, 1), budget=st.integers(1, 200_000), price=st.integers(1, 5_000_000))
    def open_job(self, renter, provider, budget, price):
        result, job = self.env.open_job(self.renters[renter], self.providers[provider], price=price, budget=budget)
        if succeeded(result, "open_job"):
            self.jobs.append((job, self.renters[renter], self.providers[provider]))

    @precondition(lambda self: self.jobs)
    @rule(index=st.integers(0, 50), gpu_seconds=st.integers(0, 3_600), energy=st.integers(0, 5_000), renewable_share=st.integers(0, 100), replay=st.booleans())
    def settle(self, index, gpu_seconds, energy, renewable_share, replay):
        job, _, provider = self.jobs[index % len(self.jobs)]
        state = decode(self.env.svm, job)
        sequence = state.last_sequence if replay and state.last_sequence else state.last_sequence + 1
        now = self.env.token.now()
        receipt = UsageReceipt(job, sequence, gpu_seconds, now - 3_600, now, energy, energy * renewable_share // 100)
        result = self.env.settle(receipt, provider)
        succeeded(result, "settle replay" if replay and state.last_sequence else "settle")
        if replay and state.last_sequence:
            assert not succeeded(result), "a replayed receipt settled"

    @precondition(lambda self: self.jobs)
    @rule(index=st.integers(0, 50), by_renter=st.booleans(), to_foreign=st.booleans())
    def close(self, index, by_renter, to_foreign):
        job, renter, provider = self.jobs[index % len(self.jobs)]
        caller = renter if by_renter else self.stranger
        state = decode(self.env.svm, job)
        destination = kgpu_account(self.stranger.pubkey()) if to_foreign else None
        result = self.env.send([close_job_ix(caller.pubkey(), job, renter.pubkey(), provider.address, destination=destination)], [caller])
        succeeded(result, "close to foreign account" if to_foreign else "close")
        if not by_renter and self.env.token.now() < state.end_time:
            assert not succeeded(result), "a stranger closed a job before its end time"
        if succeeded(result):
            closed = decode(self.env.svm, job)
            assert closed.refund_due == (state.escrowed if to_foreign else 0)

    @precondition(lambda self: self.jobs)
    @rule(index=st.integers(0, 50), to_renter=st.booleans())
    def claim_refund(self, index, to_renter):
        job, renter, _ = self.jobs[index % len(self.jobs)]
        due = decode(self.env.svm, job).refund_due
        destination = None if to_renter else kgpu_account(self.stranger.pubkey())
        result = self.env.send([claim_refund_ix(job, renter.pubkey(), destination=destination)])
        succeeded(result, "claim_refund" if to_renter else "claim_refund to foreign account")
        if to_renter and due > 0:
            assert succeeded(result), "claim_refund to the renter failed with a refund due"
            assert decode(self.env.svm, job).refund_due == 0
        else:
            assert not succeeded(result), "claim_refund paid a foreign account or nothing due"
            assert decode(self.env.svm, job).refund_due == due

    @rule(seconds=st.sampled_from([60, 3_600, 86_400, 7 * 86_400]))
    def advance_time(self, seconds):
        self.env.token.set_time(self.env.token.now() + seconds)

    @rule(provider=st.integers(0, 1), amount=st.integers(1, 3_000_000))
    def stake(self, provider, amount):
        wallet = self.providers[provider].wallet
        succeeded(self.env.send([stake_ix(wallet.pubkey(), amount)], [wallet]), "stake")

    @rule(provider=st.integers(0, 1), amount=st.integers(1, 3_000_000))
    def request_unstake(self, provider, amount):
        wallet = self.providers[provider].wallet
        state = decode(self.env.svm, self.providers[provider].address)
        result = self.env.send([request_unstake_ix(wallet.pubkey(), amount)], [wallet])
        succeeded(result, "request_unstake")
        required = MIN_STAKE_PER_GPU * state.gpu_count
        if state.open_jobs and amount <= state.active_stake and state.active_stake - amount < required:
            assert not succeeded(result), "stake backing an open job moved to unbonding"

    @rule(provider=st.integers(0, 1))
    def withdraw(self, provider):
        wallet = self.providers[provider].wallet
        state = decode(self.env.svm, self.providers[provider].address)
        result = self.env.send([withdraw_unstaked_ix(wallet.pubkey())], [wallet])
        succeeded(result, "withdraw")
        if self.env.token.now() < state.unbonding_end:
            assert not succeeded(result), "unbonding stake withdrawn early"

    @rule(provider=st.integers(0, 1))
    def claim(self, provider):
        wallet = self.providers[provider].wallet
        succeeded(self.env.send([claim_rewards_ix(wallet.pubkey())], [wallet]), "claim")

    @rule()
    def sweep(self):
        unswept = self.env.market().unswept_fees
        escrow = balance(self.env.svm, ESCROW_VAULT)
        succeeded(self.env.send([sweep_fees_ix()]), "sweep")
        assert balance(self.env.svm, ESCROW_VAULT) == escrow - unswept
        assert self.env.market().unswept_fees == 0

    @rule(provider=st.integers(0, 1), amount=st.integers(1, 500_000))
    def slash(self, provider, amount):
        target = self.providers[provider]
        result = self.env.slash(Slash(target.address, self.slash_counts[provider] + 1, amount, INSURANCE_VAULT))
        if succeeded(result, "slash"):
            self.slash_counts[provider] += 1

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def escrow_conserved(self):
        total_escrowed = 0
        for job, _, _ in self.jobs:
            state = decode(self.env.svm, job)
            assert state.paid + state.fees + state.refunded + state.refund_due + state.escrowed == state.funded
            total_escrowed += state.escrowed + state.refund_due
        market = self.env.market()
        assert market.total_escrowed == total_escrowed
        assert balance(self.env.svm, ESCROW_VAULT) == total_escrowed + market.unswept_fees

    @invariant()
    def stake_conserved(self):
        market = self.env.market()
        assert market.total_staked == market.total_active_stake + market.total_unbonding_stake + market.total_withdrawn + market.total_slashed
        assert balance(self.env.svm, STAKE_VAULT) == market.total_active_stake + market.total_unbonding_stake
        assert balance(self.env.svm, INSURANCE_VAULT) == market.total_slashed
        for provider in self.providers:
            state = decode(self.env.svm, provider.address)
            assert state.total_staked == state.active_stake + state.unbonding_stake + state.total_withdrawn + state.total_slashed

    @invariant()
    def open_jobs_counted(self):
        for provider in self.providers:
            expected = sum(1 for job, _, owner in self.jobs if owner is provider and decode(self.env.svm, job).status == 0)
            assert decode(self.env.svm, provider.address).open_jobs == expected

    @invariant()
    def rewards_covered(self):
        market = self.env.market()
        reward_vault = balance(self.env.svm, REWARD_VAULT)
        assert reward_vault + market.unswept_fees == market.total_fees - market.total_rewards_claimed
        claimed = sum(decode(self.env.svm, p.address).claimed_rewards for p in self.providers)
        assert claimed == market.total_rewards_claimed <= market.total_fees
        claimable = 0
        for provider in self.providers:
            state = decode(self.env.svm, provider.address)
            claimable += state.accrued_rewards + state.active_stake * market.reward_per_share // REWARD_SCALE - state.reward_debt
        assert claimable + market.unallocated_fees <= reward_vault + market.unswept_fees


MarketMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_market_state_machine = MarketMachine.TestCase

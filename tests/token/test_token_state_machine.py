"""Random sequences of attestations, mints, redemptions, pauses and clock moves.

Invariants checked after every step: supply equals the holders' balances, every successful mint
left supply within the capacity of a fresh attestation, and no deposit id applies twice.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.transaction_metadata import TransactionMetadata

from kgpu_sbf.loader import deploy_upgradeable, program_elf, program_keypair
from kgpu_sbf.spl import install_token_2022
from kgpu_token_testkit import (
    ERRORS,
    MAX_AGE,
    ata,
    canonical_deposit_id,
    canonical_nonce,
    custom_error,
    make_env,
    mint_supply,
    redeem_ix,
    token_balance,
    update_params_ix,
)

HAIRCUT = 500


class TokenMachine(RuleBasedStateMachine):
    @initialize()
    def deploy(self):
        svm = LiteSVM()
        install_token_2022(svm)
        payer = Keypair()
        svm.airdrop(payer.pubkey(), 1_000 * 1_000_000_000)
        self.env = make_env(svm, payer, lambda name: deploy_upgradeable(svm, payer, program_keypair(name), program_elf(name)))
        self.holders = [self.env.new_holder() for _ in range(2)]
        self.applied: set[bytes] = set()
        self.capacity = 0
        self.valuation_time = None
        self.paused = False
        self.nonce = 0

    @rule(value=st.integers(min_value=0, max_value=5_000_000))
    def attest(self, value):
        result = self.env.attest(value)
        assert isinstance(result, TransactionMetadata)
        self.capacity = value * (10_000 - HAIRCUT) // 10_000
        self.valuation_time = self.env.now()

    @rule(holder=st.integers(0, 1), amount=st.integers(min_value=1, max_value=3_000_000), replay=st.booleans())
    def mint(self, holder, amount, replay):
        if replay and self.applied:
            deposit_id = sorted(self.applied)[0]
        else:
            deposit_id = canonical_deposit_id(b"machine-%d" % (len(self.applied) * 1_000 + amount))
        supply = mint_supply(self.env.svm)
        result = self.env.mint(self.holders[holder].pubkey(), amount, deposit_id=deposit_id)
        fresh = self.valuation_time is not None and self.env.now() - self.valuation_time <= MAX_AGE
        if isinstance(result, TransactionMetadata):
            assert deposit_id not in self.applied, "a deposit id applied twice"
            assert not self.paused
            assert fresh
            assert supply + amount <= self.capacity, "mint beyond capacity"
            self.applied.add(deposit_id)
            return
        code = custom_error(result)
        if self.paused:
            assert code == ERRORS["MintPaused"]
        elif not fresh:
            assert code == ERRORS["StaleAttestation"]
        elif deposit_id in self.applied:
            assert code == ERRORS["DepositAlreadyApplied"]
        else:
            assert supply + amount > self.capacity
            assert code == ERRORS["CapacityExceeded"]

    @precondition(lambda self: any(token_balance(self.env.svm, ata(h.pubkey())) for h in self.holders))
    @rule(holder=st.integers(0, 1), fraction=st.floats(min_value=0.01, max_value=1.0))
    def redeem(self, holder, fraction):
        keypair = self.holders[holder]
        balance = token_balance(self.env.svm, ata(keypair.pubkey()))
        if balance == 0:
            return
        amount = max(1, int(balance * fraction))
        self.nonce = canonical_nonce(keypair.pubkey(), self.nonce + 1)
        self.env.send_ok([redeem_ix(keypair.pubkey(), self.nonce, amount, b"\x01" * 32)], [keypair])

    @rule(paused=st.booleans())
    def pause(self, paused):
        self.env.send_ok([update_params_ix(self.env.admin.pubkey(), mint_paused=paused)])
        self.paused = paused

    @rule(seconds=st.integers(min_value=1, max_value=MAX_AGE))
    def advance_clock(self, seconds):
        self.env.set_time(self.env.now() + seconds)

    @invariant()
    def supply_matches_balances(self):
        if not hasattr(self, "env"):
            return
        balances = sum(token_balance(self.env.svm, ata(h.pubkey())) for h in self.holders)
        assert mint_supply(self.env.svm) == balances
        config = self.env.config()
        assert config.total_minted - config.total_burned == balances


TokenMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_token_state_machine = TokenMachine.TestCase

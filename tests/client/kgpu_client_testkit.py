"""Test helpers for the SDK and CLI tests: an in-process LiteSVM transport and a kgpu-localnet subprocess.

``LiteSVMTransport`` implements the sender's RPC interface over LiteSVM so that the re-send
logic can be driven through expiry, dropped copies and late statuses. Programs really execute;
only the network behaviour (block height, dropped packets, status visibility) is scripted.
The module has a unique name because several test folders have a ``conftest`` module.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from solana.rpc.commitment import Commitment
from solders.hash import Hash
from solders.litesvm import LiteSVM
from solders.signature import Signature
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata
from solders.transaction_status import TransactionConfirmationStatus, TransactionErrorFieldless

from kgpu._transport import BlockhashInfo, PreflightFailure, SignatureStatusInfo, SimulationOutcome

LAMPORTS_PER_SOL = 1_000_000_000
LOCALNET_STARTUP_S = 30.0


@dataclass
class _Landed:
    height: int
    err: object | None


class LiteSVMTransport:
    """:class:`kgpu._transport.RpcTransport` over an in-process LiteSVM.

    Every ``getBlockHeight`` or ``getSignatureStatuses`` call advances the block height by one.
    A blockhash is valid for ``validity_blocks`` heights after it was handed out, and each
    ``getLatestBlockhash`` call hands out a fresh one (older ones stop working, as after expiry).

    Args:
        svm: The LiteSVM that executes the transactions.
        validity_blocks: Heights a blockhash stays valid (150 on real clusters).
        drop_sends: Number of next ``sendTransaction`` calls whose transaction is silently lost.
        hide_recent_statuses: When true, statuses are returned only with ``searchTransactionHistory``.
    """

    def __init__(
        self,
        svm: LiteSVM,
        *,
        validity_blocks: int = 150,
        drop_sends: int = 0,
        hide_recent_statuses: bool = False,
    ) -> None:
        self.svm = svm
        self.validity_blocks = validity_blocks
        self.drop_sends = drop_sends
        self.hide_recent_statuses = hide_recent_statuses
        self.height = 0
        self.sends = 0
        self.delivered = 0
        self._issued: dict[str, int] = {}
        self._landed: dict[Signature, _Landed] = {}

    async def get_latest_blockhash(self, commitment: Commitment) -> BlockhashInfo:
        self.svm.expire_blockhash()
        blockhash = self.svm.latest_blockhash()
        self._issued[str(blockhash)] = self.height
        return BlockhashInfo(blockhash, self.height + self.validity_blocks)

    async def get_block_height(self, commitment: Commitment) -> int:
        self.height += 1
        return self.height

    async def send_raw_transaction(
        self, transaction: bytes, *, skip_preflight: bool, preflight_commitment: Commitment
    ) -> Signature:
        self.sends += 1
        tx = Transaction.from_bytes(transaction)
        signature = tx.signatures[0]
        if self._expired(tx.message.recent_blockhash):
            if not skip_preflight:
                raise PreflightFailure(TransactionErrorFieldless.BlockhashNotFound, [], "blockhash expired")
            return signature
        if not skip_preflight:
            simulated = self.svm.simulate_transaction(tx)
            if isinstance(simulated, FailedTransactionMetadata):
                raise PreflightFailure(simulated.err(), list(simulated.meta().logs()), "preflight failed")
        if self.drop_sends > 0:
            self.drop_sends -= 1
            return signature
        result = self.svm.send_transaction(tx)
        self.delivered += 1
        err = result.err() if isinstance(result, FailedTransactionMetadata) else None
        if err != TransactionErrorFieldless.BlockhashNotFound:
            self._landed[signature] = _Landed(self.height, err)
        return signature

    async def get_signature_statuses(
        self, signatures: list[Signature], *, search_transaction_history: bool
    ) -> list[SignatureStatusInfo | None]:
        self.height += 1
        statuses: list[SignatureStatusInfo | None] = []
        for signature in signatures:
            landed = self._landed.get(signature)
            if landed is None or (self.hide_recent_statuses and not search_transaction_history):
                statuses.append(None)
                continue
            age = self.height - landed.height
            level = (
                TransactionConfirmationStatus.Processed
                if age < 2
                else TransactionConfirmationStatus.Confirmed
                if age < 4
                else TransactionConfirmationStatus.Finalized
            )
            statuses.append(SignatureStatusInfo(landed.height, level, landed.err))  # type: ignore[arg-type]
        return statuses

    async def simulate_transaction(self, transaction: Transaction, commitment: Commitment) -> SimulationOutcome:
        simulated = self.svm.simulate_transaction(transaction)
        if isinstance(simulated, FailedTransactionMetadata):
            return SimulationOutcome(simulated.err(), list(simulated.meta().logs()), None)
        meta = simulated.meta()
        return SimulationOutcome(None, list(meta.logs()), meta.compute_units_consumed())

    def _expired(self, blockhash: Hash) -> bool:
        issued = self._issued.get(str(blockhash))
        return issued is None or self.height > issued + self.validity_blocks


# ---------------------------------------------------------------------------------------------
# kgpu-localnet


@dataclass
class LocalnetProcess:
    """A running kgpu-localnet and its URLs."""

    rpc_url: str
    ws_url: str
    process: subprocess.Popen[bytes]

    def call(self, method: str, params: list[object]) -> object:
        """Send one JSON-RPC request and return its ``result``."""
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
        request = urllib.request.Request(self.rpc_url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            payload = json.load(response)
        assert "error" not in payload, payload
        return payload["result"]

    def airdrop(self, address: str, lamports: int) -> None:
        """Airdrop and wait until the balance shows it."""
        self.call("requestAirdrop", [address, lamports])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            balance = self.call("getBalance", [address, {"commitment": "confirmed"}])
            if balance["value"] >= lamports:  # type: ignore[index]
                return
            time.sleep(0.05)
        raise AssertionError(f"airdrop of {lamports} lamports to {address} did not arrive in 10 s")


def _free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            try:
                with socket.socket() as second:
                    second.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise RuntimeError("no two adjacent free ports on 127.0.0.1")


def start_localnet(ledger: Path, extra_args: list[str] | None = None) -> LocalnetProcess | str:
    """Start kgpu-localnet on free ports with ``extra_args``, or return why it is not available."""
    try:
        import kgpu_localnet.cli  # noqa: F401
    except ImportError as exc:
        return f"kgpu-localnet not available: {exc}"

    port = _free_port_pair()
    args = [
        sys.executable, "-m", "kgpu_localnet.cli",
        "--rpc-port", str(port), "--ws-port", str(port + 1),
        "--ledger", str(ledger), "--reset", "--slot-ms", "100", "--quiet",
        *(extra_args or []),
    ]  # fmt: skip
    log_path = ledger.parent / f"{ledger.name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    net = LocalnetProcess(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port + 1}", process)
    deadline = time.monotonic() + LOCALNET_STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log_path.read_text(errors="replace")
            return f"kgpu-localnet not available: it exited with {process.returncode}: {output[-500:]}"
        try:
            if net.call("getHealth", []) == "ok":
                return net
        except (OSError, AssertionError):
            pass
        time.sleep(0.05)
    stop_localnet(process)
    return f"kgpu-localnet not available: no answer to getHealth within {LOCALNET_STARTUP_S:.0f} s"


def stop_localnet(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

"""Benchmark kgpu-localnet: cold start, SPL token transfer throughput over JSON-RPC against
LiteSVM in-process, and how throughput, latency, memory and restart time grow with state.

Usage: uv run --frozen python bench/localnet.py [--quick] [--transfers N] [--clients N]

Method:
- cold start: spawn `kgpu-localnet --reset` and time until its first requestAirdrop returns a
  signature (the transaction was accepted and executed).
- state size: the bench writes N token accounts (one mint, SENDERS funded owners, the rest
  filler holders) straight into a fresh ledger with `kgpu_localnet.ledger`, then starts the server,
  so the restart time is the time to restore N accounts and respond to /health.
- throughput: SPL Token `Transfer` transactions between the funded owners, signed before the
  clock starts, sent with `sendTransaction` (preflight on, as clients send by default) by several
  client processes, each with a few keep-alive connections pipelining requests over raw sockets.
  Latency is measured per request from write to response.
  Each state size runs the load several times on one server and reports the fastest run.
- in-process: the same kind of transfers through `LiteSVM.send_transaction` in this process.
"""

from __future__ import annotations

import argparse
import base64
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "localnet"))

from solders.account import Account  # noqa: E402
from solders.hash import Hash  # noqa: E402
from solders.keypair import Keypair  # noqa: E402
from solders.litesvm import LiteSVM  # noqa: E402
from solders.message import Message  # noqa: E402
from solders.pubkey import Pubkey  # noqa: E402
from solders.transaction import Transaction, VersionedTransaction  # noqa: E402
from spl.token.constants import TOKEN_PROGRAM_ID  # noqa: E402
from spl.token.instructions import transfer  # noqa: E402
from spl.token.models import TransferParams  # noqa: E402

from kgpu_localnet.ledger import AccountRow, Ledger, SlotBatch  # noqa: E402

SENDERS = 256
TOKEN_ACCOUNT_RENT = 2_039_280
MINT_RENT = 1_461_600
U64_MAX = 2**64 - 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rpc(port: int, method: str, params: list | None = None) -> dict:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(http_request(body, keep_alive=False))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return json.loads(data.split(b"\r\n\r\n", 1)[1])


def http_request(body: bytes, keep_alive: bool = True) -> bytes:
    connection = b"keep-alive" if keep_alive else b"close"
    return (
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: "
        + connection + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------- server process


def start_server(ledger: Path, reset: bool) -> tuple[subprocess.Popen, int, float]:
    """Start kgpu-localnet and return (process, RPC port, seconds until /health responds)."""
    port = free_port()
    command = [
        sys.executable, "-m", "kgpu_localnet.cli", "--rpc-port", str(port), "--ws-port", str(free_port()),
        "--ledger", str(ledger), "--quiet",
    ]
    if reset:
        command.append("--reset")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "localnet"))
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"kgpu-localnet exited: {process.stderr.read().decode()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if sock.recv(4096).endswith(b"ok"):
                    return process, port, time.perf_counter() - started
        except OSError:
            time.sleep(0.005)


def stop_server(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def measure_cold_start(directory: Path) -> float:
    """Seconds from spawning a fresh server to its first accepted transaction."""
    started = time.perf_counter()
    process, port, _ = start_server(directory / "cold", reset=True)
    try:
        response = rpc(port, "requestAirdrop", [str(Keypair().pubkey()), 1_000_000_000])
        assert "result" in response, response
        return time.perf_counter() - started
    finally:
        stop_server(process)


# ---------------------------------------------------------------- state


class State:
    """A mint, SENDERS owners with SOL and a token account each, and filler token accounts."""

    def __init__(self, total_token_accounts: int) -> None:
        self.mint = Keypair().pubkey()
        self.mint_authority = Keypair()
        self.owners = [Keypair() for _ in range(SENDERS)]
        self.token_accounts = [Keypair().pubkey() for _ in range(SENDERS)]
        self.fillers = max(0, total_token_accounts - SENDERS)

    @staticmethod
    def token_account_data(mint: Pubkey, owner: Pubkey, amount: int) -> bytes:
        data = bytearray(165)
        data[0:32] = bytes(mint)
        data[32:64] = bytes(owner)
        data[64:72] = amount.to_bytes(8, "little")
        data[108] = 1  # initialized
        return bytes(data)

    def mint_data(self) -> bytes:
        data = bytearray(82)
        data[0:4] = (1).to_bytes(4, "little")
        data[4:36] = bytes(self.mint_authority.pubkey())
        data[36:44] = (10**15).to_bytes(8, "little")
        data[44] = 6
        data[45] = 1
        return bytes(data)

    def accounts(self):
        """Yield (pubkey, Account) for every account of the state."""
        yield self.mint, Account(MINT_RENT, self.mint_data(), TOKEN_PROGRAM_ID, False, U64_MAX)
        for owner, token_account in zip(self.owners, self.token_accounts):
            yield owner.pubkey(), Account(10**12, b"", Pubkey.default(), False, U64_MAX)
            yield token_account, Account(
                TOKEN_ACCOUNT_RENT, self.token_account_data(self.mint, owner.pubkey(), 10**12), TOKEN_PROGRAM_ID, False, U64_MAX
            )
        filler_owner = Keypair().pubkey()
        for index in range(self.fillers):
            pubkey = Pubkey(index.to_bytes(8, "little") + os.urandom(24))
            yield pubkey, Account(
                TOKEN_ACCOUNT_RENT, self.token_account_data(self.mint, filler_owner, index), TOKEN_PROGRAM_ID, False, U64_MAX
            )

    def write_ledger(self, directory: Path) -> None:
        """Add the state to an existing ledger (created by a server run) as one slot."""
        ledger = Ledger(directory)
        last_slot = int(ledger.read_meta().get("last_slot", b"0"))
        batch = SlotBatch(slot=last_slot + 1, parent_slot=last_slot, block_time=int(time.time()))
        for pubkey, account in self.accounts():
            batch.accounts.append(
                AccountRow(bytes(pubkey), account.lamports, bytes(account.owner), False, account.rent_epoch, bytes(account.data))
            )
        batch.meta = {"last_slot": str(last_slot + 1).encode()}
        ledger.write_slot(batch)
        ledger.close()

    def transfers(self, count: int, blockhash: Hash, first_amount: int = 1) -> list[VersionedTransaction]:
        txs = []
        for index in range(count):
            sender = index % SENDERS
            receiver = (sender + 1) % SENDERS
            owner = self.owners[sender]
            instruction = transfer(
                TransferParams(
                    program_id=TOKEN_PROGRAM_ID,
                    source=self.token_accounts[sender],
                    dest=self.token_accounts[receiver],
                    owner=owner.pubkey(),
                    amount=first_amount + index,
                )
            )
            tx = Transaction([owner], Message([instruction], owner.pubkey()), blockhash)
            txs.append(VersionedTransaction.from_legacy(tx))
        return txs


# ---------------------------------------------------------------- load clients


def client_worker(port: int, bodies: list[bytes], connections: int, depth: int, results) -> None:
    """Send `bodies` over `connections` keep-alive sockets, `depth` requests in flight on each."""
    import selectors

    selector = selectors.DefaultSelector()
    chunks = [bodies[i::connections] for i in range(connections)]
    states = []
    for chunk in chunks:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        state = {"sock": sock, "queue": list(reversed(chunk)), "sent": [], "buffer": b""}
        states.append(state)
        selector.register(sock, selectors.EVENT_READ, state)
    latencies: list[float] = []
    errors = 0
    first_error = None

    def fill(state) -> None:
        requests = []
        while state["queue"] and len(state["sent"]) < depth:
            requests.append(http_request(state["queue"].pop()))
            state["sent"].append(time.perf_counter())
        if requests:
            state["sock"].sendall(b"".join(requests))

    for state in states:
        fill(state)
    active = len(states)
    while active:
        for key, _ in selector.select():
            state = key.data
            data = state["sock"].recv(1 << 20)
            if not data:
                raise RuntimeError("server closed the connection")
            state["buffer"] += data
            while True:
                buffer = state["buffer"]
                header_end = buffer.find(b"\r\n\r\n")
                if header_end < 0:
                    break
                length_at = buffer.find(b"Content-Length: ", 0, header_end)
                length = int(buffer[length_at + 16 : buffer.find(b"\r\n", length_at)])
                end = header_end + 4 + length
                if len(buffer) < end:
                    break
                body = buffer[header_end + 4 : end]
                state["buffer"] = buffer[end:]
                latencies.append(time.perf_counter() - state["sent"].pop(0))
                if b'"result"' not in body:
                    errors += 1
                    first_error = first_error or body[:300].decode(errors="replace")
            fill(state)
            if not state["queue"] and not state["sent"]:
                selector.unregister(state["sock"])
                state["sock"].close()
                active -= 1
    results.put((latencies, errors, first_error))


def run_load(port: int, txs: list[VersionedTransaction], clients: int, connections: int, depth: int) -> dict:
    bodies = [
        json.dumps(
            {
                "jsonrpc": "2.0",
                "id": index,
                "method": "sendTransaction",
                "params": [base64.b64encode(bytes(tx)).decode(), {"encoding": "base64"}],
            }
        ).encode()
        for index, tx in enumerate(txs)
    ]

    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [
        context.Process(target=client_worker, args=(port, bodies[i::clients], connections, depth, results))
        for i in range(clients)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    latencies: list[float] = []
    errors = 0
    first_error = None
    for _ in workers:
        worker_latencies, worker_errors, worker_first_error = results.get()
        latencies += worker_latencies
        errors += worker_errors
        first_error = first_error or worker_first_error
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join()

    latencies.sort()
    return {
        "tps": len(txs) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95)] * 1000,
        "errors": errors,
        "first_error": first_error,
    }


def measure_in_process(count: int) -> float:
    svm = LiteSVM().with_blockhash_check(False).with_sigverify(False).with_transaction_history(0)
    state = State(SENDERS)
    for pubkey, account in state.accounts():
        svm.set_account(pubkey, account)
    txs = state.transfers(count, svm.latest_blockhash())
    started = time.perf_counter()
    for tx in txs:
        svm.send_transaction(tx)
    return count / (time.perf_counter() - started)


def measure_scale(
    directory: Path, accounts: int, transfers: int, clients: int, connections: int, depth: int, repeat: int
) -> dict:
    """Run the transfer load `repeat` times against one server and keep the fastest run, because
    other processes on a shared machine slow single runs down unevenly."""
    ledger = directory / f"scale-{accounts}"
    process, port, _ = start_server(ledger, reset=True)
    stop_server(process)
    state = State(accounts)
    state.write_ledger(ledger)

    process, port, restart_s = start_server(ledger, reset=False)
    try:
        blockhash = Hash.from_string(rpc(port, "getLatestBlockhash", [{"commitment": "processed"}])["result"]["value"]["blockhash"])
        warmup = min(200, transfers)
        run_load(port, state.transfers(warmup, blockhash), 1, 1, 8)
        runs = []
        for run in range(repeat):
            # Amounts continue after the earlier runs' amounts, so every signature is new.
            txs = state.transfers(transfers, blockhash, first_amount=1 + warmup + run * transfers)
            runs.append(run_load(port, txs, clients, connections, depth))
        result = max(runs, key=lambda item: item["tps"])
        result["errors"] = sum(item["errors"] for item in runs)
        result["first_error"] = next((item["first_error"] for item in runs if item["first_error"]), None)
        result["rss_mib"] = rss_mib(process.pid)
        result["restart_s"] = restart_s
        result["accounts"] = accounts
        return result
    finally:
        stop_server(process)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small state and few transfers")
    parser.add_argument("--transfers", type=int, default=None, help="transfers per load run (default 6000, quick 400)")
    parser.add_argument("--clients", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--connections", type=int, default=4, help="keep-alive connections per client (default 4)")
    parser.add_argument("--depth", type=int, default=8, help="pipelined requests per connection (default 8)")
    parser.add_argument("--sizes", default=None, help="comma-separated token account counts (default 1000,10000,100000; quick 1000)")
    parser.add_argument("--repeat", type=int, default=None, help="load runs per state size, fastest kept (default 3, quick 1)")
    args = parser.parse_args()

    transfers = args.transfers or (400 if args.quick else 6000)
    repeat = args.repeat or (1 if args.quick else 3)
    if args.sizes:
        sizes = [int(size) for size in args.sizes.split(",")]
    else:
        sizes = [1_000] if args.quick else [1_000, 10_000, 100_000]
    with tempfile.TemporaryDirectory(prefix="kgpu-localnet-bench-") as tmp:
        directory = Path(tmp)
        cold = measure_cold_start(directory)
        in_process = measure_in_process(transfers)
        rows = [
            measure_scale(directory, size, transfers, args.clients, args.connections, args.depth, repeat)
            for size in sizes
        ]

    print(f"machine: {os.cpu_count()} CPUs; clients: {args.clients} processes x {args.connections} connections x depth {args.depth}")
    print(f"{transfers} transfers per run, fastest of {repeat} runs per state size")
    print(f"cold start to first accepted transaction: {cold:.3f} s")
    print(f"in-process LiteSVM SPL transfers: {in_process:,.0f} tx/s")
    print()
    print(f"{'accounts':>9} {'tx/s':>8} {'rpc/in-proc':>11} {'p50 ms':>7} {'p95 ms':>7} {'RSS MiB':>8} {'restart s':>9} {'errors':>6}")
    for row in rows:
        print(
            f"{row['accounts']:>9,} {row['tps']:>8,.0f} {row['tps'] / in_process:>11.2f} {row['p50_ms']:>7.1f}"
            f" {row['p95_ms']:>7.1f} {row['rss_mib']:>8.0f} {row['restart_s']:>9.2f} {row['errors']:>6}"
        )
    failed = [row for row in rows if row["errors"]]
    for row in failed:
        print(f"first error at {row['accounts']} accounts: {row['first_error']}")
    if len(rows) > 1:
        print(f"throughput at {rows[-1]['accounts']:,} vs {rows[0]['accounts']:,} accounts: {rows[-1]['tps'] / rows[0]['tps']:.0%}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

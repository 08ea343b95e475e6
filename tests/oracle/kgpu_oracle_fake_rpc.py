"""A minimal Solana JSON-RPC server for outbox tests: it records calls and lands transactions on demand.

It implements `getLatestBlockhash`, `sendTransaction`, `getSignatureStatuses` and `getBlockHeight`.
Each `getBlockHeight` call advances the height by `height_step`, so blockhashes expire quickly.
The first `drop_transactions` distinct transactions never land, however often they are sent.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from solders.hash import Hash
from solders.transaction import Transaction


@dataclass
class FakeLedger:
    drop_transactions: int = 0
    dropped: set[str] = field(default_factory=set)
    height_step: int = 0
    block_height: int = 100
    blockhash_lifetime: int = 150
    calls: list[tuple[str, list[Any]]] = field(default_factory=list)
    sent: list[Transaction] = field(default_factory=list)
    landed: set[str] = field(default_factory=set)
    blockhashes: int = 0

    def handle(self, method: str, params: list[Any]) -> Any:
        self.calls.append((method, params))
        if method == "getLatestBlockhash":
            self.blockhashes += 1
            blockhash = Hash(hashlib.sha256(f"blockhash {self.blockhashes}".encode()).digest())
            return {
                "context": {"slot": self.block_height},
                "value": {"blockhash": str(blockhash), "lastValidBlockHeight": self.block_height + self.blockhash_lifetime},
            }
        if method == "sendTransaction":
            transaction = Transaction.from_bytes(base64.b64decode(params[0]))
            self.sent.append(transaction)
            signature = str(transaction.signatures[0])
            if signature in self.dropped:
                pass  # every copy of a dropped transaction is lost, as if its leader never saw it
            elif len(self.dropped) < self.drop_transactions:
                self.dropped.add(signature)
            else:
                self.landed.add(signature)
            return signature
        if method == "getBlockHeight":
            self.block_height += self.height_step
            return self.block_height
        if method == "getSignatureStatuses":
            statuses = [
                {"slot": self.block_height, "confirmations": None, "err": None, "status": {"Ok": None}, "confirmationStatus": "finalized"}
                if signature in self.landed
                else None
                for signature in params[0]
            ]
            return {"context": {"slot": self.block_height}, "value": statuses}
        raise ValueError(f"fake RPC does not implement {method}")

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]


def fake_rpc_app(ledger: FakeLedger) -> FastAPI:
    app = FastAPI()

    @app.post("/")
    async def rpc(request: Request) -> dict[str, Any]:
        body = await request.json()
        result = ledger.handle(body["method"], body.get("params", []))
        return {"jsonrpc": "2.0", "id": body["id"], "result": result}

    return app

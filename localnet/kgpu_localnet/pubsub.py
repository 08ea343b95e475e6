"""Solana PubSub (JSON-RPC over WebSocket): account, program, signature, logs, slot and root
subscriptions.

A subscription with commitment `processed` is notified as each transaction executes. One with
`confirmed` or `finalized` is notified when that commitment reaches the slot of the change, once
per changed account per slot, with the account's state at the end of that slot.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass, field
from typing import Any

import orjson
from solders.account import Account
from solders.pubkey import Pubkey
from solders.signature import Signature
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from kgpu_localnet.cluster import Cluster, TransactionRecord
from kgpu_localnet.encoding import check_encoding, encode_account
from kgpu_localnet.errors import INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR, RpcError
from kgpu_localnet.rpc import Rpc, parse_pubkey, parse_signature

log = logging.getLogger("kgpu_localnet.pubsub")

MAX_QUEUED_MESSAGES = 100_000


@dataclass(eq=False)
class Subscription:
    id: int
    kind: str
    client: "Client"
    commitment: str
    key: Any = None
    encoding: str = "base64"
    filters: list = field(default_factory=list)
    mentions: Pubkey | None = None
    received: bool = False


@dataclass
class SlotEvents:
    transactions: list[TransactionRecord] = field(default_factory=list)
    accounts: set[Pubkey] = field(default_factory=set)


class Client:
    def __init__(self, connection: ServerConnection) -> None:
        self.connection = connection
        self.outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.subscriptions: set[int] = set()
        self.dropped = 0

    def send(self, message: dict) -> None:
        if self.outbox.qsize() >= MAX_QUEUED_MESSAGES:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 10_000 == 0:
                log.warning(
                    "client %s is not reading: %d notifications queued, %d dropped",
                    self.connection.remote_address, self.outbox.qsize(), self.dropped,
                )
            return
        self.outbox.put_nowait(orjson.dumps(message))

    async def pump(self) -> None:
        while True:
            message = await self.outbox.get()
            await self.connection.send(message.decode())


class PubSub:
    """Subscription server, registered as the cluster's `ClusterListener`."""

    def __init__(self, cluster: Cluster, rpc: Rpc) -> None:
        self.cluster = cluster
        self.rpc = rpc
        self.ids = itertools.count(1)
        self.subscriptions: dict[int, Subscription] = {}
        self.account_subs: dict[Pubkey, list[Subscription]] = {}
        self.program_subs: dict[Pubkey, list[Subscription]] = {}
        self.signature_subs: dict[Signature, list[Subscription]] = {}
        self.logs_subs: list[Subscription] = []
        self.slot_subs: list[Subscription] = []
        self.root_subs: list[Subscription] = []
        self.events: dict[int, SlotEvents] = {}
        self.notified = {"confirmed": cluster.confirmed, "finalized": cluster.finalized}
        cluster.listener = self

    # ------------------------------------------------------------------ server

    async def serve(self, host: str, port: int):
        return await serve(self._handle, host, port, max_size=10 * 1024 * 1024, ping_interval=None)

    async def _handle(self, connection: ServerConnection) -> None:
        client = Client(connection)
        pump = asyncio.create_task(client.pump())
        try:
            async for message in connection:
                response = self._handle_message(client, message)
                if response is not None:
                    client.send(response)
        except ConnectionClosed:
            pass
        finally:
            pump.cancel()
            for subscription_id in list(client.subscriptions):
                self._remove(subscription_id)

    def _handle_message(self, client: Client, message: str | bytes) -> Any:
        try:
            request = orjson.loads(message)
        except orjson.JSONDecodeError:
            return {"jsonrpc": "2.0", "error": {"code": PARSE_ERROR, "message": "Parse error"}, "id": None}
        if isinstance(request, list):
            return [self._handle_request(client, item) for item in request]
        return self._handle_request(client, request)

    def _handle_request(self, client: Client, request: Any) -> dict:
        request_id = request.get("id") if isinstance(request, dict) else None
        try:
            if not isinstance(request, dict) or request.get("jsonrpc") != "2.0" or not isinstance(request.get("method"), str):
                raise RpcError(INVALID_REQUEST, "Invalid request")
            method = request["method"]
            params = request.get("params") or []
            if method.endswith("Unsubscribe"):
                result = self._unsubscribe(client, method, params)
            elif method.endswith("Subscribe"):
                result = self._subscribe(client, method, params)
            else:
                raise RpcError(METHOD_NOT_FOUND, "Method not found")
        except RpcError as error:
            return {"jsonrpc": "2.0", "error": error.to_json(), "id": request_id}
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as error:
            return {"jsonrpc": "2.0", "error": {"code": INVALID_PARAMS, "message": f"Invalid params: {error}"}, "id": request_id}
        return {"jsonrpc": "2.0", "result": result, "id": request_id}

    def _subscribe(self, client: Client, method: str, params: list) -> int:
        config = params[1] if len(params) > 1 and isinstance(params[1], dict) else {}
        commitment = Rpc.commitment_name(config)
        subscription = Subscription(next(self.ids), method[: -len("Subscribe")], client, commitment)
        if subscription.kind == "account":
            subscription.key = parse_pubkey(params[0])
            subscription.encoding = config.get("encoding", "base64")
            check_encoding(subscription.encoding)
            self.account_subs.setdefault(subscription.key, []).append(subscription)
        elif subscription.kind == "program":
            subscription.key = parse_pubkey(params[0])
            subscription.encoding = config.get("encoding", "base64")
            check_encoding(subscription.encoding)
            subscription.filters = self.rpc._compile_filters(config.get("filters") or [])
            self.program_subs.setdefault(subscription.key, []).append(subscription)
        elif subscription.kind == "signature":
            subscription.key = parse_signature(params[0])
            subscription.received = bool(config.get("enableReceivedNotification", False))
            self.signature_subs.setdefault(subscription.key, []).append(subscription)
        elif subscription.kind == "logs":
            target = params[0] if params else "all"
            if isinstance(target, dict):
                mentions = target.get("mentions") or []
                if len(mentions) != 1:
                    raise RpcError(INVALID_PARAMS, "Invalid Request: Only 1 address supported")
                subscription.mentions = parse_pubkey(mentions[0])
            elif target not in ("all", "allWithVotes"):
                raise RpcError(INVALID_PARAMS, f"Invalid params: unknown logs filter {target!r}")
            self.logs_subs.append(subscription)
        elif subscription.kind == "slot":
            self.slot_subs.append(subscription)
        elif subscription.kind == "root":
            self.root_subs.append(subscription)
        else:
            raise RpcError(METHOD_NOT_FOUND, "Method not found")
        self.subscriptions[subscription.id] = subscription
        client.subscriptions.add(subscription.id)
        if subscription.kind == "signature":
            asyncio.get_running_loop().call_soon(self._check_signature, subscription)
        return subscription.id

    def _unsubscribe(self, client: Client, method: str, params: list) -> bool:
        subscription_id = params[0] if params else None
        subscription = self.subscriptions.get(subscription_id)
        kind = method[: -len("Unsubscribe")]
        if subscription is None or subscription.client is not client or subscription.kind != kind:
            raise RpcError(INVALID_PARAMS, "Invalid subscription id.")
        self._remove(subscription_id)
        return True

    def _remove(self, subscription_id: int) -> None:
        subscription = self.subscriptions.pop(subscription_id, None)
        if subscription is None:
            return
        subscription.client.subscriptions.discard(subscription_id)
        if subscription.kind in ("account", "program", "signature"):
            index = {"account": self.account_subs, "program": self.program_subs, "signature": self.signature_subs}[subscription.kind]
            entries = index.get(subscription.key, [])
            if subscription in entries:
                entries.remove(subscription)
            if not entries:
                index.pop(subscription.key, None)
        else:
            entries = {"logs": self.logs_subs, "slot": self.slot_subs, "root": self.root_subs}[subscription.kind]
            if subscription in entries:
                entries.remove(subscription)

    # ------------------------------------------------------------------ notifications

    @staticmethod
    def _notify(subscription: Subscription, method: str, result: Any) -> None:
        subscription.client.send(
            {"jsonrpc": "2.0", "method": method, "params": {"result": result, "subscription": subscription.id}}
        )

    def _context(self, slot: int, value: Any) -> dict:
        return {"context": {"slot": slot}, "value": value}

    def _account_json(self, subscription: Subscription, account: Account | None) -> dict:
        if account is None:
            account = Account(0, b"", Pubkey.default(), False, 0)
        return encode_account(account, subscription.encoding, None, self.rpc.mint_data)

    def _notify_accounts(self, level: str, slot: int, changed: dict[Pubkey, Account | None]) -> None:
        for pubkey, account in changed.items():
            subscribers = self.account_subs.get(pubkey)
            owner_subscribers = None
            if account is None and (subscribers or self.program_subs):
                account = self.cluster.account_at(pubkey, slot)
            if account is not None:
                owner_subscribers = self.program_subs.get(account.owner)
            for subscription in subscribers or ():
                if subscription.commitment == level:
                    self._notify(subscription, "accountNotification", self._context(slot, self._account_json(subscription, account)))
            if owner_subscribers:
                data = bytes(account.data)
                for subscription in owner_subscribers:
                    if subscription.commitment != level or not all(check(data) for check in subscription.filters):
                        continue
                    value = {"pubkey": str(pubkey), "account": self._account_json(subscription, account)}
                    self._notify(subscription, "programNotification", self._context(slot, value))

    def _notify_logs(self, level: str, record: TransactionRecord) -> None:
        for subscription in self.logs_subs:
            if subscription.commitment != level:
                continue
            if subscription.mentions is not None and subscription.mentions not in record.account_keys:
                continue
            value = {"signature": str(record.signature), "err": record.err, "logs": record.meta["logMessages"]}
            self._notify(subscription, "logsNotification", self._context(record.slot, value))

    def _check_signature(self, subscription: Subscription) -> None:
        if subscription.id not in self.subscriptions:
            return
        status = self.cluster.statuses.get(subscription.key)
        if status is None:
            return
        slot, err = status
        reached = {"processed": self.cluster.slot, "confirmed": self.cluster.confirmed, "finalized": self.cluster.finalized}
        if subscription.received:
            self._notify(subscription, "signatureNotification", self._context(slot, "receivedSignature"))
            subscription.received = False
        if slot <= reached[subscription.commitment]:
            self._notify(subscription, "signatureNotification", self._context(slot, {"err": err}))
            self._remove(subscription.id)

    # ------------------------------------------------------------------ ClusterListener

    def _has_change_subscribers(self) -> bool:
        return bool(self.account_subs or self.program_subs or self.logs_subs)

    def on_transaction(self, record: TransactionRecord, written: dict[Pubkey, Account | None]) -> None:
        if self._has_change_subscribers():
            events = self.events.setdefault(record.slot, SlotEvents())
            events.transactions.append(record)
            events.accounts.update(written)
            self._notify_accounts("processed", record.slot, written)
            self._notify_logs("processed", record)
        for subscription in list(self.signature_subs.get(record.signature, ())):
            self._check_signature(subscription)

    def on_account_written(self, slot: int, pubkey: Pubkey) -> None:
        if self.account_subs or self.program_subs:
            self.events.setdefault(slot, SlotEvents()).accounts.add(pubkey)
            self._notify_accounts("processed", slot, {pubkey: None})

    def on_slot(self, slot: int, parent: int, root: int) -> None:
        for subscription in self.slot_subs:
            self._notify(subscription, "slotNotification", {"parent": parent, "root": root, "slot": slot})

    def on_commitment(self, confirmed: int, finalized: int) -> None:
        for level, reached in (("confirmed", confirmed), ("finalized", finalized)):
            previous = self.notified[level]
            if reached <= previous:
                continue
            self.notified[level] = reached
            for slot in sorted(s for s in self.events if previous < s <= reached):
                events = self.events[slot]
                self._notify_accounts(level, slot, dict.fromkeys(events.accounts))
                for record in events.transactions:
                    self._notify_logs(level, record)
            if level == "finalized":
                for subscription in self.root_subs:
                    self._notify(subscription, "rootNotification", reached)
        for slot in [s for s in self.events if s <= finalized]:
            del self.events[slot]
        for subscriptions in list(self.signature_subs.values()):
            for subscription in list(subscriptions):
                self._check_signature(subscription)

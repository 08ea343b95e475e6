"""Solana JSON-RPC 2.0 methods over a `Cluster`.

Method names, parameters, response shapes and error codes follow the agave RPC server. Extra
localnet methods carry the `kgpu_` prefix. `Rpc.handle_body_sync` takes one HTTP body (a request
or a batch) and returns the response body. It runs on the event loop thread, and only the
`kgpu_*` time-travel methods need the awaiting `handle_body`.
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any, Awaitable, Callable

import orjson
from solders.account import Account
from solders.hash import Hash
from solders.message import Message, MessageV0, from_bytes_versioned
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata

from kgpu_localnet import b58
from kgpu_localnet.cluster import (
    MAX_PROCESSING_AGE,
    Cluster,
    compute_fee,
    failed_json,
    inner_instructions_json,
    return_data_json,
)
from kgpu_localnet.encoding import (
    TOKEN_PROGRAM_IDS,
    check_encoding,
    encode_account,
    encode_transaction,
    mint_decimals,
    token_account_fields,
    token_kind,
    ui_token_amount,
)
from kgpu_localnet.errors import (
    BLOCK_NOT_AVAILABLE,
    INTERNAL_ERROR,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    MIN_CONTEXT_SLOT_NOT_REACHED,
    PARSE_ERROR,
    SLOT_SKIPPED,
    UNSUPPORTED_TRANSACTION_VERSION,
    RpcError,
    invalid_params,
)

log = logging.getLogger("kgpu_localnet.rpc")

# The agave release whose RPC API this server follows; clients read it from getVersion and
# `context.apiVersion`.
API_VERSION = "2.2.0"
FEATURE_SET = 3294202862
MAX_MULTIPLE_ACCOUNTS = 100
MAX_SIGNATURE_STATUSES = 256
MAX_GET_BLOCKS_RANGE = 500_000
MAX_SIGNATURES_FOR_ADDRESS = 1000
MAX_BASE58_TRANSACTION_SIZE = 1683
MAX_BASE64_TRANSACTION_SIZE = 1644

COMMITMENT_ALIASES = {
    "processed": "processed",
    "confirmed": "confirmed",
    "finalized": "finalized",
    "recent": "processed",
    "single": "confirmed",
    "singleGossip": "confirmed",
    "root": "finalized",
    "max": "finalized",
}


def _param(params: list, index: int, default: Any = None) -> Any:
    return params[index] if len(params) > index and params[index] is not None else default


def _config(params: list, index: int) -> dict:
    value = _param(params, index, {})
    if not isinstance(value, dict):
        raise invalid_params(f"expected a configuration object at position {index}")
    return value


def parse_pubkey(value: Any) -> Pubkey:
    if not isinstance(value, str):
        raise invalid_params("expected a base58 public key string")
    try:
        return Pubkey.from_string(value)
    except ValueError:
        raise invalid_params(f"Invalid param: {value!r} is not a valid public key") from None


def parse_signature(value: Any) -> Signature:
    try:
        return Signature.from_string(value)
    except (ValueError, TypeError):
        raise invalid_params(f"Invalid param: {value!r} is not a valid signature") from None


def parse_hash(value: Any) -> Hash:
    try:
        return Hash.from_string(value)
    except (ValueError, TypeError):
        raise invalid_params(f"Invalid param: {value!r} is not a valid hash") from None


def decode_transaction(encoded: Any, encoding: str) -> tuple[bytes, VersionedTransaction]:
    if not isinstance(encoded, str):
        raise invalid_params("expected an encoded transaction string")
    try:
        if encoding == "base58":
            if len(encoded) > MAX_BASE58_TRANSACTION_SIZE:
                raise invalid_params(f"base58 encoded solana_transaction too large: {len(encoded)} bytes (max: encoded/raw {MAX_BASE58_TRANSACTION_SIZE}/1232)")
            raw = b58.b58decode(encoded)
        elif encoding == "base64":
            if len(encoded) > MAX_BASE64_TRANSACTION_SIZE:
                raise invalid_params(f"base64 encoded solana_transaction too large: {len(encoded)} bytes (max: encoded/raw {MAX_BASE64_TRANSACTION_SIZE}/1232)")
            raw = base64.b64decode(encoded, validate=True)
        else:
            raise invalid_params(f"unsupported transaction encoding {encoding}, expected base58 or base64")
    except (ValueError, binascii.Error) as error:
        raise invalid_params(f"invalid {encoding} encoding: {error}") from None
    try:
        tx = VersionedTransaction.from_bytes(raw)
    except ValueError as error:
        raise invalid_params(f"failed to deserialize solana_transaction::versioned::VersionedTransaction: {error}") from None
    if len(tx.signatures) != tx.message.header.num_required_signatures:
        raise invalid_params("transaction has a signature count different from its message header")
    return raw, tx


class Rpc:
    def __init__(self, cluster: Cluster, rpc_url: str = "", ws_url: str = "") -> None:
        self.cluster = cluster
        self.rpc_url = rpc_url
        self.ws_url = ws_url
        self.methods: dict[str, Callable[[list], Any]] = {}
        self.async_methods: dict[str, Callable[[list], Awaitable[Any]]] = {
            "kgpu_warpSlot": self.kgpu_warp_slot,
            "kgpu_setClock": self.kgpu_set_clock,
            "kgpu_warpTime": self.kgpu_warp_time,
        }
        for name in dir(self):
            if name.startswith("get") or name.startswith("is") or name in (
                "sendTransaction",
                "simulateTransaction",
                "requestAirdrop",
                "minimumLedgerSlot",
            ):
                self.methods[name] = getattr(self, name)
        self.methods["kgpu_setAccount"] = self.kgpu_set_account
        self.methods["kgpu_getLedgerInfo"] = self.kgpu_get_ledger_info

    # ------------------------------------------------------------------ dispatch

    def handle_body_sync(self, body: bytes) -> bytes | None:
        """Handle a body without awaiting. Return None if it needs `handle_body` (kgpu warps)."""
        try:
            request = orjson.loads(body)
        except orjson.JSONDecodeError:
            return orjson.dumps(_error_response(None, RpcError(PARSE_ERROR, "Parse error")))
        if isinstance(request, list):
            if any(isinstance(item, dict) and item.get("method") in self.async_methods for item in request):
                return None
            if not request:
                return orjson.dumps(_error_response(None, RpcError(INVALID_REQUEST, "Invalid request")))
            responses = [self.handle_one(item) for item in request]
            return orjson.dumps([response for response in responses if response is not None])
        if isinstance(request, dict) and request.get("method") in self.async_methods:
            return None
        response = self.handle_one(request)
        return orjson.dumps(response) if response is not None else b""

    async def handle_body(self, body: bytes) -> bytes:
        request = orjson.loads(body)
        if isinstance(request, list):
            responses = [await self.handle_one_async(item) for item in request]
            return orjson.dumps([response for response in responses if response is not None])
        response = await self.handle_one_async(request)
        return orjson.dumps(response) if response is not None else b""

    def _validate(self, request: Any) -> tuple[Any, str, list]:
        if not isinstance(request, dict) or request.get("jsonrpc") != "2.0":
            raise RpcError(INVALID_REQUEST, "Invalid request")
        method = request.get("method")
        if not isinstance(method, str):
            raise RpcError(INVALID_REQUEST, "Invalid request")
        params = request.get("params", [])
        if params is None:
            params = []
        if not isinstance(params, list):
            raise invalid_params("params must be an array")
        return request.get("id"), method, params

    def handle_one(self, request: Any) -> dict | None:
        request_id = request.get("id") if isinstance(request, dict) else None
        try:
            request_id, method, params = self._validate(request)
            handler = self.methods.get(method)
            if handler is None:
                raise RpcError(METHOD_NOT_FOUND, "Method not found")
            result = handler(params)
        except RpcError as error:
            return _error_response(request_id, error)
        except (TypeError, ValueError, KeyError, IndexError) as error:
            return _error_response(request_id, invalid_params(str(error)))
        except Exception as error:
            log.exception("internal error in %s", request.get("method"))
            return _error_response(request_id, RpcError(INTERNAL_ERROR, f"Internal error: {error}"))
        return {"jsonrpc": "2.0", "result": result, "id": request_id}

    async def handle_one_async(self, request: Any) -> dict | None:
        method = request.get("method") if isinstance(request, dict) else None
        if method not in self.async_methods:
            return self.handle_one(request)
        request_id = request.get("id")
        try:
            _, _, params = self._validate(request)
            result = await self.async_methods[method](params)
        except RpcError as error:
            return _error_response(request_id, error)
        except (TypeError, ValueError, KeyError) as error:
            return _error_response(request_id, invalid_params(str(error)))
        return {"jsonrpc": "2.0", "result": result, "id": request_id}

    # ------------------------------------------------------------------ helpers

    def commitment_slot(self, config: dict, default: str = "finalized") -> int:
        commitment = self.commitment_name(config, default)
        cluster = self.cluster
        slot = {"processed": cluster.slot, "confirmed": cluster.confirmed, "finalized": cluster.finalized}[commitment]
        min_context_slot = config.get("minContextSlot")
        if min_context_slot is not None and min_context_slot > slot:
            raise RpcError(
                MIN_CONTEXT_SLOT_NOT_REACHED,
                "Minimum context slot has not been reached",
                {"contextSlot": slot},
            )
        return slot

    @staticmethod
    def commitment_name(config: dict, default: str = "finalized") -> str:
        commitment = config.get("commitment", default) or default
        name = COMMITMENT_ALIASES.get(commitment)
        if name is None:
            raise invalid_params(f"unknown commitment `{commitment}`, expected processed, confirmed or finalized")
        return name

    @staticmethod
    def context(slot: int, value: Any) -> dict:
        return {"context": {"apiVersion": API_VERSION, "slot": slot}, "value": value}

    def mint_data(self, mint: Pubkey) -> bytes | None:
        account = self.cluster.svm.get_account(mint)
        return bytes(account.data) if account is not None else None

    def encode(self, account: Account, config: dict) -> dict:
        encoding = config.get("encoding", "base64")
        check_encoding(encoding)
        return encode_account(account, encoding, config.get("dataSlice"), self.mint_data)

    # ------------------------------------------------------------------ cluster

    def getHealth(self, params: list) -> str:
        return "ok"

    def getVersion(self, params: list) -> dict:
        return {"solana-core": API_VERSION, "feature-set": FEATURE_SET}

    def getGenesisHash(self, params: list) -> str:
        return str(self.cluster.genesis_hash)

    def getIdentity(self, params: list) -> dict:
        return {"identity": str(self.cluster.identity.pubkey())}

    def getSlot(self, params: list) -> int:
        return self.commitment_slot(_config(params, 0))

    def getBlockHeight(self, params: list) -> int:
        # Block height equals the slot number on this cluster (see cluster.py).
        return self.commitment_slot(_config(params, 0))

    def getSlotLeader(self, params: list) -> str:
        return str(self.cluster.identity.pubkey())

    def getSlotLeaders(self, params: list) -> list[str]:
        return [str(self.cluster.identity.pubkey())] * int(_param(params, 1, 1))

    def getMaxRetransmitSlot(self, params: list) -> int:
        return self.cluster.slot

    def getMaxShredInsertSlot(self, params: list) -> int:
        return self.cluster.slot

    def getTransactionCount(self, params: list) -> int:
        self.commitment_slot(_config(params, 0))
        return self.cluster.transaction_count

    def getEpochInfo(self, params: list) -> dict:
        slot = self.commitment_slot(_config(params, 0))
        schedule = self.cluster.epoch_schedule
        epoch, slot_index = schedule.get_epoch_and_slot_index(slot)
        return {
            "absoluteSlot": slot,
            "blockHeight": slot,
            "epoch": epoch,
            "slotIndex": slot_index,
            "slotsInEpoch": schedule.get_slots_in_epoch(epoch),
            "transactionCount": self.cluster.transaction_count,
        }

    def getEpochSchedule(self, params: list) -> dict:
        schedule = self.cluster.epoch_schedule
        return {
            "firstNormalEpoch": schedule.first_normal_epoch,
            "firstNormalSlot": schedule.first_normal_slot,
            "leaderScheduleSlotOffset": schedule.leader_schedule_slot_offset,
            "slotsPerEpoch": schedule.slots_per_epoch,
            "warmup": schedule.warmup,
        }

    def getLeaderSchedule(self, params: list) -> dict:
        schedule = self.cluster.epoch_schedule
        epoch = schedule.get_epoch(self.cluster.slot)
        return {str(self.cluster.identity.pubkey()): list(range(schedule.get_slots_in_epoch(epoch)))}

    def getClusterNodes(self, params: list) -> list[dict]:
        rpc_host = self.rpc_url.split("//", 1)[-1]
        return [
            {
                "pubkey": str(self.cluster.identity.pubkey()),
                "gossip": None,
                "tpu": None,
                "tpuQuic": None,
                "rpc": rpc_host,
                "pubsub": self.ws_url.split("//", 1)[-1],
                "version": API_VERSION,
                "featureSet": FEATURE_SET,
                "shredVersion": 0,
            }
        ]

    def getVoteAccounts(self, params: list) -> dict:
        return {"current": [], "delinquent": []}

    def getInflationGovernor(self, params: list) -> dict:
        return {"foundation": 0.0, "foundationTerm": 0.0, "initial": 0.0, "taper": 0.0, "terminal": 0.0}

    def getInflationRate(self, params: list) -> dict:
        epoch = self.cluster.epoch_schedule.get_epoch(self.cluster.slot)
        return {"epoch": epoch, "foundation": 0.0, "total": 0.0, "validator": 0.0}

    def getStakeMinimumDelegation(self, params: list) -> dict:
        return self.context(self.commitment_slot(_config(params, 0)), 1_000_000_000)

    def getRecentPerformanceSamples(self, params: list) -> list[dict]:
        slot_ms = self.cluster.config.slot_ms
        slots = max(1, 60_000 // slot_ms)
        return [
            {
                "slot": self.cluster.slot,
                "numSlots": slots,
                "numTransactions": 0,
                "numNonVoteTransactions": 0,
                "samplePeriodSecs": 60,
            }
        ]

    def getFirstAvailableBlock(self, params: list) -> int:
        return self.cluster.ledger.first_block_slot()

    def minimumLedgerSlot(self, params: list) -> int:
        return self.cluster.ledger.first_block_slot()

    def getHighestSnapshotSlot(self, params: list) -> dict:
        raise RpcError(-32008, "No snapshot")

    def getSupply(self, params: list) -> dict:
        config = _config(params, 0)
        slot = self.commitment_slot(config)
        # Total supply sums the accounts written through this server, faucet included. The
        # programs and sysvars that LiteSVM creates at startup are not counted.
        total = sum(self.cluster.balance(key) for key in self.cluster.known_accounts())
        faucet = self.cluster.faucet.pubkey()
        faucet_balance = self.cluster.balance(faucet)
        non_circulating_accounts = [] if config.get("excludeNonCirculatingAccountsList") else [str(faucet)]
        return self.context(
            slot,
            {
                "total": total,
                "circulating": total - faucet_balance,
                "nonCirculating": faucet_balance,
                "nonCirculatingAccounts": non_circulating_accounts,
            },
        )

    # ------------------------------------------------------------------ blockhash and fees

    def getLatestBlockhash(self, params: list) -> dict:
        slot = self.commitment_slot(_config(params, 0))
        return self.context(
            slot,
            {
                "blockhash": str(self.cluster.blockhash_of(slot)),
                "lastValidBlockHeight": slot + MAX_PROCESSING_AGE,
            },
        )

    def isBlockhashValid(self, params: list) -> dict:
        blockhash = parse_hash(_param(params, 0))
        slot = self.commitment_slot(_config(params, 1), "finalized")
        return self.context(slot, self.cluster.blockhash_slot(blockhash) is not None)

    def getFeeForMessage(self, params: list) -> dict:
        encoded = _param(params, 0)
        slot = self.commitment_slot(_config(params, 1))
        try:
            message = from_bytes_versioned(base64.b64decode(encoded, validate=True))
        except (ValueError, TypeError, binascii.Error) as error:
            raise invalid_params(f"invalid base64 message: {error}") from None
        if self.cluster.blockhash_slot(message.recent_blockhash) is None:
            return self.context(slot, None)
        fee, _ = compute_fee(message)
        return self.context(slot, fee)

    def getRecentPrioritizationFees(self, params: list) -> list[dict]:
        addresses = _param(params, 0, [])
        if len(addresses) > 128:
            raise invalid_params("Too many inputs provided; max 128")
        # Fees are per slot over all transactions, not filtered by the given accounts.
        fees = {slot: fee for slot, fee in self.cluster.priority_fees}
        first = max(0, self.cluster.slot - MAX_PROCESSING_AGE)
        return [{"slot": slot, "prioritizationFee": fees.get(slot, 0)} for slot in range(first, self.cluster.slot)]

    def getMinimumBalanceForRentExemption(self, params: list) -> int:
        size = _param(params, 0)
        if not isinstance(size, int) or size < 0:
            raise invalid_params("data length must be a non-negative integer")
        return self.cluster.svm.minimum_balance_for_rent_exemption(size)

    # ------------------------------------------------------------------ accounts

    def getBalance(self, params: list) -> dict:
        pubkey = parse_pubkey(_param(params, 0))
        slot = self.commitment_slot(_config(params, 1))
        return self.context(slot, self.cluster.balance_at(pubkey, slot))

    def getAccountInfo(self, params: list) -> dict:
        pubkey = parse_pubkey(_param(params, 0))
        config = _config(params, 1)
        slot = self.commitment_slot(config)
        account = self.cluster.account_at(pubkey, slot)
        return self.context(slot, self.encode(account, config) if account is not None else None)

    def getMultipleAccounts(self, params: list) -> dict:
        keys = _param(params, 0, [])
        if len(keys) > MAX_MULTIPLE_ACCOUNTS:
            raise invalid_params(f"Too many inputs provided; max {MAX_MULTIPLE_ACCOUNTS}")
        config = _config(params, 1)
        slot = self.commitment_slot(config)
        values = []
        for key in keys:
            account = self.cluster.account_at(parse_pubkey(key), slot)
            values.append(self.encode(account, config) if account is not None else None)
        return self.context(slot, values)

    @staticmethod
    def _compile_filters(filters: list) -> list[Callable[[bytes], bool]]:
        compiled: list[Callable[[bytes], bool]] = []
        if len(filters) > 4:
            raise invalid_params("Too many filters provided; max 4")
        for item in filters:
            if "dataSize" in item:
                size = item["dataSize"]
                compiled.append(lambda data, size=size: len(data) == size)
            elif "memcmp" in item:
                memcmp = item["memcmp"]
                offset = int(memcmp["offset"])
                encoding = memcmp.get("encoding", "base58")
                try:
                    if encoding == "base58":
                        expected = b58.b58decode(memcmp["bytes"])
                    elif encoding == "base64":
                        expected = base64.b64decode(memcmp["bytes"], validate=True)
                    else:
                        raise invalid_params(f"unsupported memcmp encoding {encoding}")
                except (ValueError, binascii.Error):
                    raise invalid_params(f"invalid {encoding} bytes in memcmp filter") from None
                compiled.append(
                    lambda data, offset=offset, expected=expected: data[offset : offset + len(expected)] == expected
                )
            elif "tokenAccountState" in item:
                compiled.append(lambda data: len(data) >= 165 and data[108] in (1, 2))
            else:
                raise invalid_params(f"unknown filter {item!r}")
        return compiled

    def _program_accounts(self, program: Pubkey, filters: list, slot: int) -> list[tuple[Pubkey, Account]]:
        # Candidates come from the latest owner index, so an account closed or reassigned
        # after `slot` is missing from a read at an older commitment.
        checks = self._compile_filters(filters)
        account_at = self.cluster.account_at
        found = []
        for pubkey in list(self.cluster.owner_index.get(program, ())):
            account = account_at(pubkey, slot)
            if account is None or account.owner != program:
                continue
            data = bytes(account.data)
            if all(check(data) for check in checks):
                found.append((pubkey, account))
        return found

    def getProgramAccounts(self, params: list) -> Any:
        program = parse_pubkey(_param(params, 0))
        config = _config(params, 1)
        slot = self.commitment_slot(config)
        accounts = [
            {"pubkey": str(pubkey), "account": self.encode(account, config)}
            for pubkey, account in self._program_accounts(program, config.get("filters") or [], slot)
        ]
        if config.get("withContext"):
            return self.context(slot, accounts)
        return accounts

    # ------------------------------------------------------------------ tokens

    def _token_account(self, pubkey: Pubkey, slot: int) -> tuple[Account, bytes]:
        account = self.cluster.account_at(pubkey, slot)
        if account is None or token_kind(account.owner, bytes(account.data)) != "account":
            raise invalid_params("Invalid param: not a Token account")
        return account, bytes(account.data)

    def getTokenAccountBalance(self, params: list) -> dict:
        pubkey = parse_pubkey(_param(params, 0))
        slot = self.commitment_slot(_config(params, 1))
        _, data = self._token_account(pubkey, slot)
        mint, _, amount = token_account_fields(data)
        mint_data = self.mint_data(mint)
        if mint_data is None:
            raise invalid_params("Invalid param: could not find mint")
        return self.context(slot, ui_token_amount(amount, mint_decimals(mint_data)))

    def getTokenSupply(self, params: list) -> dict:
        mint = parse_pubkey(_param(params, 0))
        slot = self.commitment_slot(_config(params, 1))
        account = self.cluster.account_at(mint, slot)
        if account is None or token_kind(account.owner, bytes(account.data)) != "mint":
            raise invalid_params("Invalid param: not a Token mint")
        data = bytes(account.data)
        return self.context(slot, ui_token_amount(int.from_bytes(data[36:44], "little"), mint_decimals(data)))

    def _token_accounts_by(self, params: list, field_offset: int) -> dict:
        holder = parse_pubkey(_param(params, 0))
        token_filter = _param(params, 1)
        config = _config(params, 2)
        slot = self.commitment_slot(config)
        if not isinstance(token_filter, dict) or not ({"mint", "programId"} & token_filter.keys()):
            raise invalid_params("Invalid param: expected {\"mint\": ...} or {\"programId\": ...}")
        if "mint" in token_filter:
            mint = parse_pubkey(token_filter["mint"])
            mint_account = self.cluster.svm.get_account(mint)
            if mint_account is None or mint_account.owner not in TOKEN_PROGRAM_IDS:
                raise invalid_params("Invalid param: could not find mint")
            programs = [mint_account.owner]
            filters = [{"memcmp": {"offset": 0, "bytes": str(mint)}}]
        else:
            program = parse_pubkey(token_filter["programId"])
            if program not in TOKEN_PROGRAM_IDS:
                raise invalid_params("Invalid param: unrecognized Token program id")
            programs = [program]
            filters = []
        if field_offset == 32:
            filters.append({"memcmp": {"offset": 32, "bytes": str(holder)}})
        else:
            # Delegate: COption tag 1 at offset 72, then the delegate key.
            filters.append({"memcmp": {"offset": 72, "bytes": b58.b58encode(b"\x01\x00\x00\x00" + bytes(holder))}})
        values = []
        for program in programs:
            for pubkey, account in self._program_accounts(program, filters, slot):
                if token_kind(account.owner, bytes(account.data)) != "account":
                    continue
                values.append({"pubkey": str(pubkey), "account": self.encode(account, config)})
        return self.context(slot, values)

    def getTokenAccountsByOwner(self, params: list) -> dict:
        return self._token_accounts_by(params, 32)

    def getTokenAccountsByDelegate(self, params: list) -> dict:
        return self._token_accounts_by(params, 72)

    def getTokenLargestAccounts(self, params: list) -> dict:
        mint = parse_pubkey(_param(params, 0))
        slot = self.commitment_slot(_config(params, 1))
        mint_account = self.cluster.svm.get_account(mint)
        if mint_account is None or token_kind(mint_account.owner, bytes(mint_account.data)) != "mint":
            raise invalid_params("Invalid param: not a Token mint")
        decimals = mint_decimals(bytes(mint_account.data))
        holders = []
        for pubkey, account in self._program_accounts(mint_account.owner, [{"memcmp": {"offset": 0, "bytes": str(mint)}}], slot):
            data = bytes(account.data)
            if token_kind(account.owner, data) == "account":
                holders.append((token_account_fields(data)[2], pubkey))
        holders.sort(key=lambda item: item[0], reverse=True)
        return self.context(
            slot, [{"address": str(pubkey), **ui_token_amount(amount, decimals)} for amount, pubkey in holders[:20]]
        )

    # ------------------------------------------------------------------ transactions

    def sendTransaction(self, params: list) -> str:
        encoded = _param(params, 0)
        config = _config(params, 1)
        encoding = config.get("encoding", "base58")
        raw, tx = decode_transaction(encoded, encoding)
        self.cluster.verify_signatures(tx)
        if not config.get("skipPreflight", False):
            self.commitment_slot({"commitment": config.get("preflightCommitment", "finalized"),
                                  "minContextSlot": config.get("minContextSlot")})
        signature = self.cluster.send(raw, tx, bool(config.get("skipPreflight", False)))
        return str(signature)

    def simulateTransaction(self, params: list) -> dict:
        config = _config(params, 1)
        raw, tx = decode_transaction(_param(params, 0), config.get("encoding", "base58"))
        slot = self.commitment_slot(config)
        cluster = self.cluster
        replace = bool(config.get("replaceRecentBlockhash", False))
        if config.get("sigVerify", False):
            if replace:
                raise invalid_params("sigVerify may not be used with replaceRecentBlockhash")
            cluster.verify_signatures(tx)
        replacement = None
        if replace:
            blockhash = cluster.blockhash_of(cluster.slot)
            message = tx.message
            if isinstance(message, MessageV0):
                message = MessageV0(
                    message.header,
                    list(message.account_keys),
                    blockhash,
                    list(message.instructions),
                    list(message.address_table_lookups),
                )
            else:
                header = message.header
                message = Message.new_with_compiled_instructions(
                    header.num_required_signatures,
                    header.num_readonly_signed_accounts,
                    header.num_readonly_unsigned_accounts,
                    list(message.account_keys),
                    blockhash,
                    list(message.instructions),
                )
            tx = VersionedTransaction.populate(message, list(tx.signatures))
            replacement = {"blockhash": str(blockhash), "lastValidBlockHeight": cluster.slot + MAX_PROCESSING_AGE}

        value: dict[str, Any] = {
            "err": None,
            "logs": [],
            "accounts": None,
            "unitsConsumed": 0,
            "returnData": None,
            "innerInstructions": None,
            "replacementBlockhash": replacement,
            "loadedAccountsDataSize": None,
        }
        if not cluster.has_valid_blockhash(tx):
            value["err"] = "BlockhashNotFound"
            return self.context(slot, value)
        result = cluster.svm.simulate_transaction(tx)
        post_accounts: dict[Pubkey, Account] = {}
        if isinstance(result, FailedTransactionMetadata):
            meta = result.meta()
            value["err"] = failed_json(result)
        else:
            meta = result.meta()
            post_accounts = dict(result.post_accounts())
        value["logs"] = meta.logs()
        value["unitsConsumed"] = meta.compute_units_consumed()
        value["returnData"] = return_data_json(meta)
        if config.get("innerInstructions"):
            value["innerInstructions"] = inner_instructions_json(meta)

        accounts_config = config.get("accounts")
        if accounts_config:
            encoding = accounts_config.get("encoding", "base64")
            check_encoding(encoding, ("base64", "base64+zstd", "jsonParsed"))
            addresses = accounts_config.get("addresses", [])
            if len(addresses) > len(tx.message.account_keys) + 64:
                raise invalid_params("Too many accounts provided")
            encoded_accounts = []
            for address in addresses:
                pubkey = parse_pubkey(address)
                account = post_accounts.get(pubkey) if value["err"] is None else None
                if account is None:
                    account = cluster.svm.get_account(pubkey)
                encoded_accounts.append(
                    encode_account(account, encoding, None, self.mint_data) if account is not None and account.lamports else None
                )
            value["accounts"] = encoded_accounts
        return self.context(slot, value)

    def requestAirdrop(self, params: list) -> str:
        pubkey = parse_pubkey(_param(params, 0))
        lamports = _param(params, 1)
        if not isinstance(lamports, int) or lamports <= 0:
            raise invalid_params("lamports must be a positive integer")
        self.commitment_slot(_config(params, 2))
        return str(self.cluster.airdrop(pubkey, lamports))

    def getSignatureStatuses(self, params: list) -> dict:
        signatures = _param(params, 0, [])
        if len(signatures) > MAX_SIGNATURE_STATUSES:
            raise invalid_params(f"Too many inputs provided; max {MAX_SIGNATURE_STATUSES}")
        config = _config(params, 1)
        search = bool(config.get("searchTransactionHistory", False))
        cluster = self.cluster
        values = []
        for text in signatures:
            status = cluster.signature_status(parse_signature(text), search)
            if status is None:
                values.append(None)
                continue
            slot, err = status
            confirmation = cluster.confirmation_status(slot)
            values.append(
                {
                    "slot": slot,
                    "confirmations": None if confirmation == "finalized" else max(0, cluster.slot - slot),
                    "err": err,
                    "status": {"Ok": None} if err is None else {"Err": err},
                    "confirmationStatus": confirmation,
                }
            )
        return self.context(cluster.slot, values)

    def _history_slot(self, config: dict) -> int:
        commitment = self.commitment_name(config)
        if commitment == "processed":
            raise invalid_params("Method does not support commitment below `confirmed`")
        return self.commitment_slot(config)

    def getSignaturesForAddress(self, params: list) -> list[dict]:
        address = parse_pubkey(_param(params, 0))
        config = _config(params, 1)
        max_slot = self._history_slot(config)
        limit = config.get("limit") or MAX_SIGNATURES_FOR_ADDRESS
        if not 1 <= limit <= MAX_SIGNATURES_FOR_ADDRESS:
            raise invalid_params(f"Invalid limit; max {MAX_SIGNATURES_FOR_ADDRESS}")
        ledger = self.cluster.ledger
        before = None
        if config.get("before"):
            row = ledger.read_transaction(bytes(parse_signature(config["before"])))
            if row is None:
                return []
            before = (row[0], row[1])
        until = bytes(parse_signature(config["until"])) if config.get("until") else None
        results = []
        for signature, slot, _, err, block_time in ledger.read_signatures_for_address(bytes(address), max_slot, before, limit):
            if until is not None and signature == until:
                break
            results.append(
                {
                    "signature": str(Signature.from_bytes(signature)),
                    "slot": slot,
                    "err": orjson.loads(err) if err else None,
                    "memo": None,
                    "blockTime": block_time,
                    "confirmationStatus": self.cluster.confirmation_status(slot),
                }
            )
        return results

    def _encode_confirmed_transaction(self, raw: bytes, meta: dict, config: dict) -> dict:
        tx = VersionedTransaction.from_bytes(raw)
        max_version = config.get("maxSupportedTransactionVersion")
        is_v0 = isinstance(tx.message, MessageV0)
        if is_v0 and (max_version is None or max_version < 0):
            raise RpcError(
                UNSUPPORTED_TRANSACTION_VERSION,
                "Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: \"maxSupportedTransactionVersion\": 0",
            )
        encoding = config.get("encoding", "json")
        check_encoding(encoding, ("json", "jsonParsed", "base58", "base64"))
        encoded = {"transaction": encode_transaction(tx, raw, encoding, meta.get("loadedAddresses")), "meta": meta}
        if max_version is not None:
            encoded["version"] = 0 if is_v0 else "legacy"
        return encoded

    def getTransaction(self, params: list) -> dict | None:
        signature = parse_signature(_param(params, 0))
        config = _param(params, 1, {})
        if isinstance(config, str):
            config = {"encoding": config}
        max_slot = self._history_slot(config)
        record = self.cluster.unpersisted.get(signature)
        if record is not None:
            if record.slot > max_slot:
                return None
            slot, raw, meta, block_time = record.slot, record.raw, record.meta, record.block_time
        else:
            row = self.cluster.ledger.read_transaction(bytes(signature))
            if row is None or row[0] > max_slot:
                return None
            slot, _, raw, meta_json, block_time = row
            meta = orjson.loads(meta_json)
        encoded = self._encode_confirmed_transaction(raw, meta, config)
        return {"slot": slot, "blockTime": block_time, **encoded}

    # ------------------------------------------------------------------ blocks

    def getBlock(self, params: list) -> dict | None:
        slot = _param(params, 0)
        if not isinstance(slot, int):
            raise invalid_params("slot must be an integer")
        config = _param(params, 1, {})
        if isinstance(config, str):
            config = {"encoding": config}
        max_slot = self._history_slot(config)
        if slot > max_slot:
            raise RpcError(BLOCK_NOT_AVAILABLE, f"Block not available for slot {slot}")
        block = self.cluster.ledger.read_block(slot)
        if block is None:
            raise RpcError(SLOT_SKIPPED, f"Slot {slot} was skipped, or missing due to ledger jump to recent snapshot")
        parent_slot, block_time, _ = block

        result: dict[str, Any] = {
            "blockHeight": slot,
            "blockTime": block_time,
            "blockhash": str(self.cluster.blockhash_of(slot)),
            "parentSlot": parent_slot,
            "previousBlockhash": str(self.cluster.blockhash_of(parent_slot)) if slot > 0 else str(self.cluster.genesis_hash),
        }

        details = config.get("transactionDetails", "full")
        rows = self.cluster.ledger.read_block_transactions(slot)
        if details == "full":
            result["transactions"] = [
                self._encode_confirmed_transaction(raw, orjson.loads(meta), config) for _, raw, meta in rows
            ]
        elif details == "signatures":
            result["signatures"] = [str(Signature.from_bytes(signature)) for signature, _, _ in rows]
        elif details == "accounts":
            result["transactions"] = [
                {
                    "transaction": {
                        "signatures": [str(sig) for sig in VersionedTransaction.from_bytes(raw).signatures],
                        "accountKeys": [
                            {"pubkey": str(key), "signer": False, "source": "transaction", "writable": False}
                            for key in VersionedTransaction.from_bytes(raw).message.account_keys
                        ],
                    },
                    "meta": orjson.loads(meta),
                }
                for _, raw, meta in rows
            ]
        elif details != "none":
            raise invalid_params(f"unknown transactionDetails `{details}`")

        if config.get("rewards", True):
            result["rewards"] = []
        return result

    def getBlockTime(self, params: list) -> int | None:
        slot = _param(params, 0)
        if not isinstance(slot, int):
            raise invalid_params("slot must be an integer")
        if slot > self.cluster.confirmed:
            raise RpcError(BLOCK_NOT_AVAILABLE, f"Block not available for slot {slot}")
        block = self.cluster.ledger.read_block(slot)
        if block is None:
            raise RpcError(SLOT_SKIPPED, f"Slot {slot} was skipped, or missing due to ledger jump to recent snapshot")
        return block[1]

    def getBlocks(self, params: list) -> list[int]:
        start = _param(params, 0)
        end = _param(params, 1)
        config = _config(params, 2) if not isinstance(end, dict) else end
        if isinstance(end, dict):
            end = None
        max_slot = self._history_slot(config)
        end = max_slot if end is None else min(end, max_slot)
        if end - start > MAX_GET_BLOCKS_RANGE:
            raise invalid_params(f"Slot range too large; max {MAX_GET_BLOCKS_RANGE}")
        return self.cluster.ledger.read_block_slots(start, end, MAX_GET_BLOCKS_RANGE)

    def getBlocksWithLimit(self, params: list) -> list[int]:
        start = _param(params, 0)
        limit = _param(params, 1)
        max_slot = self._history_slot(_config(params, 2))
        if limit > MAX_GET_BLOCKS_RANGE:
            raise invalid_params(f"Limit too large; max {MAX_GET_BLOCKS_RANGE}")
        return self.cluster.ledger.read_block_slots(start, max_slot, limit)

    def getBlockCommitment(self, params: list) -> dict:
        return {"commitment": None, "totalStake": 0}

    # ------------------------------------------------------------------ kgpu extensions

    async def kgpu_warp_slot(self, params: list) -> dict:
        slot = _param(params, 0)
        if not isinstance(slot, int):
            raise invalid_params("slot must be an integer")
        await self.cluster.warp_to_slot(slot)
        return self._clock_json()

    async def kgpu_set_clock(self, params: list) -> dict:
        config = _config(params, 0)
        timestamp = config.get("unixTimestamp")
        slot = config.get("slot")
        if timestamp is None and slot is None:
            raise invalid_params("expected unixTimestamp and/or slot")
        await self.cluster.set_clock(timestamp, slot)
        return self._clock_json()

    async def kgpu_warp_time(self, params: list) -> dict:
        seconds = _param(params, 0)
        if not isinstance(seconds, (int, float)):
            raise invalid_params("seconds must be a number")
        await self.cluster.warp_time(float(seconds))
        return self._clock_json()

    def _clock_json(self) -> dict:
        clock = self.cluster.svm.get_clock()
        return {
            "slot": clock.slot,
            "epoch": clock.epoch,
            "epochStartTimestamp": clock.epoch_start_timestamp,
            "leaderScheduleEpoch": clock.leader_schedule_epoch,
            "unixTimestamp": clock.unix_timestamp,
        }

    def kgpu_set_account(self, params: list) -> dict:
        pubkey = parse_pubkey(_param(params, 0))
        account_json = _param(params, 1)
        self.cluster.set_account(pubkey, account_from_json(account_json))
        return self.context(self.cluster.slot, None)

    def kgpu_get_ledger_info(self, params: list) -> dict:
        cluster = self.cluster
        return {
            "path": str(cluster.ledger.path),
            "slot": cluster.slot,
            "confirmed": cluster.confirmed,
            "finalized": cluster.finalized,
            "faucet": str(cluster.faucet.pubkey()),
            "slotMs": cluster.config.slot_ms,
        }


def account_from_json(value: Any) -> Account:
    """Build an Account from the `solana account --output json` shape or its `account` member."""
    if not isinstance(value, dict):
        raise invalid_params("account must be a JSON object")
    if "account" in value:
        value = value["account"]
    data = value.get("data", ["", "base64"])
    if isinstance(data, list):
        text, encoding = data[0], data[1]
    else:
        text, encoding = data, "base58"
    try:
        raw = base64.b64decode(text) if encoding == "base64" else b58.b58decode(text)
    except (ValueError, binascii.Error):
        raise invalid_params(f"account data is not valid {encoding}") from None
    rent_epoch = value.get("rentEpoch", 0)
    try:
        return Account(
            int(value["lamports"]),
            raw,
            parse_pubkey(value["owner"]),
            bool(value.get("executable", False)),
            int(rent_epoch),
        )
    except KeyError as missing:
        raise invalid_params(f"account JSON is missing {missing}") from None


def _error_response(request_id: Any, error: RpcError) -> dict:
    return {"jsonrpc": "2.0", "error": error.to_json(), "id": request_id}

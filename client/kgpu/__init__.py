"""K-GPU Python SDK and the ``kgpu`` command.

The names below are the public API. The submodules :mod:`kgpu.i18n`, :mod:`kgpu.config`,
:mod:`kgpu.addresses`, :mod:`kgpu.errors`, :mod:`kgpu.tx` and :mod:`kgpu.reference` hold the rest.
:mod:`kgpu.token` and :mod:`kgpu.market` drive the ``kgpu_token`` and ``kgpu_market`` programs,
and :mod:`kgpu.quorum` encodes the oracle quorum messages.
"""

from kgpu._transport import (
    BlockhashInfo,
    PreflightFailure,
    RpcTransport,
    SignatureStatusInfo,
    SimulationOutcome,
    SolanaRpcTransport,
)
from kgpu.addresses import (
    KGPU_DECIMALS,
    KGPU_MARKET_PROGRAM_ID,
    KGPU_TOKEN_PROGRAM_ID,
    kgpu_mint_address,
    kgpu_token_account,
)
from kgpu.config import Cluster, load_keypair, resolve_cluster, save_keypair
from kgpu.errors import (
    KgpuError,
    ProgramError,
    RpcError,
    TransactionFailedError,
    UserError,
    decode_transaction_error,
    register_program_error,
)
from kgpu.i18n import detect_language, get_language, message, set_language
from kgpu.tx import SentTransaction, TransactionSender, build_transaction, send_transaction_sync

__all__ = [
    "KGPU_DECIMALS",
    "KGPU_MARKET_PROGRAM_ID",
    "KGPU_TOKEN_PROGRAM_ID",
    "BlockhashInfo",
    "Cluster",
    "KgpuError",
    "PreflightFailure",
    "ProgramError",
    "RpcError",
    "RpcTransport",
    "SentTransaction",
    "SignatureStatusInfo",
    "SimulationOutcome",
    "SolanaRpcTransport",
    "TransactionFailedError",
    "TransactionSender",
    "UserError",
    "build_transaction",
    "decode_transaction_error",
    "detect_language",
    "get_language",
    "kgpu_mint_address",
    "kgpu_token_account",
    "load_keypair",
    "message",
    "register_program_error",
    "resolve_cluster",
    "save_keypair",
    "send_transaction_sync",
    "set_language",
]

# Importing kgpu.market registers the kgpu_market error codes, so every sender decodes them. It
# needs the names above, so it comes last.
from kgpu import market as market  # noqa: E402

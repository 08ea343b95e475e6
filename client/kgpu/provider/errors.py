"""Exceptions of the provider agent. Each renders its message from the provider catalogue."""

from __future__ import annotations

from kgpu.errors import RpcError, UserError
from kgpu.provider import _catalogue  # noqa: F401  (merges the provider messages)

__all__ = [
    "ChainReadError",
    "GpuModelAmbiguousError",
    "GpuModelUnknownError",
    "GpuTableUnreadableError",
    "NodeConfigError",
    "NodeConfigUnreadableError",
    "ProverUnavailableError",
    "StateFileInvalidError",
    "StateFileLockedError",
]


class NodeConfigError(UserError):
    """A node configuration value is missing or invalid. Fields: ``path``, ``key``, ``reason``."""

    key = "error.provider_config"


class NodeConfigUnreadableError(UserError):
    """The node configuration file cannot be read or is not TOML. Fields: ``path``, ``reason``."""

    key = "error.provider_config_unreadable"


class GpuModelUnknownError(UserError):
    """The declared GPU model has no row in the reference GPU table. Fields: ``model``, ``known``."""

    key = "error.provider_gpu_model_unknown"


class GpuModelAmbiguousError(UserError):
    """The declared GPU model has rows for several form factors. Fields: ``model``, ``form_factors``."""

    key = "error.provider_gpu_model_ambiguous"


class ProverUnavailableError(UserError):
    """The torch prover was requested, but PyTorch or a CUDA device is missing."""

    key = "error.provider_prover_unavailable"


class GpuTableUnreadableError(UserError):
    """The reference GPU table cannot be read. Fields: ``path``, ``reason``."""

    key = "error.provider_gpu_table_unreadable"


class StateFileLockedError(UserError):
    """Another agent has the lock of the state file. Fields: ``path``."""

    key = "error.provider_state_locked"


class StateFileInvalidError(UserError):
    """The state file is not the agent's JSON format. Fields: ``path``, ``reason``."""

    key = "error.provider_state_invalid"


class ChainReadError(RpcError):
    """``getProgramAccounts`` on the market program failed. Fields: ``url``, ``reason``."""

    key = "error.provider_chain_read"

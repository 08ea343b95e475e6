"""Errors that only the program commands of ``kgpu`` raise, with their catalogue keys."""

from __future__ import annotations

from kgpu.errors import EXIT_NETWORK, KgpuError, UserError


class InvalidOptionError(UserError):
    """An option value is outside what the program accepts. Fields: ``option``, ``value``, ``reason``."""

    key = "error.option_invalid"


class ProviderNotFoundError(UserError):
    """Neither a `Provider` account nor a provider wallet with one exists at an address. Fields: ``address``."""

    key = "error.provider_not_found"


class GpuCountMismatchError(UserError):
    """``job open --gpu-count`` differs from the provider's GPU count. Fields: ``requested``, ``provider_count``."""

    key = "error.gpu_count_mismatch"


class InputFileError(UserError):
    """A positions file, key file or keypair file cannot be read or parsed. Fields: ``path``, ``reason``."""

    key = "error.input_file"


class OracleUnreachableError(KgpuError):
    """The HTTP request to a kgpu-oracle failed before a response arrived. Fields: ``url``, ``reason``."""

    key = "error.oracle_unreachable"
    exit_code = EXIT_NETWORK


class OracleRejectedError(UserError):
    """A kgpu-oracle returned an HTTP error status. Fields: ``url``, ``status``, ``detail``."""

    key = "error.oracle_rejected"


class OracleModuleMissingError(UserError):
    """The kgpu_oracle package, whose signing helpers the command uses, is not installed. Fields: ``reason``."""

    key = "error.oracle_module_missing"

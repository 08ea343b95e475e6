"""The provider agent behind ``kgpu provider serve``.

It reads the node's open jobs from the market program or a fixed list. For each receipt period it
answers an oracle's proof-of-compute challenge and meters GPU-seconds and energy. It then signs a
usage receipt with the node key and submits it to the oracle that issued the challenge.
``docs/provider-agent.md`` describes the configuration, the formulas and the limits.
"""

from kgpu.provider.agent import ProviderAgent, ReceiptOutcome
from kgpu.provider.config import EnergySource, NodeConfig, StaticJob, find_gpu, load_node_config
from kgpu.provider.errors import (
    ChainReadError,
    GpuModelAmbiguousError,
    GpuModelUnknownError,
    GpuTableUnreadableError,
    NodeConfigError,
    NodeConfigUnreadableError,
    ProverUnavailableError,
    StateFileInvalidError,
    StateFileLockedError,
)
from kgpu.provider.jobs import (
    ChainJobSource,
    JobAccount,
    JobSource,
    OpenJob,
    StaticJobSource,
    decode_job_account,
    provider_account_address,
)
from kgpu.provider.metering import Clock, SystemClock, Usage, Window, meter_usage
from kgpu.provider.oracle_client import OracleClient, OracleRejectedError, OracleUnavailableError, RetryPolicy
from kgpu.provider.prover import Prover, PythonProver, TorchProver, select_prover
from kgpu.provider.command import configure_logging, job_source_for, serve, summarize
from kgpu.provider.state import JobState, PendingReceipt, SequenceStore

__all__ = [
    "ChainJobSource",
    "ChainReadError",
    "Clock",
    "EnergySource",
    "GpuModelAmbiguousError",
    "GpuModelUnknownError",
    "GpuTableUnreadableError",
    "JobAccount",
    "JobSource",
    "JobState",
    "NodeConfig",
    "NodeConfigError",
    "NodeConfigUnreadableError",
    "OpenJob",
    "OracleClient",
    "OracleRejectedError",
    "OracleUnavailableError",
    "PendingReceipt",
    "Prover",
    "ProverUnavailableError",
    "ProviderAgent",
    "PythonProver",
    "ReceiptOutcome",
    "RetryPolicy",
    "SequenceStore",
    "StateFileInvalidError",
    "StateFileLockedError",
    "StaticJob",
    "StaticJobSource",
    "SystemClock",
    "TorchProver",
    "Usage",
    "Window",
    "configure_logging",
    "decode_job_account",
    "find_gpu",
    "job_source_for",
    "load_node_config",
    "meter_usage",
    "provider_account_address",
    "select_prover",
    "serve",
    "summarize",
]

"""`python -m kgpu.demo`: the whole K-GPU economy on a local cluster with real reference data.

The demo starts kgpu-localnet and three kgpu-oracle instances and initializes both programs. It
attests KTB collateral, mints K-GPU against bank deposits, registers a provider and opens a GPU
job. The provider agent computes and submits a receipt, which the oracle quorum settles. Finally
the renter closes the job and redeems, and the demo shows a summary. ``docs/demo.md`` describes each step and the data sources.
"""

from kgpu.demo._catalogue import register_demo_messages

register_demo_messages()

from kgpu.demo.flow import DemoError, DemoRun, run_demo  # noqa: E402
from kgpu.demo.summary import DemoResult  # noqa: E402
from kgpu.demo.inputs import DemoInputs, load_demo_inputs  # noqa: E402

__all__ = ["DemoError", "DemoInputs", "DemoResult", "DemoRun", "load_demo_inputs", "run_demo"]

"""Public names: every ``__all__`` entry exists, and the package root re-exports what it lists."""

from __future__ import annotations

import importlib
import types

import pytest

import kgpu

MODULES = [
    "kgpu", "kgpu.i18n", "kgpu.config", "kgpu.addresses", "kgpu.errors", "kgpu.tx", "kgpu.reference", "kgpu.cli",
    "kgpu.quorum", "kgpu.token", "kgpu.market", "kgpu.sync",
]  # fmt: skip


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)

    assert module.__all__
    assert len(module.__all__) == len(set(module.__all__))
    for member in module.__all__:
        assert hasattr(module, member), f"{name}.{member}"


def test_root_exports() -> None:
    public = {name for name in vars(kgpu) if not name.startswith("_")}
    # Importing a subpackage anywhere in the run (kgpu.demo, kgpu.provider, ...) binds it on kgpu.
    submodules = {name for name in public if isinstance(getattr(kgpu, name), types.ModuleType)}

    assert public - submodules == set(kgpu.__all__)


def test_mint_address_is_program_pda() -> None:
    from solders.pubkey import Pubkey

    expected, _ = Pubkey.find_program_address([b"mint"], kgpu.KGPU_TOKEN_PROGRAM_ID)
    assert kgpu.kgpu_mint_address() == expected

"""A restart with a rebuilt program upgrades it in the existing ledger through the loader."""

from __future__ import annotations

import base64
import shutil
import signal

from solders.pubkey import Pubkey

from kgpu_sbf.loader import PROGRAMS_DIR, find_programdata_address, program_keypair
from localnet_server import start_localnet, stop_localnet


def programdata_bytes(net, program_id: Pubkey) -> bytes:
    value = net.result("getAccountInfo", [str(find_programdata_address(program_id)), {"encoding": "base64", "commitment": "processed"}])["value"]
    return base64.b64decode(value["data"][0])


def test_rebuilt_program_upgraded_on_restart(tmp_path):
    programs_dir = tmp_path / "programs"
    (programs_dir / "keys").mkdir(parents=True)
    (programs_dir / "target" / "deploy").mkdir(parents=True)
    shutil.copy(PROGRAMS_DIR / "keys" / "kgpu_probe-keypair.json", programs_dir / "keys")
    deployed_so = programs_dir / "target" / "deploy" / "kgpu_probe.so"
    first_build = (PROGRAMS_DIR / "target" / "deploy" / "kgpu_probe.so").read_bytes()
    # Another valid program plays the rebuilt probe; it fits the 2x capacity of the first deploy.
    second_build = (PROGRAMS_DIR / "target" / "deploy" / "kgpu_token.so").read_bytes()
    assert len(first_build) < len(second_build) <= 2 * len(first_build)
    deployed_so.write_bytes(first_build)
    program_id = program_keypair("kgpu_probe").pubkey()
    ledger = tmp_path / "ledger"
    extra = ["--programs-dir", str(programs_dir)]

    net = start_localnet("litesvm", ledger, extra)
    try:
        first = programdata_bytes(net, program_id)
    finally:
        stop_localnet(net, signal.SIGTERM)
    assert first[45 : 45 + len(first_build)] == first_build

    deployed_so.write_bytes(second_build)
    net = start_localnet("litesvm", ledger, extra, reset=False)
    try:
        upgraded = programdata_bytes(net, program_id)
    finally:
        stop_localnet(net, signal.SIGTERM)
    assert upgraded[45 : 45 + len(second_build)] == second_build
    assert upgraded[45 + len(second_build) :].strip(b"\0") == b""
    assert len(upgraded) == len(first)

    net = start_localnet("litesvm", ledger, extra, reset=False)
    try:
        unchanged = programdata_bytes(net, program_id)
    finally:
        stop_localnet(net, signal.SIGTERM)
    # Same build: no new Upgrade, so the deploy slot in the header stays the same.
    assert unchanged == upgraded

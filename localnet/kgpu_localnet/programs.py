"""Loading programs and accounts at startup: K-GPU's programs, `--program` and `--account`."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from kgpu_localnet.cluster import Cluster

log = logging.getLogger("kgpu_localnet")

KGPU_PROGRAMS = ("kgpu_probe", "kgpu_token", "kgpu_market")
BPF_LOADER_UPGRADEABLE_ID = Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111")


def default_programs_dir() -> Path:
    """Return the repository's `programs/` folder, found relative to this package."""
    return Path(__file__).resolve().parents[2] / "programs"


def parse_address(text: str) -> Pubkey:
    """Accept a base58 address or the path of a keypair JSON file, as solana-test-validator does."""
    try:
        return Pubkey.from_string(text)
    except ValueError:
        path = Path(text)
        if not path.is_file():
            raise ValueError(f"{text!r} is neither a base58 address nor a keypair file") from None
        return Keypair.from_bytes(json.loads(path.read_text())).pubkey()


def deploy_kgpu_programs(cluster: Cluster, programs_dir: Path) -> dict[str, Pubkey]:
    """Deploy each built K-GPU program through the upgradeable loader, unless the ledger has it.

    A program is deployed when `target/deploy/<name>.so` and `keys/<name>-keypair.json` both exist.
    """
    deployed: dict[str, Pubkey] = {}
    candidates = [
        (name, programs_dir / "target" / "deploy" / f"{name}.so", programs_dir / "keys" / f"{name}-keypair.json")
        for name in KGPU_PROGRAMS
    ]
    candidates = [(name, elf, key) for name, elf, key in candidates if elf.is_file() and key.is_file()]
    if not candidates:
        log.info("no built K-GPU programs under %s (run `make programs`)", programs_dir)
        return deployed
    try:
        from kgpu_sbf.loader import DeployError, deploy_upgradeable, find_programdata_address
    except ImportError as error:
        log.warning("cannot deploy K-GPU programs: kgpu_sbf.loader is not importable: %s", error)
        return deployed
    for name, elf_path, key_path in candidates:
        program_keypair = Keypair.from_bytes(json.loads(key_path.read_text()))
        program_id = program_keypair.pubkey()
        elf = elf_path.read_bytes()
        existing = cluster.svm.get_account(program_id)
        if existing is not None and existing.executable:
            upgrade_if_rebuilt(cluster, name, program_id, elf, elf_path)
            deployed[name] = program_id
            continue
        touched = [program_id, find_programdata_address(program_id), cluster.faucet.pubkey()]
        prior_accounts = {pubkey: cluster.svm.get_account(pubkey) for pubkey in touched}
        try:
            deploy_upgradeable(cluster.svm, cluster.faucet, program_keypair, elf)
        except DeployError as error:
            log.error("deploy of %s from %s failed: %s", name, elf_path, error)
            continue
        cluster.mark_written(touched, prior_accounts)
        deployed[name] = program_id
    return deployed


def upgrade_if_rebuilt(cluster: Cluster, name: str, program_id: Pubkey, elf: bytes, elf_path: Path) -> bool:
    """Upgrade a program in the ledger to `elf` when its code differs; return whether it upgraded.

    The faucet deployed the K-GPU programs and is their upgrade authority, so it signs the
    loader's `Upgrade`. A program with another authority, or none, is left as it is.
    """
    from kgpu_sbf.loader import DeployError, deployed_elf, find_programdata_address, upgrade_upgradeable

    programdata_address = find_programdata_address(program_id)
    programdata = cluster.svm.get_account(programdata_address)
    if programdata is None:
        log.warning("%s at %s has no program data account; leaving it as it is", name, program_id)
        return False
    authority, code = deployed_elf(bytes(programdata.data))
    if code[: len(elf)] == elf and not code[len(elf):].strip(b"\0"):
        return False
    if authority != cluster.faucet.pubkey():
        log.warning("%s in the ledger differs from %s, but its upgrade authority is %s, not the faucet; "
                    "start with --reset to deploy the new build", name, elf_path, authority)
        return False

    touched = [program_id, programdata_address, cluster.faucet.pubkey()]
    prior_accounts = {pubkey: cluster.svm.get_account(pubkey) for pubkey in touched}
    try:
        upgrade_upgradeable(cluster.svm, cluster.faucet, program_id, elf)
    except DeployError as error:
        log.error("upgrade of %s from %s failed: %s; start with --reset to deploy it anew", name, elf_path, error)
        return False
    cluster.mark_written(touched, prior_accounts)
    log.info("upgraded %s at %s to the build in %s", name, program_id, elf_path)
    return True


def add_program(cluster: Cluster, address: str, path: str) -> Pubkey:
    program_id = parse_address(address)
    cluster.svm.add_program(program_id, Path(path).read_bytes())
    return program_id


def load_account_file(cluster: Cluster, address: str, path: str) -> Pubkey:
    from kgpu_localnet.rpc import account_from_json

    document = json.loads(Path(path).read_text())
    pubkey = parse_address(address) if address else Pubkey.from_string(document["pubkey"])
    cluster.set_account(pubkey, account_from_json(document))
    return pubkey

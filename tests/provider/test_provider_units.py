"""Provider agent parts without oracles: metering, job decoding and the chain reader, the
limb product, configuration, the state file and the messages."""

from __future__ import annotations

import hashlib
import json
import string
from decimal import Decimal
from pathlib import Path
from typing import Iterator

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from kgpu_provider_testkit import DEPLOYMENT_ID, NODE_KEYPAIR, PROGRAM_ID, FakeRpc, job_account_bytes
from kgpu.errors import KeypairNotFoundError
from kgpu.i18n import CATALOGUE
from kgpu.provider import (
    ChainJobSource,
    ChainReadError,
    GpuModelAmbiguousError,
    GpuModelUnknownError,
    GpuTableUnreadableError,
    NodeConfigError,
    NodeConfigUnreadableError,
    PendingReceipt,
    SequenceStore,
    StateFileInvalidError,
    StateFileLockedError,
    Window,
    decode_job_account,
    find_gpu,
    load_node_config,
    meter_usage,
    provider_account_address,
)
from kgpu.provider._catalogue import PROVIDER_CATALOGUE
from kgpu.provider.jobs import JOB_DISCRIMINATOR, _b58
from kgpu.provider.prover import product_by_limbs
from kgpu_oracle.compute import PRIME, challenge_matrices, compute_answer

AUTHORITY = Pubkey.from_bytes(hashlib.sha256(b"provider wallet").digest())


# -- metering -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wall", "gpus", "power", "share", "expected"),
    [
        (3600, 2, 700, "0.5", (7200, 1400, 700)),
        (1801, 2, 700, "0.4", (3602, 700, 280)),  # 700.39 Wh rounds down
        (1, 1, 250, "1", (1, 0, 0)),  # 0.069 Wh rounds down to 0
        (86_400, 8, 1000, "0.35", (691_200, 192_000, 67_200)),
        (5, 3, 450, "0.333", (15, 1, 0)),
    ],
)
def test_meter_usage_formulas(wall: int, gpus: int, power: int, share: str, expected: tuple[int, int, int]) -> None:
    usage = meter_usage(wall_seconds=wall, gpu_count=gpus, board_power_w=power, renewable_share=Decimal(share))
    assert (usage.gpu_seconds, usage.energy_wh, usage.renewable_wh) == expected
    assert usage.energy_wh * 3600 <= power * gpus * wall


@pytest.mark.parametrize(
    "arguments",
    [
        {"wall_seconds": -1, "gpu_count": 1, "board_power_w": 700, "renewable_share": Decimal(0)},
        {"wall_seconds": 1, "gpu_count": 0, "board_power_w": 700, "renewable_share": Decimal(0)},
        {"wall_seconds": 1, "gpu_count": 1, "board_power_w": 700, "renewable_share": Decimal("1.01")},
    ],
)
def test_meter_usage_rejects_invalid_input(arguments: dict) -> None:
    with pytest.raises(ValueError):
        meter_usage(**arguments)


def test_window_carries_dropped_fraction() -> None:
    window = Window(start=1_000, monotonic_start=50.0)
    wall, end = window.close(50.0 + 10.9)
    assert (wall, end) == (10, 1_010)

    following = window.next(wall)
    assert following.start == 1_010
    # The 0.9 s not billed in the first window belongs to the second one.
    assert following.close(50.0 + 21.0) == (11, 1_021)


# -- job accounts and the chain reader ------------------------------------------------------


def test_job_discriminator_is_anchor_account_hash() -> None:
    assert JOB_DISCRIMINATOR == bytes([75, 124, 80, 203, 161, 180, 202, 80])  # from the IDL


def test_decode_job_account_fields() -> None:
    provider = Pubkey.from_bytes(hashlib.sha256(b"provider account").digest())
    account = decode_job_account(job_account_bytes(provider=provider, gpu_count=4, last_sequence=17))
    assert account.renter == Pubkey.from_bytes(hashlib.sha256(b"renter").digest())
    assert account.provider == provider
    assert account.opened_at == 1_750_000_000
    assert account.end_time == 1_750_086_400
    assert account.last_sequence == 17
    assert account.gpu_count == 4
    assert account.is_open


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (bytes(248), "discriminator"),
        (JOB_DISCRIMINATOR + bytes(100), "248 bytes"),
    ],
)
def test_decode_job_account_rejects_other_data(data: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        decode_job_account(data)


@pytest.mark.parametrize("data", [bytes(32), bytes([0, 0, 5]), b"\xff" * 8, JOB_DISCRIMINATOR])
def test_base58_matches_solders(data: bytes) -> None:
    if len(data) == 32:
        assert _b58(data) == str(Pubkey.from_bytes(data))
    decoded = 0
    for character in _b58(data).lstrip("1"):
        decoded = decoded * 58 + "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".index(character)
    leading = len(_b58(data)) - len(_b58(data).lstrip("1"))
    assert bytes(leading) + (decoded.to_bytes((decoded.bit_length() + 7) // 8, "big") if decoded else b"") == data


@pytest.fixture
def fake_rpc() -> Iterator[FakeRpc]:
    provider = provider_account_address(AUTHORITY, PROGRAM_ID)
    other = Pubkey.from_bytes(hashlib.sha256(b"other provider").digest())
    rpc = FakeRpc(
        [
            (Pubkey.from_bytes(hashlib.sha256(b"open job").digest()), job_account_bytes(provider=provider, gpu_count=3, last_sequence=5)),
            (Pubkey.from_bytes(hashlib.sha256(b"closed job").digest()), job_account_bytes(provider=provider, status=1)),
            (Pubkey.from_bytes(hashlib.sha256(b"other job").digest()), job_account_bytes(provider=other)),
            (Pubkey.from_bytes(hashlib.sha256(b"not a job").digest()), bytes(248)),
        ]
    )
    with rpc:
        yield rpc


def test_chain_source_request_filters(fake_rpc: FakeRpc) -> None:
    provider = provider_account_address(AUTHORITY, PROGRAM_ID)
    ChainJobSource(fake_rpc.url, provider_account=provider, program_id=PROGRAM_ID).open_jobs()

    (request,) = fake_rpc.requests
    assert request["method"] == "getProgramAccounts"
    program, options = request["params"]
    assert program == str(PROGRAM_ID)
    assert options["encoding"] == "base64"
    assert options["filters"] == [
        {"dataSize": 248},
        {"memcmp": {"offset": 0, "encoding": "base58", "bytes": _b58(JOB_DISCRIMINATOR)}},
        {"memcmp": {"offset": 40, "encoding": "base58", "bytes": str(provider)}},
        # base58 of the single byte 0: status open
        {"memcmp": {"offset": 236, "encoding": "base58", "bytes": "1"}},
    ]


def test_chain_source_keeps_own_open_jobs(fake_rpc: FakeRpc) -> None:
    provider = provider_account_address(AUTHORITY, PROGRAM_ID)
    jobs = ChainJobSource(fake_rpc.url, provider_account=provider, program_id=PROGRAM_ID).open_jobs()

    assert [job.address for job in jobs] == [Pubkey.from_bytes(hashlib.sha256(b"open job").digest())]
    assert jobs[0].gpu_count == 3
    assert jobs[0].last_sequence == 5
    assert jobs[0].end_time == 1_750_086_400


def test_chain_source_unreachable_raises(tmp_path: Path) -> None:
    from kgpu_provider_testkit import free_port

    url = f"http://127.0.0.1:{free_port()}"
    source = ChainJobSource(url, provider_account=provider_account_address(AUTHORITY, PROGRAM_ID), program_id=PROGRAM_ID, timeout=1.0)
    with pytest.raises(ChainReadError) as caught:
        source.open_jobs()
    assert caught.value.fields["url"] == url


def test_provider_account_is_seed_address() -> None:
    base, _bump = Pubkey.find_program_address([b"authority"], PROGRAM_ID)
    expected = Pubkey.create_with_seed(base, bytes(AUTHORITY)[:16].hex(), PROGRAM_ID)
    assert provider_account_address(AUTHORITY, PROGRAM_ID) == expected


# -- limb product ---------------------------------------------------------------------------


def _python_float_matmul(x: list[list[float]], y: list[list[float]]) -> list[list[float]]:
    columns = list(zip(*y))
    return [[sum(a * b for a, b in zip(row, column)) for column in columns] for row in x]


def _limb_product(a, b):
    return product_by_limbs(
        a,
        b,
        to_backend=lambda matrix: [[float(value) for value in row] for row in matrix],
        matmul=_python_float_matmul,
        add=lambda x, y: [[p + q for p, q in zip(r, s)] for r, s in zip(x, y)],
        to_lists=lambda matrix: [[int(value) for value in row] for row in matrix],
    )


@pytest.mark.parametrize("n", [8, 16])
def test_limb_product_matches_reference(n: int) -> None:
    seed = hashlib.sha256(f"limb test {n}".encode()).digest()
    a, b = challenge_matrices(seed, n)
    assert _limb_product(a, b) == compute_answer(seed, n)


def test_limb_product_exact_at_largest_entries() -> None:
    # Every entry p − 1 and n = 128: the largest limb sums the float64 bound allows.
    n = 128
    a = [[PRIME - 1] * n for _ in range(n)]
    expected = (PRIME - 1) * (PRIME - 1) * n % PRIME
    result = _limb_product(a, a)
    assert result[0][0] == expected
    assert result[n - 1][n - 1] == expected


# -- configuration ----------------------------------------------------------------------------


def test_find_gpu_by_model_and_form_factor() -> None:
    assert find_gpu("NVIDIA H100 SXM").board_power_w == 700
    assert find_gpu("nvidia a100 80gb", "SXM4").board_power_w == 400
    with pytest.raises(GpuModelAmbiguousError):
        find_gpu("NVIDIA A100 80GB")
    with pytest.raises(GpuModelUnknownError):
        find_gpu("NVIDIA H100 SXM", "PCIe")
    with pytest.raises(GpuModelUnknownError):
        find_gpu("Imaginary GPU 9000")
    with pytest.raises(GpuTableUnreadableError):
        find_gpu("NVIDIA H100 SXM", data_dir=Path("/nonexistent"))


VALID_CONFIG = {
    "node_keypair": '"node.json"',
    "deployment_id": f'"{DEPLOYMENT_ID.hex()}"',
    "gpu_model": '"NVIDIA A100 80GB"',
    "gpu_form_factor": '"SXM4"',
    "gpu_count": "4",
    "energy_source": '"mixed"',
    "renewable_share": "0.25",
    "oracle_urls": '["http://127.0.0.1:8701/", "http://127.0.0.1:8702"]',
    "provider_authority": f'"{AUTHORITY}"',
    "receipt_period_seconds": "600",
}


def _write_config(directory: Path, **changes: str | None) -> Path:
    (directory / "node.json").write_text(json.dumps(list(bytes(NODE_KEYPAIR))))
    values = {**VALID_CONFIG, **changes}
    path = directory / "node.toml"
    path.write_text("".join(f"{key} = {value}\n" for key, value in values.items() if value is not None))
    return path


def test_load_node_config_reads_every_key(tmp_path: Path) -> None:
    config = load_node_config(_write_config(tmp_path))
    assert config.node_pubkey == NODE_KEYPAIR.pubkey()
    assert config.deployment_id == DEPLOYMENT_ID
    assert config.board_power_w == 400
    assert config.gpu_count == 4
    assert config.renewable_share == Decimal("0.25")
    assert config.oracle_urls == ("http://127.0.0.1:8701", "http://127.0.0.1:8702")
    assert config.state_file == tmp_path / "provider-state.json"
    assert config.receipt_period_seconds == 600.0
    assert config.provider_authority == AUTHORITY
    assert config.static_jobs == ()


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"deployment_id": '"abcd"'}, "deployment_id"),
        ({"gpu_count": "0"}, "gpu_count"),
        ({"gpu_count": "5000"}, "gpu_count"),
        ({"energy_source": '"coal"'}, "energy_source"),
        ({"energy_source": '"grid"'}, "renewable_share"),  # share 0.25 with grid power
        ({"renewable_share": None}, "renewable_share"),  # mixed needs a share
        ({"renewable_share": "1.5"}, "renewable_share"),
        ({"oracle_urls": "[]"}, "oracle_urls"),
        ({"oracle_urls": '["ftp://oracle"]'}, "oracle_urls"),
        ({"provider_authority": None}, "provider_authority"),
        ({"provider_authority": '"not-a-key"'}, "provider_authority"),
        ({"receipt_period_seconds": "0"}, "receipt_period_seconds"),
        ({"gpu_model": None}, "gpu_model"),
    ],
)
def test_load_node_config_names_invalid_key(tmp_path: Path, changes: dict, key: str) -> None:
    with pytest.raises(NodeConfigError) as caught:
        load_node_config(_write_config(tmp_path, **changes))
    assert caught.value.fields["key"] == key


def test_load_node_config_file_errors(tmp_path: Path) -> None:
    with pytest.raises(NodeConfigUnreadableError):
        load_node_config(tmp_path / "missing.toml")
    (tmp_path / "broken.toml").write_text("gpu_count = = 1")
    with pytest.raises(NodeConfigUnreadableError):
        load_node_config(tmp_path / "broken.toml")
    with pytest.raises(KeypairNotFoundError):
        load_node_config(_write_config(tmp_path, node_keypair='"absent.json"'))


def test_static_jobs_replace_provider_authority(tmp_path: Path) -> None:
    job = Pubkey.from_bytes(hashlib.sha256(b"static job").digest())
    path = _write_config(tmp_path, provider_authority=None)
    path.write_text(path.read_text() + f'[[jobs]]\naddress = "{job}"\ngpu_count = 2\nlast_sequence = 3\n')
    (static,) = load_node_config(path).static_jobs
    assert (static.address, static.gpu_count, static.last_sequence) == (job, 2, 3)


# -- state file -----------------------------------------------------------------------------


JOB = Pubkey.from_bytes(hashlib.sha256(b"state job").digest())


def _store(path: Path, node: Pubkey | None = None) -> SequenceStore:
    return SequenceStore(path, deployment_id=DEPLOYMENT_ID, node=node or NODE_KEYPAIR.pubkey())


def test_store_records_survive_reopen(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with _store(path) as store:
        store.record_pending(JOB, PendingReceipt(1, "http://oracle", {"sequence": 1}), window_end=1_100)
        store.record_accepted(JOB, 1)
        store.record_pending(JOB, PendingReceipt(2, "http://oracle", {"sequence": 2}), window_end=1_200)
    with _store(path) as store:
        state = store.job(JOB)
    assert state.last_sequence == 1
    assert state.window_end == 1_200
    assert state.oracle_url == "http://oracle"
    assert state.pending == PendingReceipt(2, "http://oracle", {"sequence": 2})


def test_store_rejected_frees_sequence(tmp_path: Path) -> None:
    with _store(tmp_path / "state.json") as store:
        store.record_pending(JOB, PendingReceipt(1, "http://oracle", {}), window_end=1_100)
        store.record_rejected(JOB, 1)
        assert store.job(JOB).last_sequence == 0
        assert store.job(JOB).pending is None
        assert store.job(JOB).window_end == 1_100


def test_store_refuses_skipped_or_second_pending(tmp_path: Path) -> None:
    with _store(tmp_path / "state.json") as store:
        with pytest.raises(RuntimeError, match="not 0 \\+ 1"):
            store.record_pending(JOB, PendingReceipt(2, "http://oracle", {}), window_end=1)
        store.record_pending(JOB, PendingReceipt(1, "http://oracle", {}), window_end=1)
        with pytest.raises(RuntimeError, match="already has pending"):
            store.record_pending(JOB, PendingReceipt(1, "http://oracle", {}), window_end=1)


def test_store_follows_chain_sequence(tmp_path: Path) -> None:
    with _store(tmp_path / "state.json") as store:
        assert store.observe_chain(JOB, 7).last_sequence == 7
        assert store.observe_chain(JOB, 3).last_sequence == 7


def test_store_lock_excludes_second_agent(tmp_path: Path) -> None:
    with _store(tmp_path / "state.json"):
        with pytest.raises(StateFileLockedError):
            _store(tmp_path / "state.json").open()


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"version": 2, "deployment_id": DEPLOYMENT_ID.hex(), "node": "x", "jobs": {}}),
        json.dumps({"version": 1, "deployment_id": "00" * 32, "node": str(NODE_KEYPAIR.pubkey()), "jobs": {}}),
        json.dumps({"version": 1, "deployment_id": DEPLOYMENT_ID.hex(), "node": str(Keypair().pubkey()), "jobs": {}}),
        json.dumps({"version": 1, "deployment_id": DEPLOYMENT_ID.hex(), "node": str(NODE_KEYPAIR.pubkey()), "jobs": {str(JOB): {}}}),
    ],
)
def test_store_rejects_invalid_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(StateFileInvalidError):
        _store(path).open()
    # The failed open released the lock.
    _store(path.with_name("other.json")).open().close()
    with pytest.raises(StateFileInvalidError):
        _store(path).open()


# -- messages -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(PROVIDER_CATALOGUE))
def test_provider_messages_in_both_languages(key: str) -> None:
    entry = CATALOGUE[key]
    fields = [{name for _, name, _, _ in string.Formatter().parse(entry[lang]) if name} for lang in ("ko", "en")]
    assert fields[0] == fields[1]
    assert any("\uac00" <= character <= "\ud7a3" for character in entry["ko"])


def test_package_exports_match_all() -> None:
    import kgpu.provider

    submodules = {"agent", "config", "errors", "jobs", "metering", "oracle_client", "progress", "prover", "command", "state"}
    public = {name for name in vars(kgpu.provider) if not name.startswith("_")}
    assert public - submodules == set(kgpu.provider.__all__)

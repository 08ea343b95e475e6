"""The generated `addresses.rs` files match the program keypairs and solders' PDA search."""

from solders.pubkey import Pubkey

from kgpu_sbf import addresses
from kgpu_sbf.loader import program_keypair


def test_generated_files_are_current():
    assert addresses.stale_files() == [], "run `python -m kgpu_sbf.addresses` and rebuild the programs"


def test_token_config_constant_matches_search():
    token_id = program_keypair("kgpu_token").pubkey()
    address, bump = Pubkey.find_program_address([b"config"], token_id)
    text = addresses.path_of("kgpu_token").read_text()

    assert f'pub const CONFIG_ADDRESS: Pubkey = decode_base58("{address}");' in text
    assert f"pub const CONFIG_BUMP: u8 = {bump};" in text


def test_market_reads_token_config_at_same_address():
    token_text = addresses.path_of("kgpu_token").read_text()
    market_text = addresses.path_of("kgpu_market").read_text()
    token_id = program_keypair("kgpu_token").pubkey()
    address, _ = Pubkey.find_program_address([b"config"], token_id)

    assert f'CONFIG_ADDRESS: Pubkey = decode_base58("{address}")' in token_text
    assert f'TOKEN_CONFIG_ADDRESS: Pubkey = decode_base58("{address}")' in market_text
    assert f'TOKEN_PROGRAM_ID: Pubkey = decode_base58("{token_id}")' in market_text


def test_check_mode_reports_stale_file(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "addresses.rs"
    stale.write_text("// old\n")
    monkeypatch.setattr(addresses, "path_of", lambda name: stale)

    assert addresses.main(["--check"]) == 1
    assert "is out of date; run `python -m kgpu_sbf.addresses`" in capsys.readouterr().err

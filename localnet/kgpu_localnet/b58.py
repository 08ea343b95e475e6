"""Base58 (Bitcoin alphabet) as Solana writes addresses, signatures and instruction data.

Thin str/bytes adapters over the `based58` package, which solders' own stack uses.
"""

import based58


def b58encode(data: bytes) -> str:
    """Encode bytes as base58 text."""
    return based58.b58encode(data).decode()


def b58decode(text: str) -> bytes:
    """Decode base58 text; raises ValueError on a character outside the alphabet."""
    return based58.b58decode(text.encode())

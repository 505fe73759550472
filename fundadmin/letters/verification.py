"""Verification codes: printed on a letter, answered by the public verify route."""

from __future__ import annotations

import base64
import secrets

CODE_BYTES = 15
"""120 random bits: guessing one of a million issued codes takes ~2^100 tries."""

CODE_CHARS = CODE_BYTES * 8 // 5
"""Base32 characters of a code (no padding: 120 bits are 24 characters)."""
_GROUP = 4
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def new_verification_code() -> str:
    """`7KQ2-M4XD-...`: 24 base32 characters in groups of four, easy to read aloud and type."""
    text = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii")
    return "-".join(text[i : i + _GROUP] for i in range(0, len(text), _GROUP))


def normalise_code(typed: str) -> str | None:
    """The code as stored, from what a person typed (any case, spaces or dashes); None when it
    cannot be a code, so the lookup is skipped."""
    compact = "".join(c for c in typed.upper() if c.isalnum())
    if len(compact) != CODE_CHARS or not set(compact) <= _ALPHABET:
        return None
    return "-".join(compact[i : i + _GROUP] for i in range(0, len(compact), _GROUP))

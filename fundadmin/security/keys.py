"""The RSA keys that sign and verify access tokens, identified by `kid`.

The first key signs; every key verifies, so a new key can be put in front and the old one removed
once the tokens it signed have expired (15 minutes by default).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

_PEM_BLOCK = re.compile(
    r"-----BEGIN (?:RSA )?PRIVATE KEY-----.+?-----END (?:RSA )?PRIVATE KEY-----", re.DOTALL
)


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: str
    public_pem: str
    public_jwk: dict[str, str]

    @classmethod
    def from_private_pem(cls, pem: str) -> SigningKey:
        private = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(private, rsa.RSAPrivateKey) or private.key_size < 2048:
            raise ValueError("token signing keys must be RSA keys of at least 2048 bits")
        numbers = private.public_key().public_numbers()
        jwk = {"kty": "RSA", "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}
        # RFC 7638 thumbprint: the kid is derived from the key, so it cannot be mislabelled.
        canonical = json.dumps(jwk, sort_keys=True, separators=(",", ":")).encode()
        kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
        public_pem = (
            private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        return cls(kid=kid, private_pem=pem, public_pem=public_pem, public_jwk=jwk)


def generate_private_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[SigningKey, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("at least one token signing key is needed")

    @classmethod
    def from_pem_bundle(cls, bundle: str) -> KeyRing:
        return cls(tuple(SigningKey.from_private_pem(m) for m in _PEM_BLOCK.findall(bundle)))

    @classmethod
    def development(cls, data_dir: Path) -> KeyRing:
        """A key kept in the data folder, made on first use; refused in production by Settings."""
        path = data_dir / "keys" / "jwt-signing.pem"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(generate_private_pem())
        return cls.from_pem_bundle(path.read_text())

    @property
    def signing(self) -> SigningKey:
        return self.keys[0]

    def verifying(self, kid: str) -> SigningKey | None:
        return next((k for k in self.keys if k.kid == kid), None)

    def jwks(self) -> dict[str, Any]:
        return {
            "keys": [
                {**k.public_jwk, "kid": k.kid, "use": "sig", "alg": "RS256"} for k in self.keys
            ]
        }

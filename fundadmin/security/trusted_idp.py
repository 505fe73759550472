"""Optionally, an external identity provider (a ministry's or a national IdP) signs users in.

Its public keys come from a JWKS file read at start (`FUNDADMIN_TRUSTED_JWKS_FILE`), its tokens
must carry its issuer (`FUNDADMIN_TRUSTED_JWKS_ISSUER`) and this service's audience, and are
checked exactly like ours (RS256 only, `exp` required). The IdP only says who the person is:
she must exist here as an active user with the same username (the `preferred_username` claim),
and her roles are the ones granted here, never the ones in the token.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwt
from jose.exceptions import JOSEError

from fundadmin.security.tokens import ALGORITHM, InvalidToken

USERNAME_CLAIM = "preferred_username"


def _uint(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def _public_pem(jwk: dict[str, Any]) -> str:
    numbers = rsa.RSAPublicNumbers(e=_uint(jwk["e"]), n=_uint(jwk["n"]))
    key = numbers.public_key()
    if key.key_size < 2048:
        raise ValueError("trusted identity provider keys must be RSA keys of 2048 bits or more")
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@dataclass(frozen=True)
class TrustedIdentityProvider:
    issuer: str
    audience: str
    keys: dict[str, str]
    """kid -> PEM public key, RSA signing keys only."""

    @classmethod
    def from_jwks_file(cls, path: Path, issuer: str, audience: str) -> TrustedIdentityProvider:
        document = json.loads(path.read_text())
        keys = {
            str(jwk["kid"]): _public_pem(jwk)
            for jwk in document.get("keys", [])
            if jwk.get("kty") == "RSA"
            and jwk.get("use", "sig") == "sig"
            and jwk.get("alg", ALGORITHM) == ALGORITHM
            and "kid" in jwk
        }
        if not keys:
            raise ValueError(f"{path} holds no RSA signing key with a kid")
        return cls(issuer=issuer, audience=audience, keys=keys)

    def knows(self, kid: str) -> bool:
        return kid in self.keys

    def username(self, token: str) -> str:
        """The username the provider vouches for; raises InvalidToken otherwise."""
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != ALGORITHM or "enc" in header:
                raise InvalidToken("algorithm not accepted")
            key = self.keys.get(str(header.get("kid", "")))
            if key is None:
                raise InvalidToken("unknown key id")
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require_exp": True,
                    "require_iat": True,
                    "require_aud": True,
                    "require_iss": True,
                    "require_sub": True,
                },
            )
        except JOSEError as exc:
            raise InvalidToken(type(exc).__name__) from exc
        username = claims.get(USERNAME_CLAIM)
        if not isinstance(username, str) or not username:
            raise InvalidToken("no username claim")
        return username


def trusted_idp_from_settings(
    jwks_file: Path | None, issuer: str | None, audience: str
) -> TrustedIdentityProvider | None:
    if jwks_file is None:
        return None
    if not issuer:
        raise ValueError(
            "FUNDADMIN_TRUSTED_JWKS_ISSUER must be set with FUNDADMIN_TRUSTED_JWKS_FILE"
        )
    return TrustedIdentityProvider.from_jwks_file(jwks_file, issuer, audience)

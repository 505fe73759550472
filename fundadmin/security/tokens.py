"""Access tokens: RS256 JWTs made and checked with python-jose.

Checking never trusts the token's header for the algorithm: the list is pinned to RS256, so
`alg: none` and HS256 tokens signed with the public key (CVE-2024-33663's class) are refused.

A token whose signature and claims were checked is remembered until it expires (a bounded
cache keyed by the whole token), so a caller's later requests skip the RSA check, which was the
largest cost of authenticating one. Expiry is still checked on every request; the keys of a
service never change while it runs, so a remembered token stays as valid as it was.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from jose import jwt
from jose.exceptions import JOSEError

from fundadmin.security.keys import KeyRing
from fundadmin.security.principal import Principal

ALGORITHM = "RS256"
REMEMBERED_TOKENS = 4096


class InvalidToken(Exception):
    """The bearer token is not one this service accepts. The reason is for logs, not callers."""


@dataclass(frozen=True)
class TokenService:
    keys: KeyRing
    issuer: str
    audience: str
    ttl_seconds: int
    _verified: dict[str, tuple[float, Principal]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """Checked tokens: expiry (epoch seconds) and principal, oldest first."""

    def issue(self, principal: Principal) -> str:
        precise = time.time()
        now = int(precise)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(principal.user_id),
            "iat": now,
            # `iat` has whole seconds; ending the tokens issued before a change needs finer.
            "iat_ms": int(precise * 1000),
            "nbf": now,
            "exp": now + self.ttl_seconds,
            "jti": str(uuid.uuid4()),
            "preferred_username": principal.username,
            "roles": sorted(principal.roles),
            "scope": " ".join(principal.scopes),
        }
        if principal.organisation_id is not None:
            claims["org"] = str(principal.organisation_id)
        key = self.keys.signing
        return jwt.encode(claims, key.private_pem, algorithm=ALGORITHM, headers={"kid": key.kid})

    def verify(self, token: str) -> Principal:
        remembered = self._verified.get(token)
        if remembered is not None:
            expires, principal = remembered
            if time.time() <= expires:
                return principal
            del self._verified[token]
        principal, expires = self._check(token)
        if len(self._verified) >= REMEMBERED_TOKENS:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (expires, principal)
        return principal

    def _check(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except JOSEError as exc:
            raise InvalidToken("malformed token") from exc
        if header.get("alg") != ALGORITHM or "enc" in header:
            raise InvalidToken("algorithm not accepted")
        key = self.keys.verifying(str(header.get("kid", "")))
        if key is None:
            raise InvalidToken("unknown key id")
        try:
            claims = jwt.decode(
                token,
                key.public_pem,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require_exp": True,
                    "require_iat": True,
                    "require_sub": True,
                    "require_jti": True,
                    "require_aud": True,
                    "require_iss": True,
                },
            )
        except JOSEError as exc:
            raise InvalidToken(type(exc).__name__) from exc
        try:
            org = claims.get("org")
            principal = Principal(
                user_id=uuid.UUID(claims["sub"]),
                username=str(claims.get("preferred_username", "")),
                grants=Principal.grants_from_scopes(str(claims.get("scope", "")).split()),
                organisation_id=uuid.UUID(org) if org else None,
                token_id=str(claims["jti"]),
                issued_at=int(claims.get("iat_ms", int(claims["iat"]) * 1000)),
            )
            return principal, float(claims["exp"])
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidToken("claims malformed") from exc

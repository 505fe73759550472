"""Sign-in (username and password, or a service account's client id and secret) and public keys."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.errors import ProblemError, ProblemType
from fundadmin.security.guards import PUBLIC
from fundadmin.security.tokens import TokenService
from fundadmin.security.users import authenticate

INVALID_CREDENTIALS = ProblemType(401, "invalid-credentials", "Sign-in failed")


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    username: str = msgspec.field()
    """Username, or a service account's client id."""
    password: str = msgspec.field()
    """Password, or a service account's client secret."""


class TokenResponse(msgspec.Struct):
    access_token: str
    expires_in: int
    """Seconds until the token expires."""
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret


class AuthController(Controller):
    path = "/"
    tags = ["authentication"]
    opt = PUBLIC

    @post("/api/v1/auth/token", status_code=200, summary="Exchange credentials for an access token")
    async def token(
        self,
        data: JSONBody[TokenRequest],
        session: NamedDependency[AsyncSession],
        state: State,
    ) -> TokenResponse:
        tokens: TokenService = state.tokens
        principal = await authenticate(session, data.username, data.password)
        if principal is None:
            raise ProblemError(INVALID_CREDENTIALS, "the username or password is not right")
        return TokenResponse(access_token=tokens.issue(principal), expires_in=tokens.ttl_seconds)

    @get("/.well-known/jwks.json", summary="Public keys that verify this service's tokens")
    async def jwks(self, state: State) -> dict[str, Any]:
        tokens: TokenService = state.tokens
        return tokens.keys.jwks()

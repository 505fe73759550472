"""Sign-in (username and password, or a service account's client id and secret) and public keys."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import JSONBody
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.database import unit_of_work
from fundadmin.errors import UNPROCESSABLE, ProblemError, ProblemType
from fundadmin.security.audit import client_address
from fundadmin.security.errors import SignInThrottled
from fundadmin.security.guards import PUBLIC
from fundadmin.security.sign_in import Credentials, sign_in
from fundadmin.security.throttle import SignInThrottle
from fundadmin.security.tokens import TokenService

INVALID_CREDENTIALS = ProblemType(401, "invalid-credentials", "Sign-in failed")
THROTTLED = ProblemType(429, "sign-in-throttled", "Too many failed sign-ins")
SIGN_IN_THROTTLE = SignInThrottle()

Secret = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Either `username` and `password` (a person) or `client_id` and `client_secret` (a
    ministry's system)."""

    username: Name | None = None
    password: Secret | None = None
    client_id: Name | None = None
    """A service account's client id."""
    client_secret: Secret | None = None
    """A service account's client secret."""

    def credentials(self) -> Credentials:
        if self.username and self.password and not (self.client_id or self.client_secret):
            return Credentials(self.username, self.password, is_service=False)
        if self.client_id and self.client_secret and not (self.username or self.password):
            return Credentials(self.client_id, self.client_secret, is_service=True)
        raise ProblemError(
            UNPROCESSABLE, "send either username and password, or client_id and client_secret"
        )


def _pair(first: str, second: str, description: str) -> Schema:
    return Schema(
        type=OpenAPIType.OBJECT,
        title=description,
        required=[first, second],
        properties={
            first: Schema(type=OpenAPIType.STRING, min_length=1, max_length=100),
            second: Schema(type=OpenAPIType.STRING, min_length=1, max_length=1024),
        },
        additional_properties=False,
    )


class TokenRequestSchemaPlugin(OpenAPISchemaPlugin):
    """The document says what `TokenRequest.credentials` accepts: exactly one of two pairs.
    (The one Struct decodes both, since msgspec has no untagged union of objects.)"""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return value is TokenRequest

    def to_openapi_schema(
        self,
        field_definition: FieldDefinition,  # noqa: ARG002 (one schema for the one type)
        schema_creator: Any,  # noqa: ARG002
    ) -> Schema:
        return Schema(
            description=TokenRequest.__doc__,
            one_of=[
                _pair("username", "password", "A person's sign-in"),
                _pair("client_id", "client_secret", "A service account's sign-in"),
            ],
        )


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
        request: Request[Any, Any, Any],
        data: JSONBody[TokenRequest],
        session: NamedDependency[AsyncSession],
        state: State,
    ) -> TokenResponse:
        tokens: TokenService = state.tokens
        try:
            async with unit_of_work(session):
                principal = await sign_in(
                    session, SIGN_IN_THROTTLE, data.credentials(), client_address(request)
                )
        except SignInThrottled as exc:
            raise ProblemError(
                THROTTLED, str(exc), headers={"Retry-After": str(exc.retry_after_seconds)}
            ) from exc
        if principal is None:
            raise ProblemError(INVALID_CREDENTIALS, "the credentials are not right")
        return TokenResponse(access_token=tokens.issue(principal), expires_in=tokens.ttl_seconds)

    @get("/.well-known/jwks.json", summary="Public keys that verify this service's tokens")
    async def jwks(self, state: State) -> dict[str, Any]:
        tokens: TokenService = state.tokens
        return tokens.keys.jwks()

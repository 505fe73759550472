"""Turns the `Authorization: Bearer` header into a :class:`Principal` for guarded routes."""

from __future__ import annotations

from typing import Any

import structlog
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from fundadmin.security.principal import Principal
from fundadmin.security.tokens import InvalidToken, TokenService
from fundadmin.security.trusted_idp import TrustedIdentityProvider
from fundadmin.security.users import ActiveUsers

log = structlog.get_logger(__name__)


async def as_granted_now(active_users: ActiveUsers, claimed: Principal) -> Principal | None:
    """The token's principal narrowed to what the user holds now; None when she is disabled or
    unknown, or the token was issued before a reset, a disable or a role change ended it.
    The one check for a bearer token and a web session alike."""
    current = await active_users.current(claimed.user_id)
    if current is None:
        log.info("token refused", reason="user disabled or unknown")
        return None
    if claimed.token_ended(current):
        log.info("token refused", reason="issued before a reset, a disable or a role change")
        return None
    return claimed.within(current)


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorizedException()
        tokens: TokenService = connection.app.state.tokens
        active_users: ActiveUsers = connection.app.state.active_users
        try:
            claimed = tokens.verify(token.strip())
        except InvalidToken as exc:
            claimed = await _from_trusted_provider(connection, token.strip(), exc)
        principal = await as_granted_now(active_users, claimed)
        if principal is None:
            raise NotAuthorizedException()
        structlog.contextvars.bind_contextvars(user_id=str(principal.user_id))
        return AuthenticationResult(user=principal, auth=token)


async def _from_trusted_provider(
    connection: ASGIConnection[Any, Any, Any, Any], token: str, refusal: InvalidToken
) -> Principal:
    """The local user an external identity provider's token names, with her local roles."""
    provider: TrustedIdentityProvider | None = connection.app.state.get("trusted_idp")
    if provider is None:
        log.info("token refused", reason=str(refusal))
        raise NotAuthorizedException() from refusal
    try:
        username = provider.username(token)
    except InvalidToken as exc:
        log.info("token refused", reason=str(refusal), trusted_idp_reason=str(exc))
        raise NotAuthorizedException() from exc
    active_users: ActiveUsers = connection.app.state.active_users
    principal = await active_users.principal_for(username)
    if principal is None:
        log.info("token refused", reason="trusted provider's user unknown here or disabled")
        raise NotAuthorizedException()
    return principal

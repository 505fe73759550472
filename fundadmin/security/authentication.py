"""Turns the `Authorization: Bearer` header into a :class:`Principal` for guarded routes."""

from __future__ import annotations

from typing import Any

import structlog
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from fundadmin.security.tokens import InvalidToken, TokenService

log = structlog.get_logger(__name__)


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorizedException()
        tokens: TokenService = connection.app.state.tokens
        try:
            principal = tokens.verify(token.strip())
        except InvalidToken as exc:
            log.info("token refused", reason=str(exc))
            raise NotAuthorizedException() from exc
        active_users = connection.app.state.active_users
        if not await active_users.is_active(principal.user_id):
            log.info("token refused", reason="user disabled")
            raise NotAuthorizedException()
        structlog.contextvars.bind_contextvars(user_id=str(principal.user_id))
        return AuthenticationResult(user=principal, auth=token)

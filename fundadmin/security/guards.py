"""Deny by default: every route names the roles that may call it.

`requires(Role.ADMINISTRATOR)` is a Litestar guard. Routes open to anyone carry `opt={"public":
True}` instead; a test walks every route of the app and fails on one that has neither.
Scope checks on records (her organisation, her country) happen in the services and answer 404.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from fundadmin.security.principal import Principal, Role

PUBLIC = {"public": True}
"""`opt` of the few routes anyone may call (health, sign-in, public keys, API schema)."""


def requires(*roles: Role) -> Guard:
    allowed = frozenset(roles)

    # Async on purpose: Litestar runs a synchronous guard in a worker thread, a thread hop on
    # every request for two set lookups.
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = connection.scope.get("user")
        if not isinstance(principal, Principal):
            raise NotAuthorizedException()
        if not principal.roles & allowed:
            raise PermissionDeniedException()

    guard.allowed_roles = allowed  # type: ignore[attr-defined]
    return guard


def current_principal(request: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """Litestar dependency: the caller of a guarded route."""
    principal = request.scope.get("user")
    if not isinstance(principal, Principal):
        raise NotAuthorizedException()
    return principal

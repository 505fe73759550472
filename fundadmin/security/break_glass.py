"""Break-glass: an auditor reads personal data only with a reason, and the reason is logged.

A route that returns personal data calls :func:`personal_data_reason` before reading and passes
what it returns as `reason` to `write_audit`:

    reason = personal_data_reason(principal, request)
    ... read and decrypt ...
    await write_audit(session, principal=principal, action="claimant.read", ..., reason=reason)

Administrators and legal advisers read personal data in their own scope without a reason (their
scope is checked by the route's service, answering 404 outside it). An auditor must send the
header `X-Break-Glass-Reason: <why, 10 to 500 characters>`; without it she gets 403
`break-glass-required`. Ministries and superusers never read personal data: their routes do not
return any, so the guard on such routes excludes them.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection

from fundadmin.security.errors import BreakGlassReasonInvalid, BreakGlassRequired
from fundadmin.security.principal import Principal, Role

BREAK_GLASS_HEADER = "X-Break-Glass-Reason"
MIN_REASON = 10
MAX_REASON = 500

ROLES_READING_PERSONAL_DATA = frozenset({Role.ADMINISTRATOR, Role.LEGAL_ADVISER})
"""Roles whose work needs personal data in their scope, without a stated reason."""


def break_glass_reason(request: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The caller's stated reason for a break-glass read, or None when none was sent."""
    raw = request.headers.get(BREAK_GLASS_HEADER)
    if raw is None:
        return None
    reason = " ".join(raw.split())
    if not MIN_REASON <= len(reason) <= MAX_REASON:
        raise BreakGlassReasonInvalid(
            f"{BREAK_GLASS_HEADER} must hold {MIN_REASON} to {MAX_REASON} characters"
        )
    return reason


def personal_data_reason(
    principal: Principal, request: ASGIConnection[Any, Any, Any, Any]
) -> str | None:
    """The reason to record for a read of personal data (None for a role that needs none).

    Raises BreakGlassRequired for an auditor without a reason and for every other role.
    """
    reason = break_glass_reason(request)
    if principal.roles & ROLES_READING_PERSONAL_DATA:
        return reason
    if Role.AUDITOR in principal.roles and reason is not None:
        return reason
    raise BreakGlassRequired()

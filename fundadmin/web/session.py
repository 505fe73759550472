"""The web session: a signed access token in a Secure, HttpOnly, SameSite=Strict cookie.

The cookie carries a token from the API's own TokenService, so a web visitor is checked exactly
as a bearer caller is (signature, expiry, a disabled account, a role taken away). Each page
re-issues it once it is a minute old, so the session ends after `access_token_ttl_seconds` of
inactivity (real elapsed time, as for tokens), never in the middle of work.

CSRF: every form carries the value of a second HttpOnly, SameSite=Strict cookie (the double
submit pattern); a POST whose field differs from the cookie is refused before anything runs.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie

from fundadmin.security.authentication import as_granted_now
from fundadmin.security.principal import Principal
from fundadmin.security.tokens import InvalidToken, TokenService

SESSION_COOKIE = "fundadmin_session"
CSRF_COOKIE = "fundadmin_csrf"
CSRF_FIELD = "csrf_token"
REFRESH_AFTER_SECONDS = 60
"""A token older than this is replaced on the next page, so activity keeps the session alive."""


class SignInRequired(Exception):
    """No session, or it expired: the visitor is sent to the sign-in page."""


class CsrfRefused(Exception):
    """A form came without this browser's CSRF token."""


def _cookie(name: str, value: str, max_age: int | None) -> Cookie:
    return Cookie(
        key=name,
        value=value,
        path="/web",
        secure=True,
        httponly=True,
        samesite="strict",
        max_age=max_age,
    )


def session_cookie(tokens: TokenService, principal: Principal) -> Cookie:
    return _cookie(SESSION_COOKIE, tokens.issue(principal), tokens.ttl_seconds)


def ended_session_cookies() -> list[Cookie]:
    return [_cookie(SESSION_COOKIE, "", 0), _cookie(CSRF_COOKIE, "", 0)]


def csrf_cookie(value: str) -> Cookie:
    return _cookie(CSRF_COOKIE, value, None)


def csrf_token(request: Request[Any, Any, Any]) -> tuple[str, Cookie | None]:
    """This browser's CSRF token, and the cookie to set when it had none yet."""
    current = request.cookies.get(CSRF_COOKIE)
    if current:
        return current, None
    fresh = secrets.token_urlsafe(32)
    return fresh, csrf_cookie(fresh)


async def check_csrf(request: Request[Any, Any, Any]) -> None:
    """Raises CsrfRefused unless the form's token equals the cookie's."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = (await request.form()).get(CSRF_FIELD, "")
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise CsrfRefused()


async def visitor(request: Request[Any, Any, Any]) -> tuple[Principal, Cookie | None]:
    """The signed-in visitor, and a fresh session cookie when hers is due for renewal.

    Raises SignInRequired without a valid session.
    """
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInRequired()
    tokens: TokenService = request.app.state.tokens
    try:
        claimed = tokens.verify(token)
    except InvalidToken as exc:
        raise SignInRequired() from exc
    principal = await as_granted_now(request.app.state.active_users, claimed)
    if principal is None:
        raise SignInRequired()
    age_ms = time.time() * 1000 - (claimed.issued_at or 0)
    renewed = session_cookie(tokens, principal) if age_ms > REFRESH_AFTER_SECONDS * 1000 else None
    return principal, renewed

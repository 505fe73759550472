"""The web session: kept on the server, named by a random secret in a Secure, HttpOnly,
SameSite=Strict cookie.

Only the secret's SHA-256 is stored (`web_session`), so the table signs no one in. Signing out
deletes the row, so a copied cookie stops working at once; a password reset, a disable or a role
change deletes the user's rows (a trigger, whoever writes the change). The server ends a session
after `web_session_idle_seconds` without a page and `web_session_max_seconds` after sign-in,
measured on the service's clock (fundadmin.clock), so tests move time by moving that clock. The
cookie itself has no expiry: it lives until the browser closes, and the server decides the rest.
Signing in always starts a new session (a fresh secret) and ends the one the browser held.

CSRF: every form carries the value of a second HttpOnly, SameSite=Strict cookie (the double
submit pattern); a POST whose field differs from the cookie is refused before anything runs.
Signing in and out replaces it too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from litestar import Request
from litestar.datastructures import Cookie
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.security.models import WebSession
from fundadmin.security.principal import Principal
from fundadmin.settings import Settings

SESSION_COOKIE = "fundadmin_session"
CSRF_COOKIE = "fundadmin_csrf"
CSRF_FIELD = "csrf_token"
RENEW_AFTER = timedelta(seconds=60)
"""A page renews the session once its last renewal is this old: one write a minute at most."""


class SignInRequired(Exception):
    """No session, or it ended: the visitor is sent to the sign-in page."""


class CsrfRefused(Exception):
    """A form came without this browser's CSRF token."""


def _cookie(name: str, value: str, max_age: int | None = None) -> Cookie:
    return Cookie(
        key=name,
        value=value,
        path="/web",
        secure=True,
        httponly=True,
        samesite="strict",
        max_age=max_age,
    )


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


async def start_session(
    session: AsyncSession, request: Request[Any, Any, Any], user_id: uuid.UUID, now: datetime
) -> list[Cookie]:
    """A new session for `user_id` (flushed, not committed), ending the one this browser held
    and every expired one; the cookies that carry it and a fresh CSRF token."""
    settings: Settings = request.app.state.settings
    await session.execute(
        # idle_until never passes ends_at (a CHECK), so it alone says a session has ended.
        sa.delete(WebSession).where(
            (WebSession.idle_until <= now)
            | (WebSession.secret_hash == _hash(request.cookies.get(SESSION_COOKIE, "")))
        )
    )
    secret = secrets.token_urlsafe(32)
    ends_at = now + timedelta(seconds=settings.web_session_max_seconds)
    session.add(
        WebSession(
            secret_hash=_hash(secret),
            user_id=user_id,
            signed_in_at=now,
            seen_at=now,
            idle_until=min(now + timedelta(seconds=settings.web_session_idle_seconds), ends_at),
            ends_at=ends_at,
        )
    )
    await session.flush()
    return [_cookie(SESSION_COOKIE, secret), _cookie(CSRF_COOKIE, secrets.token_urlsafe(32))]


async def end_session(
    session: AsyncSession, request: Request[Any, Any, Any]
) -> tuple[uuid.UUID | None, list[Cookie]]:
    """Deletes this browser's session (flushed, not committed): whose it was (None when it had
    none or it had ended), and the cookies that clear it."""
    secret = request.cookies.get(SESSION_COOKIE)
    user_id = None
    if secret:
        user_id = await session.scalar(
            sa.delete(WebSession)
            .where(WebSession.secret_hash == _hash(secret))
            .returning(WebSession.user_id)
        )
    return user_id, [_cookie(SESSION_COOKIE, "", 0), _cookie(CSRF_COOKIE, "", 0)]


def csrf_token(request: Request[Any, Any, Any]) -> tuple[str, Cookie | None]:
    """This browser's CSRF token, and the cookie to set when it had none yet."""
    current = request.cookies.get(CSRF_COOKIE)
    if current:
        return current, None
    fresh = secrets.token_urlsafe(32)
    return fresh, _cookie(CSRF_COOKIE, fresh)


async def check_csrf(request: Request[Any, Any, Any]) -> None:
    """Raises CsrfRefused unless the form's token equals the cookie's."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = (await request.form()).get(CSRF_FIELD, "")
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise CsrfRefused()


async def visitor(request: Request[Any, Any, Any]) -> Principal:
    """The signed-in visitor as granted now; her page renews the session when due.

    Raises SignInRequired without a live session (none, signed out, idle too long, too old,
    ended by a reset, a disable or a role change), or when her account is disabled.
    """
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise SignInRequired()
    state = request.app.state
    settings: Settings = state.settings
    now: datetime = state.clock.now()
    async with state.session_factory() as session:
        row = await session.get(WebSession, _hash(secret))
        if row is None:
            raise SignInRequired()
        user_id = row.user_id
        if now >= row.idle_until:  # never later than ends_at
            await session.delete(row)
            await session.commit()
            raise SignInRequired()
        if now - row.seen_at >= RENEW_AFTER:
            row.seen_at = now
            row.idle_until = min(
                now + timedelta(seconds=settings.web_session_idle_seconds), row.ends_at
            )
            await session.commit()
    principal: Principal | None = await state.active_users.current(user_id)
    if principal is None:
        raise SignInRequired()
    return principal

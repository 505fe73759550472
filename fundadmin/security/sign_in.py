"""Sign-in: credentials in, a principal out, with throttling and an audit line either way."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.security.audit import write_audit
from fundadmin.security.errors import SignInThrottled
from fundadmin.security.models import UserAccount
from fundadmin.security.passwords import verify_password_async
from fundadmin.security.principal import Principal
from fundadmin.security.throttle import SignInThrottle
from fundadmin.security.users import principal_of

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Credentials:
    username: str
    """Username, or a service account's client id."""
    secret: str
    """Password, or a service account's client secret."""
    is_service: bool
    """True when sent as client id and secret: only a service account may sign in that way,
    and a service account only that way."""

    def __repr__(self) -> str:
        return f"Credentials(is_service={self.is_service})"


async def sign_in(
    session: AsyncSession,
    throttle: SignInThrottle,
    credentials: Credentials,
    remote_addr: str | None,
) -> Principal | None:
    """The principal for right credentials; None for wrong ones (failure counted and audited).

    Raises SignInThrottled, before the secret is even checked, while the username or the address
    has to wait. Flushes, never commits: the caller commits the failure count and audit line
    whatever the outcome.
    """
    retry_after = await throttle.retry_after(session, credentials.username, remote_addr)
    if retry_after is not None:
        log.warning("sign-in throttled", remote_addr=remote_addr, retry_after=retry_after)
        raise SignInThrottled(retry_after)
    user = await session.scalar(
        sa.select(UserAccount).where(UserAccount.username == credentials.username)
    )
    secret_ok = await verify_password_async(
        user.password_hash if user else None, credentials.secret
    )
    method = "client_secret" if credentials.is_service else "password"
    if (
        user is None
        or not secret_ok
        or not user.is_active
        or user.is_service != credentials.is_service
    ):
        locked = await throttle.record_failure(session, credentials.username, remote_addr)
        await write_audit(
            session,
            principal=None,
            action="auth.sign_in_failed",
            subject_type="user",
            subject_id=str(user.id) if user else None,
            remote_addr=remote_addr,
            details={"method": method},
        )
        for kind in locked:
            # An auditor sees when an account or an address was locked out, and by whom.
            await write_audit(
                session,
                principal=None,
                action="auth.locked_out",
                subject_type="user" if kind == "user" else "address",
                subject_id=(str(user.id) if user else None) if kind == "user" else remote_addr,
                remote_addr=remote_addr,
                details={"counted_per": kind},
            )
        log.info("sign-in failed", remote_addr=remote_addr)
        return None
    await throttle.record_success(session, credentials.username)
    principal = principal_of(user)
    await write_audit(
        session,
        principal=principal,
        action="auth.sign_in",
        subject_type="user",
        subject_id=str(user.id),
        remote_addr=remote_addr,
        details={"method": method},
    )
    return principal

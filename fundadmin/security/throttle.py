"""Throttling of failed sign-ins, per attempted username and per client address.

A few failures are free; after that each attempt must wait twice as long as the one before, and
at the limit the username (or address) is refused for a lockout period. The counters live in
PostgreSQL, so every instance of the service sees the same ones. Usernames are counted whether or
not they exist, and the refusal is the same in both cases, so it tells nothing about who exists.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.security.models import SignInFailures


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int
    """Failures allowed without any wait."""
    lockout_failures: int
    """Failures after which every attempt is refused for `lockout`."""
    first_delay: timedelta
    """Wait after the first failure beyond the free ones; it doubles with each further one."""
    lockout: timedelta
    """How long an attempt is refused once `lockout_failures` is reached (from the last one)."""
    window: timedelta
    """Failures older than this (counted from the first of the window) are forgotten."""

    def wait(self, failures: int, last_failure_at: datetime, now: datetime) -> timedelta:
        """How long until the next attempt is allowed (zero or negative: allowed now)."""
        if failures >= self.lockout_failures:
            return last_failure_at + self.lockout - now
        if failures >= self.free_failures:
            delay: timedelta = self.first_delay * 2 ** (failures - self.free_failures)
            return last_failure_at + min(delay, self.lockout) - now
        return timedelta(0)


PER_USER = ThrottlePolicy(
    free_failures=3,
    lockout_failures=10,
    first_delay=timedelta(seconds=1),
    lockout=timedelta(minutes=15),
    window=timedelta(minutes=15),
)
# Offices sign in from one address behind NAT: the per-address limits are wider.
PER_ADDRESS = ThrottlePolicy(
    free_failures=20,
    lockout_failures=100,
    first_delay=timedelta(seconds=1),
    lockout=timedelta(minutes=15),
    window=timedelta(minutes=15),
)


def _key_hash(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value.casefold()}".encode()).hexdigest()


@dataclass(frozen=True)
class SignInThrottle:
    per_user: ThrottlePolicy = PER_USER
    per_address: ThrottlePolicy = PER_ADDRESS

    def _keys(self, username: str, address: str | None) -> list[tuple[str, str, ThrottlePolicy]]:
        keys = [("user", _key_hash("user", username), self.per_user)]
        if address:
            keys.append(("address", _key_hash("address", address), self.per_address))
        return keys

    async def retry_after(
        self, session: AsyncSession, username: str, address: str | None
    ) -> int | None:
        """Seconds the caller must wait before this attempt is considered; None: go ahead."""
        now = await _db_now(session)
        longest = timedelta(0)
        for kind, key_hash, policy in self._keys(username, address):
            # A username with recent failures is locked until this attempt is counted, so a
            # burst of parallel guesses is checked one after the other, not all at once. (Not
            # the address: an office behind one address would sign in one person at a time.)
            row = await session.get(
                SignInFailures,
                (kind, key_hash),
                with_for_update=kind == "user",
                populate_existing=True,
            )
            if row is None or row.window_started_at < now - policy.window:
                continue
            longest = max(longest, policy.wait(row.failures, row.last_failure_at, now))
        return math.ceil(longest.total_seconds()) if longest > timedelta(0) else None

    async def record_failure(
        self, session: AsyncSession, username: str, address: str | None
    ) -> list[str]:
        """Count one failure; returns the kinds (`user`, `address`) this failure locked out."""
        # The wait counts from the moment the password was found wrong, not from the start of
        # the transaction: the password check itself may take a second on a busy server.
        now = await _db_now(session, sa.func.clock_timestamp())
        locked = []
        for kind, key_hash, policy in self._keys(username, address):
            stale = SignInFailures.window_started_at < now - policy.window
            statement = insert(SignInFailures).values(
                kind=kind,
                key_hash=key_hash,
                failures=1,
                window_started_at=now,
                last_failure_at=now,
            )
            failures = await session.scalar(
                statement.on_conflict_do_update(
                    index_elements=[SignInFailures.kind, SignInFailures.key_hash],
                    set_={
                        "failures": sa.case((stale, 1), else_=SignInFailures.failures + 1),
                        "window_started_at": sa.case(
                            (stale, now), else_=SignInFailures.window_started_at
                        ),
                        "last_failure_at": now,
                    },
                ).returning(SignInFailures.failures)
            )
            if failures == policy.lockout_failures:
                locked.append(kind)
        # Forgotten counters are removed as failures come in, so the table stays small.
        oldest_kept = now - max(self.per_user.window, self.per_address.window) * 2
        await session.execute(
            sa.delete(SignInFailures).where(SignInFailures.last_failure_at < oldest_kept)
        )
        await session.flush()
        return locked

    async def record_success(self, session: AsyncSession, username: str) -> None:
        """A successful sign-in clears the username's failures (not the address's: one good
        account must not reset the count of an address guessing others' passwords)."""
        await session.execute(
            sa.delete(SignInFailures).where(
                SignInFailures.kind == "user",
                SignInFailures.key_hash == _key_hash("user", username),
            )
        )


async def _db_now(
    session: AsyncSession, reading: sa.ColumnElement[datetime] | None = None
) -> datetime:
    """The database's clock, shared by every instance (theirs may drift apart)."""
    now: datetime | None = await session.scalar(
        sa.select(reading if reading is not None else sa.func.now())
    )
    assert now is not None
    return now

"""Users: creation, sign-in, and the check that a token's user is still active."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fundadmin.security.models import Organisation, RoleGrant, UserAccount
from fundadmin.security.passwords import hash_password, verify_password
from fundadmin.security.principal import ALL_COUNTRIES, Principal, Role


class UserExists(ValueError):
    """A user with that username already exists."""


@dataclass(frozen=True)
class Grant:
    role: Role
    country: str = ALL_COUNTRIES


def principal_of(user: UserAccount) -> Principal:
    grants: dict[Role, set[str]] = {}
    for grant in user.grants:
        grants.setdefault(Role(grant.role), set()).add(grant.country)
    return Principal(
        user_id=user.id,
        username=user.username,
        grants={role: frozenset(cs) for role, cs in grants.items()},
        organisation_id=user.organisation_id,
    )


async def get_or_create_organisation(session: AsyncSession, name: str) -> Organisation:
    org = await session.scalar(sa.select(Organisation).where(Organisation.name == name))
    if org is None:
        org = Organisation(name=name)
        session.add(org)
        await session.flush()
    return org


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    grants: Iterable[Grant],
    organisation: str | None = None,
    is_service: bool = False,
) -> UserAccount:
    if await session.scalar(sa.select(UserAccount.id).where(UserAccount.username == username)):
        raise UserExists(f"a user named {username!r} already exists")
    org = await get_or_create_organisation(session, organisation) if organisation else None
    user = UserAccount(
        username=username,
        password_hash=hash_password(password),
        is_service=is_service,
        organisation_id=org.id if org else None,
        grants=[RoleGrant(role=g.role.value, country=g.country) for g in grants],
    )
    session.add(user)
    await session.flush()
    return user


async def authenticate(session: AsyncSession, username: str, password: str) -> Principal | None:
    """The user's principal if the password is right and the user active; None otherwise.

    A missing user costs one hash verification too, so timing does not reveal who exists.
    """
    user = await session.scalar(sa.select(UserAccount).where(UserAccount.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        return None
    return principal_of(user)


class ActiveUsers:
    """Answers "is this user still active?" for every authenticated request.

    Cached for a few seconds per user, so disabling a user takes effect within `ttl_seconds`
    without one database round trip per request.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], ttl_seconds: float = 5.0):
        self._sessions = sessions
        self._ttl = ttl_seconds
        self._seen: dict[uuid.UUID, tuple[float, bool]] = {}

    async def is_active(self, user_id: uuid.UUID) -> bool:
        now = time.monotonic()
        cached = self._seen.get(user_id)
        if cached and now - cached[0] < self._ttl:
            return cached[1]
        async with self._sessions() as session:
            active = bool(
                await session.scalar(
                    sa.select(UserAccount.is_active).where(UserAccount.id == user_id)
                )
            )
        self._seen[user_id] = (now, active)
        return active

    def forget(self, user_id: uuid.UUID) -> None:
        self._seen.pop(user_id, None)

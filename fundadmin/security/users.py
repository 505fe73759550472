"""Users: creation, sign-in, and the check that a token's user is still active."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fundadmin.security.errors import UserExists
from fundadmin.security.models import Organisation, RoleGrant, UserAccount
from fundadmin.security.passwords import hash_password_async
from fundadmin.security.principal import ALL_COUNTRIES, Principal, Role

__all__ = ["ActiveUsers", "Grant", "UserExists", "create_user", "principal_of", "usernames"]


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
        tokens_valid_after=int(user.tokens_valid_after.timestamp() * 1000)
        if user.tokens_valid_after
        else None,
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
        raise UserExists()
    org = await get_or_create_organisation(session, organisation) if organisation else None
    user = UserAccount(
        username=username,
        password_hash=await hash_password_async(password),
        is_service=is_service,
        organisation_id=org.id if org else None,
        grants=[RoleGrant(role=g.role.value, country=g.country) for g in grants],
    )
    session.add(user)
    await session.flush()
    return user


class ActiveUsers:
    """The state of each caller now: whether she is still active, and the roles she holds now.

    Cached for a few seconds per user, so disabling a user or taking a role away takes effect
    within `ttl_seconds` on every instance, without one database round trip per request.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], ttl_seconds: float = 5.0):
        self._sessions = sessions
        self._ttl = ttl_seconds
        self._by_id: dict[uuid.UUID, tuple[float, Principal | None]] = {}
        self._by_name: dict[str, tuple[float, Principal | None]] = {}

    async def current(self, user_id: uuid.UUID) -> Principal | None:
        """The user's principal as granted now; None if she is disabled or unknown."""
        now = time.monotonic()
        cached = self._by_id.get(user_id)
        if cached and now - cached[0] < self._ttl:
            return cached[1]
        principal = await self._load(UserAccount.id == user_id)
        self._by_id[user_id] = (now, principal)
        return principal

    async def is_active(self, user_id: uuid.UUID) -> bool:
        return await self.current(user_id) is not None

    async def principal_for(self, username: str) -> Principal | None:
        """The active person `username` with her local roles (for a trusted provider's token)."""
        now = time.monotonic()
        cached = self._by_name.get(username)
        if cached and now - cached[0] < self._ttl:
            return cached[1]
        principal = await self._load(
            UserAccount.username == username, UserAccount.is_service.is_(False)
        )
        self._by_name[username] = (now, principal)
        return principal

    async def _load(self, *conditions: sa.ColumnElement[bool]) -> Principal | None:
        async with self._sessions() as session:
            user = await session.scalar(
                sa.select(UserAccount).where(UserAccount.is_active.is_(True), *conditions)
            )
            return principal_of(user) if user else None

    def forget(self, user_id: uuid.UUID) -> None:
        """Drop the cached answers, so a change (a disabled user) counts on this instance now."""
        self._by_id.pop(user_id, None)
        self._by_name = {
            n: c for n, c in self._by_name.items() if not c[1] or c[1].user_id != user_id
        }


async def usernames(session: AsyncSession, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """The usernames (work handles, not personal data) of the accounts `ids` name, to show who
    took a step."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(
        sa.select(UserAccount.id, UserAccount.username).where(UserAccount.id.in_(wanted))
    )
    return dict(rows.tuples().all())

"""User management by a superuser (HTTP and CLI alike): every change is validated and audited."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.security.audit import write_audit
from fundadmin.security.errors import InvalidUserChange, UserNotFound
from fundadmin.security.models import RoleGrant, UserAccount
from fundadmin.security.passwords import hash_password_async
from fundadmin.security.principal import ALL_COUNTRIES, Principal, Role
from fundadmin.security.users import Grant, create_user, get_or_create_organisation

COUNTRIES = frozenset({"DK", "EE", "FI", "IS", "LT", "LV", "NO", "SE"})
MIN_PASSWORD = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,99}$")
SINGLE_COUNTRY_ROLES = frozenset({Role.ADMINISTRATOR, Role.LEGAL_ADVISER})
"""Roles that work in named countries, never `*` (DESIGN: an administrator has one country)."""


@dataclass(frozen=True)
class NewUser:
    username: str
    grants: tuple[Grant, ...]
    password: str | None = None
    """Required for a person; a service account's secret is generated (and shown once)."""
    organisation: str | None = None
    is_service: bool = False

    def __repr__(self) -> str:
        return f"NewUser(username={self.username!r}, is_service={self.is_service})"


def validate_grants(
    grants: Iterable[Grant], *, is_service: bool, has_organisation: bool
) -> tuple[Grant, ...]:
    checked = tuple(dict.fromkeys(grants))
    if not checked:
        raise InvalidUserChange("a user needs at least one role")
    for grant in checked:
        if grant.country != ALL_COUNTRIES and grant.country not in COUNTRIES:
            raise InvalidUserChange(f"unknown country {grant.country!r}")
        if grant.role in SINGLE_COUNTRY_ROLES and grant.country == ALL_COUNTRIES:
            raise InvalidUserChange(f"the role {grant.role} is granted per country, not `*`")
        if is_service and grant.role is not Role.MINISTRY:
            raise InvalidUserChange("a service account may hold only the ministry role")
    if any(g.role is Role.LEGAL_ADVISER for g in checked) and not has_organisation:
        raise InvalidUserChange("a legal adviser belongs to an organisation")
    return checked


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


async def create_account(
    session: AsyncSession, actor: Principal | None, new: NewUser, remote_addr: str | None = None
) -> tuple[UserAccount, str | None]:
    """Create the user; returns it and, for a service account, its generated secret."""
    if not USERNAME.match(new.username):
        raise InvalidUserChange(
            "a username is 2 to 100 characters: lower-case letters, digits, '.', '_' or '-'"
        )
    grants = validate_grants(
        new.grants, is_service=new.is_service, has_organisation=new.organisation is not None
    )
    generated = new_client_secret() if new.is_service else None
    secret = generated or new.password
    if secret is None or len(secret) < MIN_PASSWORD:
        raise InvalidUserChange(f"a password has at least {MIN_PASSWORD} characters")
    user = await create_user(
        session,
        username=new.username,
        password=secret,
        grants=grants,
        organisation=new.organisation,
        is_service=new.is_service,
    )
    await write_audit(
        session,
        principal=actor,
        action="user.create",
        subject_type="user",
        subject_id=str(user.id),
        remote_addr=remote_addr,
        details={"is_service": new.is_service, "scopes": _scopes(grants)},
    )
    return user, generated


async def list_accounts(session: AsyncSession) -> Sequence[UserAccount]:
    rows = await session.scalars(sa.select(UserAccount).order_by(UserAccount.username))
    return rows.all()


async def find_account(
    session: AsyncSession, *, user_id: uuid.UUID | None = None, username: str | None = None
) -> UserAccount:
    condition = UserAccount.id == user_id if user_id else UserAccount.username == username
    user = await session.scalar(sa.select(UserAccount).where(condition))
    if user is None:
        raise UserNotFound()
    return user


async def disable_account(
    session: AsyncSession,
    actor: Principal | None,
    user: UserAccount,
    remote_addr: str | None = None,
) -> UserAccount:
    if actor is not None and actor.user_id == user.id:
        raise InvalidUserChange("you cannot disable your own account")
    user.is_active = False
    await session.flush()
    await write_audit(
        session,
        principal=actor,
        action="user.disable",
        subject_type="user",
        subject_id=str(user.id),
        remote_addr=remote_addr,
    )
    return user


async def enable_account(
    session: AsyncSession,
    actor: Principal | None,
    user: UserAccount,
    remote_addr: str | None = None,
) -> UserAccount:
    user.is_active = True
    await session.flush()
    await write_audit(
        session,
        principal=actor,
        action="user.enable",
        subject_type="user",
        subject_id=str(user.id),
        remote_addr=remote_addr,
    )
    return user


async def replace_secret(
    session: AsyncSession,
    actor: Principal | None,
    user: UserAccount,
    password: str | None,
    remote_addr: str | None = None,
) -> str | None:
    """Set a person's new password, or generate a service account's new secret (returned once).

    The old secret stops working at once; tokens already issued run out within their lifetime.
    """
    generated = new_client_secret() if user.is_service else None
    secret = generated or password
    if secret is None or len(secret) < MIN_PASSWORD:
        raise InvalidUserChange(f"a password has at least {MIN_PASSWORD} characters")
    user.password_hash = await hash_password_async(secret)
    await session.flush()
    await write_audit(
        session,
        principal=actor,
        action="user.replace_secret",
        subject_type="user",
        subject_id=str(user.id),
        remote_addr=remote_addr,
        details={"is_service": user.is_service},
    )
    return generated


async def set_account_grants(
    session: AsyncSession,
    actor: Principal | None,
    user: UserAccount,
    grants: Iterable[Grant],
    *,
    organisation: str | None = None,
    remote_addr: str | None = None,
) -> UserAccount:
    """Replace the user's roles (and, when given, her organisation)."""
    org = await get_or_create_organisation(session, organisation) if organisation else None
    checked = validate_grants(
        grants,
        is_service=user.is_service,
        has_organisation=(org or user.organisation_id) is not None,
    )
    if (
        actor is not None
        and actor.user_id == user.id
        and not any(g.role is Role.SUPERUSER for g in checked)
    ):
        raise InvalidUserChange("you cannot remove your own superuser role")
    before = _scopes(Grant(Role(g.role), g.country) for g in user.grants)
    if org is not None:
        user.organisation_id = org.id
    user.grants = [RoleGrant(role=g.role.value, country=g.country) for g in checked]
    await session.flush()
    await write_audit(
        session,
        principal=actor,
        action="user.set_roles",
        subject_type="user",
        subject_id=str(user.id),
        remote_addr=remote_addr,
        details={"before": before, "after": _scopes(checked)},
    )
    return user


def _scopes(grants: Iterable[Grant]) -> str:
    return " ".join(sorted(f"{g.role}:{g.country}" for g in grants))

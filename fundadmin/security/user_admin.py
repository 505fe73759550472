"""User management by a superuser (HTTP and CLI alike): every change is validated and audited.

Separation of duties: no account changes its own roles; a superuser never holds a role that
reaches personal data or money (SENSITIVE_ROLES); no account is legal adviser and administrator
in one country. A grant of a sensitive role, and a new password of an account holding one,
wait as a pending change until a second superuser confirms. Every change is kept in
`user_account_change`, which the affected person reads at `/api/v1/me/account-changes`. The
host operator's command line (actor None) applies changes at once: it is how an installation
with one superuser gets its first accounts, by a second person with access to the host.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.security.audit import write_audit
from fundadmin.security.errors import (
    ChangeAlreadyPending,
    ChangeNotFound,
    InvalidUserChange,
    SeparationOfDuties,
    UserNotFound,
)
from fundadmin.security.models import RoleGrant, UserAccount, UserChange
from fundadmin.security.passwords import hash_password_async
from fundadmin.security.principal import ALL_COUNTRIES, Principal, Role
from fundadmin.security.users import Grant, create_user, get_or_create_organisation

COUNTRIES = frozenset({"DK", "EE", "FI", "IS", "LT", "LV", "NO", "SE"})
MIN_PASSWORD = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,99}$")
SINGLE_COUNTRY_ROLES = frozenset({Role.ADMINISTRATOR, Role.LEGAL_ADVISER})
"""Roles that work in named countries, never `*` (DESIGN: an administrator has one country)."""
SENSITIVE_ROLES = frozenset({Role.LEGAL_ADVISER, Role.ADMINISTRATOR, Role.AUDITOR})
"""Roles that reach personal data or money: never a superuser's, granted by two superusers."""


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
    roles = {g.role for g in checked}
    if Role.SUPERUSER in roles and roles & SENSITIVE_ROLES:
        raise InvalidUserChange(
            "a superuser holds no role that reaches personal data or money "
            "(legal_adviser, administrator, auditor): use a separate account"
        )
    advised = {g.country for g in checked if g.role is Role.LEGAL_ADVISER}
    for grant in checked:
        if grant.role is Role.ADMINISTRATOR and grant.country in advised:
            raise InvalidUserChange(
                f"no account is legal adviser and administrator in one country ({grant.country})"
            )
    return checked


def _gains_sensitive(before: Iterable[Grant], after: Iterable[Grant]) -> bool:
    held = set(before)
    return any(g.role in SENSITIVE_ROLES and g not in held for g in after)


def _holds_sensitive(user: UserAccount) -> bool:
    return any(Role(g.role) in SENSITIVE_ROLES for g in user.grants)


def _grants_of(user: UserAccount) -> tuple[Grant, ...]:
    return tuple(Grant(Role(g.role), g.country) for g in user.grants)


async def _record_change(
    session: AsyncSession,
    actor: Principal | None,
    user: UserAccount,
    kind: str,
    *,
    pending: bool = False,
    scopes: str | None = None,
    organisation: str | None = None,
    password_hash: str | None = None,
) -> UserChange:
    if pending and await session.scalar(
        sa.select(UserChange.id).where(
            UserChange.user_id == user.id, UserChange.kind == kind, UserChange.status == "pending"
        )
    ):
        raise ChangeAlreadyPending()
    change = UserChange(
        user_id=user.id,
        kind=kind,
        status="pending" if pending else "applied",
        scopes=scopes,
        organisation=organisation,
        password_hash=password_hash,
        requested_by=actor.user_id if actor else None,
        decided_at=None if pending else sa.func.now(),
    )
    session.add(change)
    await session.flush()
    return change


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
    # Through the API, the roles that reach personal data or money wait for a second superuser.
    waiting = actor is not None and _gains_sensitive((), grants)
    user = await create_user(
        session,
        username=new.username,
        password=secret,
        grants=[g for g in grants if not waiting or g.role not in SENSITIVE_ROLES],
        organisation=new.organisation,
        is_service=new.is_service,
    )
    await _record_change(session, actor, user, "create", scopes=_scopes(user_grants(user)))
    if waiting:
        await _record_change(session, actor, user, "grants", pending=True, scopes=_scopes(grants))
    await write_audit(
        session,
        principal=actor,
        action="user.create",
        subject_type="user",
        subject_id=str(user.id),
        remote_addr=remote_addr,
        details={
            "is_service": new.is_service,
            "scopes": _scopes(grants),
            "awaiting_confirmation": waiting,
        },
    )
    return user, generated


def user_grants(user: UserAccount) -> tuple[Grant, ...]:
    return _grants_of(user)


async def list_accounts(session: AsyncSession) -> Sequence[UserAccount]:
    rows = await session.scalars(sa.select(UserAccount).order_by(UserAccount.username))
    return rows.all()


async def find_account(
    session: AsyncSession,
    *,
    user_id: uuid.UUID | None = None,
    username: str | None = None,
    lock: bool = False,
) -> UserAccount:
    """The account; with `lock`, held until the transaction ends (a change checked against
    the version read must not race another)."""
    condition = UserAccount.id == user_id if user_id else UserAccount.username == username
    query = sa.select(UserAccount).where(condition)
    user = await session.scalar(query.with_for_update() if lock else query)
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
    _end_tokens(user)
    await session.flush()
    await _record_change(session, actor, user, "disable")
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
    if actor is not None and actor.user_id == user.id:
        raise SeparationOfDuties("you cannot enable your own account")
    user.is_active = True
    await session.flush()
    await _record_change(session, actor, user, "enable")
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

    The old secret stops working at once. Through the API, the new password of an account that
    reaches personal data or money waits for a second superuser (`pending_change` then tells).
    """
    generated = new_client_secret() if user.is_service else None
    secret = generated or password
    if secret is None or len(secret) < MIN_PASSWORD:
        raise InvalidUserChange(f"a password has at least {MIN_PASSWORD} characters")
    hashed = await hash_password_async(secret)
    waiting = actor is not None and actor.user_id != user.id and _holds_sensitive(user)
    if waiting:
        await _record_change(session, actor, user, "secret", pending=True, password_hash=hashed)
    else:
        user.password_hash = hashed
        _end_tokens(user)
        await session.flush()
        await _record_change(session, actor, user, "secret")
    await write_audit(
        session,
        principal=actor,
        action="user.request_secret" if waiting else "user.replace_secret",
        subject_type="user",
        subject_id=str(user.id),
        remote_addr=remote_addr,
        details={"is_service": user.is_service, "awaiting_confirmation": waiting},
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
    """Replace the user's roles (and, when given, her organisation). Through the API, a change
    that grants a role reaching personal data or money waits for a second superuser and the
    account is returned unchanged (`pending_change` then tells)."""
    if actor is not None and actor.user_id == user.id:
        raise SeparationOfDuties("no account changes its own roles; ask another superuser")
    org = await get_or_create_organisation(session, organisation) if organisation else None
    checked = validate_grants(
        grants,
        is_service=user.is_service,
        has_organisation=(org or user.organisation_id) is not None,
    )
    before = _scopes(_grants_of(user))
    waiting = actor is not None and _gains_sensitive(_grants_of(user), checked)
    if waiting:
        await _record_change(
            session,
            actor,
            user,
            "grants",
            pending=True,
            scopes=_scopes(checked),
            organisation=organisation,
        )
    else:
        _apply_grants(user, checked, org.id if org else None)
        await session.flush()
        await _record_change(
            session, actor, user, "grants", scopes=_scopes(checked), organisation=organisation
        )
    await write_audit(
        session,
        principal=actor,
        action="user.request_roles" if waiting else "user.set_roles",
        subject_type="user",
        subject_id=str(user.id),
        remote_addr=remote_addr,
        details={"before": before, "after": _scopes(checked), "awaiting_confirmation": waiting},
    )
    return user


def _apply_grants(
    user: UserAccount, grants: Iterable[Grant], organisation_id: uuid.UUID | None
) -> None:
    if organisation_id is not None:
        user.organisation_id = organisation_id
    user.grants = [RoleGrant(role=g.role.value, country=g.country) for g in grants]
    _end_tokens(user)


def _end_tokens(user: UserAccount) -> None:
    """Every token issued before now stops working."""
    user.tokens_valid_after = sa.func.now()


async def account_version(session: AsyncSession, user_id: uuid.UUID) -> int:
    """The account's version (its ETag), grown by one by every change recorded for it and by
    one more when a second superuser decides a pending one: every change to the account passes
    through `_record_change` (and `decide_change`), so the count is the history's length and no
    column can drift from it."""
    recorded, decided = (
        await session.execute(
            sa.select(sa.func.count(), sa.func.count(UserChange.decided_by)).where(
                UserChange.user_id == user_id
            )
        )
    ).one()
    return 1 + int(recorded) + int(decided)


async def pending_changes(session: AsyncSession) -> Sequence[UserChange]:
    rows = await session.scalars(
        sa.select(UserChange)
        .where(UserChange.status == "pending")
        .order_by(UserChange.requested_at, UserChange.id)
    )
    return rows.all()


async def changes_of(session: AsyncSession, user_id: uuid.UUID) -> Sequence[UserChange]:
    """Every change to one account, newest first: what she sees of her own account."""
    rows = await session.scalars(
        sa.select(UserChange)
        .where(UserChange.user_id == user_id)
        .order_by(UserChange.requested_at.desc(), UserChange.id.desc())
    )
    return rows.all()


async def pending_of(session: AsyncSession, user_id: uuid.UUID) -> Sequence[UserChange]:
    rows = await session.scalars(
        sa.select(UserChange)
        .where(UserChange.user_id == user_id, UserChange.status == "pending")
        .order_by(UserChange.id)
    )
    return rows.all()


async def decide_change(
    session: AsyncSession,
    actor: Principal,
    change_id: uuid.UUID,
    *,
    confirm: bool,
    remote_addr: str | None = None,
) -> UserChange:
    """A second superuser confirms (the change takes effect now) or rejects a pending change."""
    change = await session.scalar(
        sa.select(UserChange)
        .where(UserChange.id == change_id, UserChange.status == "pending")
        .with_for_update()
    )
    if change is None:
        raise ChangeNotFound()
    if actor.user_id in (change.requested_by, change.user_id):
        raise SeparationOfDuties(
            "a second superuser, neither the one who asked nor the account changed, decides"
        )
    user = await find_account(session, user_id=change.user_id)
    if confirm:
        if change.kind == "grants":
            org = (
                await get_or_create_organisation(session, change.organisation)
                if change.organisation
                else None
            )
            checked = validate_grants(
                _parse_scopes(change.scopes or ""),
                is_service=user.is_service,
                has_organisation=(org or user.organisation_id) is not None,
            )
            _apply_grants(user, checked, org.id if org else None)
        elif change.kind == "secret":
            assert change.password_hash is not None
            user.password_hash = change.password_hash
            _end_tokens(user)
    change.status = "applied" if confirm else "rejected"
    change.password_hash = None
    change.decided_by = actor.user_id
    change.decided_at = sa.func.now()
    await session.flush()
    await write_audit(
        session,
        principal=actor,
        action=f"user.{'confirm' if confirm else 'reject'}_{change.kind}",
        subject_type="user",
        subject_id=str(user.id),
        remote_addr=remote_addr,
        details={"change": str(change.id), "scopes": change.scopes},
    )
    return change


def _parse_scopes(scopes: str) -> tuple[Grant, ...]:
    return tuple(
        Grant(Role(role), country)
        for role, _, country in (scope.partition(":") for scope in scopes.split())
    )


def _scopes(grants: Iterable[Grant]) -> str:
    return " ".join(sorted(f"{g.role}:{g.country}" for g in grants))

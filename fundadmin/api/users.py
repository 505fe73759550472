"""User management (superuser only): list, create, disable, set roles, and the second superuser's
confirmation of changes that reach personal data or money; each person reads the changes to her
own account at `/api/v1/me/account-changes`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.api.conventions import (
    CREATED_HEADERS,
    ETAG_HEADER,
    IfMatchWhenSent,
    check_if_match,
    with_etag,
)
from fundadmin.api.pagination import LINK_HEADER, After, Limit, Page, page_of, paged
from fundadmin.database import unit_of_work
from fundadmin.security.audit import client_address
from fundadmin.security.guards import requires
from fundadmin.security.models import UserAccount, UserChange
from fundadmin.security.principal import Principal, Role
from fundadmin.security.user_admin import (
    NewUser,
    account_version,
    changes_of,
    create_account,
    decide_change,
    disable_account,
    enable_account,
    find_account,
    list_accounts,
    pending_changes,
    pending_of,
    replace_secret,
    set_account_grants,
)
from fundadmin.security.users import Grant

Country = Annotated[str, msgspec.Meta(pattern=r"^(\*|[A-Z]{2})$")]


class GrantBody(msgspec.Struct, forbid_unknown_fields=True):
    role: Role
    country: Country
    """ISO 3166 alpha-2 code, or `*` for every country."""


class UserCreate(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(min_length=2, max_length=100)]
    """A work handle such as `admin-se`, never a legal name."""
    grants: list[GrantBody]
    password: Annotated[str, msgspec.Meta(max_length=1024)] | None = None
    """A person's initial password (12 characters or more); omitted for a service account."""
    organisation: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    """A legal adviser's organisation (created if new)."""
    is_service: bool = False
    """A ministry system's account: signs in with client id and a generated secret."""


class RolesUpdate(msgspec.Struct, forbid_unknown_fields=True):
    grants: list[GrantBody]
    organisation: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None


class SecretReplace(msgspec.Struct, forbid_unknown_fields=True):
    password: Annotated[str, msgspec.Meta(max_length=1024)] | None = None
    """A person's new password (12 characters or more); omitted for a service account."""


class AccountChange(msgspec.Struct):
    """One change to an account; `pending` until a second superuser confirms or rejects it."""

    id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    """create, grants, secret, disable or enable."""
    status: str
    """pending, applied or rejected."""
    scopes: list[str] | None
    """For create and grants: the roles after the change, as `role:country`."""
    requested_by: uuid.UUID | None
    """The superuser who asked; null for the host operator's command line."""
    requested_at: datetime
    decided_by: uuid.UUID | None
    decided_at: datetime | None


class SecretReplaced(msgspec.Struct):
    client_secret: str | None = None
    """A service account's new secret: shown this once."""
    pending_change: AccountChange | None = None
    """Set when the new password waits for a second superuser (answer 202)."""


class User(msgspec.Struct):
    id: uuid.UUID
    username: str
    is_service: bool
    is_active: bool
    organisation: str | None
    grants: list[GrantBody]
    created_at: datetime
    version: int
    """The account's version, also its ETag: send it back as If-Match to change the account."""
    pending_changes: list[AccountChange] = []
    """Changes to this account waiting for a second superuser."""


def _change(change: UserChange) -> AccountChange:
    return AccountChange(
        id=change.id,
        user_id=change.user_id,
        kind=change.kind,
        status=change.status,
        scopes=change.scopes.split() if change.scopes is not None else None,
        requested_by=change.requested_by,
        requested_at=change.requested_at,
        decided_by=change.decided_by,
        decided_at=change.decided_at,
    )


async def _user_with_pending(session: AsyncSession, account: UserAccount) -> User:
    user = _user(account, await account_version(session, account.id))
    user.pending_changes = [_change(c) for c in await pending_of(session, account.id)]
    return user


async def _changing(session: AsyncSession, user_id: uuid.UUID, if_match: str | None) -> UserAccount:
    """The account, locked, after If-Match (when sent) is checked against its version."""
    account = await find_account(session, user_id=user_id, lock=True)
    check_if_match(if_match, await account_version(session, account.id))
    return account


class UserCreated(msgspec.Struct):
    user: User
    client_secret: str | None = None
    """A service account's secret: shown this once, stored only as a hash."""


def _user(account: UserAccount, version: int) -> User:
    return User(
        id=account.id,
        username=account.username,
        is_service=account.is_service,
        is_active=account.is_active,
        organisation=account.organisation.name if account.organisation else None,
        grants=sorted(
            (GrantBody(Role(g.role), g.country) for g in account.grants),
            key=lambda g: (g.role, g.country),
        ),
        created_at=account.created_at,
        version=version,
    )


def _grants(body: list[GrantBody]) -> tuple[Grant, ...]:
    return tuple(Grant(g.role, g.country) for g in body)


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["users"]
    guards = [requires(Role.SUPERUSER)]

    @get("/", summary="All users and service accounts", response_headers=LINK_HEADER)
    async def list_users(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[User]]:
        users = [
            _user(u, await account_version(session, u.id)) for u in await list_accounts(session)
        ]
        return paged(request, page_of(users, after, limit))

    @post(
        "/",
        summary="Create a user or a ministry service account",
        response_headers=CREATED_HEADERS,
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[UserCreate],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
    ) -> Response[UserCreated]:
        new = NewUser(
            data.username, _grants(data.grants), data.password, data.organisation, data.is_service
        )
        async with unit_of_work(session):
            account, secret = await create_account(session, principal, new, client_address(request))
        await session.refresh(account, ["organisation", "grants", "created_at"])
        user = await _user_with_pending(session, account)
        return with_etag(
            UserCreated(user, secret), user.version, 201, location=f"{self.path}/{account.id}"
        )

    @get("/{user_id:uuid}", summary="One user", response_headers=ETAG_HEADER)
    async def get_user(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        user_id: FromPath[uuid.UUID],
    ) -> Response[User]:
        user = await _user_with_pending(session, await find_account(session, user_id=user_id))
        return with_etag(user, user.version, request=request)

    @post(
        "/{user_id:uuid}/disable",
        status_code=200,
        summary="Disable a user: her tokens stop",
        response_headers=ETAG_HEADER,
    )
    async def disable(
        self,
        *,
        request: Request[Any, Any, Any],
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        user_id: FromPath[uuid.UUID],
        if_match: IfMatchWhenSent = None,
    ) -> Response[User]:
        async with unit_of_work(session):
            account = await _changing(session, user_id, if_match)
            await disable_account(session, principal, account, client_address(request))
        state.active_users.forget(account.id)
        user = await _user_with_pending(session, account)
        return with_etag(user, user.version)

    @put(
        "/{user_id:uuid}/roles",
        summary="Replace a user's roles (202: a new role reaching personal data or money waits "
        "for a second superuser)",
        response_headers=ETAG_HEADER,
    )
    async def set_roles(
        self,
        *,
        request: Request[Any, Any, Any],
        state: State,
        data: JSONBody[RolesUpdate],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        user_id: FromPath[uuid.UUID],
        if_match: IfMatchWhenSent = None,
    ) -> Response[User]:
        async with unit_of_work(session):
            account = await _changing(session, user_id, if_match)
            await set_account_grants(
                session,
                principal,
                account,
                _grants(data.grants),
                organisation=data.organisation,
                remote_addr=client_address(request),
            )
        state.active_users.forget(account.id)
        await session.refresh(account, ["organisation", "grants"])
        user = await _user_with_pending(session, account)
        waiting = any(c.kind == "grants" for c in user.pending_changes)
        return with_etag(user, user.version, 202 if waiting else 200)

    @post(
        "/{user_id:uuid}/enable",
        status_code=200,
        summary="Enable a disabled user again",
        response_headers=ETAG_HEADER,
    )
    async def enable(
        self,
        *,
        request: Request[Any, Any, Any],
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        user_id: FromPath[uuid.UUID],
        if_match: IfMatchWhenSent = None,
    ) -> Response[User]:
        async with unit_of_work(session):
            account = await _changing(session, user_id, if_match)
            await enable_account(session, principal, account, client_address(request))
        state.active_users.forget(account.id)
        user = await _user_with_pending(session, account)
        return with_etag(user, user.version)

    @post(
        "/{user_id:uuid}/secret",
        status_code=200,
        summary="Replace a password, or generate a service account's new secret (202: the "
        "password of an account reaching personal data or money waits for a second superuser; "
        "ETag: the account's new version)",
        response_headers=ETAG_HEADER,
    )
    async def replace_secret(
        self,
        *,
        request: Request[Any, Any, Any],
        state: State,
        data: JSONBody[SecretReplace],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        user_id: FromPath[uuid.UUID],
        if_match: IfMatchWhenSent = None,
    ) -> Response[SecretReplaced]:
        async with unit_of_work(session):
            account = await _changing(session, user_id, if_match)
            secret = await replace_secret(
                session, principal, account, data.password, client_address(request)
            )
            waiting = [c for c in await pending_of(session, account.id) if c.kind == "secret"]
        state.active_users.forget(account.id)
        pending = _change(waiting[0]) if waiting else None
        version = await account_version(session, account.id)
        return with_etag(SecretReplaced(secret, pending), version, 202 if pending else 200)

    @get("/changes", summary="Changes waiting for a second superuser", response_headers=LINK_HEADER)
    async def pending(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[AccountChange]]:
        changes = [_change(c) for c in await pending_changes(session)]
        return paged(request, page_of(changes, after, limit))

    @post(
        "/changes/{change_id:uuid}/confirm",
        status_code=200,
        summary="Confirm another superuser's change: it takes effect now (ETag: the changed "
        "account's new version)",
        response_headers=ETAG_HEADER,
    )
    async def confirm(
        self,
        *,
        request: Request[Any, Any, Any],
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        change_id: FromPath[uuid.UUID],
    ) -> Response[AccountChange]:
        return await _decide(request, state, session, principal, change_id, confirm=True)

    @post(
        "/changes/{change_id:uuid}/reject",
        status_code=200,
        summary="Reject another superuser's change (ETag: the changed account's new version)",
        response_headers=ETAG_HEADER,
    )
    async def reject(
        self,
        *,
        request: Request[Any, Any, Any],
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        change_id: FromPath[uuid.UUID],
    ) -> Response[AccountChange]:
        return await _decide(request, state, session, principal, change_id, confirm=False)


async def _decide(
    request: Request[Any, Any, Any],
    state: State,
    session: AsyncSession,
    principal: Principal,
    change_id: uuid.UUID,
    *,
    confirm: bool,
) -> Response[AccountChange]:
    async with unit_of_work(session):
        change = await decide_change(
            session, principal, change_id, confirm=confirm, remote_addr=client_address(request)
        )
    state.active_users.forget(change.user_id)
    await session.refresh(change)
    version = await account_version(session, change.user_id)
    return with_etag(_change(change), version)


class OwnAccountController(Controller):
    path = "/api/v1/me"
    tags = ["users"]
    guards = [requires(*Role)]

    @get(
        "/account-changes",
        summary="Every change made to your own account, newest first",
        response_headers=LINK_HEADER,
    )
    async def account_changes(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[AccountChange]]:
        changes = [_change(c) for c in await changes_of(session, principal.user_id)]
        return paged(request, page_of(changes, after, limit))

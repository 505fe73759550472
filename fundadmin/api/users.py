"""User management (superuser only): list, create, disable, set roles."""

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

from fundadmin.database import unit_of_work
from fundadmin.security.audit import client_address
from fundadmin.security.guards import requires
from fundadmin.security.models import UserAccount
from fundadmin.security.principal import Principal, Role
from fundadmin.security.user_admin import (
    NewUser,
    create_account,
    disable_account,
    enable_account,
    find_account,
    list_accounts,
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


class SecretReplaced(msgspec.Struct):
    client_secret: str | None = None
    """A service account's new secret: shown this once."""


class User(msgspec.Struct):
    id: uuid.UUID
    username: str
    is_service: bool
    is_active: bool
    organisation: str | None
    grants: list[GrantBody]
    created_at: datetime


class UserCreated(msgspec.Struct):
    user: User
    client_secret: str | None = None
    """A service account's secret: shown this once, stored only as a hash."""


def _user(account: UserAccount) -> User:
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
    )


def _grants(body: list[GrantBody]) -> tuple[Grant, ...]:
    return tuple(Grant(g.role, g.country) for g in body)


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["users"]
    guards = [requires(Role.SUPERUSER)]

    @get("/", summary="All users and service accounts")
    async def list_users(self, session: NamedDependency[AsyncSession]) -> list[User]:
        return [_user(u) for u in await list_accounts(session)]

    @post("/", summary="Create a user or a ministry service account")
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
        return Response(
            UserCreated(_user(account), secret),
            status_code=201,
            headers={"Location": f"{self.path}/{account.id}"},
        )

    @get("/{user_id:uuid}", summary="One user")
    async def get_user(
        self, session: NamedDependency[AsyncSession], user_id: FromPath[uuid.UUID]
    ) -> User:
        return _user(await find_account(session, user_id=user_id))

    @post("/{user_id:uuid}/disable", status_code=200, summary="Disable a user: her tokens stop")
    async def disable(
        self,
        *,
        request: Request[Any, Any, Any],
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        user_id: FromPath[uuid.UUID],
    ) -> User:
        async with unit_of_work(session):
            account = await find_account(session, user_id=user_id)
            await disable_account(session, principal, account, client_address(request))
        state.active_users.forget(account.id)
        return _user(account)

    @put("/{user_id:uuid}/roles", summary="Replace a user's roles")
    async def set_roles(
        self,
        *,
        request: Request[Any, Any, Any],
        state: State,
        data: JSONBody[RolesUpdate],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        user_id: FromPath[uuid.UUID],
    ) -> User:
        async with unit_of_work(session):
            account = await find_account(session, user_id=user_id)
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
        return _user(account)

    @post("/{user_id:uuid}/enable", status_code=200, summary="Enable a disabled user again")
    async def enable(
        self,
        *,
        request: Request[Any, Any, Any],
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        user_id: FromPath[uuid.UUID],
    ) -> User:
        async with unit_of_work(session):
            account = await find_account(session, user_id=user_id)
            await enable_account(session, principal, account, client_address(request))
        state.active_users.forget(account.id)
        return _user(account)

    @post(
        "/{user_id:uuid}/secret",
        status_code=200,
        summary="Replace a password, or generate a service account's new secret",
    )
    async def replace_secret(
        self,
        *,
        request: Request[Any, Any, Any],
        data: JSONBody[SecretReplace],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        user_id: FromPath[uuid.UUID],
    ) -> SecretReplaced:
        async with unit_of_work(session):
            account = await find_account(session, user_id=user_id)
            secret = await replace_secret(
                session, principal, account, data.password, client_address(request)
            )
        return SecretReplaced(secret)

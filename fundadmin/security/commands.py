"""The work behind `fundadmin users`, `fundadmin audit` and `fundadmin keys`, without click."""

from __future__ import annotations

import getpass
from collections.abc import Awaitable, Callable, Collection
from typing import TypeVar

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.database import create_engine, create_session_factory
from fundadmin.security.audit import ChainReport, verify_chain, write_audit
from fundadmin.security.errors import InvalidUserChange
from fundadmin.security.principal import Role
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
from fundadmin.security.vault import MasterKeyRing, Vault

T = TypeVar("T")

CLI_DETAILS = "cli"
"""`remote_addr` of audit lines written by the command line: it acts from the server itself."""


def parse_grant(text: str) -> Grant:
    """`administrator:SE`, `ministry:*`."""
    role, sep, country = text.partition(":")
    if not sep:
        raise InvalidUserChange(f"a role is written role:COUNTRY, not {text!r}")
    try:
        return Grant(Role(role), country.upper() if country != "*" else country)
    except ValueError as exc:
        roles = ", ".join(Role)
        raise InvalidUserChange(f"unknown role {role!r}; roles are {roles}") from exc


def _cli_address() -> str:
    return f"cli:{getpass.getuser()}"


async def in_transaction(url: URL, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = create_engine(url, pool_size=1)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


async def create_user_command(url: URL, new: NewUser) -> str | None:
    async def work(session: AsyncSession) -> str | None:
        _, secret = await create_account(session, None, new, _cli_address())
        return secret

    return await in_transaction(url, work)


async def disable_user_command(url: URL, username: str) -> None:
    async def work(session: AsyncSession) -> None:
        user = await find_account(session, username=username)
        await disable_account(session, None, user, _cli_address())

    await in_transaction(url, work)


async def enable_user_command(url: URL, username: str) -> None:
    async def work(session: AsyncSession) -> None:
        user = await find_account(session, username=username)
        await enable_account(session, None, user, _cli_address())

    await in_transaction(url, work)


async def is_service_command(url: URL, username: str) -> bool:
    async def work(session: AsyncSession) -> bool:
        return (await find_account(session, username=username)).is_service

    return await in_transaction(url, work)


async def replace_secret_command(url: URL, username: str, password: str | None) -> str | None:
    async def work(session: AsyncSession) -> str | None:
        user = await find_account(session, username=username)
        return await replace_secret(session, None, user, password, _cli_address())

    return await in_transaction(url, work)


async def set_roles_command(
    url: URL, username: str, grants: list[Grant], organisation: str | None
) -> None:
    async def work(session: AsyncSession) -> None:
        user = await find_account(session, username=username)
        await set_account_grants(
            session, None, user, grants, organisation=organisation, remote_addr=_cli_address()
        )

    await in_transaction(url, work)


async def list_users_command(url: URL) -> list[str]:
    async def work(session: AsyncSession) -> list[str]:
        return [
            f"{u.username}\t{'active' if u.is_active else 'disabled'}\t"
            f"{'service' if u.is_service else 'person'}\t"
            + " ".join(sorted(f"{g.role}:{g.country}" for g in u.grants))
            for u in await list_accounts(session)
        ]

    return await in_transaction(url, work)


async def verify_audit_command(url: URL, expect_heads: Collection[str] = ()) -> ChainReport:
    async def work(session: AsyncSession) -> ChainReport:
        return await verify_chain(session, anchors=expect_heads)

    return await in_transaction(url, work)


async def restored_command(url: URL, backup_name: str) -> ChainReport:
    """Check the restored audit trail, then record the restore on it (when it holds)."""
    report = await verify_audit_command(url)

    async def work(session: AsyncSession) -> None:
        await write_audit(
            session,
            principal=None,
            action="database.restore",
            subject_type="database",
            subject_id=None,
            remote_addr=_cli_address(),
            details={"backup": backup_name, "restored_heads": report.heads_text},
        )

    if report.ok:
        await in_transaction(url, work)
    return report


async def rewrap_command(url: URL, master_keys: MasterKeyRing) -> int:
    return await in_transaction(url, Vault(master_keys).rewrap)

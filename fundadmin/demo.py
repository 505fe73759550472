"""Demo data for `fundadmin serve --demo`: each area registers a seeder that runs once per database.

A seeder takes a session, the settings and the business moment (its dates are relative to it),
writes its data, and returns lines to print for the newcomer (who can sign in as whom, what to
look at). Seeders run in registration order, each in its own transaction, and are remembered in
the `demo_seed` table so a second start changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import sqlalchemy as sa
from advanced_alchemy.base import DefaultBase
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from claims import PersonalDataVault
from claims.demo import claims_seeder
from fundadmin.clock import Clock
from fundadmin.funding.demo import funding_seeder
from fundadmin.letters.service import StoredLetterRenderer, verify_url
from fundadmin.security.demo_accounts import seed_service_accounts
from fundadmin.security.principal import ALL_COUNTRIES, Role
from fundadmin.security.users import Grant, create_user
from fundadmin.security.vault import vault_from_settings
from fundadmin.settings import Settings
from ledger.demo import seed_ledger

Seeder = Callable[[AsyncSession, Settings, datetime], Awaitable[list[str]]]
"""Writes one area's demo data as of the given business moment."""


class DemoSeed(DefaultBase):
    """Which demo seeders have already run on this database."""

    __tablename__ = "demo_seed"

    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    seeded_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


DEMO_USERS: dict[str, tuple[list[Grant], str | None]] = {
    "admin-se": ([Grant(Role.ADMINISTRATOR, "SE")], None),
    "admin2-se": ([Grant(Role.ADMINISTRATOR, "SE")], None),
    "admin-lv": ([Grant(Role.ADMINISTRATOR, "LV")], None),
    "admin-no": ([Grant(Role.ADMINISTRATOR, "NO")], None),
    "admin2-no": ([Grant(Role.ADMINISTRATOR, "NO")], None),
    "adviser-marta": (
        [Grant(Role.LEGAL_ADVISER, "LV"), Grant(Role.LEGAL_ADVISER, "SE")],
        "Marta Centre",
    ),
    "adviser-pro": ([Grant(Role.LEGAL_ADVISER, "FI")], "Pro-tukipiste"),
    "adviser-rosa": ([Grant(Role.LEGAL_ADVISER, "NO")], "ROSA"),
    "ministry-se": ([Grant(Role.MINISTRY, "SE")], None),
    "ministry-region": ([Grant(Role.MINISTRY, ALL_COUNTRIES)], None),
    "auditor": ([Grant(Role.AUDITOR, ALL_COUNTRIES)], None),
    "superuser": ([Grant(Role.SUPERUSER, ALL_COUNTRIES)], None),
    # Grants reaching personal data or money, and such accounts' passwords, take two superusers.
    "superuser2": ([Grant(Role.SUPERUSER, ALL_COUNTRIES)], None),
}


async def seed_users(session: AsyncSession, settings: Settings, _now: datetime) -> list[str]:
    password = settings.demo_password.get_secret_value()
    for username, (grants, organisation) in DEMO_USERS.items():
        await create_user(
            session, username=username, password=password, grants=grants, organisation=organisation
        )
    return [f"demo users (password from FUNDADMIN_DEMO_PASSWORD): {', '.join(DEMO_USERS)}"]


def demo_letter_renderer(
    session: AsyncSession, vault: PersonalDataVault, settings: Settings
) -> StoredLetterRenderer:
    return StoredLetterRenderer(session, vault, verify_url(settings.public_url))


SEEDERS: list[tuple[str, Seeder]] = [
    ("users", seed_users),
    ("service-accounts", seed_service_accounts),
    ("ledger", seed_ledger),
    ("claims", claims_seeder(vault_from_settings, demo_letter_renderer)),
    ("funding", funding_seeder(vault_from_settings)),
]
"""(name, seeder) in the order they run; later areas append theirs."""


async def seed_demo_data(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock
) -> list[str]:
    lines: list[str] = []
    for name, seeder in SEEDERS:
        async with sessions() as session, session.begin():
            done = await session.get(DemoSeed, name)
            if done is not None:
                continue
            lines += await seeder(session, settings, clock.now())
            session.add(DemoSeed(name=name))
    return lines

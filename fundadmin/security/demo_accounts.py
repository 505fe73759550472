"""Demo service account: the Swedish ministry's reporting system, with client credentials."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.security.principal import Role
from fundadmin.security.users import Grant, create_user
from fundadmin.settings import Settings

DEMO_CLIENT_ID = "ministry-se-system"


async def seed_service_accounts(
    session: AsyncSession, settings: Settings, _now: datetime
) -> list[str]:
    await create_user(
        session,
        username=DEMO_CLIENT_ID,
        password=settings.demo_password.get_secret_value(),
        grants=[Grant(Role.MINISTRY, "SE")],
        is_service=True,
    )
    line = f"demo service account: client_id {DEMO_CLIENT_ID} (ministry SE), client_secret "
    return [line + "from FUNDADMIN_DEMO_PASSWORD"]

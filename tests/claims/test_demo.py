"""The demo seeder leaves a dozen claims in varied states across at least three countries."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from claims.models import Claim


class TestDemoClaims:
    async def test_varied_states_in_three_countries(self, session: AsyncSession) -> None:
        rows = (await session.execute(sa.select(Claim.country, Claim.status))).all()
        assert len(rows) >= 12
        assert len({country for country, _ in rows}) >= 3
        assert {"draft", "submitted", "awaiting_second_approval", "closed", "withdrawn"} <= {
            status for _, status in rows
        }

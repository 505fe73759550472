"""Every change to the books leaves a line on the audit trail; a refused change leaves none."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.security.models import AuditEvent
from tests.ledger.conftest import NewFund
from tests.ledger.test_api import BASE, body, keyed


async def _lines(session: AsyncSession, subject_id: str) -> list[tuple[str, str | None]]:
    rows = await session.execute(
        sa.select(AuditEvent.action, AuditEvent.actor_username)
        .where(AuditEvent.subject_id == subject_id)
        .order_by(AuditEvent.seq)
    )
    return [tuple(row) for row in rows]


class TestLedgerChangesAreAudited:
    async def test_record_and_reverse_are_each_on_the_trail(
        self, client, auth, new_fund: NewFund, session: AsyncSession
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        created = await client.post(
            f"{BASE}/transactions", json=body(fund, payable), headers=keyed(admin)
        )
        assert created.status_code == 201, created.text
        transaction_id = created.json()["id"]
        reversed_ = await client.post(
            f"{BASE}/transactions/{transaction_id}/reverse", json={}, headers=keyed(admin)
        )
        assert reversed_.status_code == 201, reversed_.text

        assert await _lines(session, transaction_id) == [("ledger.transaction.record", "admin-se")]
        assert await _lines(session, reversed_.json()["id"]) == [
            ("ledger.transaction.reverse", "admin-se")
        ]

    async def test_a_refused_transaction_writes_no_line(
        self, client, auth, new_fund: NewFund, session: AsyncSession
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        before = await session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        unbalanced = body(fund, payable)
        unbalanced["postings"][1]["amount"] = "99.00"
        response = await client.post(f"{BASE}/transactions", json=unbalanced, headers=keyed(admin))
        assert response.status_code == 422
        after = await session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        assert after == before

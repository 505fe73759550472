"""A claim's state and its ledger movement go together: reserve, post, pay, void, reverse."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

import ledger
from ledger import EntryKind, TransactionStatus
from tests.claims.conftest import Driver, decision


async def _moves(session: AsyncSession, claim_id: str) -> list[tuple[EntryKind, TransactionStatus]]:
    await session.rollback()
    views = await ledger.transactions_by_reference(session, "claim", claim_id)
    return [(t.kind, t.status) for t in views]


class TestReservation:
    async def test_sending_a_decision_back_voids_its_reservation(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await driver.assessed()
        claim = await driver.step(
            claim, "decision", "admin-se", decision("150000", "20000.50", "0"), money=True
        )
        assert await _moves(session, claim["id"]) == [(EntryKind.AWARD, TransactionStatus.PENDING)]
        claim = await driver.step(
            claim,
            "approvals",
            "admin2-se",
            {"approve": False, "reason": "The medical costs need receipts."},
            money=True,
        )
        assert claim["status"] == "under_review"
        assert await _moves(session, claim["id"]) == [(EntryKind.AWARD, TransactionStatus.VOIDED)]

    async def test_withdrawing_while_awaiting_confirmation_voids_the_reservation(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await driver.assessed()
        claim = await driver.step(
            claim, "decision", "admin-se", decision("150000", "20000.50", "0"), money=True
        )
        claim = await driver.step(claim, "withdraw", "adviser-marta", {"reason": "She moved on."})
        assert claim["status"] == "withdrawn"
        assert await _moves(session, claim["id"]) == [(EntryKind.AWARD, TransactionStatus.VOIDED)]

    async def test_a_rejection_moves_no_money_and_closes_after_the_letter(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await driver.assessed()
        claim = await driver.step(
            claim, "decision", "admin-se", decision("0", "0", "0"), money=True
        )
        assert claim["decision"]["outcome"] == "rejected"
        claim = await driver.issue_letter(claim)
        claim = await driver.step(claim, "close", "admin-se")
        assert claim["status"] == "closed"
        assert await _moves(session, claim["id"]) == []

    async def test_a_claim_with_money_owed_cannot_be_closed(self, driver: Driver) -> None:
        claim = await driver.assessed()
        claim = await driver.step(
            claim, "decision", "admin-se", decision("1000", "0", "0"), money=True
        )
        claim = await driver.issue_letter(claim)
        body = await driver.step(claim, "close", "admin-se", expect=409)
        assert "still owed" in body["detail"]


class TestIdempotentPayment:
    async def test_a_retried_payment_is_answered_once_and_paid_once(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await driver.assessed()
        claim = await driver.step(
            claim, "decision", "admin-se", decision("1000", "0", "0"), money=True
        )
        claim = await driver.issue_letter(claim)
        key = uuid.uuid4().hex
        body = {"amount": "400", "currency": "SEK", "paid_on": claim["letter_issued_at"][:10]}
        path = f"/api/v1/claims/{claim['id']}/payments"
        headers = {"Idempotency-Key": key}
        first = await driver.call(
            "POST", path, "admin-se", json=body, version=claim["version"], headers=headers
        )
        retry = await driver.call(
            "POST", path, "admin-se", json=body, version=claim["version"], headers=headers
        )
        assert retry.json() == first.json()
        assert retry.headers["idempotent-replayed"] == "true"
        payments = (await driver.call("GET", path, "admin-se")).json()["items"]
        assert [Decimal(p["amount"]) for p in payments] == [Decimal(400)]
        assert (await _moves(session, claim["id"])).count(
            (EntryKind.PAYMENT, TransactionStatus.POSTED)
        ) == 1

    async def test_a_money_route_needs_an_idempotency_key(self, driver: Driver) -> None:
        claim = await driver.assessed()
        response = await driver.call(
            "POST",
            f"/api/v1/claims/{claim['id']}/decision",
            "admin-se",
            json=decision("1000", "0", "0"),
            version=claim["version"],
            expect=422,
        )
        assert "Idempotency-Key" in response.json()["detail"]

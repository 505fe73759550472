"""The issue's end-to-end story, over HTTP, as the demo users."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

import ledger
from ledger import EntryKind, TransactionStatus
from tests.claims.conftest import Driver, decision
from tests.clock import NOW


async def _claim_ledger(session: AsyncSession, claim_id: str) -> list[ledger.TransactionView]:
    return await ledger.transactions_by_reference(session, "claim", claim_id)


class TestClaimFromSubmissionToPaymentAndAppeal:
    async def test_the_whole_story(self, driver: Driver, session: AsyncSession) -> None:
        before = await ledger.account_balance(session, "SE/fund/victims")

        # The adviser registers her client and files a three-head claim in Sweden.
        claimant = await driver.register()
        assert claimant["reference"].startswith("P-")
        claim = await driver.file(claimant["id"], "SE")
        assert claim["status"] == "draft"
        assert claim["reference"].startswith("SE-")
        assert Decimal(claim["claimed_total"]) == Decimal("250000.50")
        claim = await driver.step(claim, "submit", "adviser-marta", {"reason": "Ready."})
        assert claim["status"] == "submitted"
        assert claim["submitted_at"].startswith(NOW.date().isoformat())

        # The administrator takes it into review and asks for information.
        claim = await driver.step(claim, "review", "admin-se")
        asked = await driver.step(
            claim,
            "information-requests",
            "admin-se",
            {"question": "Please send the medical receipts."},
            expect=201,
        )
        assert asked["question"] == "Please send the medical receipts."
        assert asked["answered"] is False
        claim = await driver.get(claim, "adviser-marta")
        assert claim["status"] == "information_requested"

        # The adviser reads the question and answers it.
        requests = (
            await driver.call(
                "GET", f"/api/v1/claims/{claim['id']}/information-requests", "adviser-marta"
            )
        ).json()["items"]
        assert [r["answered"] for r in requests] == [False]
        claim = await driver.get(claim, "adviser-marta")
        claim = await driver.step(
            claim,
            f"information-requests/{requests[0]['id']}/answer",
            "adviser-marta",
            {"answer": "Receipts are attached as evidence."},
        )
        assert claim["status"] == "under_review"

        # The administrator assesses: the Swedish policy proposes per head.
        claim = await driver.step(claim, "assessment", "admin-se", {})
        assert claim["status"] == "assessed"
        assessment = (
            await driver.call("GET", f"/api/v1/claims/{claim['id']}/assessment", "admin-se")
        ).json()
        assert len(assessment["heads"]) == 3
        assert assessment["heads"][0]["trace"]

        # She approves above the threshold: it waits for a second administrator.
        claim = await driver.step(
            claim, "decision", "admin-se", decision("150000", "20000.50", "0"), money=True
        )
        assert claim["status"] == "awaiting_second_approval"
        assert claim["decision"]["outcome"] == "partly_approved"
        assert claim["decision"]["requires_second_approval"] is True
        reserved = await ledger.account_balance(session, "SE/fund/victims")
        assert before.available - reserved.available == Decimal("170000.50")

        # The same administrator cannot confirm; a second one does.
        refused = await driver.step(claim, "approvals", "admin-se", {}, expect=403, money=True)
        assert refused["type"].endswith("/four-eyes")
        claim = await driver.step(claim, "approvals", "admin2-se", {}, money=True)
        assert claim["status"] == "decided"
        assert claim["decision"]["confirmed_by"] != claim["decision"]["decided_by"]

        # The letter is issued (the award is booked), then the fund pays in two parts.
        claim = await driver.issue_letter(claim)
        assert claim["status"] == "letter_issued"
        assert claim["letter_languages"] == ["lv", "sv"]
        assert Decimal(claim["outstanding"]) == Decimal("170000.50")
        today = claim["letter_issued_at"][:10]
        claim = await driver.step(
            claim,
            "payments",
            "admin-se",
            {"amount": "100000", "currency": "SEK", "paid_on": today},
            money=True,
        )
        assert claim["status"] == "partly_paid"
        claim = await driver.step(
            claim,
            "payments",
            "admin-se",
            {"amount": "70000.50", "currency": "SEK", "paid_on": today},
            money=True,
        )
        assert claim["status"] == "paid"
        assert Decimal(claim["outstanding"]) == 0

        # The ledger shows the reservation (now posted) and the two payments; books balance.
        moves = await _claim_ledger(session, claim["id"])
        assert [(t.kind, t.status) for t in moves] == [
            (EntryKind.AWARD, TransactionStatus.POSTED),
            (EntryKind.PAYMENT, TransactionStatus.POSTED),
            (EntryKind.PAYMENT, TransactionStatus.POSTED),
        ]
        payable = f"SE/payable/award/{claim['id']}"
        assert (await ledger.account_balance(session, payable)).posted == 0
        trial = await ledger.trial_balance(session, "SE")
        assert all(total.debits == total.credits for total in trial.totals)

        # She appeals; the administrator raises the award; the ledger follows.
        claim = await driver.step(
            claim, "appeal", "adviser-marta", {"reason": "Withheld wages are proven."}
        )
        assert claim["status"] == "appealed"
        assert "withdraw" not in claim["allowed_events"]
        claim = await driver.step(claim, "review", "admin-se")
        claim = await driver.step(claim, "assessment", "admin-se", {})
        claim = await driver.step(
            claim,
            "decision",
            "admin-se",
            decision("150000", "20000.50", "80000", reason="On appeal: wages proven."),
            money=True,
        )
        assert Decimal(claim["decision"]["awarded_total"]) == Decimal("250000.50")
        claim = await driver.step(claim, "approvals", "admin2-se", {}, money=True)
        claim = await driver.issue_letter(claim)
        assert Decimal(claim["outstanding"]) == Decimal("80000")
        claim = await driver.step(
            claim,
            "payments",
            "admin-se",
            {"amount": "80000", "currency": "SEK", "paid_on": today},
            money=True,
        )
        claim = await driver.step(claim, "close", "admin-se")
        assert claim["status"] == "closed"

        moves = await _claim_ledger(session, claim["id"])
        kinds = [t.kind for t in moves]
        # The appeal reserves only the increase over the booked award: nothing is reversed.
        assert EntryKind.REVERSAL not in kinds
        assert kinds.count(EntryKind.AWARD) == 2
        assert kinds.count(EntryKind.PAYMENT) == 3
        assert (await ledger.account_balance(session, payable)).posted == 0
        after = await ledger.account_balance(session, "SE/fund/victims")
        assert before.posted - after.posted == Decimal("250000.50")
        trial = await ledger.trial_balance(session, "SE")
        assert all(total.debits == total.credits for total in trial.totals)

        history = (
            await driver.call("GET", f"/api/v1/claims/{claim['id']}/history", "admin-se")
        ).json()["items"]
        assert history[0]["event"] == "submit"
        assert history[-1]["event"] == "close"
        assert all(uuid.UUID(step["actor_id"]) for step in history)

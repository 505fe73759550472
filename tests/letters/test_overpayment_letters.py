"""Letters about an overpayment: when the administrators waive what an appeal left her owing, a
letter tells her she owes nothing; when they ask for it back, a letter tells her how much, that
she may pay in parts, and how to appeal. Both are issued by a letters worker and listed with her
decision letters; a waiver waiting for its second administrator sends nothing yet."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tests.claims.conftest import Auth, Driver, LetterWorker
from tests.claims.test_overpayment import (
    _overpaid_above_threshold,
    _overpaid_by_appeal,
    _overpayment,
    _waiver,
)
from tests.letters.pdf_text import pdf_text

LETTERS = "/api/v1/claims/{id}/letters"


@pytest.fixture
def driver(client: httpx.AsyncClient, auth: Auth, letter_worker: LetterWorker) -> Driver:
    return Driver(client, auth, letter_worker)


async def _letters(driver: Driver, claim: dict[str, Any]) -> list[dict[str, Any]]:
    response = await driver.call("GET", LETTERS.format(id=claim["id"]), "adviser-marta")
    return list(response.json()["items"])


async def _text(driver: Driver, claim: dict[str, Any], version: int) -> str:
    response = await driver.call(
        "GET", f"{LETTERS.format(id=claim['id'])}/{version}", "adviser-marta"
    )
    return pdf_text(response.content)


class TestRepaymentPlan:
    async def test_asking_it_back_sends_her_a_kind_letter_in_her_language_and_swedish(
        self, driver: Driver, letter_worker: LetterWorker
    ) -> None:
        claim = await _overpaid_by_appeal(driver)
        await _overpayment(driver, claim, "recover")
        assert [x["kind"] for x in await _letters(driver, claim)] == ["decision", "decision"]

        await letter_worker()

        letters = await _letters(driver, claim)
        assert [(x["version"], x["kind"]) for x in letters] == [
            (1, "decision"),
            (2, "decision"),
            (3, "repayment_plan"),
        ]
        assert letters[2]["languages"] == ["lv", "sv"]
        text = await _text(driver, claim, 3)
        # Latvian first, then Swedish; the amount formatted for each.
        assert "Pārmaksātās naudas atmaksa" in text
        assert "5 000,00 kr" in text.replace("\u00a0", " ").replace("\u202f", " ")
        assert "pa daļām" in text
        assert "betala tillbaka i delar" in text
        assert claim["reference"] in text
        assert "överklaga" in text.lower()


class TestWaiver:
    async def test_a_waiver_written_off_at_once_tells_her_she_owes_nothing(
        self, driver: Driver, letter_worker: LetterWorker
    ) -> None:
        claim = await _overpaid_by_appeal(driver)
        await _overpayment(driver, claim, "waive")
        await letter_worker()
        letters = await _letters(driver, claim)
        assert letters[-1]["kind"] == "overpayment_waiver"
        text = await _text(driver, claim, letters[-1]["version"])
        assert "Jums nauda nav jāatmaksā" in text
        assert "Du behöver inte betala tillbaka pengarna" in text

    async def test_waiving_a_part_asks_for_the_rest_in_one_letter_that_names_both(
        self, driver: Driver, letter_worker: LetterWorker
    ) -> None:
        claim = await _overpaid_by_appeal(driver)
        await driver.step(claim, "overpayment", "admin-se", _waiver("2000"), money=True)
        await letter_worker()
        letters = await _letters(driver, claim)
        # Not "you owe nothing": she still owes 3 000 of the 5 000.
        assert [x["kind"] for x in letters] == ["decision", "decision", "repayment_plan"]
        text = (await _text(driver, claim, 3)).replace("\u00a0", " ").replace("\u202f", " ")
        assert "Jums nauda nav jāatmaksā" not in text
        assert "Du behöver inte betala tillbaka pengarna" not in text
        swedish = "inte behöver betala tillbaka 2 000,00 kr av det"
        assert swedish in " ".join(text.split())
        assert "resten, 3 000,00 kr, till fonden" in " ".join(text.split())
        assert "5 000,00 kr mer" in " ".join(text.split())

    async def test_a_waiver_above_the_threshold_sends_nothing_until_confirmed(
        self, driver: Driver, letter_worker: LetterWorker, session: AsyncSession
    ) -> None:
        claim = await _overpaid_above_threshold(driver)
        claim = await _overpayment(driver, claim, "waive")
        await letter_worker()
        assert [x["kind"] for x in await _letters(driver, claim)] == ["decision", "decision"]

        await driver.step(claim, "overpayment/approvals", "admin2-se", {}, money=True)
        await letter_worker()
        # A job retried after its commit stores nothing twice.
        await session.execute(
            sa.text(
                "UPDATE procrastinate_jobs SET status = 'todo' "
                "WHERE task_name = 'fundadmin:letters.overpayment' AND args ->> 'claim_id' = :id"
            ),
            {"id": claim["id"]},
        )
        await session.commit()
        await letter_worker()
        kinds = [x["kind"] for x in await _letters(driver, claim)]
        assert kinds == ["decision", "decision", "overpayment_waiver"]

"""Letters as their users meet them over HTTP: the administrator issues, her adviser downloads,
a third party verifies; and as an attacker: another organisation, a guessed code, direct SQL."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tests.claims.conftest import Auth, Driver, LetterWorker, decision
from tests.letters.pdf_text import pdf_text

LETTERS = "/api/v1/claims/{id}/letters"
VERIFY = "/api/v1/letters/verify/{code}"


@pytest.fixture
def driver(client: httpx.AsyncClient, auth: Auth, letter_worker: LetterWorker) -> Driver:
    return Driver(client, auth, letter_worker)


async def issued(driver: Driver, **claimant: Any) -> dict[str, Any]:
    """A Swedish claim decided below the threshold, its letter issued."""
    claimant_row = await driver.register(**claimant)
    claim = await driver.file(claimant_row["id"], "SE")
    claim = await driver.step(claim, "submit", "adviser-marta")
    claim = await driver.step(claim, "review", "admin-se")
    claim = await driver.step(claim, "assessment", "admin-se", {})
    claim = await driver.step(
        claim, "decision", "admin-se", decision("40000", "5000", "0"), money=True
    )
    return await driver.issue_letter(claim)


async def letters_of(driver: Driver, claim: dict[str, Any], user: str) -> list[dict[str, Any]]:
    return (await driver.call("GET", LETTERS.format(id=claim["id"]), user)).json()["items"]


async def download(driver: Driver, claim: dict[str, Any], version: int, user: str) -> bytes:
    response = await driver.call("GET", f"{LETTERS.format(id=claim['id'])}/{version}", user)
    assert response.headers["content-type"] == "application/pdf"
    return response.content


class TestIssue:
    async def test_the_adviser_downloads_the_letter_in_her_language_and_the_countrys(
        self, driver: Driver
    ) -> None:
        claim = await issued(driver)
        assert claim["status"] == "letter_issued"
        [letter] = await letters_of(driver, claim, "adviser-marta")
        assert letter["version"] == 1
        assert letter["languages"] == ["lv", "sv"]
        pdf = await download(driver, claim, 1, "adviser-marta")
        assert hashlib.sha256(pdf).hexdigest() == letter["sha256"]
        text = pdf_text(pdf)
        assert claim["reference"] in text
        assert "Lēmums par Jūsu pieteikumu" in text
        assert "Beslut om din ansökan" in text
        assert "45 000,00 SEK" in text
        assert letter["verification_code"] in text

    async def test_a_confidential_address_is_not_in_her_letter(self, driver: Driver) -> None:
        claim = await issued(driver, confidential_address=True)
        text = pdf_text(await download(driver, claim, 1, "admin-se"))
        assert "Protected address" not in text
        assert "11122 Stockholm" not in text
        assert "Marta Centre" in text
        assert "7466" in text
        assert "0583 9825" not in text

    async def test_an_open_address_is_printed(self, driver: Driver) -> None:
        claim = await issued(driver, confidential_address=False)
        text = pdf_text(await download(driver, claim, 1, "admin-se"))
        assert "Protected address 1, 11122 Stockholm" in text

    async def test_issue_and_read_are_in_the_audit_trail(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await issued(driver)
        [letter] = await letters_of(driver, claim, "admin-se")
        await download(driver, claim, 1, "adviser-marta")
        rows = (
            await session.execute(
                sa.text(
                    "SELECT action, details FROM audit_event WHERE subject_id = :id "
                    "AND action LIKE 'claim.letter.%' ORDER BY seq"
                ),
                {"id": claim["id"]},
            )
        ).all()
        assert [r.action for r in rows] == [
            "claim.letter.request",
            "claim.letter.issue",
            "claim.letter.read",
        ]
        assert rows[0].details["letter_version"] == 1
        assert rows[1].details["sha256"] == letter["sha256"]
        assert rows[1].details["verification_code"] == letter["verification_code"]


class TestVersions:
    async def test_a_corrected_decision_yields_version_2_and_keeps_version_1(
        self, driver: Driver
    ) -> None:
        claim = await issued(driver)
        first = await download(driver, claim, 1, "adviser-marta")
        claim = await driver.step(claim, "appeal", "adviser-marta", {"reason": "Wages proven."})
        claim = await driver.step(claim, "review", "admin-se")
        claim = await driver.step(claim, "assessment", "admin-se", {})
        claim = await driver.step(
            claim, "decision", "admin-se", decision("40000", "5000", "8000"), money=True
        )
        claim = await driver.issue_letter(claim)
        letters = await letters_of(driver, claim, "adviser-marta")
        assert [x["version"] for x in letters] == [1, 2]
        assert await download(driver, claim, 1, "adviser-marta") == first
        second = pdf_text(await download(driver, claim, 2, "adviser-marta"))
        assert "53 000,00 SEK" in second
        assert "Šī vēstule aizstāj mūsu iepriekšējo vēstuli" in second
        assert letters[0]["verification_code"] != letters[1]["verification_code"]

    async def test_an_issued_letter_cannot_be_changed_or_removed_even_by_sql(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await issued(driver)
        for statement in (
            "UPDATE claim_letter SET sha256 = repeat('0', 64) WHERE claim_id = :id",
            "DELETE FROM claim_letter WHERE claim_id = :id",
        ):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                async with session.begin():
                    await session.execute(sa.text(statement), {"id": claim["id"]})


class TestReach:
    async def test_another_organisation_and_another_country_get_404(self, driver: Driver) -> None:
        claim = await issued(driver)
        for user in ("adviser-pro", "admin-lv"):
            await driver.call("GET", LETTERS.format(id=claim["id"]), user, expect=404)
            await driver.call("GET", f"{LETTERS.format(id=claim['id'])}/1", user, expect=404)

    async def test_auditors_and_ministries_are_refused(self, driver: Driver) -> None:
        claim = await issued(driver)
        for user in ("auditor", "ministry-se"):
            await driver.call("GET", LETTERS.format(id=claim["id"]), user, expect=403)

    async def test_a_version_never_issued_is_404(self, driver: Driver) -> None:
        claim = await issued(driver)
        response = await driver.call(
            "GET", f"{LETTERS.format(id=claim['id'])}/2", "admin-se", expect=404
        )
        assert response.headers["content-type"] == "application/problem+json"


class TestVerify:
    async def test_a_real_code_tells_authority_date_and_hash_and_nothing_else(
        self, driver: Driver, client: httpx.AsyncClient
    ) -> None:
        claim = await issued(driver)
        [letter] = await letters_of(driver, claim, "admin-se")
        response = await client.get(VERIFY.format(code=letter["verification_code"].lower()))
        assert response.status_code == 200, response.text
        assert response.json() == {
            "issued": True,
            "authority": "Brottsoffermyndigheten",
            "country": "SE",
            "issued_on": letter["issued_at"][:10],
            "sha256": letter["sha256"],
        }
        assert claim["reference"] not in response.text

    @pytest.mark.parametrize(
        "code", ["AAAA-AAAA-AAAA-AAAA-AAAA-AAAA", "not-a-code", "x" * 500, "%00"]
    )
    async def test_a_guessed_code_is_404(self, client: httpx.AsyncClient, code: str) -> None:
        response = await client.get(VERIFY.format(code=code))
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"

    async def test_it_is_rate_limited(self, client: httpx.AsyncClient) -> None:
        statuses = [
            (await client.get(VERIFY.format(code="AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"))).status_code
            for _ in range(31)
        ]
        assert statuses[:30] == [404] * 30
        assert statuses[30] == 429

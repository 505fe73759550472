"""Each refusal answers with the right problem document, and afterwards nothing has changed."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

import ledger
from claims.models import Claim, Claimant, ClaimTransition, Document
from fundadmin.security.principal import Role
from fundadmin.security.users import Grant, create_user
from tests.claims.conftest import Driver, claim_body, claimant_body, decision

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def _state(session: AsyncSession, claim_id: str | None = None) -> dict[str, Any]:
    """What a refusal must leave untouched: counts of rows, and the claim with its ledger."""
    await session.rollback()  # read what is committed now, not an older snapshot
    state: dict[str, Any] = {
        "claims": await session.scalar(sa.select(sa.func.count()).select_from(Claim)),
        "claimants": await session.scalar(sa.select(sa.func.count()).select_from(Claimant)),
        "documents": await session.scalar(sa.select(sa.func.count()).select_from(Document)),
        "transitions": await session.scalar(
            sa.select(sa.func.count()).select_from(ClaimTransition)
        ),
        "fund": await ledger.account_balance(session, "SE/fund/victims"),
    }
    if claim_id is not None:
        row = (
            await session.execute(
                sa.select(Claim.status, Claim.version, Claim.paid_total).where(Claim.id == claim_id)
            )
        ).one()
        state["claim"] = tuple(row)
        state["ledger"] = [
            (t.id, t.status)
            for t in await ledger.transactions_by_reference(session, "claim", claim_id)
        ]
    return state


def _problem(body: dict[str, Any], status: int, slug: str) -> None:
    assert body["status"] == status
    assert body["type"].endswith("/" + slug), body["type"]


class TestWrongRole:
    @pytest.mark.parametrize(
        ("user", "method", "path"),
        [
            ("ministry-se", "GET", "/api/v1/claims"),
            ("ministry-region", "GET", "/api/v1/claimants"),
            ("ministry-se", "GET", "/api/v1/claims/{id}"),
            ("admin-se", "POST", "/api/v1/claims/{id}/withdraw"),
            ("adviser-marta", "POST", "/api/v1/claims/{id}/decision"),
            ("adviser-marta", "POST", "/api/v1/claims/{id}/payments"),
            ("auditor", "POST", "/api/v1/claims/{id}/review"),
            ("superuser", "GET", "/api/v1/claims/{id}"),
        ],
    )
    async def test_is_forbidden_and_changes_nothing(
        self, driver: Driver, session: AsyncSession, user: str, method: str, path: str
    ) -> None:
        claim = await driver.submitted()
        before = await _state(session, claim["id"])
        response = await driver.call(
            method,
            path.format(id=claim["id"]),
            user,
            json={"reason": "no"} if method == "POST" else None,
            version=claim["version"],
            expect=403,
        )
        _problem(response.json(), 403, "forbidden")
        assert await _state(session, claim["id"]) == before

    async def test_administrator_cannot_file_a_claimant(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        before = await _state(session)
        await driver.call("POST", "/api/v1/claimants", "admin-se", json=claimant_body(), expect=403)
        assert await _state(session) == before


class TestOutsideScope:
    async def test_another_countrys_administrator_gets_not_found(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await driver.submitted("SE")
        before = await _state(session, claim["id"])
        await driver.call("GET", f"/api/v1/claims/{claim['id']}", "admin-lv", expect=404)
        response = await driver.call(
            "POST",
            f"/api/v1/claims/{claim['id']}/review",
            "admin-lv",
            json={},
            version=claim["version"],
            expect=404,
        )
        _problem(response.json(), 404, "not-found")
        queue = (await driver.call("GET", "/api/v1/claims", "admin-lv")).json()
        assert claim["id"] not in {c["id"] for c in queue["items"]}
        assert await _state(session, claim["id"]) == before

    async def test_a_draft_is_not_yet_the_administrators(self, driver: Driver) -> None:
        claimant = await driver.register()
        draft = await driver.file(claimant["id"])
        await driver.call("GET", f"/api/v1/claims/{draft['id']}", "admin-se", expect=404)
        await driver.call("GET", f"/api/v1/claimants/{claimant['id']}", "admin-se", expect=404)

    async def test_another_organisations_adviser_gets_not_found(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        await create_user(
            session,
            username="adviser-other",
            password="x" * 16,
            grants=[Grant(Role.LEGAL_ADVISER, "SE")],
            organisation="Other Legal Aid",
        )
        await session.commit()
        claim = await driver.submitted()
        before = await _state(session, claim["id"])
        for path in (f"/api/v1/claims/{claim['id']}", f"/api/v1/claimants/{claim['claimant_id']}"):
            await driver.call("GET", path, "adviser-other", expect=404)
        await driver.call(
            "POST",
            f"/api/v1/claims/{claim['id']}/withdraw",
            "adviser-other",
            json={"reason": "not mine"},
            version=claim["version"],
            expect=404,
        )
        await driver.call(
            "POST",
            "/api/v1/claims",
            "adviser-other",
            json=claim_body(claim["claimant_id"]),
            expect=404,
        )
        mine = (await driver.call("GET", "/api/v1/claims", "adviser-other")).json()
        assert mine["items"] == []
        assert mine["next"] is None
        assert await _state(session, claim["id"]) == before

    async def test_an_adviser_files_only_where_she_holds_a_grant(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claimant = await driver.register()
        before = await _state(session)
        response = await driver.call(
            "POST",
            "/api/v1/claims",
            "adviser-marta",
            json=claim_body(claimant["id"], "NO"),
            expect=403,
        )
        _problem(response.json(), 403, "country-not-in-scope")
        assert await _state(session) == before


class TestIllegalTransition:
    async def test_names_the_allowed_events_and_changes_nothing(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await driver.submitted()
        before = await _state(session, claim["id"])
        body = await driver.step(
            claim, "decision", "admin-se", decision("1", "1", "1"), expect=409, money=True
        )
        _problem(body, 409, "invalid-transition")
        assert body["status"] == 409
        assert body["allowed_events"] == ["start_review", "withdraw"]
        again = await driver.step(claim, "submit", "adviser-marta", expect=409)
        assert again["allowed_events"] == ["start_review", "withdraw"]
        assert await _state(session, claim["id"]) == before

    async def test_a_decided_claim_cannot_be_withdrawn(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await driver.assessed()
        claim = await driver.step(
            claim, "decision", "admin-se", decision("1000", "1000", "0"), money=True
        )
        assert claim["status"] == "decided"
        before = await _state(session, claim["id"])
        body = await driver.step(claim, "withdraw", "adviser-marta", {"reason": "x"}, expect=409)
        assert "appeal" in body["allowed_events"]
        assert await _state(session, claim["id"]) == before


class TestStaleVersion:
    async def test_the_second_writer_gets_412_and_overwrites_nothing(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await driver.submitted()
        read_by_first = await driver.get(claim, "admin-se")
        read_by_second = await driver.get(claim, "admin2-se")
        first = await driver.step(read_by_first, "review", "admin-se")
        before = await _state(session, claim["id"])
        body = await driver.step(
            read_by_second, "withdraw", "adviser-marta", {"reason": "x"}, expect=412
        )
        _problem(body, 412, "stale-version")
        assert body["current_version"] == first["version"]
        body = await driver.step(read_by_second, "review", "admin2-se", expect=412)
        assert await _state(session, claim["id"]) == before

    async def test_a_write_without_if_match_is_refused(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await driver.submitted()
        before = await _state(session, claim["id"])
        response = await driver.call(
            "POST", f"/api/v1/claims/{claim['id']}/review", "admin-se", json={}, expect=428
        )
        _problem(response.json(), 428, "precondition-required")
        assert await _state(session, claim["id"]) == before

    async def test_reads_carry_the_etag(self, driver: Driver) -> None:
        claim = await driver.submitted()
        response = await driver.call("GET", f"/api/v1/claims/{claim['id']}", "admin-se")
        assert response.headers["etag"] == f'"{claim["version"]}"'


class TestBadAmounts:
    @pytest.mark.parametrize(
        "head",
        [
            {"category": "non_material", "amount_claimed": "1000", "currency": "EUR"},
            {"category": "non_material", "amount_claimed": "-5", "currency": "SEK"},
            {"category": "non_material", "amount_claimed": "0", "currency": "SEK"},
            {"category": "non_material", "amount_claimed": "10.005", "currency": "SEK"},
            {"category": "non_material", "amount_claimed": "NaN", "currency": "SEK"},
            {"category": "non_material", "amount_claimed": "100", "currency": "sek"},
            {"category": "material_loss", "amount_claimed": "100", "currency": "SEK"},
            {"category": "pain", "amount_claimed": "100", "currency": "SEK"},
        ],
    )
    async def test_a_claim_with_a_bad_head_is_refused(
        self, driver: Driver, session: AsyncSession, head: dict[str, str]
    ) -> None:
        claimant = await driver.register()
        before = await _state(session)
        response = await driver.call(
            "POST",
            "/api/v1/claims",
            "adviser-marta",
            json=claim_body(claimant["id"], heads=[head]),
            expect=422,
        )
        assert response.json()["status"] == 422
        assert await _state(session) == before

    async def test_an_award_above_the_claim_is_refused(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await driver.assessed()
        before = await _state(session, claim["id"])
        body = await driver.step(
            claim, "decision", "admin-se", decision("150000.01", "0", "0"), expect=422, money=True
        )
        assert body["errors"][0]["field"] == "heads[0].awarded"
        assert await _state(session, claim["id"]) == before

    async def test_a_payment_above_what_is_owed_or_in_another_currency_is_refused(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await driver.assessed()
        claim = await driver.step(
            claim, "decision", "admin-se", decision("1000", "500", "0"), money=True
        )
        claim = await driver.issue_letter(claim)
        before = await _state(session, claim["id"])
        today = claim["letter_issued_at"][:10]
        too_much = {"amount": "1500.01", "currency": "SEK", "paid_on": today}
        body = await driver.step(claim, "payments", "admin-se", too_much, expect=409, money=True)
        assert body["outstanding"] == "1500.00"
        wrong = {"amount": "100", "currency": "EUR", "paid_on": today}
        await driver.step(claim, "payments", "admin-se", wrong, expect=422, money=True)
        assert await _state(session, claim["id"]) == before


class TestDocuments:
    async def _upload(
        self, driver: Driver, claim: dict[str, Any], content: bytes, expect: int
    ) -> Any:
        return await driver.call(
            "POST",
            f"/api/v1/claims/{claim['id']}/documents",
            "adviser-marta",
            files={"file": ("evidence.bin", content, "application/pdf")},
            version=claim["version"],
            expect=expect,
        )

    async def test_a_wrong_type_is_415_and_stores_nothing(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await driver.submitted()
        before = await _state(session, claim["id"])
        response = await self._upload(driver, claim, b"MZ\x90\x00 not a pdf", 415)
        _problem(response.json(), 415, "unsupported-document-type")
        assert await _state(session, claim["id"]) == before

    async def test_an_oversize_file_is_413_and_stores_nothing(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await driver.submitted()
        before = await _state(session, claim["id"])
        big = PDF + b"0" * (8 * 1024 * 1024)
        response = await self._upload(driver, claim, big, 413)
        assert response.json()["status"] == 413
        assert await _state(session, claim["id"]) == before

    async def test_a_pdf_is_stored_encrypted_and_read_back_whole(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await driver.submitted()
        document = (await self._upload(driver, claim, PDF, 201)).json()
        assert document["media_type"] == "application/pdf"
        stored = await session.scalar(
            sa.select(Document.content_enc).where(Document.id == document["id"])
        )
        assert stored is not None
        assert b"%PDF" not in stored
        response = await driver.call(
            "GET", f"/api/v1/claims/{claim['id']}/documents/{document['id']}", "admin-se"
        )
        assert response.content == PDF
        assert response.headers["content-type"].startswith("application/pdf")


class TestReviseDraft:
    async def test_a_draft_is_revised_and_a_submitted_claim_is_not(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claimant = await driver.register()
        draft = await driver.file(claimant["id"])
        body = claim_body(claimant["id"])
        del body["claimant_id"], body["country"]
        body["heads"] = body["heads"][:1]
        body["crime_place"] = "Malmö"
        path = f"/api/v1/claims/{draft['id']}"
        revised = (
            await driver.call("PUT", path, "adviser-marta", json=body, version=draft["version"])
        ).json()
        assert [h["category"] for h in revised["heads"]] == ["non_material"]
        assert revised["crime_place"] == "Malmö"
        submitted = await driver.step(revised, "submit", "adviser-marta")
        before = await _state(session, submitted["id"])
        refused = await driver.call(
            "PUT", path, "adviser-marta", json=body, version=submitted["version"], expect=409
        )
        assert refused.json()["allowed_events"] == ["start_review", "withdraw"]
        assert await _state(session, submitted["id"]) == before

"""The claim page's documents and history: downloads through the API's service and audit line,
within the same doors as the API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from claims.models import Claim
from tests.web.conftest import SignIn

PDF = b"%PDF-1.7\nwitness statement\n%%EOF\n"


async def _marta_claim_in_review(session: AsyncSession) -> str:
    org = sa.text("SELECT organisation_id FROM user_account WHERE username = 'adviser-marta'")
    mine = (await session.execute(org)).scalar_one()
    claim_id = await session.scalar(
        sa.select(Claim.id)
        .where(
            Claim.organisation_id == mine,
            Claim.country == "SE",
            Claim.status.in_(("submitted", "under_review")),
        )
        .order_by(Claim.reference)
        .limit(1)
    )
    assert claim_id is not None
    return str(claim_id)


@pytest.fixture
async def document(
    client: httpx.AsyncClient,
    auth: Callable[[str], Awaitable[dict[str, str]]],
    session: AsyncSession,
) -> tuple[str, str]:
    """(claim id, document id): a PDF her adviser uploaded through the API."""
    claim_id = await _marta_claim_in_review(session)
    headers = await auth("adviser-marta")
    claim = (await client.get(f"/api/v1/claims/{claim_id}", headers=headers)).json()
    uploaded = await client.post(
        f"/api/v1/claims/{claim_id}/documents",
        headers={**headers, "If-Match": f'"{claim["version"]}"'},
        files={"file": ("statement.pdf", PDF, "application/pdf")},
    )
    assert uploaded.status_code == 201, uploaded.text
    return claim_id, uploaded.json()["id"]


async def _reads(session: AsyncSession, claim_id: str) -> list[str]:
    rows = await session.execute(
        sa.text(
            "SELECT details->>'document_id' FROM audit_event "
            "WHERE action = 'claim.document.read' AND subject_id = :claim ORDER BY seq"
        ),
        {"claim": claim_id},
    )
    return list(rows.scalars())


class TestDocuments:
    async def test_the_administrator_lists_and_downloads_a_document_and_the_read_is_audited(
        self,
        browser: httpx.AsyncClient,
        sign_in_as: SignIn,
        session: AsyncSession,
        document: tuple[str, str],
    ) -> None:
        claim_id, document_id = document
        await sign_in_as(browser, "admin-se")
        page = await browser.get(f"/web/claims/{claim_id}")
        link = f"/web/claims/{claim_id}/documents/{document_id}"
        assert f'href="{link}"' in page.text
        assert "application/pdf" in page.text
        downloaded = await browser.get(link)
        assert downloaded.status_code == 200
        assert downloaded.content == PDF
        assert downloaded.headers["content-type"] == "application/pdf"
        assert downloaded.headers["content-disposition"] == (
            f'attachment; filename="{document_id}.pdf"'
        )
        assert await _reads(session, claim_id) == [document_id]

    async def test_her_adviser_downloads_it_too(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, document: tuple[str, str]
    ) -> None:
        claim_id, document_id = document
        await sign_in_as(browser, "adviser-marta")
        response = await browser.get(f"/web/claims/{claim_id}/documents/{document_id}")
        assert response.content == PDF

    @pytest.mark.parametrize(("user", "status"), [("admin-no", 404), ("ministry-se", 403)])
    async def test_no_one_else_reads_it_and_nothing_is_audited_as_read(
        self,
        *,
        browser: httpx.AsyncClient,
        sign_in_as: SignIn,
        session: AsyncSession,
        document: tuple[str, str],
        user: str,
        status: int,
    ) -> None:
        claim_id, document_id = document
        await sign_in_as(browser, user)
        response = await browser.get(f"/web/claims/{claim_id}/documents/{document_id}")
        assert response.status_code == status
        assert PDF not in response.content
        assert await _reads(session, claim_id) == []

    async def test_an_unknown_document_of_a_reachable_claim_is_404(
        self,
        browser: httpx.AsyncClient,
        sign_in_as: SignIn,
        document: tuple[str, str],
    ) -> None:
        claim_id, _ = document
        await sign_in_as(browser, "admin-se")
        other = "00000000-0000-7000-8000-000000000000"
        response = await browser.get(f"/web/claims/{claim_id}/documents/{other}")
        assert response.status_code == 404


class TestHistory:
    async def test_the_history_names_who_took_each_step(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        claim_id = await _marta_claim_in_review(session)
        await sign_in_as(browser, "admin-se")
        page = await browser.get(f"/web/claims/{claim_id}")
        history = page.text.split('<table id="history">')[1].split("</table>")[0]
        assert '<th scope="col">By</th>' in history
        assert "<td>adviser-marta</td>" in history

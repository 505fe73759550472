"""The adviser's own pages through the real app: register a claimant, heads added one by one,
evidence, answers to requests for information, return assistance; CSRF, another organisation's
claim, and refusals naming their field."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from claims.models import Claim, Claimant, Document, InformationRequest
from claims.returns.models import ReturnApplication
from fundadmin.security.models import AuditEvent, UserAccount
from tests.clock import TODAY
from tests.web.conftest import SignIn, csrf_of

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
_VERSION = re.compile(r'name="version" value="(\d+)"')
Auth = Callable[[str], Awaitable[dict[str, str]]]


def _version_of(page: httpx.Response) -> str:
    found = _VERSION.search(page.text)
    assert found, "the page offers no versioned form"
    return found.group(1)


async def _register(browser: httpx.AsyncClient, **extra: str) -> httpx.Response:
    form = await browser.get("/web/claimants/new")
    assert form.status_code == 200, form.text
    data = {
        "csrf_token": csrf_of(form),
        "given_names": "Anna",
        "family_name": "Example",
        "preferred_language": "en",
        "identification_status": "presumed",
        "mandate_signed_on": (TODAY - timedelta(days=3)).isoformat(),
        "mandate_scope-compensation": "yes",
        "mandate_scope-return_assistance": "yes",
        **extra,
    }
    return await browser.post("/web/claimants/new", data=data)


async def _draft_claim(browser: httpx.AsyncClient) -> str:
    """A draft SE claim for a newly registered claimant; its id."""
    registered = await _register(browser)
    assert registered.status_code == 303, registered.text
    claimant_id = registered.headers["location"].split("claimant=")[1]
    form = await browser.get(registered.headers["location"])
    saved = await browser.post(
        "/web/claims/new",
        data={
            "csrf_token": csrf_of(form),
            "claimant_id": claimant_id,
            "country": "SE",
            "offence": "trafficking",
            "crime_date": "2025-06-01",
            "reported_to_police": "yes",
            "police_report_date": "2025-06-02",
            "head_rows": "1",
            "head-0-category": "non_material",
            "head-0-sub_kind": "violation",
            "head-0-amount": "50000",
            "action": "save",
        },
    )
    assert saved.status_code == 303, saved.text
    return saved.headers["location"].rsplit("/", 1)[1]


async def _audit_count(session: AsyncSession, action: str, subject_id: str) -> int:
    query = (
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == action, AuditEvent.subject_id == subject_id)
    )
    return int(await session.scalar(query) or 0)


class TestRegisterAClaimant:
    async def test_she_is_registered_and_the_claim_form_opens_with_her_chosen(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        response = await _register(browser)
        assert response.status_code == 303, response.text
        claimant_id = response.headers["location"].split("claimant=")[1]
        row = await session.get(Claimant, claimant_id)
        assert row is not None
        assert row.mandate_scope == ["compensation", "return_assistance"]
        assert await _audit_count(session, "claimant.create", claimant_id) == 1
        form = await browser.get(response.headers["location"])
        assert f'value="{claimant_id}" selected' in form.text

    async def test_missing_names_and_scope_are_named_in_the_error_summary(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        before = await session.scalar(sa.select(sa.func.count()).select_from(Claimant))
        response = await _register(browser, given_names="", family_name="")
        assert response.status_code == 400
        assert 'href="#given_names"' in response.text
        assert 'href="#family_name"' in response.text
        assert await session.scalar(sa.select(sa.func.count()).select_from(Claimant)) == before

    async def test_a_mandate_signed_in_the_future_names_its_field(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        tomorrow = (TODAY + timedelta(days=1)).isoformat()
        response = await _register(browser, mandate_signed_on=tomorrow, email="anna@example.org")
        assert response.status_code == 400
        assert 'href="#mandate_signed_on"' in response.text
        assert 'value="anna@example.org"' in response.text, "what she typed is kept"

    async def test_the_form_is_refused_without_the_csrf_token(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        before = await session.scalar(sa.select(sa.func.count()).select_from(Claimant))
        response = await browser.post(
            "/web/claimants/new", data={"given_names": "A", "family_name": "B"}
        )
        assert response.status_code == 403
        assert await session.scalar(sa.select(sa.func.count()).select_from(Claimant)) == before

    async def test_an_administrator_reaches_no_registration(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        await sign_in_as(browser, "admin-se")
        assert (await browser.get("/web/claimants/new")).status_code == 403


class TestHeadsOneByOne:
    async def test_add_another_head_keeps_what_was_typed_and_adds_a_row(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        form = await browser.get("/web/claims/new")
        assert 'id="head-0-amount"' in form.text
        assert 'id="head-1-amount"' not in form.text
        data = {
            "csrf_token": csrf_of(form),
            "country": "SE",
            "crime_date": "2025-06-01",
            "head_rows": "1",
            "head-0-category": "non_material",
            "head-0-amount": "50000",
            "action": "add_head",
        }
        more = await browser.post("/web/claims/new", data=data)
        assert more.status_code == 200, more.text
        assert 'id="head-1-amount"' in more.text
        assert 'value="50000"' in more.text
        assert 'name="head_rows" value="2"' in more.text
        assert re.search(r'id="head-1-category"[^>]*autofocus', more.text)
        assert "SEK for SE" in more.text

    async def test_two_heads_are_estimated_and_saved(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        form = await browser.get("/web/claims/new")
        claimant = form.text.split('name="claimant_id">')[1].split('value="')[1].split('"')[0]
        data = {
            "csrf_token": csrf_of(form),
            "claimant_id": claimant,
            "country": "SE",
            "offence": "trafficking",
            "crime_date": "2025-06-01",
            "reported_to_police": "yes",
            "police_report_date": "2025-06-02",
            "head_rows": "2",
            "head-0-category": "non_material",
            "head-0-sub_kind": "violation",
            "head-0-amount": "50000",
            "head-1-category": "material_loss",
            "head-1-sub_kind": "medical",
            "head-1-amount": "8000",
        }
        estimate = await browser.post("/web/claims/new", data={**data, "action": "estimate"})
        assert estimate.status_code == 200, estimate.text
        assert "Proposed in total" in estimate.text
        assert "(medical)" in estimate.text.split("</form>")[-1], "the second head is estimated"
        saved = await browser.post("/web/claims/new", data={**data, "action": "save"})
        assert saved.status_code == 303, saved.text
        claim = await session.get(Claim, saved.headers["location"].rsplit("/", 1)[1])
        assert claim is not None
        await session.refresh(claim, ["heads"])
        assert len(claim.heads) == 2

    async def test_a_bad_amount_in_the_second_head_is_named(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        form = await browser.get("/web/claims/new")
        response = await browser.post(
            "/web/claims/new",
            data={
                "csrf_token": csrf_of(form),
                "country": "SE",
                "offence": "trafficking",
                "crime_date": "2025-06-01",
                "head_rows": "2",
                "head-0-category": "non_material",
                "head-0-amount": "100",
                "head-1-category": "material_loss",
                "head-1-amount": "a lot",
                "action": "estimate",
            },
        )
        assert response.status_code == 400
        assert 'href="#head-1-amount"' in response.text


class TestEvidence:
    async def test_a_pdf_is_sealed_audited_and_listed(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        claim_id = await _draft_claim(browser)
        page = await browser.get(f"/web/claims/{claim_id}")
        assert "No evidence yet." in page.text
        response = await browser.post(
            f"/web/claims/{claim_id}/evidence",
            data={"csrf_token": csrf_of(page), "version": _version_of(page)},
            files={"file": ("police-report.pdf", PDF, "application/pdf")},
        )
        assert response.status_code == 303, response.text
        documents = (
            await session.scalars(sa.select(Document).where(Document.claim_id == claim_id))
        ).all()
        assert [d.media_type for d in documents] == ["application/pdf"]
        assert PDF not in documents[0].content_enc, "the content is sealed"
        assert await _audit_count(session, "claim.document.upload", claim_id) == 1
        after = await browser.get(f"/web/claims/{claim_id}")
        assert "application/pdf" in after.text

    async def test_a_file_that_is_not_a_document_is_refused_and_named(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        claim_id = await _draft_claim(browser)
        page = await browser.get(f"/web/claims/{claim_id}")
        response = await browser.post(
            f"/web/claims/{claim_id}/evidence",
            data={"csrf_token": csrf_of(page), "version": _version_of(page)},
            files={"file": ("notes.exe", b"MZ\x90\x00 not a document", "application/pdf")},
        )
        assert response.status_code == 400
        assert 'href="#file"' in response.text
        count = (
            sa.select(sa.func.count()).select_from(Document).where(Document.claim_id == claim_id)
        )
        assert await session.scalar(count) == 0

    async def test_no_file_chosen_is_named(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        claim_id = await _draft_claim(browser)
        page = await browser.get(f"/web/claims/{claim_id}")
        response = await browser.post(
            f"/web/claims/{claim_id}/evidence",
            data={"csrf_token": csrf_of(page), "version": _version_of(page)},
            files={"file": ("", b"", "application/octet-stream")},
        )
        assert response.status_code == 400
        assert 'href="#file"' in response.text

    async def test_without_the_csrf_token_nothing_is_stored(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        claim_id = await _draft_claim(browser)
        response = await browser.post(
            f"/web/claims/{claim_id}/evidence",
            data={"version": "1"},
            files={"file": ("report.pdf", PDF, "application/pdf")},
        )
        assert response.status_code == 403
        count = (
            sa.select(sa.func.count()).select_from(Document).where(Document.claim_id == claim_id)
        )
        assert await session.scalar(count) == 0

    async def test_another_organisations_claim_is_404(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        claim_id = await _draft_claim(browser)
        browser.cookies.clear()
        await sign_in_as(browser, "adviser-pro")
        mine = await browser.get("/web/claims")
        response = await browser.post(
            f"/web/claims/{claim_id}/evidence",
            data={"csrf_token": csrf_of(mine), "version": "1"},
            files={"file": ("report.pdf", PDF, "application/pdf")},
        )
        assert response.status_code == 404
        count = (
            sa.select(sa.func.count()).select_from(Document).where(Document.claim_id == claim_id)
        )
        assert await session.scalar(count) == 0


async def _information_requested(
    browser: httpx.AsyncClient, client: httpx.AsyncClient, auth: Auth, claim_id: str
) -> str:
    """Her claim submitted on the page, then reviewed and questioned by admin-se over the API."""
    page = await browser.get(f"/web/claims/{claim_id}")
    submitted = await browser.post(
        f"/web/claims/{claim_id}/submit",
        data={"csrf_token": csrf_of(page), "version": _version_of(page)},
    )
    assert submitted.status_code == 303, submitted.text
    admin = await auth("admin-se")
    claim = await client.get(f"/api/v1/claims/{claim_id}", headers=admin)
    reviewed = await client.post(
        f"/api/v1/claims/{claim_id}/review",
        json={},
        headers={**admin, "If-Match": claim.headers["ETag"]},
    )
    assert reviewed.status_code == 200, reviewed.text
    asked = await client.post(
        f"/api/v1/claims/{claim_id}/information-requests",
        json={"question": "Please send the police report number."},
        headers={**admin, "If-Match": reviewed.headers["ETag"]},
    )
    assert asked.status_code == 201, asked.text
    return str(asked.json()["id"])


class TestAnswerInformation:
    async def test_the_open_request_is_listed_answered_and_the_claim_returns_to_review(
        self,
        browser: httpx.AsyncClient,
        client: httpx.AsyncClient,
        auth: Auth,
        sign_in_as: SignIn,
        session: AsyncSession,
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        claim_id = await _draft_claim(browser)
        request_id = await _information_requested(browser, client, auth, claim_id)
        page = await browser.get(f"/web/claims/{claim_id}")
        assert "Please send the police report number." in page.text
        assert "answer the open request below" in page.text
        assert await _audit_count(session, "claim.information.read", claim_id) == 0
        field = f"answer-{request_id}"
        empty = await browser.post(
            f"/web/claims/{claim_id}/information/{request_id}/answer",
            data={"csrf_token": csrf_of(page), "version": _version_of(page), field: " "},
        )
        assert empty.status_code == 400
        assert f'href="#{field}"' in empty.text
        answered = await browser.post(
            f"/web/claims/{claim_id}/information/{request_id}/answer",
            data={
                "csrf_token": csrf_of(page),
                "version": _version_of(page),
                field: "Report 2025/4711, Stockholm police.",
            },
        )
        assert answered.status_code == 303, answered.text
        claim = await session.get(Claim, claim_id)
        assert claim is not None
        assert claim.status == "under_review"
        row = await session.get(InformationRequest, request_id)
        assert row is not None
        assert row.answered_at is not None
        assert b"4711" not in (row.answer_enc or b""), "the answer is sealed"
        after = await browser.get(f"/web/claims/{claim_id}")
        assert "Report 2025/4711, Stockholm police." in after.text
        assert await _audit_count(session, "claim.information.read", claim_id) == 1

    async def test_a_stale_version_is_refused_and_nothing_is_written(
        self,
        browser: httpx.AsyncClient,
        client: httpx.AsyncClient,
        auth: Auth,
        sign_in_as: SignIn,
        session: AsyncSession,
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        claim_id = await _draft_claim(browser)
        request_id = await _information_requested(browser, client, auth, claim_id)
        page = await browser.get(f"/web/claims/{claim_id}")
        response = await browser.post(
            f"/web/claims/{claim_id}/information/{request_id}/answer",
            data={"csrf_token": csrf_of(page), "version": "1", f"answer-{request_id}": "x"},
        )
        assert response.status_code == 409
        row = await session.get(InformationRequest, request_id)
        assert row is not None
        assert row.answered_at is None

    async def test_another_organisations_adviser_gets_404(
        self,
        browser: httpx.AsyncClient,
        client: httpx.AsyncClient,
        auth: Auth,
        sign_in_as: SignIn,
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        claim_id = await _draft_claim(browser)
        request_id = await _information_requested(browser, client, auth, claim_id)
        browser.cookies.clear()
        await sign_in_as(browser, "adviser-pro")
        mine = await browser.get("/web/claims")
        response = await browser.post(
            f"/web/claims/{claim_id}/information/{request_id}/answer",
            data={"csrf_token": csrf_of(mine), "version": "3", f"answer-{request_id}": "x"},
        )
        assert response.status_code == 404
        assert (await browser.get(f"/web/claims/{claim_id}")).status_code == 404


async def _apply(browser: httpx.AsyncClient, **extra: str) -> httpx.Response:
    form = await browser.get("/web/returns/new")
    assert form.status_code == 200, form.text
    claimant = form.text.split('name="claimant_id">')[1].split('value="')[1].split('"')[0]
    data = {
        "csrf_token": csrf_of(form),
        "claimant_id": claimant,
        "country": "SE",
        "return_country": "LV",
        "return_town": "Daugavpils",
        "planned_on": (TODAY + timedelta(days=30)).isoformat(),
        "adults": "1",
        "children": "0",
        "receiving_name": "Shelter Daugavpils",
        "receiving_country": "LV",
        "receiving_currency": "EUR",
        "receiving_bank_account": "LV80BANK0000435195001",
        "item-travel": "4000",
        "item-reintegration_grant": "10000",
        **extra,
    }
    return await browser.post("/web/returns/new", data=data)


class TestReturnAssistance:
    async def test_apply_see_the_entitlement_and_upload_her_consent(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        assert (await _register(browser)).status_code == 303
        applied = await _apply(browser)
        assert applied.status_code == 303, applied.text
        application_id = applied.headers["location"].rsplit("/", 1)[1]
        assert await _audit_count(session, "return_assistance.create", application_id) == 1
        page = await browser.get(applied.headers["location"])
        assert page.status_code == 200
        assert "What the fund would pay" in page.text
        assert "Upload her signed consent below" in page.text
        assert "LV80BANK" not in page.text, "the page shows no bank account"
        assert await _audit_count(session, "return_assistance.read", application_id) == 1
        consent = await browser.post(
            f"/web/returns/{application_id}/consent",
            data={"csrf_token": csrf_of(page), "version": _version_of(page)},
            files={"consent": ("consent.pdf", PDF, "application/pdf")},
        )
        assert consent.status_code == 303, consent.text
        after = await browser.get(applied.headers["location"])
        assert "consent: given" in after.text
        assert "<td>consent</td>" in after.text, "the history shows the step"
        listed = await browser.get("/web/returns")
        assert f"/web/returns/{application_id}" in listed.text

    async def test_a_refusal_names_its_field_and_writes_nothing(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        before = await session.scalar(sa.select(sa.func.count()).select_from(ReturnApplication))
        same = await _apply(browser, return_country="SE")
        assert same.status_code == 400
        assert 'href="#return_country"' in same.text
        bad = await _apply(browser, **{"item-travel": "much"})
        assert bad.status_code == 400
        assert 'href="#item-travel"' in bad.text
        after = await session.scalar(sa.select(sa.func.count()).select_from(ReturnApplication))
        assert after == before

    async def test_without_the_csrf_token_nothing_is_written(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        before = await session.scalar(sa.select(sa.func.count()).select_from(ReturnApplication))
        response = await browser.post("/web/returns/new", data={"country": "SE"})
        assert response.status_code == 403
        after = await session.scalar(sa.select(sa.func.count()).select_from(ReturnApplication))
        assert after == before

    async def test_another_organisations_application_is_404(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        assert (await _register(browser)).status_code == 303
        applied = await _apply(browser)
        assert applied.status_code == 303, applied.text
        browser.cookies.clear()
        await sign_in_as(browser, "adviser-pro")
        assert (await browser.get(applied.headers["location"])).status_code == 404


async def test_a_file_above_the_services_body_limit_gets_a_page_not_json(
    browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
) -> None:
    await sign_in_as(browser, "adviser-marta")
    claim_id = await _draft_claim(browser)
    page = await browser.get(f"/web/claims/{claim_id}")
    huge = PDF + b"0" * (11 * 1024 * 1024)
    response = await browser.post(
        f"/web/claims/{claim_id}/evidence",
        data={"csrf_token": csrf_of(page), "version": _version_of(page)},
        files={"file": ("scan.pdf", huge, "application/pdf")},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "at most 8 MB" in response.text
    count = sa.select(sa.func.count()).select_from(Document).where(Document.claim_id == claim_id)
    assert await session.scalar(count) == 0


async def test_applying_for_another_organisations_claimant_is_404(
    browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
) -> None:
    marta = sa.select(UserAccount.organisation_id).where(UserAccount.username == "adviser-marta")
    theirs = await session.scalar(
        sa.select(Claimant.id).where(Claimant.organisation_id != marta.scalar_subquery()).limit(1)
    )
    assert theirs is not None
    await sign_in_as(browser, "adviser-marta")
    before = await session.scalar(sa.select(sa.func.count()).select_from(ReturnApplication))
    response = await _apply(browser, claimant_id=str(theirs))
    assert response.status_code == 404
    after = await session.scalar(sa.select(sa.func.count()).select_from(ReturnApplication))
    assert after == before

"""The pages in a real browser: Playwright driving Debian's Chromium, headless.

An adviser files a claim (with the policy's estimate), an administrator takes it into review,
runs the policy and decides it above the four-eyes threshold, a second administrator confirms it,
issues the letter and records the payment, the adviser downloads the letter, and a ministry reads
its allocation report. axe-core checks
every page for serious or critical accessibility violations. Screenshots of the main pages go to
a temporary folder, or to the folder named by FUNDADMIN_SCREENSHOTS: refresh the README's with
`FUNDADMIN_SCREENSHOTS=docs/screenshots .venv/bin/pytest tests/web/test_browser.py` (a plain test
run leaves the working tree as it found it).

Skipped, saying so, where no Chromium is installed (`apt-get install -y chromium`).
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from litestar import Litestar

from tests.claims.conftest import LetterWorker
from tests.conftest import DEMO_PASSWORD
from tests.http import free_port

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no Chromium at /usr/bin/chromium: browser tests skipped (apt-get install -y chromium)",
)

playwright_api = pytest.importorskip("playwright.async_api")
axe_api = pytest.importorskip("axe_playwright_python.async_playwright")


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FUNDADMIN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
async def base_url(app: Litestar) -> AsyncIterator[str]:
    """The app served on localhost (a secure context: the Secure session cookie is kept)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the server did not start"
        await asyncio.sleep(0.05)
    yield f"http://localhost:{port}"
    server.should_exit = True
    await task


@pytest.fixture
async def page(base_url: str) -> AsyncIterator[object]:
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_FLAGS)
        context = await browser.new_context(
            base_url=base_url, viewport={"width": 1280, "height": 900}
        )
        page = await context.new_page()
        page.set_default_timeout(15_000)
        yield page
        await browser.close()


async def _accessible(page, name: str) -> None:
    results = await axe_api.Axe().run(page)
    grave = [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert grave == [], f"{name}: {grave}"


async def _sign_in(page, username: str) -> None:
    await page.goto("/web/sign-in")
    await _accessible(page, "sign-in")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()


async def _sign_out(page) -> None:
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(re.compile(r"/web/sign-in"))


async def test_adviser_to_payment_through_the_pages(
    page, screenshots: Path, letter_worker: LetterWorker
) -> None:
    await _sign_in(page, "adviser-marta")
    await page.wait_for_url(re.compile(r"/web/claims$"))
    await _accessible(page, "adviser's claims")
    await page.get_by_role("link", name="File a new claim").click()
    await page.get_by_label("Deciding country").select_option("SE")
    await page.get_by_label("Date of the crime").fill("2025-06-01")
    await page.get_by_label("Yes").check()
    await page.get_by_label("Date reported").fill("2025-06-02")
    await page.locator("#head-0-category").select_option("non_material")
    await page.locator("#head-0-sub_kind").select_option("violation")
    await page.locator("#head-0-amount").fill("150000")
    await page.get_by_role("button", name="Add another head of damage").click()
    await page.locator("#head-1-category").select_option("material_loss")
    await page.locator("#head-1-sub_kind").select_option("medical")
    await page.locator("#head-1-amount").fill("8000")
    await page.get_by_role("button", name="Show the estimate").click()
    await page.get_by_text("Proposed in total").wait_for()
    await _accessible(page, "claim form with estimate")
    await page.screenshot(path=str(screenshots / "adviser-claim-form.png"), full_page=True)
    await page.get_by_role("button", name="Save the draft claim").click()
    await page.wait_for_url(re.compile(r"/web/claims/[0-9a-f-]{36}$"))
    claim_url = page.url
    await _accessible(page, "draft claim")
    await page.get_by_role("button", name="Submit the claim").click()
    await page.locator(".lead .status-submitted").wait_for()
    await _sign_out(page)

    await _sign_in(page, "admin-se")
    await page.wait_for_url(re.compile(r"/web/queue$"))
    await page.get_by_label("submitted", exact=True).check()
    await page.get_by_role("button", name="Filter").click()
    await _accessible(page, "review queue")
    await page.goto(claim_url)
    await page.get_by_role("button", name="Take into review").click()
    await page.locator(".lead .status-under_review").wait_for()
    await page.get_by_role("button", name="Run the country's policy").click()
    await page.locator(".lead .status-assessed").wait_for()
    await page.get_by_label("Reasons for the decision").fill(
        "Decided as the policy proposes: the facts are established by the police report."
    )
    await _accessible(page, "claim page with the proposal")
    await page.screenshot(path=str(screenshots / "administrator-claim-page.png"), full_page=True)
    await page.locator("[id^=awarded-]").first.fill("120000")
    await page.locator("[id^=head-reason-]").first.fill(
        "Serious violation over months: awarded above the standard amount."
    )
    await page.get_by_role("button", name="Decide").click()
    await page.locator(".lead .status-awaiting_second_approval").wait_for()
    await page.get_by_text("a different administrator of SE must confirm it").wait_for()
    assert await page.get_by_role("button", name="Confirm the decision").count() == 0
    await _accessible(page, "decision awaiting a second administrator")
    await _sign_out(page)

    await _sign_in(page, "admin2-se")
    await page.wait_for_url(re.compile(r"/web/queue$"))
    await page.goto(claim_url)
    await _accessible(page, "second approval")
    await page.get_by_role("button", name="Confirm the decision").click()
    await page.locator(".lead .status-decided").wait_for()
    await _accessible(page, "confirmed decision, letter to issue")
    await page.get_by_role("button", name="Issue the decision letter").click()
    await page.get_by_text("The letter is being prepared").wait_for()
    await _accessible(page, "letter being prepared")
    await letter_worker()
    await page.reload()
    await page.locator(".lead .status-letter_issued").wait_for()
    await _accessible(page, "letter issued, payment form")
    await page.get_by_label("Bank reference").fill("SE-TRANSFER-1")
    await page.get_by_role("button", name="Record the payment").click()
    await page.locator(".lead .status-paid").wait_for()
    await page.get_by_text("SE-TRANSFER-1").wait_for()
    await _accessible(page, "paid claim")
    await page.screenshot(path=str(screenshots / "administrator-paid-claim.png"), full_page=True)
    await _sign_out(page)

    await _sign_in(page, "adviser-marta")
    await page.wait_for_url(re.compile(r"/web/claims$"))
    await page.goto(claim_url)
    await _accessible(page, "adviser's paid claim with its letter")
    async with page.expect_download() as download:
        await page.get_by_role("link", name=re.compile(r"Download letter 1")).click()
    assert (await download.value).suggested_filename.endswith(".pdf")


async def test_a_failed_decision_names_its_field(page) -> None:
    """The error summary at the top links to the field, and the field keeps what was typed."""
    await _sign_in(page, "admin-se")
    await page.wait_for_url(re.compile(r"/web/queue$"))
    await page.get_by_label("assessed", exact=True).check()
    await page.get_by_role("button", name="Filter").click()
    links = page.locator("table tbody a")
    if await links.count() == 0:
        pytest.skip("the demo data has no assessed claim in Sweden")
    await links.first.click()
    await page.get_by_role("button", name="Decide").click()
    summary = page.locator(".error-summary")
    await summary.wait_for()
    await _accessible(page, "failed decision")


async def test_ministry_reads_the_allocation_report(page, screenshots: Path) -> None:
    await _sign_in(page, "ministry-se")
    await page.wait_for_url(re.compile(r"/web/report$"))
    await page.get_by_text("Balances").first.wait_for()
    await page.get_by_role("img", name="Money in by source").wait_for()
    await _accessible(page, "allocation report")
    await page.screenshot(path=str(screenshots / "ministry-report.png"))
    async with page.expect_download() as download:
        await page.get_by_role("link", name="CSV").click()
    assert (await download.value).suggested_filename.endswith(".csv")


async def test_an_administrator_works_in_swedish(page) -> None:
    """The language switch at the foot of every page; the pages stay accessible in Swedish."""
    await _sign_in(page, "admin-se")
    await page.wait_for_url(re.compile(r"/web/queue$"))
    await page.get_by_role("button", name="svenska").click()
    await page.wait_for_url(re.compile(r"/web/queue$"))
    assert await page.get_attribute("html", "lang") == "sv"
    await page.get_by_role("heading", name="Handläggningskö").wait_for()
    await _accessible(page, "review queue in Swedish")
    await page.locator("table tbody a").first.click()
    await (
        page.get_by_role("heading", name="Historik")
        .or_(page.get_by_text("Historik", exact=True))
        .first.wait_for()
    )
    await _accessible(page, "claim page in Swedish")
    await page.get_by_role("link", name="Fördelningsrapport").click()
    await page.get_by_role("heading", name="I korthet").wait_for()
    await _accessible(page, "allocation report in Swedish")
    await page.get_by_role("button", name="English").click()
    await page.get_by_role("heading", name="Allocation report").wait_for()


async def test_an_administrator_downloads_a_claims_document(
    page, base_url: str, auth, session
) -> None:
    """Her adviser's evidence (uploaded through the API) is listed on the claim page and comes
    down as the same file."""
    claim_id = await session.scalar(
        sa.text(
            "SELECT c.id FROM claim c JOIN user_account u ON u.organisation_id = c.organisation_id "
            "WHERE u.username = 'adviser-marta' AND c.country = 'SE' "
            "AND c.status IN ('submitted', 'under_review') ORDER BY c.reference LIMIT 1"
        )
    )
    assert claim_id is not None
    pdf = b"%PDF-1.7\nwitness statement\n%%EOF\n"
    async with httpx.AsyncClient(base_url=base_url) as api:
        headers = await auth("adviser-marta")
        claim = (await api.get(f"/api/v1/claims/{claim_id}", headers=headers)).json()
        uploaded = await api.post(
            f"/api/v1/claims/{claim_id}/documents",
            headers={**headers, "If-Match": f'"{claim["version"]}"'},
            files={"file": ("statement.pdf", pdf, "application/pdf")},
        )
        assert uploaded.status_code == 201, uploaded.text
    await _sign_in(page, "admin-se")
    await page.wait_for_url(re.compile(r"/web/queue$"))
    await page.goto(f"/web/claims/{claim_id}")
    await page.get_by_role("heading", name="Documents").wait_for()
    await _accessible(page, "claim page with a document")
    async with page.expect_download() as download:
        await page.get_by_role("link", name=re.compile(r"^Download the document")).click()
    saved = await (await download.value).path()
    assert await asyncio.to_thread(Path(saved).read_bytes) == pdf


async def _admin_asks_for_information(base_url: str, auth, claim_id: str) -> None:
    """admin-se takes the submitted claim into review and asks a question, over the API."""
    admin = await auth("admin-se")
    async with httpx.AsyncClient(base_url=base_url, headers=admin) as api:
        claim = await api.get(f"/api/v1/claims/{claim_id}")
        reviewed = await api.post(
            f"/api/v1/claims/{claim_id}/review",
            json={},
            headers={"If-Match": claim.headers["ETag"]},
        )
        assert reviewed.status_code == 200, reviewed.text
        asked = await api.post(
            f"/api/v1/claims/{claim_id}/information-requests",
            json={"question": "Which police district took her report?"},
            headers={"If-Match": reviewed.headers["ETag"]},
        )
        assert asked.status_code == 201, asked.text


async def test_adviser_registers_files_with_evidence_answers_and_applies_for_return(
    page, base_url: str, auth, screenshots: Path, tmp_path: Path
) -> None:
    """Everything a legal adviser does for a new claimant, without leaving the pages."""
    evidence = tmp_path / "police-report.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    await _sign_in(page, "adviser-marta")
    await page.wait_for_url(re.compile(r"/web/claims$"))
    await page.locator("#main").get_by_role("link", name="Register a claimant").click()
    await _accessible(page, "claimant registration")
    await page.get_by_role("button", name="Register her").click()
    await page.locator(".error-summary").wait_for()
    assert await page.evaluate("document.activeElement.className") == "error-summary"
    await _accessible(page, "claimant registration with errors")
    await page.locator(".error-summary a", has_text="given names").click()
    assert await page.evaluate("document.activeElement.id") == "given_names"
    await page.get_by_label("Given names").fill("Anna")
    await page.get_by_label("Family name").fill("Example")
    await page.get_by_label("Date she signed it").fill("2026-11-20")
    await page.get_by_label("compensation").check()
    await page.get_by_label("return assistance").check()
    await page.screenshot(path=str(screenshots / "adviser-register-claimant.png"), full_page=True)
    await page.get_by_role("button", name="Register her").click()
    await page.wait_for_url(re.compile(r"/web/claims/new\?claimant="))

    await page.get_by_label("Deciding country").select_option("SE")
    await page.get_by_label("Date of the crime").fill("2025-06-01")
    await page.get_by_label("Yes").check()
    await page.get_by_label("Date reported").fill("2025-06-02")
    await page.locator("#head-0-category").select_option("non_material")
    await page.locator("#head-0-sub_kind").select_option("violation")
    await page.locator("#head-0-amount").fill("90000")
    await page.get_by_role("button", name="Add another head of damage").click()
    await page.locator("#head-1-category").wait_for()
    assert await page.evaluate("document.activeElement.id") == "head-1-category"
    assert await page.locator("#head-0-amount").input_value() == "90000"
    await _accessible(page, "claim form with a second head")
    await page.locator("#head-1-category").select_option("material_loss")
    await page.locator("#head-1-sub_kind").select_option("medical")
    await page.locator("#head-1-amount").fill("6000")
    await page.get_by_role("button", name="Show the estimate").click()
    await page.get_by_text("Proposed in total").wait_for()
    await page.get_by_role("button", name="Save the draft claim").click()
    await page.wait_for_url(re.compile(r"/web/claims/[0-9a-f-]{36}$"))
    claim_id = page.url.rsplit("/", 1)[1]
    await page.get_by_text("add evidence, then submit it").wait_for()

    await page.get_by_label("Add a document").set_input_files(str(evidence))
    await page.get_by_role("button", name="Upload the document").click()
    await page.get_by_role("cell", name="application/pdf").wait_for()
    await _accessible(page, "draft claim with evidence")
    await page.get_by_role("button", name="Submit the claim").click()
    await page.locator(".lead .status-submitted").wait_for()

    await _admin_asks_for_information(base_url, auth, claim_id)
    await page.reload()
    await page.get_by_text("Which police district took her report?").wait_for()
    await _accessible(page, "claim with an open request for information")
    await page.screenshot(path=str(screenshots / "adviser-information-request.png"), full_page=True)
    await page.get_by_label("Your answer").fill("Stockholm city police, report 2025/4711.")
    await page.get_by_role("button", name="Send the answer").click()
    await page.locator(".lead .status-under_review").wait_for()
    await page.get_by_text("Stockholm city police, report 2025/4711.").wait_for()

    await page.get_by_role("link", name="Return assistance").click()
    await _accessible(page, "return-assistance applications")
    await page.get_by_role("link", name="Apply for return assistance").click()
    await _accessible(page, "return-assistance form")
    await page.get_by_label("Paying country").select_option("SE")
    await page.get_by_label("Country she returns to").select_option("LV")
    await page.get_by_label("Town she returns to").fill("Daugavpils")
    await page.get_by_label("Name", exact=True).fill("Shelter Daugavpils")
    await page.get_by_label("Country", exact=True).select_option("LV")
    await page.get_by_label("Paid in").select_option("EUR")
    await page.get_by_label("IBAN").fill("LV80BANK0000435195001")
    await page.get_by_label("Travel", exact=True).fill("4000")
    await page.get_by_role("button", name="Apply").click()
    await page.wait_for_url(re.compile(r"/web/returns/[0-9a-f-]{36}$"))
    await page.get_by_text("What the fund would pay").wait_for()
    await _accessible(page, "return-assistance application")
    await page.get_by_label("Her signed consent").set_input_files(str(evidence))
    await page.get_by_role("button", name="Upload her consent").click()
    await page.get_by_text("consent: given").wait_for()
    await _accessible(page, "return-assistance application with consent")
    await page.screenshot(path=str(screenshots / "adviser-return-assistance.png"), full_page=True)

"""Her data is protected throughout: encrypted at rest, audited when read, never logged."""

from __future__ import annotations

import json
import logging

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.app import create_app
from fundadmin.security.models import AuditEvent
from fundadmin.settings import Settings
from tests.claims.conftest import SECRET_NAME, Auth, Driver, decision
from tests.http import app_client

PDF = b"%PDF-1.7\n" + SECRET_NAME.encode() + b"\n%%EOF\n"


class TestAtRest:
    async def test_the_claimant_table_holds_no_clear_personal_value(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claimant = await driver.register()
        rows = (
            await session.execute(
                sa.text(
                    "SELECT c::text FROM claimant c WHERE id = :id "
                    "UNION ALL SELECT d::text FROM claim_document d "
                    "UNION ALL SELECT r::text FROM claim_information_request r"
                ),
                {"id": claimant["id"]},
            )
        ).scalars()
        dump = "\n".join(rows)
        assert dump
        for clear in (SECRET_NAME, "Ilze", "1999-04-02", "SE45", "client@example.org", "+46 70"):
            assert clear not in dump
        # bytea columns print as hex: look for the name's hex form too
        assert SECRET_NAME.encode().hex() not in dump

    async def test_documents_and_answers_are_sealed_too(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await driver.submitted()
        claim = await driver.step(claim, "review", "admin-se")
        await driver.step(claim, "information-requests", "admin-se", {"question": "Q?"}, expect=201)
        claim = await driver.get(claim, "adviser-marta")
        requests = (
            await driver.call(
                "GET", f"/api/v1/claims/{claim['id']}/information-requests", "adviser-marta"
            )
        ).json()["items"]
        claim = await driver.step(
            claim,
            f"information-requests/{requests[0]['id']}/answer",
            "adviser-marta",
            {"answer": f"Her employer called her {SECRET_NAME}."},
        )
        await driver.call(
            "POST",
            f"/api/v1/claims/{claim['id']}/documents",
            "adviser-marta",
            files={"file": (f"{SECRET_NAME}.pdf", PDF, "application/pdf")},
            version=claim["version"],
            expect=201,
        )
        dump = "\n".join(
            (
                await session.execute(
                    sa.text(
                        "SELECT d::text FROM claim_document d UNION ALL "
                        "SELECT r::text FROM claim_information_request r"
                    )
                )
            ).scalars()
        )
        assert SECRET_NAME not in dump
        assert SECRET_NAME.encode().hex() not in dump
        answers = (
            await driver.call(
                "GET", f"/api/v1/claims/{claim['id']}/information-requests", "admin-se"
            )
        ).json()["items"]
        assert SECRET_NAME in answers[0]["answer"]


class TestReading:
    async def test_her_adviser_reads_her_data_and_the_read_is_audited(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claimant = await driver.register()
        response = await driver.call("GET", f"/api/v1/claimants/{claimant['id']}", "adviser-marta")
        body = response.json()
        assert body["personal"]["family_name"] == SECRET_NAME
        assert body["personal"]["address"].startswith("Protected address")
        reads = (
            await session.scalars(
                sa.select(AuditEvent).where(
                    AuditEvent.action == "claimant.read",
                    AuditEvent.subject_id == claimant["id"],
                )
            )
        ).all()
        assert len(reads) == 2  # once when registered (the answer shows her data), once now
        assert all(SECRET_NAME not in json.dumps(r.details) for r in reads)

    async def test_the_administrator_never_sees_a_confidential_address(
        self, driver: Driver
    ) -> None:
        claim = await driver.submitted()
        body = (
            await driver.call("GET", f"/api/v1/claimants/{claim['claimant_id']}", "admin-se")
        ).json()
        assert body["personal"]["bank_account"].startswith("SE45")
        assert body["personal"]["address"] is None
        assert body["personal"]["address_withheld"] is True

    async def test_an_auditor_needs_a_break_glass_reason(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await driver.submitted()
        path = f"/api/v1/claimants/{claim['claimant_id']}"
        refused = await driver.call("GET", path, "auditor", expect=403)
        assert SECRET_NAME not in refused.text
        reason = "Annual audit of payments, case file 2026-17"
        body = (
            await driver.call("GET", path, "auditor", headers={"X-Break-Glass-Reason": reason})
        ).json()
        assert body["personal"]["family_name"] == SECRET_NAME
        logged = await session.scalar(
            sa.select(AuditEvent.reason).where(
                AuditEvent.action == "claimant.read", AuditEvent.actor_username == "auditor"
            )
        )
        assert logged == reason

    async def test_lists_and_searches_carry_no_personal_data(self, driver: Driver) -> None:
        claimant = await driver.register()
        page = (
            await driver.call(
                "GET", f"/api/v1/claimants?reference={claimant['reference']}", "adviser-marta"
            )
        ).json()
        assert [c["id"] for c in page["items"]] == [claimant["id"]]
        assert SECRET_NAME not in json.dumps(page)


class TestLogHygiene:
    async def test_her_name_appears_in_no_log_line(
        self,
        settings: Settings,
        database_url: URL,
        auth: Auth,
        capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.DEBUG)
        app = create_app(settings.model_copy(update={"log_level": "DEBUG"}), database_url)
        async with app_client(app) as client:
            driver = Driver(client, auth)
            claim = await driver.assessed()
            await driver.call(
                "POST",
                f"/api/v1/claims/{claim['id']}/documents",
                "adviser-marta",
                files={"file": (f"{SECRET_NAME}.pdf", PDF, "application/pdf")},
                version=claim["version"],
                expect=201,
            )
            await driver.call(
                "POST",
                "/api/v1/claimants",
                "adviser-marta",
                json={"personal": {"family_name": SECRET_NAME}},
                expect=422,
            )
            await driver.call(
                "POST",
                f"/api/v1/claims/{claim['id']}/decision",
                "admin-se",
                json=decision("1", "1", "1", reason=SECRET_NAME),
                version=claim["version"],
                idempotency=True,
                expect=412,
            )
            await driver.call("GET", f"/api/v1/claimants/{claim['claimant_id']}", "admin-se")
        captured = capsys.readouterr()
        assert captured.out or caplog.records
        for text in (captured.out, captured.err, caplog.text):
            assert SECRET_NAME not in text

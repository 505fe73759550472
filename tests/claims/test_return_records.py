"""Her signed consent read back, and an application's history, over HTTP: her adviser and the
paying country's administrators only; 410 once her data is erased; no personal value in the
history."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from decimal import Decimal

from tests.claims.conftest import SECRET_NAME, Driver
from tests.claims.test_return_assistance import BASE, PDF, Returns, rate

PROBLEM = "application/problem+json"


class TestConsentDocument:
    async def test_her_adviser_and_the_paying_countrys_administrators_read_it(
        self, driver: Driver
    ) -> None:
        returns = Returns(driver)
        application = await returns.consent(await returns.apply())
        [consent] = [r for r in application["records"] if r["kind"] == "consent"]
        assert consent["document_sha256"] == hashlib.sha256(PDF).hexdigest()
        path = f"{BASE}/{application['id']}/consent-documents/{consent['id']}"

        for user in ("adviser-marta", "admin-se", "admin2-se"):
            response = await driver.call("GET", path, user)
            assert response.content == PDF
            assert response.headers["content-type"] == "application/pdf"
            assert "attachment" in response.headers["content-disposition"]
        # Another organisation's adviser and another country's administrator find nothing;
        # roles that never handle her return are refused at the door.
        for user in ("adviser-pro", "admin-lv"):
            missing = await driver.call("GET", path, user, expect=404)
            assert missing.headers["content-type"].startswith(PROBLEM)
            assert "Daugavpils" not in missing.text
        for user in ("auditor", "ministry-se", "superuser"):
            await driver.call("GET", path, user, expect=403)
        # A record that is not a consent with a document, or of another application: 404.
        await driver.call(
            "GET",
            f"{BASE}/{application['id']}/consent-documents/{uuid.uuid4()}",
            "admin-se",
            expect=404,
        )
        other = await returns.consent(await returns.apply())
        await driver.call(
            "GET",
            f"{BASE}/{other['id']}/consent-documents/{consent['id']}",
            "admin-se",
            expect=404,
        )
        # Each read is audited.
        reads = await driver.call(
            "GET",
            "/api/v1/audit",
            "auditor",
            params={"action": "return_assistance.consent.read", "subject_id": application["id"]},
        )
        assert {line["actor_username"] for line in reads.json()["items"]} == {
            "adviser-marta",
            "admin-se",
            "admin2-se",
        }

    async def test_it_is_gone_once_her_data_is_erased(self, driver: Driver) -> None:
        returns = Returns(driver)
        application = await returns.consent(await returns.apply())
        [consent] = [r for r in application["records"] if r["kind"] == "consent"]
        # While her return is being decided or paid, the law requires keeping her data.
        refused = await driver.call(
            "POST",
            f"/api/v1/claimants/{application['claimant_id']}/erasure-requests",
            "adviser-marta",
            json={"received_on": "2026-11-20"},
            expect=409,
        )
        assert [(g["ground"], g["application"]) for g in refused.json()["grounds"]] == [
            ("return_in_progress", application["reference"])
        ]
        withdrawn = await returns.step(application, "consent/withdrawal", "adviser-marta", {})
        assert withdrawn["status"] == "stopped"
        request = await driver.call(
            "POST",
            f"/api/v1/claimants/{application['claimant_id']}/erasure-requests",
            "adviser-marta",
            json={"received_on": "2026-11-20"},
            expect=201,
        )
        await driver.call(
            "POST",
            f"/api/v1/erasure-requests/{request.json()['id']}/confirmation",
            "admin-se",
            version=1,
        )
        path = f"{BASE}/{application['id']}/consent-documents/{consent['id']}"
        for user in ("adviser-marta", "admin-se"):
            gone = await driver.call("GET", path, user, expect=410)
            assert gone.json()["type"].endswith("/personal-data-erased")


class TestHistory:
    async def test_every_step_with_who_when_and_what_and_no_personal_value(
        self, driver: Driver
    ) -> None:
        returns = Returns(driver)
        application = await returns.prepared()
        application = await returns.step(
            application,
            "approval",
            "admin-se",
            {"reason": "Prepared and voluntary.", "exchange_rate": rate("11.47")},
            money=True,
        )
        # Reads are not steps: they are left out.
        await driver.call("GET", f"{BASE}/{application['id']}", "admin2-se")

        history = await driver.call("GET", f"{BASE}/{application['id']}/history", "adviser-marta")
        steps = history.json()["items"]
        assert [s["action"] for s in steps] == [
            "return_assistance.create",
            "return_assistance.consent",
            "return_assistance.risk_assessment",
            "return_assistance.needs_assessment",
            "return_assistance.approve",
        ]
        assert [s["actor_username"] for s in steps] == ["adviser-marta"] * 4 + ["admin-se"]
        assert [s["version"] for s in steps] == sorted(s["version"] for s in steps)
        assert steps[-1]["status"] == application["status"]
        assert steps[-1]["version"] == application["version"]
        assert [s["seq"] for s in steps] == sorted(s["seq"] for s in steps)
        text = json.dumps(steps)
        for value in (SECRET_NAME, "Daugavpils", "LV80", "Receiving shelter"):
            assert value not in text

        # The same for the paying country's administrators and auditors; nobody else.
        for user in ("admin-se", "auditor"):
            again = await driver.call("GET", f"{BASE}/{application['id']}/history", user)
            assert again.json()["items"] == steps
        for user in ("adviser-pro", "admin-lv"):
            await driver.call("GET", f"{BASE}/{application['id']}/history", user, expect=404)
        await driver.call("GET", f"{BASE}/{application['id']}/history", "ministry-se", expect=403)


class TestTrainingAndMedicalCare:
    async def test_they_are_granted_by_the_policy_and_scheduled(self, driver: Driver) -> None:
        returns = Returns(driver)
        application = await returns.apply(
            items=[
                {"item": "travel", "amount": "3000", "currency": "SEK"},
                {"item": "training", "amount": "20000", "currency": "SEK"},
                {"item": "medical_care", "amount": "6000", "currency": "SEK"},
            ]
        )
        granted = {g["item"]: g for g in application["granted"]}
        assert Decimal(granted["training"]["granted"]) == Decimal(15000)
        assert granted["training"]["months"] == 0
        assert granted["training"]["note"] == "limited to the policy's cap"
        assert Decimal(granted["medical_care"]["granted"]) == Decimal(6000)
        assert granted["medical_care"]["months"] == 6


class TestInHerArchive:
    async def test_her_return_and_its_readers_are_in_her_export(self, driver: Driver) -> None:
        returns = Returns(driver)
        application = await returns.consent(await returns.apply())
        [consent] = [r for r in application["records"] if r["kind"] == "consent"]
        await driver.call("GET", f"{BASE}/{application['id']}", "admin-se")

        response = await driver.call(
            "GET", f"/api/v1/claimants/{application['claimant_id']}/export", "adviser-marta"
        )
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
        reference = application["reference"]
        held = json.loads(members[f"returns/{reference}.json"])
        assert held["id"] == application["id"]
        assert held["receiving_organisation"]["bank_account"] == "LV80 BANK 0000 4351 9500 1"
        assert members[f"returns/{reference}-consent-{consent['id']}.pdf"] == PDF
        log = json.loads(members["access-log.json"])["lines"]
        reads = [
            line
            for line in log
            if line["record"] == f"return_application:{application['id']}"
            and line["action"] == "return_assistance.read"
        ]
        assert [line["who"] for line in reads] == ["admin-se"]

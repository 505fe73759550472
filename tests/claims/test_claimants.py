"""A legal adviser registers and keeps her client's record; the mandate is on file."""

from __future__ import annotations

from tests.claims.conftest import Driver, claimant_body

PDF = b"%PDF-1.7\nmandate\n%%EOF\n"


class TestRegisterClaimant:
    async def test_a_presumed_victim_is_registered_with_a_reference(self, driver: Driver) -> None:
        claimant = await driver.register()
        assert claimant["identification_status"] == "presumed"
        assert claimant["reference"].startswith("P-")
        assert claimant["mandate"]["scope"] == ["appeals", "compensation"]
        assert claimant["version"] == 1

    async def test_a_mandate_signed_in_the_future_is_refused(self, driver: Driver) -> None:
        body = claimant_body(mandate={"signed_on": "2999-01-01", "scope": ["compensation"]})
        await driver.call("POST", "/api/v1/claimants", "adviser-marta", json=body, expect=422)


class TestUpdateClaimant:
    async def test_her_details_change_with_if_match_and_a_stale_write_is_refused(
        self, driver: Driver
    ) -> None:
        claimant = await driver.register()
        path = f"/api/v1/claimants/{claimant['id']}"
        changed = (
            await driver.call(
                "PATCH",
                path,
                "adviser-marta",
                json={"identification_status": "identified", "preferred_language": "ru"},
                version=claimant["version"],
            )
        ).json()
        assert changed["identification_status"] == "identified"
        assert changed["version"] == 2
        assert changed["personal"]["family_name"] == claimant["personal"]["family_name"]
        await driver.call(
            "PATCH",
            path,
            "adviser-marta",
            json={"preferred_language": "en"},
            version=claimant["version"],
            expect=412,
        )
        current = (await driver.call("GET", path, "adviser-marta")).json()
        assert current["preferred_language"] == "ru"


class TestMandateDocument:
    async def test_the_signed_mandate_is_uploaded_and_linked(self, driver: Driver) -> None:
        claimant = await driver.register()
        document = (
            await driver.call(
                "POST",
                f"/api/v1/claimants/{claimant['id']}/mandate",
                "adviser-marta",
                files={"file": ("mandate.pdf", PDF, "application/pdf")},
                version=claimant["version"],
                expect=201,
            )
        ).json()
        assert document["kind"] == "mandate"
        current = (
            await driver.call("GET", f"/api/v1/claimants/{claimant['id']}", "adviser-marta")
        ).json()
        assert current["mandate"]["document_id"] == document["id"]
        assert current["version"] == 2

"""Helpers for the privacy tests: a claimant with a mandate and evidence, driven over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.claims.conftest import SECRET_NAME, Auth, Driver, LetterWorker, decision

PDF = b"%PDF-1.7\n" + SECRET_NAME.encode() + b"\n%%EOF\n"


class Privacy(Driver):
    """The claims driver, plus the steps of erasure, holds and export."""

    async def claimant_with_files(self, **overrides: Any) -> dict[str, Any]:
        """A registered claimant with her mandate uploaded."""
        claimant = await self.register(**overrides)
        await self.call(
            "POST",
            f"/api/v1/claimants/{claimant['id']}/mandate",
            "adviser-marta",
            files={"file": ("mandate.pdf", PDF, "application/pdf")},
            version=claimant["version"],
            expect=201,
        )
        return claimant

    async def claim_with_evidence(self, claimant_id: str) -> tuple[dict[str, Any], str]:
        """A submitted SE claim with one evidence file; returns the claim and the document id."""
        claim = await self.file(claimant_id, "SE")
        document = (
            await self.call(
                "POST",
                f"/api/v1/claims/{claim['id']}/documents",
                "adviser-marta",
                files={"file": (f"{SECRET_NAME}.pdf", PDF, "application/pdf")},
                version=claim["version"],
                expect=201,
            )
        ).json()
        claim = await self.get(claim, "adviser-marta")
        claim = await self.step(claim, "submit", "adviser-marta")
        return claim, document["id"]

    async def withdrawn(self, claim: dict[str, Any]) -> dict[str, Any]:
        return await self.step(
            claim, "withdraw", "adviser-marta", {"reason": "She decided not to go on."}
        )

    async def appealed(self, claim: dict[str, Any]) -> dict[str, Any]:
        """A small award (below the second-approval threshold), its letter, then an appeal."""
        claim = await self.step(claim, "review", "admin-se")
        claim = await self.step(claim, "assessment", "admin-se", {})
        claim = await self.step(
            claim, "decision", "admin-se", decision("10000", "0", "0"), money=True
        )
        claim = await self.issue_letter(claim)
        return await self.step(
            claim, "appeal", "adviser-marta", {"reason": "Withheld wages are proven."}
        )

    async def request_erasure(
        self, claimant_id: str, user: str = "adviser-marta", *, expect: int = 201, **body: Any
    ) -> dict[str, Any]:
        response = await self.call(
            "POST",
            f"/api/v1/claimants/{claimant_id}/erasure-requests",
            user,
            json={"received_on": "2026-11-20", **body},
            expect=expect,
        )
        return response.json()

    async def confirm(
        self, request_id: str, user: str, *, version: int = 1, expect: int = 200
    ) -> dict[str, Any]:
        """Confirm as `user`, with the version read (a new request's is 1) as If-Match."""
        response = await self.call(
            "POST",
            f"/api/v1/erasure-requests/{request_id}/confirmation",
            user,
            version=version,
            expect=expect,
        )
        return response.json()


@pytest.fixture
def privacy(client: httpx.AsyncClient, auth: Auth, letter_worker: LetterWorker) -> Privacy:
    return Privacy(client, auth, letter_worker)

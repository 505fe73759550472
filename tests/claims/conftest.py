"""Helpers for claims tests: request bodies and a small driver for the claim lifecycle over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

Headers = dict[str, str]
Auth = Callable[[str], Awaitable[Headers]]
LetterWorker = Callable[[], Awaitable[None]]

SECRET_NAME = "Zyxwvut Qlmnoprsta"
"""A name no code, fixture or demo row contains: if it shows up anywhere, it leaked."""


def claimant_body(family_name: str = SECRET_NAME, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "personal": {
            "given_names": "Ilze",
            "family_name": family_name,
            "birth_date": "1999-04-02",
            "address": "Protected address 1, 11122 Stockholm",
            "phone": "+46 70 000 00 00",
            "email": "client@example.org",
            "bank_account": "SE45 5000 0000 0583 9825 7466",
            "statement": f"My name is {family_name}; I was made to work without pay.",
        },
        "preferred_language": "lv",
        "identification_status": "presumed",
        "mandate": {"signed_on": "2026-10-01", "scope": ["compensation", "appeals"]},
        "confidential_address": True,
    }
    body.update(overrides)
    return body


def claim_body(claimant_id: str, country: str = "SE", **overrides: Any) -> dict[str, Any]:
    currency = {"SE": "SEK", "LV": "EUR"}.get(country, "EUR")
    body: dict[str, Any] = {
        "claimant_id": claimant_id,
        "country": country,
        "offence": "trafficking",
        "crime_date": "2025-03-01",
        "crime_place": "Uppsala",
        "reported_to_police": True,
        "police_case_reference": "5000-K123456-25",
        "heads": [
            {"category": "non_material", "amount_claimed": "150000", "currency": currency},
            {
                "category": "material_loss",
                "sub_kind": "medical",
                "amount_claimed": "20000.50",
                "currency": currency,
            },
            {"category": "withheld_earnings", "amount_claimed": "80000", "currency": currency},
        ],
    }
    body.update(overrides)
    return body


class Driver:
    """Drives claims over HTTP as demo users, checking each answer's status."""

    def __init__(
        self, client: httpx.AsyncClient, auth: Auth, letter_worker: LetterWorker | None = None
    ) -> None:
        self.client = client
        self.auth = auth
        self.letter_worker = letter_worker

    async def call(
        self,
        method: str,
        path: str,
        user: str,
        *,
        json: Any = None,
        version: int | None = None,
        idempotency: bool = False,
        expect: int = 200,
        headers: Headers | None = None,
        **kwargs: Any,
    ) -> Any:
        sent = {**await self.auth(user), **(headers or {})}
        if version is not None:
            sent["If-Match"] = f'"{version}"'
        if idempotency:
            sent["Idempotency-Key"] = uuid.uuid4().hex
        response = await self.client.request(method, path, json=json, headers=sent, **kwargs)
        assert response.status_code == expect, response.text
        return response

    async def register(self, user: str = "adviser-marta", **overrides: Any) -> dict[str, Any]:
        response = await self.call(
            "POST", "/api/v1/claimants", user, json=claimant_body(**overrides), expect=201
        )
        return response.json()

    async def file(
        self, claimant_id: str, country: str = "SE", user: str = "adviser-marta", **overrides: Any
    ) -> dict[str, Any]:
        response = await self.call(
            "POST",
            "/api/v1/claims",
            user,
            json=claim_body(claimant_id, country, **overrides),
            expect=201,
        )
        return response.json()

    async def get(self, claim: dict[str, Any], user: str = "admin-se") -> dict[str, Any]:
        return (await self.call("GET", f"/api/v1/claims/{claim['id']}", user)).json()

    async def step(
        self,
        claim: dict[str, Any],
        action: str,
        user: str,
        body: Any = None,
        *,
        expect: int = 200,
        money: bool = False,
    ) -> dict[str, Any]:
        response = await self.call(
            "POST",
            f"/api/v1/claims/{claim['id']}/{action}",
            user,
            json={} if body is None else body,
            version=claim["version"],
            idempotency=money,
            expect=expect,
        )
        return response.json()

    async def issue_letter(
        self, claim: dict[str, Any], user: str = "admin-se", *, expect: int = 202
    ) -> dict[str, Any]:
        """Ask for the claim's letter (202), let a letters worker issue it, and return the claim
        as it then is; with another `expect`, the refusal's body."""
        response = await self.call(
            "POST",
            f"/api/v1/claims/{claim['id']}/letter",
            user,
            json={},
            version=claim["version"],
            idempotency=True,
            expect=expect,
        )
        if expect != 202:
            return response.json()
        assert self.letter_worker is not None, "this driver was made without a letter worker"
        await self.letter_worker()
        return await self.get(claim, user)

    async def submitted(self, country: str = "SE") -> dict[str, Any]:
        claimant = await self.register()
        claim = await self.file(claimant["id"], country)
        return await self.step(claim, "submit", "adviser-marta")

    async def assessed(self, country: str = "SE", admin: str = "admin-se") -> dict[str, Any]:
        claim = await self.step(await self.submitted(country), "review", admin)
        return await self.step(claim, "assessment", admin, {})


def decision(*awards: str, reason: str = "Decided on the evidence.") -> dict[str, Any]:
    return {
        "heads": [
            {"position": i, "awarded": a, "reason": "Set by the administrator on the evidence."}
            for i, a in enumerate(awards)
        ],
        "reason": reason,
    }


@pytest.fixture
def driver(client: httpx.AsyncClient, auth: Auth, letter_worker: LetterWorker) -> Driver:
    return Driver(client, auth, letter_worker)

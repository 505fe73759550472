"""A worker renders the letter before the transaction that issues it (so the rendering holds none
of the issue's locks); the stored letter must still say exactly what that transaction committed."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from fundadmin.letters import queue
from fundadmin.letters.service import PreparedLetter
from tests.claims.conftest import Auth, Driver, LetterWorker, decision
from tests.claims.test_overpayment import _overpaid_by_appeal
from tests.letters.pdf_text import pdf_text

NEW_ACCOUNT = "SE35 5000 0000 0549 1000 0003"


@pytest.fixture
def driver(client: httpx.AsyncClient, auth: Auth, letter_worker: LetterWorker) -> Driver:
    return Driver(client, auth, letter_worker)


async def decided(driver: Driver) -> tuple[dict[str, Any], dict[str, Any]]:
    claimant = await driver.register()
    claim = await driver.file(claimant["id"], "SE")
    claim = await driver.step(claim, "submit", "adviser-marta")
    claim = await driver.step(claim, "review", "admin-se")
    claim = await driver.step(claim, "assessment", "admin-se", {})
    claim = await driver.step(
        claim, "decision", "admin-se", decision("40000", "5000", "0"), money=True
    )
    return claimant, claim


def prepared_then(
    monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[], Awaitable[None]] | None = None
) -> list[PreparedLetter | None]:
    """Record what the worker prepares, and run `meanwhile` between its rendering and the
    issuing transaction (as if her adviser wrote while the worker rendered)."""
    prepared: list[PreparedLetter | None] = []
    real = queue.prepare_letter

    async def recording(*args: Any, **kwargs: Any) -> PreparedLetter | None:
        letter = await real(*args, **kwargs)
        prepared.append(letter)
        if meanwhile is not None:
            await meanwhile()
        return letter

    monkeypatch.setattr(queue, "prepare_letter", recording)
    return prepared


async def stored(driver: Driver, claim: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    path = f"/api/v1/claims/{claim['id']}/letters"
    [letter] = (await driver.call("GET", path, "admin-se")).json()["items"]
    pdf = (await driver.call("GET", f"{path}/1", "admin-se")).content
    assert hashlib.sha256(pdf).hexdigest() == letter["sha256"]
    return letter, pdf


class TestPreparedLetter:
    async def test_the_letter_rendered_before_the_issue_is_the_one_stored(
        self, driver: Driver, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        prepared = prepared_then(monkeypatch)
        _, claim = await decided(driver)
        claim = await driver.issue_letter(claim)
        assert claim["status"] == "letter_issued"
        [ahead] = prepared
        assert ahead is not None
        letter, pdf = await stored(driver, claim)
        assert pdf == ahead.pdf
        assert letter["verification_code"] == ahead.facts.verification_code

    async def test_a_change_while_it_renders_is_in_the_stored_letter(
        self, driver: Driver, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        claimant, claim = await decided(driver)

        async def new_bank_account() -> None:
            await driver.call(
                "PATCH",
                f"/api/v1/claimants/{claimant['id']}",
                "adviser-marta",
                json={"personal": {"bank_account": NEW_ACCOUNT}},
                version=claimant["version"],
            )

        prepared = prepared_then(monkeypatch, new_bank_account)
        claim = await driver.issue_letter(claim)
        assert claim["status"] == "letter_issued"
        [ahead] = prepared
        assert ahead is not None
        assert "0003" not in pdf_text(ahead.pdf)
        letter, pdf = await stored(driver, claim)
        assert pdf != ahead.pdf
        text = pdf_text(pdf)
        assert "0003" in text
        assert "7466" not in text
        assert letter["verification_code"] in text

    async def test_a_claim_appealed_while_it_renders_gets_no_letter(
        self, driver: Driver, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _, claim = await decided(driver)

        async def appealed() -> None:
            await driver.step(claim, "appeal", "adviser-marta", {"reason": "Wages proven."})

        prepared = prepared_then(monkeypatch, appealed)
        claim = await driver.issue_letter(claim)
        assert prepared
        assert claim["status"] == "appealed"
        path = f"/api/v1/claims/{claim['id']}/letters"
        assert (await driver.call("GET", path, "admin-se")).json()["items"] == []

    async def test_what_an_appeal_leaves_her_owing_is_foreseen_before_the_award_is_booked(
        self, driver: Driver, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The amount she owes back is read from the ledger after the lowered award is booked:
        # the worker foresees it, so the letter it rendered ahead is the one stored.
        prepared = prepared_then(monkeypatch)
        claim = await _overpaid_by_appeal(driver)
        path = f"/api/v1/claims/{claim['id']}/letters"
        letters = (await driver.call("GET", path, "admin-se")).json()["items"]
        assert [x["kind"] for x in letters] == ["decision", "decision"]
        pdf = (await driver.call("GET", f"{path}/2", "admin-se")).content
        ahead = prepared[-1]
        assert ahead is not None
        assert ahead.facts.owed_back > 0
        assert pdf == ahead.pdf

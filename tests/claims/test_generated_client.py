"""A client generated with openapi-python-client from the served document works unchanged: it
walks an adviser's claim from submission to appeal, with typed models for every success and typed
problem documents for the refusals it provokes (issue 13)."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from litestar import Litestar

from tests.claims.conftest import Auth, claim_body, claimant_body, decision
from tests.http import BASE_URL

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PACKAGE = "fundadmin_client"


@pytest.fixture
async def generated(client: httpx.AsyncClient, tmp_path: Path) -> AsyncIterator[ModuleType]:
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps((await client.get("/schema/openapi.json")).json()))
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    process = await asyncio.create_subprocess_exec(
        str(GENERATOR), "generate", "--path", str(document), "--meta", "none",
        "--output-path", str(tmp_path / PACKAGE),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env,
    )  # fmt: skip
    output = (await asyncio.wait_for(process.communicate(), timeout=300))[0].decode()
    assert process.returncode == 0, output
    # Every operation and schema made it into the client: nothing was skipped.
    assert "Unable to" not in output, output
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _api(name: str) -> Any:
    tag = name.split("_", 1)[0]
    return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")


def _models() -> Any:
    return importlib.import_module(f"{PACKAGE}.models")


async def test_an_adviser_claim_from_submission_to_appeal(
    generated: ModuleType, app: Litestar, auth: Auth, letter_worker: Callable[[], Awaitable[None]]
) -> None:
    models = _models()
    clients = {}
    for user in ["adviser-marta", "admin-se", "admin2-se"]:
        client = generated.AuthenticatedClient(base_url=BASE_URL, token="unused")
        client.set_async_httpx_client(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url=BASE_URL,
                headers=await auth(user),
            )
        )
        clients[user] = client
    adviser, admin, second = clients["adviser-marta"], clients["admin-se"], clients["admin2-se"]

    async def call(name: str, who: Any, *args: Any, expect: int = 200, **kwargs: Any) -> Any:
        response = await _api(name).asyncio_detailed(*args, client=who, **kwargs)
        assert response.status_code == expect, (name, response.status_code, response.content)
        return response.parsed

    def etag(model: Any) -> str:
        return f'"{model.version}"'

    def key() -> str:
        return uuid.uuid4().hex

    claimant = await call(
        "claimants_register",
        adviser,
        body=models.ClaimantCreate.from_dict(claimant_body()),
        expect=201,
    )
    assert isinstance(claimant, models.Claimant)
    claim = await call(
        "claims_create",
        adviser,
        body=models.ClaimCreate.from_dict(claim_body(str(claimant.id))),
        expect=201,
    )
    assert isinstance(claim, models.Claim)
    assert claim.claimed_total == "250000.50"

    # A stale If-Match is a typed 412 problem.
    stale = await call(
        "claims_submit",
        adviser,
        claim.id,
        body=models.StepRequest(),
        if_match='"999"',
        expect=412,
    )
    assert isinstance(stale, models.Problem)
    assert stale.status == 412

    claim = await call(
        "claims_submit", adviser, claim.id, body=models.StepRequest(), if_match=etag(claim)
    )
    assert claim.status == models.ClaimStatus.SUBMITTED
    claim = await call(
        "claims_review", admin, claim.id, body=models.StepRequest(), if_match=etag(claim)
    )
    asked = await call(
        "claims_request_information",
        admin,
        claim.id,
        body=models.InformationRequestCreate(question="Receipts, please."),
        if_match=etag(claim),
        expect=201,
    )
    assert isinstance(asked, models.InformationRequestView)
    claim = await call("claims_read", adviser, claim.id)
    claim = await call(
        "claims_answer_information",
        adviser,
        claim.id,
        asked.id,
        body=models.InformationAnswer(answer="They are attached."),
        if_match=etag(claim),
    )
    claim = await call(
        "claims_assess", admin, claim.id, body=models.AssessmentRequest(), if_match=etag(claim)
    )
    claim = await call(
        "claims_decide",
        admin,
        claim.id,
        body=models.DecisionRequest.from_dict(decision("150000", "20000.50", "0")),
        if_match=etag(claim),
        idempotency_key=key(),
    )
    assert claim.status == models.ClaimStatus.AWAITING_SECOND_APPROVAL

    # The same administrator may not confirm: a typed 403 problem.
    refused = await call(
        "claims_approve",
        admin,
        claim.id,
        body=models.ApprovalRequest(),
        if_match=etag(claim),
        idempotency_key=key(),
        expect=403,
    )
    assert isinstance(refused, models.Problem)
    assert refused.type_.endswith("/four-eyes")
    claim = await call(
        "claims_approve",
        second,
        claim.id,
        body=models.ApprovalRequest(),
        if_match=etag(claim),
        idempotency_key=key(),
    )
    queued = await call(
        "claims_issue_letter",
        admin,
        claim.id,
        body=models.StepRequest(),
        if_match=etag(claim),
        idempotency_key=key(),
        expect=202,
    )
    # The letter is rendered by a worker; the answer says where it will be.
    assert queued.letter == f"/api/v1/claims/{claim.id}/letters/1"
    await letter_worker()
    claim = await call("claims_read", admin, claim.id)
    assert claim.status == models.ClaimStatus.LETTER_ISSUED
    assert claim.outstanding == "170000.50"

    # Paying more than is owed: a typed 409 problem.
    paid_on = claim.letter_issued_at.date()
    too_much = await call(
        "claims_pay",
        admin,
        claim.id,
        body=models.PaymentCreate.from_dict(
            {"amount": "999999.00", "currency": "SEK", "paid_on": paid_on.isoformat()}
        ),
        if_match=etag(claim),
        idempotency_key=key(),
        expect=409,
    )
    assert isinstance(too_much, models.Problem)
    claim = await call(
        "claims_pay",
        admin,
        claim.id,
        body=models.PaymentCreate.from_dict(
            {"amount": "170000.50", "currency": "SEK", "paid_on": paid_on.isoformat()}
        ),
        if_match=etag(claim),
        idempotency_key=key(),
    )
    assert claim.status == models.ClaimStatus.PAID
    assert claim.outstanding == "0.00"

    claim = await call(
        "claims_appeal",
        adviser,
        claim.id,
        body=models.ReasonRequired(reason="Withheld wages are proven."),
        if_match=etag(claim),
    )
    assert isinstance(claim, models.Claim)
    assert claim.status == models.ClaimStatus.APPEALED

    # A dry-run estimate is in the client too (it once lost a duplicate schema name).
    estimate = _api("policies_assess")
    assert callable(estimate.asyncio_detailed)

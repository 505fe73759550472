"""HTTP idempotency of money-moving routes (exercised through the ledger's routes)."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fundadmin.idempotency import purge_idempotency_records, request_fingerprint
from tests.ledger.conftest import NewFund, fund_factory
from tests.ledger.test_api import BASE, balance, body, keyed


class Thing(msgspec.Struct):
    a: int
    b: str


@pytest.fixture
def new_fund(sessions: async_sessionmaker[AsyncSession]) -> NewFund:
    return fund_factory(sessions)


class TestFingerprint:
    def test_it_depends_on_content_not_on_spelling(self) -> None:
        first = msgspec.json.decode(b'{"a": 1, "b": "x"}', type=Thing)
        second = msgspec.json.decode(b'{ "b":"x","a":1 }', type=Thing)
        assert request_fingerprint("POST", "/p", first) == request_fingerprint("POST", "/p", second)

    def test_it_depends_on_route_and_body(self) -> None:
        thing = Thing(1, "x")
        assert request_fingerprint("POST", "/p", thing) != request_fingerprint("POST", "/q", thing)
        assert request_fingerprint("POST", "/p", thing) != request_fingerprint(
            "POST", "/p", Thing(2, "x")
        )


class TestIdempotentRoutes:
    async def test_a_refused_request_stores_nothing_so_a_corrected_retry_runs(
        self, client, auth, new_fund: NewFund
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("100")
        headers = keyed(admin, "corrected")
        refused = await client.post(
            f"{BASE}/transactions", json=body(fund, payable, "500.00"), headers=headers
        )
        assert refused.status_code == 409
        accepted = await client.post(
            f"{BASE}/transactions", json=body(fund, payable, "50.00"), headers=headers
        )
        assert accepted.status_code == 201
        assert (await balance(client, admin, fund))["posted"] == "50.00"

    async def test_a_key_reused_on_another_route_is_409(
        self, client, auth, new_fund: NewFund
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        headers = keyed(admin, "one-use")
        created = await client.post(
            f"{BASE}/transactions", json=body(fund, payable, pending=True), headers=headers
        )
        posted = await client.post(
            f"{BASE}/transactions/{created.json()['id']}/post", headers=headers
        )
        assert posted.status_code == 409
        assert posted.json()["type"].endswith("/idempotency-key-reused")

    async def test_a_malformed_key_is_422(self, client, auth, new_fund: NewFund) -> None:
        fund, payable = await new_fund("1000")
        response = await client.post(
            f"{BASE}/transactions",
            json=body(fund, payable),
            headers=keyed(await auth("admin-se"), "k" * 256),
        )
        assert response.status_code == 422

    async def test_old_answers_can_be_purged(
        self, client, auth, session: AsyncSession, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        await client.post(
            f"{BASE}/transactions", json=body(fund, payable), headers=keyed(await auth("admin-se"))
        )
        assert await purge_idempotency_records(session, older_than=timedelta(days=1)) == 0
        assert await purge_idempotency_records(session, older_than=timedelta(0)) >= 1

"""The ledger's and four-eyes' races with the requests split between two `fundadmin serve`
processes on one database, as behind a load balancer: no lock or cache in one process can keep
the other in line, so whatever holds here is held by PostgreSQL.

The two processes are started once for the module (starting one costs seconds); every test works
on accounts or claims of its own in the module's database.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import ledger
from ledger import EntryKind
from tests.claims.conftest import Auth, Driver, LetterWorker, decision
from tests.ledger.conftest import NewFund, fund_factory, unique
from tests.ledger.test_api import BASE, balance, body, keyed
from tests.postgres import clone_database, drop_database
from tests.processes import ServiceProcess, clients, service_environment, service_processes


@pytest.fixture(scope="module")
def shared_url(pg_admin_url: URL, templates: dict[str, str]) -> Iterator[URL]:
    url = asyncio.run(clone_database(pg_admin_url, templates["seeded"]))
    yield url
    asyncio.run(drop_database(pg_admin_url, str(url.database)))


@pytest.fixture
def database_url(shared_url: URL) -> URL:
    """The module's database, which both processes serve (the suite's default is one per test)."""
    return shared_url


@pytest.fixture
def new_fund(sessions: async_sessionmaker[AsyncSession]) -> NewFund:
    return fund_factory(sessions)


@pytest.fixture(scope="module")
def processes(
    shared_url: URL,
    tmp_path_factory: pytest.TempPathFactory,
    signing_keys: str,
    master_keys: str,
) -> Iterator[list[ServiceProcess]]:
    folder = tmp_path_factory.mktemp("two-processes")
    env = service_environment(shared_url, folder / "data", signing_keys, master_keys)
    with service_processes(2, env, folder) as started:
        yield started


@pytest.fixture
async def both(processes: list[ServiceProcess]) -> AsyncIterator[list[httpx.AsyncClient]]:
    """A client of each process; `auth`'s tokens hold on both (the same signing keys)."""
    opened = clients(processes)
    try:
        yield opened
    finally:
        for client in opened:
            await client.aclose()


async def _moves(session: AsyncSession, claim_id: str) -> Counter[tuple[EntryKind, str]]:
    views = await ledger.transactions_by_reference(session, "claim", claim_id)
    return Counter((t.kind, t.status.value) for t in views)


def _fresh_keys() -> list[str]:
    return [uuid.uuid4().hex, uuid.uuid4().hex]


class TestLedgerRaces:
    async def test_fifty_payments_of_100_from_1000_over_two_processes_pay_exactly_ten(
        self, both: list[httpx.AsyncClient], auth: Auth, new_fund: NewFund
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")

        async def pay(client: httpx.AsyncClient) -> int:
            response = await client.post(
                f"{BASE}/transactions", json=body(fund, payable, "100.00"), headers=keyed(admin)
            )
            return response.status_code

        statuses = await asyncio.gather(*(pay(both[i % 2]) for i in range(50)))
        assert Counter(statuses) == {201: 10, 409: 40}
        for client in both:
            final = await balance(client, admin, fund)
            assert (final["posted"], final["available"]) == ("0.00", "0.00")

    async def test_retries_of_one_key_on_both_processes_move_money_once(
        self, both: list[httpx.AsyncClient], auth: Auth, new_fund: NewFund
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        headers = keyed(admin, unique("same"))
        responses = await asyncio.gather(
            *(
                both[i % 2].post(f"{BASE}/transactions", json=body(fund, payable), headers=headers)
                for i in range(10)
            )
        )
        assert {r.status_code for r in responses} == {201}
        assert len({r.json()["id"] for r in responses}) == 1
        assert (await balance(both[1], admin, fund))["posted"] == "900.00"


class TestFourEyesRaces:
    async def _awaiting_confirmation(self, driver: Driver) -> dict[str, Any]:
        claim = await driver.assessed()
        claim = await driver.step(
            claim, "decision", "admin-se", decision("150000", "20000.50", "0"), money=True
        )
        assert claim["decision"]["requires_second_approval"] is True
        return claim

    async def _race(
        self,
        both: list[httpx.AsyncClient],
        auth: Auth,
        claim: dict[str, Any],
        *,
        action: str,
        user: str,
        json: Any,
        keys: list[str],
    ) -> list[httpx.Response]:
        headers = {**await auth(user), "If-Match": f'"{claim["version"]}"'}
        return await asyncio.gather(
            *(
                client.post(
                    f"/api/v1/claims/{claim['id']}/{action}",
                    json=json,
                    headers={**headers, "Idempotency-Key": key},
                )
                for client, key in zip(both, keys, strict=True)
            )
        )

    async def test_two_confirmations_at_once_on_two_processes_confirm_once_and_book_once(
        self,
        both: list[httpx.AsyncClient],
        auth: Auth,
        session: AsyncSession,
        letter_worker: LetterWorker,
    ) -> None:
        driver = Driver(both[0], auth)
        claim = await self._awaiting_confirmation(driver)
        confirmed = await self._race(
            both, auth, claim, action="approvals", user="admin2-se", json={}, keys=_fresh_keys()
        )
        assert sorted(r.status_code for r in confirmed) == [200, 412], [r.text for r in confirmed]
        claim = next(r.json() for r in confirmed if r.status_code == 200)
        assert claim["status"] == "decided"

        lettered = await self._race(
            both, auth, claim, action="letter", user="admin-se", json={}, keys=_fresh_keys()
        )
        # Both are accepted (the claim waits for its letter until a worker issues it), and both
        # name the one job queued: the letter is asked for once.
        assert [r.status_code for r in lettered] == [202, 202], [r.text for r in lettered]
        assert len({r.json()["job_id"] for r in lettered}) == 1
        await letter_worker()
        assert await _moves(session, claim["id"]) == {(EntryKind.AWARD, "posted"): 1}
        history = await driver.call("GET", f"/api/v1/claims/{claim['id']}/history", "admin-se")
        events = Counter(step["event"] for step in history.json()["items"])
        assert (events["confirm"], events["issue_letter"]) == (1, 1)

    async def test_one_payment_retried_on_both_processes_at_once_pays_once(
        self,
        both: list[httpx.AsyncClient],
        auth: Auth,
        session: AsyncSession,
        letter_worker: LetterWorker,
    ) -> None:
        driver = Driver(both[0], auth, letter_worker)
        claim = await self._awaiting_confirmation(driver)
        claim = await driver.step(claim, "approvals", "admin2-se", {}, money=True)
        claim = await driver.issue_letter(claim)
        payment = {"amount": "400", "currency": "SEK", "paid_on": claim["letter_issued_at"][:10]}
        key = uuid.uuid4().hex
        paid = await self._race(
            both, auth, claim, action="payments", user="admin-se", json=payment, keys=[key, key]
        )
        assert paid[0].status_code == paid[1].status_code == 200, [r.text for r in paid]
        assert paid[0].json() == paid[1].json()
        assert await _moves(session, claim["id"]) == {
            (EntryKind.AWARD, "posted"): 1,
            (EntryKind.PAYMENT, "posted"): 1,
        }

"""Racing requests cannot overdraw a fund: PostgreSQL serialises writers on the account's row."""

from __future__ import annotations

import asyncio
from collections import Counter

import asyncpg

import ledger
from tests.clock import NOW
from tests.ledger.conftest import NewFund, transfer, unique
from tests.ledger.test_api import BASE, balance, body, keyed
from tests.ledger.test_database_rules import account_id, insert_posting, insert_transaction


class TestRacingPayments:
    async def test_fifty_payments_of_100_from_1000_exactly_ten_succeed(
        self, client, auth, new_fund: NewFund
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")

        in_flight, most_in_flight = 0, 0

        async def pay() -> tuple[int, str]:
            nonlocal in_flight, most_in_flight
            in_flight += 1
            most_in_flight = max(most_in_flight, in_flight)
            response = await client.post(
                f"{BASE}/transactions", json=body(fund, payable, "100.00"), headers=keyed(admin)
            )
            in_flight -= 1
            return response.status_code, response.json().get("type", "")

        outcomes = await asyncio.gather(*(pay() for _ in range(50)))
        assert most_in_flight == 50, "the requests must race, not run one after another"
        statuses = Counter(status for status, _ in outcomes)
        assert statuses == {201: 10, 409: 40}, outcomes
        refusals = {problem for status, problem in outcomes if status == 409}
        assert refusals == {"https://fundadmin.org/problems/insufficient-funds"}
        final = await balance(client, admin, fund)
        assert (final["posted"], final["available"]) == ("0.00", "0.00")

    async def test_concurrent_retries_of_one_key_move_money_once(
        self, client, auth, new_fund: NewFund
    ) -> None:
        admin = await auth("admin-se")
        fund, payable = await new_fund("1000")
        headers = keyed(admin, unique("same"))
        responses = await asyncio.gather(
            *(
                client.post(f"{BASE}/transactions", json=body(fund, payable), headers=headers)
                for _ in range(10)
            )
        )
        assert {r.status_code for r in responses} == {201}
        assert len({r.json()["id"] for r in responses}) == 1
        assert (await balance(client, admin, fund))["posted"] == "900.00"


class TestRacingThroughThePythonApi:
    async def test_reservations_racing_on_separate_connections_never_overdraw(
        self, sessions, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")

        async def reserve() -> str:
            async with sessions() as session:
                try:
                    await ledger.record_transaction(
                        session,
                        transfer("SE", fund, payable, "300", pending=True),
                        idempotency_key=unique("k"),
                        idempotency_scope="race",
                        created_by="t",
                        now=NOW,
                    )
                    await session.commit()
                except ledger.InsufficientFunds:
                    return "refused"
                return "reserved"

        outcomes = Counter(await asyncio.gather(*(reserve() for _ in range(12))))
        assert outcomes == {"reserved": 3, "refused": 9}
        async with sessions() as session:
            final = await ledger.account_balance(session, fund)
        assert (final.posted, final.pending, final.available) == (1000, 900, 100)


class TestRacingInRawSql:
    async def test_the_database_alone_refuses_the_overdraft_under_a_race(
        self, database_url, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        dsn = database_url.set(drivername="postgresql").render_as_string(hide_password=False)

        async def pay() -> str:
            conn = await asyncpg.connect(dsn)
            try:
                async with conn.transaction():
                    tx = await insert_transaction(conn)
                    for position, (code, amount) in enumerate([(fund, "100"), (payable, "-100")]):
                        account = await account_id(conn, code)
                        await insert_posting(
                            conn, tx, account, amount, currency="SEK", position=position
                        )
            except asyncpg.CheckViolationError:
                return "refused"
            finally:
                await conn.close()
            return "paid"

        outcomes = Counter(await asyncio.gather(*(pay() for _ in range(20))))
        assert outcomes == {"paid": 10, "refused": 10}

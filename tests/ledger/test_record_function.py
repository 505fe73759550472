"""`ledger_record` (migrations 0008, 0026) on its own, in raw SQL: it writes what it is given, and
PostgreSQL's rules still refuse what breaks the books, whichever way the function is called."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal

import asyncpg
import pytest
from sqlalchemy.engine import URL

from tests.clock import TODAY
from tests.ledger.conftest import NewFund, unique

RECORD = "SELECT ledger_record($1, $2, $3, $4::jsonb)"


@pytest.fixture
async def raw(database_url: URL) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(
        database_url.set(drivername="postgresql").render_as_string(hide_password=False)
    )
    yield conn
    await conn.close()


async def call(
    raw: asyncpg.Connection,
    postings: list[tuple[str, str]],
    *,
    attempt: bool,
    key: str | None = None,
    day: date = TODAY,
) -> datetime | None:
    """One SEK transaction of `postings` [(account code, signed amount)] through the function."""
    document = {
        "id": str(uuid.uuid4()),
        "country": "SE",
        "kind": "adjustment",
        "status": "posted",
        "effective_date": day.isoformat(),
        "memo": "",
        "references": {},
        "exchange_rates": {},
        "expires_at": None,
        "reversal_of": None,
        "key": key or unique("key"),
        "fingerprint": "fingerprint",
        "postings": [
            {"id": str(uuid.uuid4()), "account": code, "currency": "SEK", "amount": amount}
            for code, amount in postings
        ],
    }
    return await raw.fetchval(RECORD, attempt, "raw", "raw", json.dumps([document]))


async def available(raw: asyncpg.Connection, code: str) -> Decimal:
    return await raw.fetchval(
        "SELECT posted_credits - posted_debits - pending_debits FROM ledger_account "
        "WHERE code = $1",
        code,
    )


class TestRecordFunction:
    @pytest.mark.parametrize("attempt", [True, False])
    async def test_it_refuses_an_unbalanced_call_on_its_own(
        self, raw, new_fund: NewFund, attempt: bool
    ) -> None:
        fund, payable = await new_fund("1000")
        with pytest.raises(asyncpg.CheckViolationError, match="does not balance"):
            async with raw.transaction():
                await call(raw, [(fund, "100"), (payable, "-99.99")], attempt=attempt)
        assert await available(raw, fund) == 1000

    async def test_a_retry_through_it_moves_money_once(self, raw, new_fund: NewFund) -> None:
        fund, payable = await new_fund("1000")
        key = unique("same")
        for expected_written in (True, False):
            async with raw.transaction():
                created = await call(raw, [(fund, "100"), (payable, "-100")], attempt=True, key=key)
            assert (created is not None) is expected_written
        assert await available(raw, fund) == 900
        assert (
            await raw.fetchval(
                "SELECT count(*) FROM ledger_transaction WHERE idempotency_key = $1", key
            )
            == 1
        )

    async def test_an_attempted_overdraft_writes_nothing_and_leaves_the_transaction_usable(
        self, raw, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("100")
        async with raw.transaction():
            assert await call(raw, [(fund, "100.01"), (payable, "-100.01")], attempt=True) is None
            assert await call(raw, [(fund, "40"), (payable, "-40")], attempt=True) is not None
        assert await available(raw, fund) == 60

    async def test_an_overdraft_without_attempt_is_postgresqls_own_error(
        self, raw, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("100")
        with pytest.raises(asyncpg.CheckViolationError, match="available_not_negative"):
            async with raw.transaction():
                await call(raw, [(fund, "100.01"), (payable, "-100.01")], attempt=False)
        assert await available(raw, fund) == 100

    async def test_an_unknown_account_is_never_dropped(self, raw, new_fund: NewFund) -> None:
        fund, _ = await new_fund("100")
        nobody = "SE/payable/award/nobody"
        async with raw.transaction():
            assert await call(raw, [(fund, "1"), (nobody, "-1")], attempt=True) is None
        with pytest.raises(asyncpg.NotNullViolationError):
            async with raw.transaction():
                await call(raw, [(fund, "1"), (nobody, "-1")], attempt=False)
        assert await available(raw, fund) == 100

    @pytest.mark.parametrize("attempt", [True, False])
    async def test_it_applies_money_in_before_money_out_whatever_the_posting_order(
        self, raw, new_fund: NewFund, attempt: bool
    ) -> None:
        """The pure core counts a transaction's money in first; the function orders the rows so,
        so the database's check after every posting agrees with it."""
        fund, payable = await new_fund("100")
        async with raw.transaction():
            created = await call(
                raw, [(fund, "150"), (fund, "-100"), (payable, "-50")], attempt=attempt
            )
        assert created is not None
        assert await available(raw, fund) == 50

    async def test_an_attempt_on_another_countrys_account_writes_nothing(
        self, raw, new_fund: NewFund
    ) -> None:
        fund, _ = await new_fund("100")
        _, latvian = await new_fund("100", country="LV", currency="EUR")
        async with raw.transaction():
            assert await call(raw, [(fund, "1"), (latvian, "-1")], attempt=True) is None
        assert await available(raw, fund) == 100


def document(postings: list[tuple[str, str]]) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "country": "SE",
        "kind": "adjustment",
        "status": "posted",
        "effective_date": TODAY.isoformat(),
        "memo": "",
        "references": {},
        "exchange_rates": {},
        "expires_at": None,
        "reversal_of": None,
        "key": unique("key"),
        "fingerprint": "fingerprint",
        "postings": [
            {"id": str(uuid.uuid4()), "account": code, "currency": "SEK", "amount": amount}
            for code, amount in postings
        ],
    }


class TestTheDoor:
    """The function is the ledger's own door (migration 0026): the triggers leave its rows to it,
    so it must check everything itself, and nothing else may pass as it."""

    async def test_a_batch_may_not_overdraw_between_its_transactions(
        self, raw, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("100")
        batch = [
            document([(fund, "150"), (payable, "-150")]),
            document([(payable, "100"), (fund, "-100")]),
        ]
        with pytest.raises(asyncpg.CheckViolationError, match="available_not_negative"):
            async with raw.transaction():
                await raw.fetchval(RECORD, False, "raw", "raw", json.dumps(batch))
        assert await available(raw, fund) == 100

    async def test_a_posting_added_by_hand_to_a_transaction_it_wrote_is_checked_at_commit(
        self, raw, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        written = document([(fund, "100"), (payable, "-100")])

        async def record_then_add_by_hand() -> None:
            async with raw.transaction():
                await raw.fetchval(RECORD, False, "raw", "raw", json.dumps([written]))
                await raw.execute(
                    "INSERT INTO ledger_posting (id, transaction_id, position, account_id, "
                    "currency, amount) SELECT $1, $2, 9, id, 'SEK', 50 FROM ledger_account "
                    "WHERE code = $3",
                    uuid.uuid4(),
                    uuid.UUID(str(written["id"])),
                    fund,
                )

        with pytest.raises(asyncpg.CheckViolationError, match="does not balance"):
            await record_then_add_by_hand()
        assert await available(raw, fund) == 1000

    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE ledger_posting SET amount = amount * 2",
            "DELETE FROM ledger_posting",
            "DELETE FROM ledger_transaction",
            "UPDATE ledger_transaction SET memo = 'changed'",
            "UPDATE ledger_account SET name = 'Renamed'",
            "DELETE FROM ledger_monthly_total",
        ],
    )
    async def test_its_role_can_only_add(self, raw, statement: str) -> None:
        """The triggers do not check the door's role: its privileges keep it append-only."""

        async def as_the_door() -> None:
            async with raw.transaction():
                await raw.execute("SET LOCAL ROLE fundadmin_ledger")
                await raw.execute(statement)

        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await as_the_door()

    async def test_it_refuses_to_run_as_anyone_but_its_role(self, raw, new_fund: NewFund) -> None:
        """Run as another role, its writes would be applied twice (by it and by the triggers)."""
        fund, payable = await new_fund("1000")

        async def owned_by_the_caller() -> None:
            async with raw.transaction():
                await raw.execute(
                    "ALTER FUNCTION ledger_record(boolean, text, text, jsonb) OWNER TO CURRENT_USER"
                )
                await call(raw, [(fund, "100"), (payable, "-100")], attempt=False)

        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="only as its owner"):
            await owned_by_the_caller()
        assert await available(raw, fund) == 1000

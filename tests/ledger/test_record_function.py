"""`ledger_record` (migration 0008) on its own, in raw SQL: it writes what it is given, and
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

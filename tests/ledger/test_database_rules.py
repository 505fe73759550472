"""PostgreSQL enforces the ledger's rules itself: each test talks raw SQL, bypassing Python."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import asyncpg
import pytest
from sqlalchemy.engine import URL

from tests.ledger.conftest import NewFund


@pytest.fixture
async def raw(database_url: URL) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(
        database_url.set(drivername="postgresql").render_as_string(hide_password=False)
    )
    yield conn
    await conn.close()


async def account_id(raw: asyncpg.Connection, code: str) -> uuid.UUID:
    return await raw.fetchval("SELECT id FROM ledger_account WHERE code = $1", code)


async def insert_transaction(
    raw: asyncpg.Connection, *, status: str = "posted", country: str = "SE"
) -> uuid.UUID:
    tx = uuid.uuid4()
    await raw.execute(
        "INSERT INTO ledger_transaction (id, country, kind, status, effective_date, "
        "idempotency_scope, idempotency_key, fingerprint, created_by) "
        "VALUES ($1, $2, 'adjustment', $3, current_date, 'raw', $4, 'x', 'raw')",
        tx,
        country,
        status,
        str(tx),
    )
    return tx


async def insert_posting(
    raw: asyncpg.Connection,
    tx: uuid.UUID,
    account: uuid.UUID,
    amount: str,
    *,
    currency: str,
    position: int,
) -> None:
    await raw.execute(
        "INSERT INTO ledger_posting (id, transaction_id, position, account_id, currency, amount) "
        "VALUES ($1, $2, $3, $4, $5, $6::numeric)",
        uuid.uuid4(),
        tx,
        position,
        account,
        currency,
        amount,
    )


async def append(
    raw: asyncpg.Connection, tx: uuid.UUID, postings: list[tuple[str, str]], currency: str = "SEK"
) -> None:
    """Postings added to transaction `tx`, in one database transaction."""
    async with raw.transaction():
        for position, (code, amount) in enumerate(postings, start=10):
            account = await account_id(raw, code)
            await insert_posting(raw, tx, account, amount, currency=currency, position=position)


async def write(
    raw: asyncpg.Connection,
    postings: list[tuple[str, str]],
    *,
    status: str = "posted",
    country: str = "SE",
    currency: str = "SEK",
) -> uuid.UUID:
    """One transaction in one database transaction: [(account code, signed amount)]."""
    async with raw.transaction():
        tx = await insert_transaction(raw, status=status, country=country)
        for position, (code, amount) in enumerate(postings):
            account = await account_id(raw, code)
            await insert_posting(raw, tx, account, amount, currency=currency, position=position)
    return tx


SET_STATUS = "UPDATE ledger_transaction SET status = $2, status_changed_by = 'raw' WHERE id = $1"


class TestBalancePerCurrency:
    async def test_an_unbalanced_transaction_cannot_commit(self, raw, new_fund: NewFund) -> None:
        fund, payable = await new_fund("1000")
        with pytest.raises(asyncpg.CheckViolationError, match="does not balance"):
            await write(raw, [(payable, "-100"), (fund, "99.99")])
        assert (
            await raw.fetchval(
                "SELECT count(*) FROM ledger_posting WHERE account_id = $1",
                await account_id(raw, payable),
            )
            == 0
        )

    async def test_a_transaction_needs_two_postings(self, raw) -> None:
        with pytest.raises(asyncpg.CheckViolationError, match="fewer than two"):
            await write(raw, [])

    async def test_a_balanced_transaction_commits(self, raw, new_fund: NewFund) -> None:
        fund, payable = await new_fund("1000")
        await write(raw, [(fund, "100"), (payable, "-100")])
        assert (
            await raw.fetchval("SELECT posted_debits FROM ledger_account WHERE code = $1", fund)
            == 100
        )


class TestAppendOnly:
    async def test_postings_cannot_be_updated(self, raw, new_fund: NewFund) -> None:
        fund, payable = await new_fund("1000")
        await write(raw, [(fund, "100"), (payable, "-100")])
        with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
            await raw.execute("UPDATE ledger_posting SET amount = amount * 2")

    async def test_postings_cannot_be_deleted_or_truncated(self, raw) -> None:
        with pytest.raises(asyncpg.RestrictViolationError):
            await raw.execute("DELETE FROM ledger_posting")
        with pytest.raises(asyncpg.RestrictViolationError):
            await raw.execute("TRUNCATE ledger_posting CASCADE")

    async def test_transactions_cannot_be_deleted(self, raw) -> None:
        with pytest.raises(asyncpg.RestrictViolationError):
            await raw.execute("DELETE FROM ledger_transaction")

    async def test_a_posted_transaction_cannot_change(self, raw, new_fund: NewFund) -> None:
        fund, payable = await new_fund("1000")
        tx = await write(raw, [(fund, "100"), (payable, "-100")])
        for change in (
            "memo = 'changed'",
            "effective_date = effective_date - 1",
            "status = 'voided', status_changed_by = 'raw'",
            "country = 'LV'",
        ):
            with pytest.raises(asyncpg.RestrictViolationError):
                await raw.execute(f"UPDATE ledger_transaction SET {change} WHERE id = $1", tx)

    async def test_a_pending_transaction_is_posted_or_voided_once(
        self, raw, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        tx = await write(raw, [(fund, "100"), (payable, "-100")], status="pending")
        await raw.execute(SET_STATUS, tx, "posted")
        with pytest.raises(asyncpg.RestrictViolationError):
            await raw.execute(SET_STATUS, tx, "voided")

    async def test_postings_cannot_be_added_to_an_earlier_transaction(
        self, raw, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        tx = await write(raw, [(fund, "100"), (payable, "-100")])
        with pytest.raises(asyncpg.RestrictViolationError, match="together with their transaction"):
            await append(raw, tx, [(fund, "50"), (payable, "-50")])

    async def test_balances_cannot_be_edited_by_hand(self, raw, new_fund: NewFund) -> None:
        fund, _ = await new_fund("1000")
        with pytest.raises(asyncpg.RestrictViolationError, match="only the name"):
            await raw.execute(
                "UPDATE ledger_account SET posted_credits = 10000000 WHERE code = $1", fund
            )
        with pytest.raises(asyncpg.RestrictViolationError, match="only the name"):
            await raw.execute(
                "UPDATE ledger_account SET must_not_go_negative = false WHERE code = $1", fund
            )
        await raw.execute("UPDATE ledger_account SET name = 'Renamed' WHERE code = $1", fund)

    async def test_accounts_cannot_be_deleted(self, raw) -> None:
        with pytest.raises(asyncpg.RestrictViolationError):
            await raw.execute("DELETE FROM ledger_account WHERE code = 'SE/bank'")


class TestPostingRules:
    async def test_the_currency_must_be_the_accounts(self, raw, new_fund: NewFund) -> None:
        fund, payable = await new_fund("1000")
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            await write(raw, [(fund, "100"), (payable, "-100")], currency="EUR")

    async def test_amounts_have_the_currencys_precision(self, raw, new_fund: NewFund) -> None:
        fund, payable = await new_fund("1000", "IS", "ISK")
        with pytest.raises(asyncpg.CheckViolationError, match="more decimals than"):
            await write(raw, [(fund, "1.5"), (payable, "-1.5")], country="IS", currency="ISK")
        sek_fund, sek_payable = await new_fund("1000")
        with pytest.raises(asyncpg.CheckViolationError, match="more decimals than"):
            await write(raw, [(sek_fund, "1.005"), (sek_payable, "-1.005")])

    async def test_a_posting_is_on_its_transactions_country(self, raw, new_fund: NewFund) -> None:
        fund, payable = await new_fund("1000")
        with pytest.raises(asyncpg.CheckViolationError, match="country"):
            await write(raw, [(fund, "100"), (payable, "-100")], country="LV")


class TestGuardedAccounts:
    async def test_a_guarded_account_cannot_go_negative(self, raw, new_fund: NewFund) -> None:
        fund, payable = await new_fund("1000")
        with pytest.raises(asyncpg.CheckViolationError, match="available_not_negative"):
            await write(raw, [(fund, "1000.01"), (payable, "-1000.01")])

    async def test_a_pending_reservation_counts_against_the_available_balance(
        self, raw, new_fund: NewFund
    ) -> None:
        fund, payable = await new_fund("1000")
        await write(raw, [(fund, "600"), (payable, "-600")], status="pending")
        with pytest.raises(asyncpg.CheckViolationError, match="available_not_negative"):
            await write(raw, [(fund, "400.01"), (payable, "-400.01")])
        await write(raw, [(fund, "400"), (payable, "-400")])

    async def test_every_posting_is_checked_as_it_is_applied_not_only_the_statements_net(
        self, raw, new_fund: NewFund
    ) -> None:
        """One INSERT whose rows take money out before putting it back is refused, though the
        account would end the statement above zero: no moment of a negative balance is allowed."""
        fund, payable = await new_fund("100")

        async def one_statement(amounts: list[tuple[str, str]]) -> None:
            async with raw.transaction():
                tx = await insert_transaction(raw)
                rows = [
                    (uuid.uuid4(), tx, n, await account_id(raw, code), "SEK", Decimal(amount))
                    for n, (code, amount) in enumerate(amounts)
                ]
                await raw.execute(
                    "INSERT INTO ledger_posting (id, transaction_id, position, account_id, "
                    "currency, amount) SELECT * FROM unnest($1::uuid[], $2::uuid[], "
                    "$3::smallint[], $4::uuid[], $5::text[], $6::numeric[])",
                    *([row[i] for row in rows] for i in range(6)),
                )

        with pytest.raises(asyncpg.CheckViolationError, match="available_not_negative"):
            await one_statement([(fund, "150"), (fund, "-100"), (payable, "-50")])
        await one_statement([(fund, "-100"), (fund, "150"), (payable, "-50")])
        balance = await raw.fetchval(
            "SELECT posted_credits - posted_debits FROM ledger_account WHERE code = $1", fund
        )
        assert balance == Decimal("50")

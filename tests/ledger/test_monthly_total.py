"""The monthly totals PostgreSQL keeps with the postings equal the sum of the postings, whatever
mix of writes made them; and no one but the ledger's triggers writes them."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal

import asyncpg
import pytest
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import ledger
from ledger import BatchItem, EntryKind
from tests.clock import NOW, TODAY
from tests.ledger.conftest import NewFund, transfer
from tests.reports.test_summaries import PARTIES

# Per account, currency, month of the effective date and kind: the posted postings' sums.
FROM_POSTINGS = """
SELECT p.account_id, p.currency, date_trunc('month', t.effective_date::timestamp)::date AS month,
       t.kind, sum(greatest(p.amount, 0)) AS debits, sum(greatest(-p.amount, 0)) AS credits
FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id
WHERE t.status = 'posted'
GROUP BY 1, 2, 3, 4
"""
FROM_TOTALS = "SELECT account_id, currency, month, kind, debits, credits FROM ledger_monthly_total"
PARTIES_STORED = "SELECT country, kind, month, fund, party FROM fund_monthly_party"


@pytest.fixture
async def raw(database_url: URL) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(
        database_url.set(drivername="postgresql").render_as_string(hide_password=False)
    )
    yield conn
    await conn.close()


async def _rows(raw: asyncpg.Connection, query: str) -> set[tuple]:
    # Rows that sum to nothing (a month whose postings were all zero-sum pairs) are absent
    # from neither side: every posting amount is non-zero, so both sides have the same keys.
    return {tuple(r) for r in await raw.fetch(query)}


async def _assert_equal(raw: asyncpg.Connection) -> None:
    assert await _rows(raw, FROM_TOTALS) == await _rows(raw, FROM_POSTINGS)
    # The reports' parties behind each fund's month (migration 0026), kept beside the totals.
    assert await _rows(raw, PARTIES_STORED) == await _rows(raw, PARTIES)


async def test_the_totals_equal_the_postings_after_a_random_mix_of_writes(
    raw: asyncpg.Connection,
    sessions: async_sessionmaker[AsyncSession],
    new_fund: NewFund,
) -> None:
    await _assert_equal(raw)  # the demo data, summed in by the migration or the triggers
    rng = random.Random(19)
    fund, payable = await new_fund("1000000")
    posted: list[uuid.UUID] = []
    pending: list[uuid.UUID] = []
    kinds = [EntryKind.PAYMENT, EntryKind.AWARD, EntryKind.GRANT, EntryKind.ADJUSTMENT]
    for n in range(80):
        choice = rng.randrange(6)
        day = TODAY - timedelta(days=rng.randrange(120))
        amount = f"{rng.randrange(1, 50_000)}.{rng.randrange(100):02d}"
        async with sessions() as session, session.begin():
            if choice == 0 and pending:
                target = pending.pop(rng.randrange(len(pending)))
                await ledger.post_pending(session, target, actor="test", now=NOW)
                posted.append(target)
            elif choice == 1 and pending:
                target = pending.pop(rng.randrange(len(pending)))
                await ledger.void_pending(session, target, actor="test")
            elif choice == 2 and posted:
                target = posted.pop(rng.randrange(len(posted)))
                await ledger.reverse_transaction(
                    session, target, actor="test", idempotency_key=f"rev-{n}", now=NOW
                )
            elif choice == 3:
                views = await ledger.record_batch(
                    session,
                    [
                        BatchItem(
                            transfer(
                                "SE", payable, fund, amount, effective_date=day - timedelta(i)
                            ),
                            f"batch-{n}-{i}",
                        )
                        for i in range(3)
                    ],
                    idempotency_scope="test",
                    created_by="test",
                    now=NOW,
                )
                posted += [view.id for view in views]
            else:
                view = await ledger.record_transaction(
                    session,
                    transfer(
                        "SE",
                        payable,
                        fund,
                        amount,
                        kind=rng.choice(kinds),
                        pending=choice == 4,
                        effective_date=day,
                    ),
                    idempotency_key=f"one-{n}",
                    idempotency_scope="test",
                    created_by="test",
                    now=NOW,
                )
                (pending if choice == 4 else posted).append(view.id)
    await _assert_equal(raw)


async def test_a_posting_written_in_direct_sql_is_summed_too(
    raw: asyncpg.Connection, new_fund: NewFund
) -> None:
    fund, payable = await new_fund("1000")
    tx = uuid.uuid4()
    async with raw.transaction():
        await raw.execute(
            "INSERT INTO ledger_transaction (id, country, kind, status, effective_date, "
            "idempotency_scope, idempotency_key, fingerprint, created_by) "
            "VALUES ($1, 'SE', 'adjustment', 'posted', $2, 'raw', $3, 'x', 'raw')",
            tx,
            date(2026, 3, 17),
            str(tx),
        )
        for position, (code, amount) in enumerate(((fund, "120.50"), (payable, "-120.50"))):
            await raw.execute(
                "INSERT INTO ledger_posting (id, transaction_id, position, account_id, currency, "
                "amount) SELECT $1, $2, $3, id, 'SEK', $4::numeric FROM ledger_account "
                "WHERE code = $5",
                uuid.uuid4(),
                tx,
                position,
                amount,
                code,
            )
    debits = await raw.fetchval(
        "SELECT m.debits FROM ledger_monthly_total m JOIN ledger_account a ON a.id = m.account_id "
        "WHERE a.code = $1 AND m.month = '2026-03-01' AND m.kind = 'adjustment'",
        fund,
    )
    assert debits == Decimal("120.50")
    await _assert_equal(raw)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_monthly_total SET debits = debits + 1",
        "DELETE FROM ledger_monthly_total",
        "TRUNCATE ledger_monthly_total",
        (
            "INSERT INTO ledger_monthly_total SELECT account_id, currency, DATE '2020-01-01', "
            "'adjustment', 1, 0 FROM ledger_monthly_total LIMIT 1"
        ),
    ],
)
async def test_no_one_but_the_ledger_writes_the_totals(
    raw: asyncpg.Connection, statement: str
) -> None:
    with pytest.raises(asyncpg.RestrictViolationError, match="kept by the ledger"):
        await raw.execute(statement)
    await _assert_equal(raw)

"""Every query of the ledger. Functions take a session and flush nothing they do not write."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from ledger.chart import AccountType
from ledger.models import Account, Posting, Transaction, new_id
from ledger.posting import (
    AccountFacts,
    EntryKind,
    PostingSpec,
    TransactionSpec,
    TransactionStatus,
)
from ledger.views import (
    AccountView,
    Balance,
    CurrencyTotal,
    StatementLine,
    TransactionView,
    TrialBalanceLine,
)


def account_view(row: Account) -> AccountView:
    return AccountView(
        id=row.id,
        code=row.code,
        name=row.name,
        type=AccountType(row.type),
        currency=row.currency,
        country=row.country,
        must_not_go_negative=row.must_not_go_negative,
    )


def balance_of(row: Any) -> Balance:
    """The balance from the account's trigger-kept counters (current, all dates)."""
    if AccountType(row.type).normal_sign > 0:
        posted = row.posted_debits - row.posted_credits
        pending, pending_in = row.pending_credits, row.pending_debits
    else:
        posted = row.posted_credits - row.posted_debits
        pending, pending_in = row.pending_debits, row.pending_credits
    return Balance(
        posted=posted,
        pending=pending,
        available=posted - pending,
        currency=row.currency,
        pending_in=pending_in,
    )


_LOCK_ACCOUNTS = """
SELECT id, code, type, currency, country, must_not_go_negative,
       posted_debits, posted_credits, pending_debits, pending_credits
  FROM ledger_account WHERE code = ANY($1::text[]) ORDER BY id FOR UPDATE
"""


async def lock_accounts(
    session: AsyncSession, codes: Iterable[str]
) -> dict[str, tuple[uuid.UUID, AccountFacts]]:
    """The accounts named (id and facts), locked in id order so concurrent writers never
    deadlock. It runs for every transaction recorded, as plain driver SQL (no statement
    compilation); it is the first statement, so SQLAlchemy opens the transaction with it."""
    connection = await session.connection()
    rows = await connection.exec_driver_sql(_LOCK_ACCOUNTS, (sorted(set(codes)),))
    return {row.code: (row.id, facts_of(row)) for row in rows}


def facts_of(row: Any) -> AccountFacts:
    return AccountFacts(
        code=row.code,
        type=AccountType(row.type),
        currency=row.currency,
        country=row.country,
        must_not_go_negative=row.must_not_go_negative,
        available=balance_of(row).available,
    )


async def account_by_code(session: AsyncSession, code: str) -> Account | None:
    return await session.scalar(
        sa.select(Account).where(Account.code == code).execution_options(populate_existing=True)
    )


async def list_accounts(
    session: AsyncSession, countries: Iterable[str] | None, *, prefix: str | None = None
) -> list[Account]:
    query = sa.select(Account).order_by(Account.code)
    if countries is not None:
        query = query.where(Account.country.in_(sorted(countries)))
    if prefix:
        query = query.where(Account.code.startswith(prefix, autoescape=True))
    return list(await session.scalars(query))


async def insert_account_if_missing(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(
        pg_insert(Account)
        .values(id=uuid.uuid4(), **values)
        .on_conflict_do_nothing(index_elements=[Account.code])
    )


class Earlier(NamedTuple):
    """A transaction recorded earlier under an idempotency key."""

    id: uuid.UUID
    fingerprint: str
    reversal_of: uuid.UUID | None


async def _driver(session: AsyncSession) -> Any:
    """The asyncpg connection under the session, inside the session's open transaction: plain
    driver SQL, without SQLAlchemy's statement handling, for the idempotency lookup."""
    connection = await session.connection()
    driver: Any = (await connection.get_raw_connection()).driver_connection
    if not driver.is_in_transaction():
        raise RuntimeError("the ledger writes only inside the caller's transaction")
    return driver


async def existing_by_keys(
    session: AsyncSession, scope: str, keys: Sequence[str]
) -> dict[str, Earlier]:
    rows = await (await _driver(session)).fetch(
        "SELECT idempotency_key, id, fingerprint, reversal_of FROM ledger_transaction "
        "WHERE idempotency_scope = $1 AND idempotency_key = ANY($2::text[])",
        scope,
        list(keys),
    )
    return {
        row["idempotency_key"]: Earlier(
            uuid.UUID(bytes=row["id"].bytes),
            row["fingerprint"],
            uuid.UUID(bytes=row["reversal_of"].bytes) if row["reversal_of"] else None,
        )
        for row in rows
    }


class NewTransaction(NamedTuple):
    """A transaction the pure core has checked, ready to write."""

    id: uuid.UUID
    spec: TransactionSpec
    idempotency_key: str
    fingerprint: str
    reversal_of: uuid.UUID | None


RECORD_CALL = "SELECT ledger_record($1, $2, $3, $4::jsonb)"


def record_document(transactions: Sequence[NewTransaction]) -> str:
    """The transactions as the JSON `ledger_record` reads: one text parameter encodes far faster
    than a column of arrays, and amounts travel as exact decimal strings."""
    pending, posted = str(TransactionStatus.PENDING), str(TransactionStatus.POSTED)
    return json.dumps(
        [
            {
                "id": str(tx.id),
                "country": tx.spec.country,
                "kind": str(tx.spec.kind),
                "status": pending if tx.spec.pending else posted,
                "effective_date": tx.spec.effective_date.isoformat(),
                "memo": tx.spec.memo,
                "references": dict(tx.spec.references),
                "exchange_rates": {k: str(v) for k, v in tx.spec.exchange_rates.items()},
                "expires_at": tx.spec.expires_at.isoformat() if tx.spec.expires_at else None,
                "reversal_of": str(tx.reversal_of) if tx.reversal_of else None,
                "key": tx.idempotency_key,
                "fingerprint": tx.fingerprint,
                "postings": [
                    {
                        "id": str(new_id()),
                        "account": posting.account_code,
                        "currency": posting.currency,
                        "amount": str(posting.amount),
                    }
                    for posting in tx.spec.postings
                ],
            }
            for tx in transactions
        ]
    )


async def record(
    session: AsyncSession,
    transactions: Sequence[NewTransaction],
    *,
    scope: str,
    created_by: str,
    attempt: bool,
) -> datetime | None:
    """Write `transactions` and their postings through `ledger_record` (migration 0026): one
    round trip, whatever the batch size, as plain driver SQL (no ORM per-row work).

    With `attempt`, the function also locks the accounts and looks up the key, and returns None
    without writing anything when an account is missing, the key was used before, or PostgreSQL's
    rules would refuse the postings; the caller then takes the long way, which names the fault.
    Without it, the caller has locked and checked everything, and a refusal raises. Returns the
    rows' creation time (the start of the database transaction). As the first statement of a
    session, it opens the session's transaction.
    """
    return await record_on(
        await session.connection(),
        transactions,
        scope=scope,
        created_by=created_by,
        attempt=attempt,
    )


async def record_on(
    connection: AsyncConnection,
    transactions: Sequence[NewTransaction],
    *,
    scope: str,
    created_by: str,
    attempt: bool,
) -> datetime | None:
    """`record` on a connection: in its transaction, or, on an AUTOCOMMIT connection, as a
    database transaction of its own (one round trip, commit included)."""
    result = await connection.exec_driver_sql(
        RECORD_CALL, (attempt, scope, created_by, record_document(transactions))
    )
    return cast("datetime | None", result.scalar_one())


async def transaction_for_update(
    session: AsyncSession, transaction_id: uuid.UUID
) -> Transaction | None:
    return await session.scalar(
        sa.select(Transaction)
        .where(Transaction.id == transaction_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def set_status(
    session: AsyncSession, transaction_id: uuid.UUID, status: TransactionStatus, actor: str
) -> None:
    await session.execute(
        sa.update(Transaction)
        .where(Transaction.id == transaction_id)
        .values(status=str(status), status_changed_at=sa.func.now(), status_changed_by=actor)
        .execution_options(synchronize_session=False)
    )


async def transaction_views(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, TransactionView]:
    if not ids:
        return {}
    transactions = list(
        await session.scalars(
            sa.select(Transaction)
            .where(Transaction.id.in_(ids))
            .execution_options(populate_existing=True)
        )
    )
    postings: dict[uuid.UUID, list[PostingSpec]] = defaultdict(list)
    for transaction_id, code, amount, currency in await session.execute(
        sa.select(Posting.transaction_id, Account.code, Posting.amount, Posting.currency)
        .join(Account, Account.id == Posting.account_id)
        .where(Posting.transaction_id.in_(ids))
        .order_by(Posting.transaction_id, Posting.position)
    ):
        postings[transaction_id].append(PostingSpec(code, amount, currency))
    reversed_by = {
        original: reversal
        for reversal, original in await session.execute(
            sa.select(Transaction.id, Transaction.reversal_of).where(
                Transaction.reversal_of.in_(ids)
            )
        )
    }
    return {
        row.id: view_of(row, tuple(postings[row.id]), reversed_by.get(row.id))
        for row in transactions
    }


def view_of(
    row: Transaction, postings: tuple[PostingSpec, ...], reversed_by: uuid.UUID | None
) -> TransactionView:
    return TransactionView(
        id=row.id,
        status=TransactionStatus(row.status),
        kind=EntryKind(row.kind),
        country=row.country,
        effective_date=row.effective_date,
        memo=row.memo,
        references=dict(row.references),
        postings=postings,
        exchange_rates={k: Decimal(v) for k, v in row.exchange_rates.items()},
        reversal_of=row.reversal_of,
        reversed_by=reversed_by,
        expires_at=row.expires_at,
        created_by=row.created_by,
        created_at=row.created_at,
        status_changed_at=row.status_changed_at,
        status_changed_by=row.status_changed_by,
    )


async def expired_pending_ids(
    session: AsyncSession, now: datetime, countries: Iterable[str] | None
) -> list[uuid.UUID]:
    query = (
        sa.select(Transaction.id)
        .where(Transaction.status == str(TransactionStatus.PENDING), Transaction.expires_at <= now)
        .order_by(Transaction.id)
    )
    if countries is not None:
        query = query.where(Transaction.country.in_(sorted(countries)))
    return list(await session.scalars(query))


async def reversal_of(session: AsyncSession, transaction_id: uuid.UUID) -> uuid.UUID | None:
    return await session.scalar(
        sa.select(Transaction.id).where(Transaction.reversal_of == transaction_id)
    )


async def ids_by_reference(
    session: AsyncSession, key: str, value: str, countries: Iterable[str] | None
) -> list[uuid.UUID]:
    query = (
        sa.select(Transaction.id)
        .where(Transaction.references.contains({key: value}))
        .order_by(Transaction.effective_date, Transaction.id)
    )
    if countries is not None:
        query = query.where(Transaction.country.in_(sorted(countries)))
    return list(await session.scalars(query))


def _counted(as_of: date | None, *statuses: TransactionStatus) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [Transaction.status.in_([str(s) for s in statuses])]
    if as_of is not None:
        conditions.append(Transaction.effective_date <= as_of)
    return conditions


async def books_opened(session: AsyncSession, country: str) -> date | None:
    """The effective date of the country's first transaction: its books start there."""
    return await session.scalar(
        sa.select(sa.func.min(Transaction.effective_date)).where(Transaction.country == country)
    )


async def posted_changes_since(
    session: AsyncSession, account: Account, since: date
) -> list[tuple[date, Decimal]]:
    """Per effective date from `since` on, the posted change in the account's normal
    direction, by date."""
    sign = AccountType(account.type).normal_sign
    rows = await session.execute(
        sa.select(Transaction.effective_date, sa.func.sum(Posting.amount))
        .select_from(Posting)
        .join(Transaction, Transaction.id == Posting.transaction_id)
        .where(
            Posting.account_id == account.id,
            Transaction.status == str(TransactionStatus.POSTED),
            Transaction.effective_date >= since,
        )
        .group_by(Transaction.effective_date)
        .order_by(Transaction.effective_date)
    )
    return [(day, Decimal(total) * sign) for day, total in rows.all()]


async def balance_as_of(session: AsyncSession, account: Account, as_of: date) -> Balance:
    """Posted and pending sums of transactions effective on or before `as_of`."""
    sign = AccountType(account.type).normal_sign
    posted, pending_out, pending_in = (
        await session.execute(
            sa.select(
                sa.func.coalesce(
                    sa.func.sum(Posting.amount).filter(
                        Transaction.status == str(TransactionStatus.POSTED)
                    ),
                    0,
                ),
                sa.func.coalesce(
                    sa.func.sum(sa.func.abs(Posting.amount)).filter(
                        Transaction.status == str(TransactionStatus.PENDING),
                        Posting.amount * sign < 0,
                    ),
                    0,
                ),
                sa.func.coalesce(
                    sa.func.sum(sa.func.abs(Posting.amount)).filter(
                        Transaction.status == str(TransactionStatus.PENDING),
                        Posting.amount * sign > 0,
                    ),
                    0,
                ),
            )
            .select_from(Posting)
            .join(Transaction, Transaction.id == Posting.transaction_id)
            .where(
                Posting.account_id == account.id,
                *_counted(as_of, TransactionStatus.POSTED, TransactionStatus.PENDING),
            )
        )
    ).one()
    posted = Decimal(posted) * sign
    pending = Decimal(pending_out)
    return Balance(posted, pending, posted - pending, account.currency, Decimal(pending_in))


async def posted_sum_before(session: AsyncSession, account: Account, before: date) -> Decimal:
    total = await session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Posting.amount), 0))
        .select_from(Posting)
        .join(Transaction, Transaction.id == Posting.transaction_id)
        .where(
            Posting.account_id == account.id,
            Transaction.status == str(TransactionStatus.POSTED),
            Transaction.effective_date < before,
        )
    )
    return Decimal(total or 0)


async def statement_lines(
    session: AsyncSession,
    account: Account,
    *,
    from_date: date | None,
    to_date: date | None,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
) -> list[StatementLine]:
    """Posted lines in (effective date, posting id) order with the running posted balance."""
    running = (
        sa.select(
            Posting.id.label("posting_id"),
            Posting.transaction_id,
            Transaction.effective_date,
            Transaction.kind,
            Transaction.memo,
            Posting.amount,
            sa.func.sum(Posting.amount)
            .over(order_by=(Transaction.effective_date, Posting.id))
            .label("running"),
        )
        .join(Transaction, Transaction.id == Posting.transaction_id)
        .where(Posting.account_id == account.id, *_counted(to_date, TransactionStatus.POSTED))
        .subquery()
    )
    query = sa.select(running).order_by(running.c.effective_date, running.c.posting_id)
    if from_date is not None:
        query = query.where(running.c.effective_date >= from_date)
    if after is not None:
        query = query.where(
            sa.tuple_(running.c.effective_date, running.c.posting_id) > sa.tuple_(*after)
        )
    sign = AccountType(account.type).normal_sign
    return [
        StatementLine(
            posting_id=row.posting_id,
            transaction_id=row.transaction_id,
            effective_date=row.effective_date,
            kind=EntryKind(row.kind),
            memo=row.memo,
            amount=row.amount,
            running_balance=row.running * sign,
        )
        for row in await session.execute(query.limit(limit))
    ]


async def trial_balance_lines(
    session: AsyncSession, country: str, as_of: date | None
) -> tuple[list[TrialBalanceLine], list[CurrencyTotal]]:
    debit_sum = sa.func.coalesce(sa.func.sum(Posting.amount).filter(Posting.amount > 0), 0)
    credit_sum = sa.func.coalesce(-sa.func.sum(Posting.amount).filter(Posting.amount < 0), 0)
    rows = await session.execute(
        sa.select(Account.code, Account.type, Account.currency, debit_sum, credit_sum)
        .join(Posting, Posting.account_id == Account.id)
        .join(Transaction, Transaction.id == Posting.transaction_id)
        .where(Account.country == country, *_counted(as_of, TransactionStatus.POSTED))
        .group_by(Account.code, Account.type, Account.currency)
        .order_by(Account.currency, Account.code)
    )
    lines = []
    totals: dict[str, list[Decimal]] = {}
    for code, type_, currency, debit, credit in rows:
        account_type = AccountType(type_)
        lines.append(
            TrialBalanceLine(
                code,
                account_type,
                currency,
                debit,
                credit,
                (debit - credit) * account_type.normal_sign,
            )
        )
        total = totals.setdefault(currency, [Decimal(0), Decimal(0)])
        total[0] += debit
        total[1] += credit
    return lines, [CurrencyTotal(c, d, k) for c, (d, k) in sorted(totals.items())]

"""Use cases of the ledger: take a session, apply the pure core, flush, never commit (except
`record_alone`, a unit of work of its own).

The caller's unit of work commits, so a claim's state change and its ledger movement are one
database transaction. PostgreSQL checks every invariant itself: `ledger_record` for what it
writes (migration 0026), the triggers of migration 0003 for any other writer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ledger import repository
from ledger.chart import (
    COUNTRY_CURRENCY,
    MINOR_UNITS,
    AccountDefinition,
    AccountType,
    Owner,
    account_owner,
    acts_for,
)
from ledger.errors import (
    AccountConflict,
    AccountNotFound,
    AlreadyReversed,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAccount,
    InvalidTransaction,
    InvalidTransition,
    LedgerError,
    OwnedElsewhere,
    PendingExpired,
    TransactionNotFound,
)
from ledger.models import new_id
from ledger.posting import (
    EntryKind,
    PostingSpec,
    TransactionSpec,
    TransactionStatus,
    check_account_code,
    check_against_accounts,
    check_funds,
    check_not_expired,
    check_owner,
    check_transaction,
    fingerprint,
    has_expired,
    mirror,
)
from ledger.views import (
    AccountView,
    Balance,
    StatementPage,
    TransactionView,
    TrialBalance,
)

MAX_BATCH = 1000
"""Most transactions one batch may hold."""

MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class BatchItem:
    spec: TransactionSpec
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class _Item:
    spec: TransactionSpec
    key: str
    reversal_of: uuid.UUID | None = None


async def record_transaction(
    session: AsyncSession,
    spec: TransactionSpec,
    *,
    idempotency_key: str,
    idempotency_scope: str,
    created_by: str,
    now: datetime,
    owner: Owner = None,
) -> TransactionView:
    """Record a balanced transaction, posted at once or pending (a reservation).

    `owner` (`claim:<id>`) is whom the caller acts for: only then may the transaction touch that
    owner's accounts (OwnedElsewhere otherwise; see `chart.account_owner`).
    `now` is the business moment against which a reservation's expiry is checked. The same key
    and the same spec in the same scope return the first result and move nothing;
    the same key with a different spec raises IdempotencyConflict.
    """
    views = await _record(
        session,
        [_Item(spec, idempotency_key)],
        idempotency_scope,
        created_by,
        now,
        batch=False,
        owner=owner,
    )
    return views[0]


async def record_alone(
    engine: AsyncEngine,
    spec: TransactionSpec,
    *,
    idempotency_key: str,
    idempotency_scope: str,
    created_by: str,
    now: datetime,
    owner: Owner = None,
) -> TransactionView:
    """Record one transaction in a database transaction of its own, committed on return: for a
    caller with nothing else to write in that transaction (otherwise use `record_transaction`).

    When nothing is wrong, that is ONE round trip: `ledger_record` runs as a statement of its
    own, which PostgreSQL commits as it ends (a session would add BEGIN and COMMIT, two more
    waits for the server on a busy machine). A retry or a refusal takes the long way, in a
    transaction, which answers as `record_transaction` does.
    """
    items = [_Item(spec, idempotency_key)]
    _check_items(items, batch=False, owner=owner)
    if not has_expired(spec, now):
        async with engine.connect() as connection:
            alone = await connection.execution_options(isolation_level="AUTOCOMMIT")
            new = _new_transactions(items)
            created_at = await repository.record_on(
                alone, new, scope=idempotency_scope, created_by=created_by, attempt=True
            )
        if created_at is not None:
            return _views(new, created_by, created_at)[0]
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        async with session.begin():
            views = await _record_checked(
                session, items, idempotency_scope, created_by, now, batch=False
            )
        return views[0]


async def record_batch(
    session: AsyncSession,
    items: Sequence[BatchItem],
    *,
    idempotency_scope: str,
    created_by: str,
    now: datetime,
) -> list[TransactionView]:
    """Record up to MAX_BATCH transactions, all or none; an error names its transaction_index."""
    if not 1 <= len(items) <= MAX_BATCH:
        raise InvalidTransaction(f"a batch holds between 1 and {MAX_BATCH} transactions")
    return await _record(
        session,
        [_Item(item.spec, item.idempotency_key) for item in items],
        idempotency_scope,
        created_by,
        now,
        batch=True,
    )


def _at(error: LedgerError, index: int, batch: bool) -> LedgerError:
    if batch:
        error.transaction_index = index
    return error


async def _record(
    session: AsyncSession,
    items: Sequence[_Item],
    scope: str,
    created_by: str,
    now: datetime,
    *,
    batch: bool,
    owner: Owner = None,
) -> list[TransactionView]:
    _check_items(items, batch=batch, owner=owner)
    # A transaction already expired takes the long way: only its key lookup, which comes first
    # there, can tell a late retry (answered with the first result) from a mistake.
    if not batch and not has_expired(items[0].spec, now):
        # One round trip: the database function locks the accounts, looks up the key, asks what
        # its rules would refuse (the same as check_funds: money in is applied before money out)
        # and writes only if nothing. Anything else (a retry, a refusal) takes the long way, on
        # the accounts the function left locked, so the pure core names the fault.
        created = await _insert(session, items, scope, created_by, attempt=True)
        if created is not None:
            return created
    return await _record_checked(session, items, scope, created_by, now, batch=batch)


def _check_items(items: Sequence[_Item], *, batch: bool, owner: Owner) -> None:
    """Everything checked before the database is asked: keys, owner, shape, amounts, balance."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not 0 < len(item.key) <= MAX_KEY_LENGTH:
            raise _at(
                InvalidTransaction("the idempotency key has 1 to 255 characters"), index, batch
            )
        if item.key in seen:
            raise _at(
                InvalidTransaction("the idempotency key is used twice in the batch"), index, batch
            )
        seen.add(item.key)
        try:
            check_owner(item.spec.postings, owner)
            check_transaction(item.spec)
        except LedgerError as error:
            raise _at(error, index, batch) from None


async def _record_checked(
    session: AsyncSession,
    items: Sequence[_Item],
    scope: str,
    created_by: str,
    now: datetime,
    *,
    batch: bool,
) -> list[TransactionView]:
    """The long way: lock, look up, check against the accounts here, then write."""
    # Lock first, then look for earlier requests with the same keys: a concurrent duplicate holds
    # the same account locks until it commits, so the lookup below then sees its transaction.
    accounts = await repository.lock_accounts(
        session, (p.account_code for item in items for p in item.spec.postings)
    )
    existing = await repository.existing_by_keys(session, scope, [item.key for item in items])
    fresh: list[tuple[int, _Item]] = []
    for index, item in enumerate(items):
        earlier = existing.get(item.key)
        if earlier is None:
            fresh.append((index, item))
        elif earlier.fingerprint != fingerprint(item.spec):
            raise _at(
                IdempotencyConflict(
                    "this idempotency key was already used for a different transaction"
                ),
                index,
                batch,
            )
    facts = {code: account_facts for code, (_, account_facts) in accounts.items()}
    for index, item in fresh:
        try:
            check_not_expired(item.spec, now)
            check_against_accounts(item.spec, facts)
        except LedgerError as error:
            raise _at(error, index, batch) from None
    # In a batch, the database nets each account's change over all transactions, while this
    # refuses the first transaction, in order, that overdraws: the stricter check decides.
    try:
        check_funds([item.spec for _, item in fresh], facts, batch=batch)
    except LedgerError as error:
        if batch and error.transaction_index is not None:
            error.transaction_index = fresh[error.transaction_index][0]
        raise

    created: dict[str, TransactionView] = {}
    if fresh:
        views = await _insert(
            session, [item for _, item in fresh], scope, created_by, attempt=False
        )
        assert views is not None  # without `attempt`, a refusal raises
        created = {item.key: view for (_, item), view in zip(fresh, views, strict=True)}
    earlier_views = await repository.transaction_views(
        session, [existing[item.key].id for item in items if item.key in existing]
    )
    return [
        earlier_views[existing[item.key].id] if item.key in existing else created[item.key]
        for item in items
    ]


async def _insert(
    session: AsyncSession,
    items: Sequence[_Item],
    scope: str,
    created_by: str,
    *,
    attempt: bool,
) -> list[TransactionView] | None:
    """Write `items` in one call; their views, in order, or None if an attempt wrote nothing."""
    new = _new_transactions(items)
    created_at = await repository.record(
        session, new, scope=scope, created_by=created_by, attempt=attempt
    )
    if created_at is None:
        return None
    return _views(new, created_by, created_at)


def _new_transactions(items: Sequence[_Item]) -> list[repository.NewTransaction]:
    return [
        repository.NewTransaction(
            new_id(), item.spec, item.key, fingerprint(item.spec), item.reversal_of
        )
        for item in items
    ]


def _views(
    new: Sequence[repository.NewTransaction], created_by: str, created_at: datetime
) -> list[TransactionView]:
    """The views of transactions just written, built from what was sent (no read back)."""
    return [
        TransactionView(
            id=tx.id,
            status=TransactionStatus.PENDING if tx.spec.pending else TransactionStatus.POSTED,
            kind=tx.spec.kind,
            country=tx.spec.country,
            effective_date=tx.spec.effective_date,
            memo=tx.spec.memo,
            references=dict(tx.spec.references),
            postings=tx.spec.postings,
            exchange_rates=dict(tx.spec.exchange_rates),
            reversal_of=tx.reversal_of,
            reversed_by=None,
            expires_at=tx.spec.expires_at,
            created_by=created_by,
            created_at=created_at,
            status_changed_at=None,
            status_changed_by=None,
        )
        for tx in new
    ]


async def check_dates(
    session: AsyncSession, specs: Sequence[TransactionSpec], *, today: date
) -> None:
    """For a caller who chooses the effective date: refuse one after `today`, one before the
    country's books were opened, and a back-dated one that would take a guarded account below
    zero on any date from its effective date on (balances as of a past date stay true)."""
    for index, spec in enumerate(specs):
        batch = len(specs) > 1
        if spec.effective_date > today:
            raise _at(InvalidTransaction("the effective date is in the future"), index, batch)
        opened = await repository.books_opened(session, spec.country)
        if opened is not None and spec.effective_date < opened:
            raise _at(
                InvalidTransaction(
                    f"the effective date is before the books of {spec.country} were opened "
                    f"({opened.isoformat()})"
                ),
                index,
                batch,
            )
        if spec.effective_date < today and not spec.pending:
            await _check_back_dated(session, spec, index, batch)


async def _check_back_dated(
    session: AsyncSession, spec: TransactionSpec, index: int, batch: bool
) -> None:
    for position, posting in enumerate(spec.postings):
        row = await repository.account_by_code(session, posting.account_code)
        if row is None or not row.must_not_go_negative:
            continue
        change = posting.amount * AccountType(row.type).normal_sign
        if change >= 0:
            continue
        # The lowest balance as of any date from the effective date on: what came before it
        # (today's balance less the later days' changes), then after each later day's change.
        later = await repository.posted_changes_since(session, row, spec.effective_date)
        running = repository.balance_of(row).posted - sum((c for _, c in later), Decimal(0))
        lowest = running
        for _, day_change in later:
            running += day_change
            lowest = min(lowest, running)
        if lowest + change < 0:
            raise _at(InsufficientFunds(position, posting.account_code), index, batch)


async def get_transaction(session: AsyncSession, transaction_id: uuid.UUID) -> TransactionView:
    views = await repository.transaction_views(session, [transaction_id])
    if transaction_id not in views:
        raise TransactionNotFound("there is no such transaction")
    return views[transaction_id]


async def post_pending(
    session: AsyncSession,
    transaction_id: uuid.UUID,
    *,
    actor: str,
    now: datetime,
    owner: Owner = None,
) -> TransactionView:
    """Post a pending transaction: its reservation becomes posted money. Posting a transaction
    that is already posted returns it unchanged (a safe retry); a voided one cannot be posted,
    nor one whose expiry is not after `now`. A transaction on an owner's accounts is posted only
    for that `owner` (as in record_transaction)."""
    return await _settle(session, transaction_id, TransactionStatus.POSTED, actor, now, owner=owner)


async def void_pending(
    session: AsyncSession, transaction_id: uuid.UUID, *, actor: str, owner: Owner = None
) -> TransactionView:
    """Void a pending transaction: its reservation is released. Voiding a voided one returns it
    unchanged; a posted one cannot be voided (reverse it instead). `owner` as in post_pending."""
    return await _settle(
        session, transaction_id, TransactionStatus.VOIDED, actor, None, owner=owner
    )


async def _settle(
    session: AsyncSession,
    transaction_id: uuid.UUID,
    target: TransactionStatus,
    actor: str,
    now: datetime | None,
    *,
    owner: Owner,
) -> TransactionView:
    """Move a pending transaction to `target`; `now` is needed only to post (expiry)."""
    row = await repository.transaction_for_update(session, transaction_id)
    if row is None:
        raise TransactionNotFound("there is no such transaction")
    check_owner((await get_transaction(session, transaction_id)).postings, owner)
    status = TransactionStatus(row.status)
    if status is not TransactionStatus.PENDING:
        if status is target:
            return await get_transaction(session, transaction_id)
        raise InvalidTransition(
            f"the transaction is {status}; only a pending transaction can be {target}"
        )
    if (
        target is TransactionStatus.POSTED
        and row.expires_at is not None
        and (now is None or row.expires_at <= now)
    ):
        raise PendingExpired("the pending transaction has expired; it can only be voided")
    await repository.set_status(session, transaction_id, target, actor)
    return await get_transaction(session, transaction_id)


async def reverse_transaction(
    session: AsyncSession,
    transaction_id: uuid.UUID,
    *,
    actor: str,
    idempotency_key: str,
    memo: str = "",
    now: datetime,
    idempotency_scope: str | None = None,
    effective_date: date | None = None,
    owner: Owner = None,
) -> TransactionView:
    """Record the mirror of a posted transaction, linked to it; a transaction is reversed once.
    A transaction on an owner's accounts is reversed only for that `owner`.

    `idempotency_scope` defaults to `actor`. `effective_date` defaults to the date of `now`: the
    correction is booked when it is made, and the original stays in the books as it was.
    """
    scope = idempotency_scope or actor
    original = await repository.transaction_for_update(session, transaction_id)
    if original is None:
        raise TransactionNotFound("there is no such transaction")
    view = await get_transaction(session, transaction_id)
    check_owner(view.postings, owner)
    earlier = (await repository.existing_by_keys(session, scope, [idempotency_key])).get(
        idempotency_key
    )
    if earlier is not None:
        if earlier.reversal_of != transaction_id:
            raise IdempotencyConflict(
                "this idempotency key was already used for a different transaction"
            )
        return await get_transaction(session, earlier.id)
    if original.kind == EntryKind.REVERSAL:
        raise InvalidTransition("a reversal cannot be reversed; record a new transaction instead")
    if original.status != TransactionStatus.POSTED:
        raise InvalidTransition(
            f"the transaction is {original.status}; only a posted transaction can be reversed "
            f"(void a pending one)"
        )
    if await repository.reversal_of(session, transaction_id) is not None:
        raise AlreadyReversed("the transaction has been reversed already")
    spec = TransactionSpec(
        country=view.country,
        kind=EntryKind.REVERSAL,
        effective_date=effective_date or now.date(),
        postings=mirror(view.postings),
        memo=memo or f"reversal of {view.id}",
        references=view.references,
        exchange_rates=view.exchange_rates,
    )
    views = await _record(
        session,
        [_Item(spec, idempotency_key, transaction_id)],
        scope,
        actor,
        now,
        batch=False,
        owner=owner,
    )
    return views[0]


async def void_expired(
    session: AsyncSession,
    *,
    actor: str,
    now: datetime,
    countries: Iterable[str] | None = None,
) -> list[uuid.UUID]:
    """Void every pending transaction (of `countries`; None: all) whose expiry is not after
    `now`, so its reservation stops holding money; returns their ids (for a job or an
    administrator). A reservation that belongs to a claim or an application is left to it."""
    voided = []
    for transaction_id in await repository.expired_pending_ids(session, now, countries):
        view = await get_transaction(session, transaction_id)
        if any(account_owner(p.account_code) for p in view.postings):
            continue
        await _settle(session, transaction_id, TransactionStatus.VOIDED, actor, None, owner=None)
        voided.append(transaction_id)
    return voided


async def ensure_account(
    session: AsyncSession,
    code: str,
    *,
    name: str,
    type: AccountType,  # noqa: A002 - the public API names it so
    currency: str,
    country: str,
    must_not_go_negative: bool = False,
    owner: Owner = None,
) -> AccountView:
    """The account `code`, created if missing; raises AccountConflict if it exists differently.
    An account that belongs to a claim or an application is opened only for that `owner`."""
    definition = AccountDefinition(code, name, type, currency, country, must_not_go_negative)
    _check_definition(definition)
    _check_account_owner(code, owner)
    await repository.insert_account_if_missing(session, _account_values(definition))
    row = await repository.account_by_code(session, code)
    assert row is not None
    view = repository.account_view(row)
    if (view.type, view.currency, view.country, view.must_not_go_negative) != (
        type,
        currency,
        country,
        must_not_go_negative,
    ):
        raise AccountConflict(f"account {code} exists with a different type, currency or flag")
    return view


async def create_account(
    session: AsyncSession, definition: AccountDefinition, *, owner: Owner = None
) -> AccountView:
    """A new account; raises AccountConflict if the code is taken (`owner` as in ensure_account)."""
    _check_definition(definition)
    _check_account_owner(definition.code, owner)
    if await repository.account_by_code(session, definition.code) is not None:
        raise AccountConflict(f"account {definition.code} exists already")
    return await ensure_account(
        session,
        definition.code,
        name=definition.name,
        type=definition.type,
        currency=definition.currency,
        country=definition.country,
        must_not_go_negative=definition.must_not_go_negative,
        owner=owner,
    )


def _check_account_owner(code: str, owner: Owner) -> None:
    belongs_to = account_owner(code)
    if belongs_to is not None and belongs_to not in acts_for(owner):
        raise OwnedElsewhere(belongs_to, code)


def _check_definition(definition: AccountDefinition) -> None:
    if definition.country not in COUNTRY_CURRENCY:
        raise InvalidAccount(f"country {definition.country!r} is not one of the ledger's countries")
    if definition.currency not in MINOR_UNITS:
        raise InvalidAccount(f"currency {definition.currency!r} is not accepted by the ledger")
    if not 0 < len(definition.name) <= 200:
        raise InvalidAccount("the account name has 1 to 200 characters")
    check_account_code(definition.code, definition.country)


def _account_values(definition: AccountDefinition) -> dict[str, Any]:
    return {
        "code": definition.code,
        "name": definition.name,
        "type": str(definition.type),
        "currency": definition.currency,
        "country": definition.country,
        "must_not_go_negative": definition.must_not_go_negative,
    }


async def get_account(session: AsyncSession, code: str) -> AccountView:
    row = await repository.account_by_code(session, code)
    if row is None:
        raise AccountNotFound("there is no such account")
    return repository.account_view(row)


async def list_accounts(
    session: AsyncSession, countries: Iterable[str] | None = None, *, prefix: str | None = None
) -> list[AccountView]:
    """Accounts of `countries` (None: all), by code."""
    rows = await repository.list_accounts(session, countries, prefix=prefix)
    return [repository.account_view(row) for row in rows]


async def account_balance(
    session: AsyncSession, code: str, *, as_of: date | None = None
) -> Balance:
    """Posted, pending and available balance now, or of transactions effective by `as_of`."""
    row = await repository.account_by_code(session, code)
    if row is None:
        raise AccountNotFound("there is no such account")
    if as_of is None:
        return repository.balance_of(row)
    return await repository.balance_as_of(session, row, as_of)


async def locked_balance(session: AsyncSession, code: str) -> Balance:
    """The account's balance now, with its row locked until the caller's transaction ends, so
    nothing else moves its money between this read and the caller's write."""
    accounts = await repository.lock_accounts(session, [code])
    if code not in accounts:
        raise AccountNotFound("there is no such account")
    row = await repository.account_by_code(session, code)
    assert row is not None
    return repository.balance_of(row)


async def transactions_by_reference(
    session: AsyncSession, key: str, value: str, *, countries: Iterable[str] | None = None
) -> list[TransactionView]:
    """Every transaction whose references hold `key: value`, by effective date."""
    ids = await repository.ids_by_reference(session, key, value, countries)
    views = await repository.transaction_views(session, ids)
    return [views[i] for i in ids]


async def trial_balance(
    session: AsyncSession, country: str, *, as_of: date | None = None
) -> TrialBalance:
    """Posted debits and credits per account of `country`; they sum to zero per currency."""
    lines, totals = await repository.trial_balance_lines(session, country, as_of)
    return TrialBalance(country, as_of, tuple(lines), tuple(totals))


STATEMENT_PAGE_MAX = 500


async def account_statement(
    session: AsyncSession,
    code: str,
    *,
    from_date: date | None = None,
    to_date: date | None = None,
    after: str | None = None,
    limit: int = 100,
) -> StatementPage:
    """One page of posted lines with the running balance; `after` is the previous next_cursor."""
    row = await repository.account_by_code(session, code)
    if row is None:
        raise AccountNotFound("there is no such account")
    limit = max(1, min(limit, STATEMENT_PAGE_MAX))
    lines = await repository.statement_lines(
        session,
        row,
        from_date=from_date,
        to_date=to_date,
        after=_parse_cursor(after),
        limit=limit + 1,
    )
    opening = Decimal(0)
    if from_date is not None:
        sign = AccountType(row.type).normal_sign
        opening = await repository.posted_sum_before(session, row, from_date) * sign
    more = len(lines) > limit
    lines = lines[:limit]
    cursor = f"{lines[-1].effective_date.isoformat()}_{lines[-1].posting_id}" if more else None
    return StatementPage(repository.account_view(row), opening, tuple(lines), cursor)


def _parse_cursor(cursor: str | None) -> tuple[date, uuid.UUID] | None:
    if cursor is None:
        return None
    try:
        day, _, posting = cursor.partition("_")
        return date.fromisoformat(day), uuid.UUID(posting)
    except ValueError as exc:
        raise InvalidTransaction("the statement cursor is not one this service gave out") from exc


__all__ = [
    "MAX_BATCH",
    "BatchItem",
    "PostingSpec",
    "account_balance",
    "account_statement",
    "create_account",
    "ensure_account",
    "get_account",
    "get_transaction",
    "list_accounts",
    "post_pending",
    "record_batch",
    "record_transaction",
    "reverse_transaction",
    "transactions_by_reference",
    "trial_balance",
    "void_expired",
    "void_pending",
]

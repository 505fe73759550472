"""The ledger over HTTP: administrators of a country write its books, auditors read every book.

Administrators read their own countries' books; another country's account or transaction
answers 404. Every route that moves money requires an `Idempotency-Key` header (see
fundadmin/idempotency.py). Account codes contain slashes, so an account's balance and statement
are read at `/accounts/<code>/balance` and `/accounts/<code>/statement` through one path route.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

import ledger
from fundadmin.api.conventions import (
    CREATED_HEADERS,
    ETAG_HEADER,
    IfMatchWhenSent,
    business_rules,
    check_if_match,
    located,
    with_etag,
)
from fundadmin.api.pagination import (
    LINK_HEADER,
    After,
    Limit,
    Page,
    after_day_and_id,
    day_and_id_cursor,
    page_of,
    paged,
)
from fundadmin.api.steps import tagged
from fundadmin.clock import Clock
from fundadmin.database import unit_of_work
from fundadmin.errors import NOT_FOUND, UNPROCESSABLE, ProblemError, ProblemType
from fundadmin.idempotency import (
    IDEMPOTENT,
    idempotency_key,
    idempotent,
    idempotent_responses,
)
from fundadmin.security.audit import client_address, write_audit
from fundadmin.security.guards import requires
from fundadmin.security.principal import ALL_COUNTRIES, Principal, Role
from ledger.schemas import (
    AccountIn,
    AccountOut,
    BalanceOut,
    BatchIn,
    BatchOut,
    ReverseIn,
    StatementOut,
    TransactionIn,
    TransactionOut,
    TrialBalanceOut,
    VoidedOut,
    account_out,
    balance_out,
    batch_from_wire,
    definition_from_wire,
    spec_from_wire,
    statement_out,
    transaction_out,
    transaction_version,
    trial_balance_out,
)

WRITERS = [requires(Role.ADMINISTRATOR)]


READERS = [requires(Role.ADMINISTRATOR, Role.AUDITOR)]
FORBIDDEN_COUNTRY = ProblemType(403, "country-not-administered", "Not your country's books")


OWNED_MONEY = ProblemType(409, "owned-by-claim", "This money moves only through its own routes")
_CLAIM_ROUTES = {
    "write": "POST /api/v1/claims/{id}/payments (a payment) or /decision (an award)",
    "post": "POST /api/v1/claims/{id}/letter (the letter books the award)",
    "void": "POST /api/v1/claims/{id}/approvals (send back) or /decision (a new decision)",
    "reverse": "POST /api/v1/claims/{id}/appeal, then /decision (a new decision)",
    "open": "POST /api/v1/claims/{id}/decision (the decision opens the account)",
}
_APPLICATION_ROUTES = {
    "write": "POST /api/v1/return-assistance/{id}/instalments/{{position}}/payment",
    "post": "POST /api/v1/return-assistance/{id}/instalments/{{position}}/payment",
    "void": "POST /api/v1/return-assistance/{id}/stop or /consent/withdrawal",
    "reverse": "POST /api/v1/return-assistance/{id}/stop (nothing paid is taken back here)",
    "open": "POST /api/v1/return-assistance/{id}/approval (approval opens the account)",
}
_CASE_ROUTES = dict.fromkeys(
    _CLAIM_ROUTES,
    "POST /api/v1/confiscations/<order>/realisations (money in), "
    "POST /api/v1/confiscations/earmarks/release (unclaimed money out), or a claim in case {id} "
    "(its award draws on the earmark)",
)
_OWNER_ROUTES = {
    "claim": _CLAIM_ROUTES,
    "application": _APPLICATION_ROUTES,
    "case": _CASE_ROUTES,
}


@asynccontextmanager
async def _generic_route(operation: str) -> AsyncIterator[None]:
    """Money that belongs to a claim, a return-assistance application or a case's earmark
    (reservations, payable accounts, payments) moves only through its owner's routes, which keep
    the record and its books in step: say which to use."""
    try:
        yield
    except ledger.OwnedElsewhere as error:
        use = _OWNER_ROUTES[error.owner_kind][operation].format(id=error.owner_id)
        raise ProblemError(
            OWNED_MONEY,
            f"{error}; the ledger's generic routes do not {operation} it: use {use}",
            extensions={**error.problem_extensions(), "use": use},
        ) from None


def _position(after: str | None) -> str | None:
    """The ledger's own statement position (`<effective date>_<posting id>`) of a cursor."""
    key = after_day_and_id(after)
    return None if key is None else f"{key[0].isoformat()}_{key[1]}"


def _statement_cursor(position: str) -> str:
    day, _, posting = position.partition("_")
    return day_and_id_cursor(date.fromisoformat(day), uuid.UUID(posting))


def _readable(principal: Principal) -> frozenset[str] | None:
    """Countries whose books the caller may read; None for every country."""
    countries = principal.countries(Role.ADMINISTRATOR) | principal.countries(Role.AUDITOR)
    return None if ALL_COUNTRIES in countries else countries


def _may_read(principal: Principal, country: str) -> bool:
    return principal.reaches(Role.ADMINISTRATOR, country) or principal.reaches(
        Role.AUDITOR, country
    )


def _require_write(principal: Principal, countries: Iterable[str]) -> None:
    for country in countries:
        if not principal.reaches(Role.ADMINISTRATOR, country):
            raise ProblemError(
                FORBIDDEN_COUNTRY, f"you do not administer the books of country {country}"
            )


async def _readable_account(
    session: AsyncSession, principal: Principal, code: str
) -> ledger.AccountView:
    account = await ledger.get_account(session, code)
    if not _may_read(principal, account.country):
        raise ledger.AccountNotFound("there is no such account")
    return account


async def _readable_transaction(
    session: AsyncSession, principal: Principal, transaction_id: uuid.UUID
) -> ledger.TransactionView:
    view = await ledger.get_transaction(session, transaction_id)
    if not _may_read(principal, view.country):
        raise ledger.TransactionNotFound("there is no such transaction")
    return view


async def _writable_transaction(
    session: AsyncSession, principal: Principal, transaction_id: uuid.UUID, if_match: str | None
) -> None:
    """A transaction of a country the caller administers, at the version If-Match names (when
    sent: the ledger's own row lock then keeps a racing change from slipping in between)."""
    view = await _readable_transaction(session, principal, transaction_id)
    if not principal.reaches(Role.ADMINISTRATOR, view.country):
        raise ledger.TransactionNotFound("there is no such transaction")
    check_if_match(if_match, transaction_version(view))


def _scope(principal: Principal) -> str:
    return f"user:{principal.user_id}"


async def _audit(
    session: AsyncSession,
    request: Request[Any, Any, Any],
    principal: Principal,
    action: str,
    view: ledger.TransactionView,
) -> None:
    """Every change to the books is on the audit trail."""
    await write_audit(
        session,
        principal=principal,
        action=action,
        subject_type="ledger_transaction",
        subject_id=str(view.id),
        remote_addr=client_address(request),
        details={"country": view.country, "kind": view.kind, "status": view.status},
        country=view.country,
    )


Settle = Callable[[AsyncSession, uuid.UUID], Awaitable[ledger.TransactionView]]


async def _settle(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    principal: Principal,
    transaction_id: uuid.UUID,
    *,
    settle: Settle,
    verb: str,
    if_match: str | None,
) -> Response[bytes]:
    """Post or void a pending transaction of a country the caller administers, once per key."""

    async def action() -> TransactionOut:
        await _writable_transaction(session, principal, transaction_id, if_match)
        async with _generic_route(verb):
            view = await settle(session, transaction_id)
        await _audit(session, request, principal, f"ledger.transaction.{verb}", view)
        return transaction_out(view)

    async with unit_of_work(session):
        return tagged(await idempotent(request, session, principal, None, action, status_code=200))


LEDGER_RULES = (
    (
        "each posting names an existing account of `country`'s books, in that account's currency, "
        "to its minor unit"
    ),
    "the postings of each currency balance (debits equal credits)",
    (
        "a transaction in several currencies gives `exchange_rates` for exactly those other than "
        "the country's, each booked through its exchange account"
    ),
    "`effective_date` is not after today (the service's date)",
    "only a pending transaction has an `expires_at`, and it is later than now",
)
"""Rules of a transaction beyond its schema: facts of the books, a sum over its postings."""


class LedgerController(Controller):
    path = "/api/v1/ledger"
    tags = ["ledger"]

    @get(
        "/accounts",
        guards=READERS,
        summary="Accounts of the books you may read",
        response_headers=LINK_HEADER,
    )
    async def list_accounts(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        country: FromQuery[str | None] = None,
        prefix: FromQuery[str | None] = None,
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[AccountOut]]:
        readable = _readable(principal)
        countries = {country} if country else readable
        if country and readable is not None and country not in readable:
            countries = set()
        views = await ledger.list_accounts(session, countries, prefix=prefix)
        return paged(request, page_of([account_out(view) for view in views], after, limit))

    @post("/accounts", guards=WRITERS, summary="Open an account in your country's books")
    async def create_account(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: JSONBody[AccountIn],
    ) -> Response[AccountOut]:
        _require_write(principal, [data.country])
        async with unit_of_work(session), _generic_route("open"):
            view = await ledger.create_account(session, definition_from_wire(data))
            await write_audit(
                session,
                principal=principal,
                action="ledger.account.create",
                subject_type="ledger_account",
                subject_id=view.code,
                remote_addr=client_address(request),
                details={"country": view.country},
                country=view.country,
            )
        return Response(
            account_out(view),
            status_code=201,
            headers={"Location": f"{self.path}/accounts/{view.code}"},
        )

    @get(
        "/accounts/{code:path}",
        guards=READERS,
        summary="An account; `<code>/balance?as_of=` its balance; `<code>/statement` its lines",
        response_headers=LINK_HEADER,
    )
    async def account(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        code: FromPath[str],
        as_of: FromQuery[date | None] = None,
        start: Annotated[
            date | None, QueryParameter(name="from", description="First day (inclusive)")
        ] = None,
        end: Annotated[
            date | None, QueryParameter(name="to", description="Last day (inclusive)")
        ] = None,
        after: After = None,
        limit: Limit = 50,
    ) -> Response[AccountOut | BalanceOut | StatementOut]:
        code = code.strip("/")
        base, _, view = code.rpartition("/")
        if view == "balance":
            await _readable_account(session, principal, base)
            balance = await ledger.account_balance(session, base, as_of=as_of)
            return Response(balance_out(base, balance, as_of))
        if view == "statement":
            await _readable_account(session, principal, base)
            out = statement_out(
                await ledger.account_statement(
                    session, base, from_date=start, to_date=end, after=_position(after), limit=limit
                )
            )
            if out.next is not None:
                out.next = _statement_cursor(out.next)
            return paged(request, out)
        return Response(account_out(await _readable_account(session, principal, code)))

    @post(
        "/transactions",
        guards=WRITERS,
        summary="Record a transaction (Idempotency-Key header required)",
        responses=idempotent_responses(TransactionOut, 201),
        response_headers=CREATED_HEADERS,
        opt={**IDEMPOTENT, **business_rules(*LEDGER_RULES)},
    )
    async def record(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        data: JSONBody[TransactionIn],
    ) -> Response[bytes]:
        key = idempotency_key(request)
        spec = spec_from_wire(data)
        _require_write(principal, [spec.country])

        async def action() -> TransactionOut:
            await ledger.check_dates(session, [spec], today=clock.now().date())
            async with _generic_route("write"):
                view = await ledger.record_transaction(
                    session,
                    spec,
                    idempotency_key=key,
                    idempotency_scope=_scope(principal),
                    created_by=principal.username,
                    now=clock.now(),
                )
            await _audit(session, request, principal, "ledger.transaction.record", view)
            return transaction_out(view)

        async with unit_of_work(session):
            return tagged(
                located(
                    await idempotent(request, session, principal, data, action),
                    f"{LedgerController.path}/transactions",
                )
            )

    @post(
        "/transactions/batch",
        guards=WRITERS,
        summary="Record up to 1000 transactions, all or none (Idempotency-Key header required)",
        responses=idempotent_responses(BatchOut, 201),
        opt={
            **IDEMPOTENT,
            **business_rules(*LEDGER_RULES, "no idempotency key is used twice in the batch"),
        },
    )
    async def record_batch(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        data: JSONBody[BatchIn],
    ) -> Response[bytes]:
        items = batch_from_wire(data)
        _require_write(principal, {item.spec.country for item in items})

        async def action() -> BatchOut:
            await ledger.check_dates(
                session, [item.spec for item in items], today=clock.now().date()
            )
            async with _generic_route("write"):
                views = await ledger.record_batch(
                    session,
                    items,
                    idempotency_scope=_scope(principal),
                    created_by=principal.username,
                    now=clock.now(),
                )
            await write_audit(
                session,
                principal=principal,
                action="ledger.batch.record",
                subject_type="ledger_batch",
                subject_id=str(views[0].id) if views else None,
                remote_addr=client_address(request),
                details={"transactions": len(views)},
            )
            return BatchOut([transaction_out(view) for view in views])

        async with unit_of_work(session):
            response = await idempotent(request, session, principal, data, action)
        if response.status_code == 201:
            # The primary record (RFC 9110 10.2.2) is the first transaction; the body names all.
            first = msgspec.json.decode(response.content)["transactions"][0]["id"]
            response.headers["Location"] = f"{self.path}/transactions/{first}"
        return response

    @post(
        "/transactions/void-expired",
        guards=WRITERS,
        status_code=200,
        summary="Void the expired reservations of a country (Idempotency-Key header required)",
        responses=idempotent_responses(VoidedOut, 200),
        opt=IDEMPOTENT,
    )
    async def void_expired(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        country: FromQuery[str],
    ) -> Response[bytes]:
        _require_write(principal, [country])

        async def action() -> VoidedOut:
            ids = await ledger.void_expired(
                session, actor=principal.username, countries=[country], now=clock.now()
            )
            await write_audit(
                session,
                principal=principal,
                action="ledger.transaction.void_expired",
                subject_type="ledger_country",
                subject_id=country,
                remote_addr=client_address(request),
                details={"voided": len(ids)},
                country=country,
            )
            return VoidedOut(voided=ids)

        async with unit_of_work(session):
            return await idempotent(request, session, principal, None, action, status_code=200)

    @get(
        "/transactions",
        guards=READERS,
        summary="Transactions by reference (`case:C-1`)",
        response_headers=LINK_HEADER,
    )
    async def by_reference(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        reference: Annotated[
            str,
            QueryParameter(
                description="key:value, e.g. claim:<claim id> or case:SE-B-1234-25",
                pattern=r"^[a-z][a-z0-9_]{0,29}:.{1,100}$",
            ),
        ],
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[TransactionOut]]:
        key, separator, value = reference.partition(":")
        if not separator or not key or not value:
            raise ProblemError(UNPROCESSABLE, "reference is key:value, such as case:SE-B-1234-25")
        views = await ledger.transactions_by_reference(
            session, key, value, countries=_readable(principal)
        )
        return paged(request, page_of([transaction_out(view) for view in views], after, limit))

    @get(
        "/transactions/{transaction_id:uuid}",
        guards=READERS,
        summary="One transaction",
        response_headers=ETAG_HEADER,
    )
    async def get_transaction(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        transaction_id: FromPath[uuid.UUID],
    ) -> Response[TransactionOut]:
        out = transaction_out(await _readable_transaction(session, principal, transaction_id))
        return with_etag(out, out.version, request=request)

    @post(
        "/transactions/{transaction_id:uuid}/post",
        guards=WRITERS,
        status_code=200,
        summary="Post a pending transaction (Idempotency-Key header required)",
        responses=idempotent_responses(TransactionOut, 200),
        response_headers=ETAG_HEADER,
        opt=IDEMPOTENT,
    )
    async def post_pending(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        transaction_id: FromPath[uuid.UUID],
        if_match: IfMatchWhenSent = None,
    ) -> Response[bytes]:
        async def settle(
            session: AsyncSession, transaction_id: uuid.UUID
        ) -> ledger.TransactionView:
            return await ledger.post_pending(
                session, transaction_id, actor=principal.username, now=clock.now()
            )

        return await _settle(
            request,
            session,
            principal,
            transaction_id,
            settle=settle,
            verb="post",
            if_match=if_match,
        )

    @post(
        "/transactions/{transaction_id:uuid}/void",
        guards=WRITERS,
        status_code=200,
        summary="Void a pending transaction (Idempotency-Key header required)",
        responses=idempotent_responses(TransactionOut, 200),
        response_headers=ETAG_HEADER,
        opt=IDEMPOTENT,
    )
    async def void_pending(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        transaction_id: FromPath[uuid.UUID],
        if_match: IfMatchWhenSent = None,
    ) -> Response[bytes]:
        async def settle(
            session: AsyncSession, transaction_id: uuid.UUID
        ) -> ledger.TransactionView:
            return await ledger.void_pending(session, transaction_id, actor=principal.username)

        return await _settle(
            request,
            session,
            principal,
            transaction_id,
            settle=settle,
            verb="void",
            if_match=if_match,
        )

    @post(
        "/transactions/{transaction_id:uuid}/reverse",
        guards=WRITERS,
        summary="Reverse a posted transaction once (Idempotency-Key header required; If-Match "
        "names the original's version, the answer's ETag is the reversal's)",
        responses=idempotent_responses(TransactionOut, 201),
        response_headers=CREATED_HEADERS,
        opt=IDEMPOTENT,
    )
    async def reverse(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        transaction_id: FromPath[uuid.UUID],
        data: JSONBody[ReverseIn],
        if_match: IfMatchWhenSent = None,
    ) -> Response[bytes]:
        key = idempotency_key(request)

        async def action() -> TransactionOut:
            await _writable_transaction(session, principal, transaction_id, if_match)
            async with _generic_route("reverse"):
                view = await ledger.reverse_transaction(
                    session,
                    transaction_id,
                    actor=principal.username,
                    idempotency_key=key,
                    idempotency_scope=_scope(principal),
                    memo=data.memo,
                    effective_date=data.effective_date,
                    now=clock.now(),
                )
            await _audit(session, request, principal, "ledger.transaction.reverse", view)
            return transaction_out(view)

        async with unit_of_work(session):
            return tagged(
                located(
                    await idempotent(request, session, principal, data, action),
                    f"{LedgerController.path}/transactions",
                )
            )

    @get("/trial-balance", guards=READERS, summary="Trial balance of one country's books")
    async def trial_balance(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        country: FromQuery[str],
        as_of: FromQuery[date | None] = None,
    ) -> TrialBalanceOut:
        if not _may_read(principal, country):
            raise ProblemError(NOT_FOUND, "there are no such books")
        return trial_balance_out(await ledger.trial_balance(session, country, as_of=as_of))

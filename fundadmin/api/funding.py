"""Money in and grants out over HTTP: administrators of a country record them, administrators
and auditors of the country read them.

Every write requires an `Idempotency-Key` (a retry answers the first result and moves nothing),
is audited, and commits with its ledger transaction or not at all. A record of another country
answers 404. A realisation names the order's version in `If-Match`, as every change of a record
does (428 without it, before the Idempotency-Key is looked at; 412 when the order has changed).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from litestar import Controller, Request, Response, Router, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

import claims
from fundadmin.api.claims_support import vault_of
from fundadmin.api.conventions import (
    CREATED_HEADERS,
    ETAG_HEADER,
    IfMatch,
    created_at,
    expected_version,
    located,
    with_etag,
)
from fundadmin.api.pagination import (
    LINK_HEADER,
    After,
    Limit,
    Page,
    after_id,
    id_cursor,
    page_of,
    paged,
)
from fundadmin.api.steps import audit, tagged
from fundadmin.clock import Clock
from fundadmin.database import unit_of_work
from fundadmin.funding import schemas, services
from fundadmin.funding.models import ConfiscationOrder, FundMovement
from fundadmin.funding.services import Writer
from fundadmin.idempotency import IDEMPOTENT, idempotent, idempotent_responses
from fundadmin.security.guards import requires
from fundadmin.security.principal import Principal, Role

WRITERS = [requires(Role.ADMINISTRATOR)]
READERS = [requires(Role.ADMINISTRATOR, Role.AUDITOR)]


def _writer(principal: Principal) -> Writer:
    return Writer(principal.user_id, principal.countries(Role.ADMINISTRATOR))


def _readable(principal: Principal) -> frozenset[str]:
    return principal.countries(Role.ADMINISTRATOR) | principal.countries(Role.AUDITOR)


async def _write(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    principal: Principal,
    data: object,
    action: Callable[[], Awaitable[object]],
) -> Response[bytes]:
    """Every funding write: audited inside `action`, answered once per Idempotency-Key (201)."""
    async with unit_of_work(session):
        return await idempotent(request, session, principal, data, action)


async def _confiscation_out(
    session: AsyncSession, order: ConfiscationOrder
) -> schemas.ConfiscationOut:
    return schemas.confiscation_out(
        order,
        list(await services.realisations(session, order.id)),
        services.earmark_account(order.country, order.case_reference).code,
    )


class ConfiscationsController(Controller):
    path = "/api/v1/confiscations"
    tags = ["confiscations"]

    @post(
        "/",
        guards=WRITERS,
        summary="Record a confiscation order (Idempotency-Key header required)",
        responses=idempotent_responses(schemas.ConfiscationOut, 201),
        response_headers=CREATED_HEADERS,
        opt=IDEMPOTENT,
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        data: JSONBody[schemas.ConfiscationIn],
    ) -> Response[bytes]:
        async def action() -> schemas.ConfiscationOut:
            order = await services.record_confiscation(
                session,
                _writer(principal),
                country=data.country,
                court=data.court,
                case_reference=data.case_reference,
                ordered_on=data.ordered_on,
                description=data.description,
                estimated_value=Decimal(data.estimated_value),
                currency=data.currency,
                now=clock.now(),
            )
            await audit(
                session,
                request,
                principal,
                action="confiscation.record",
                subject_type="confiscation",
                subject_id=order.id,
                details={"country": order.country},
            )
            return await _confiscation_out(session, order)

        return tagged(located(await _write(request, session, principal, data, action), self.path))

    @get(
        "/",
        guards=READERS,
        summary="Confiscation orders of your countries, oldest first",
        response_headers=LINK_HEADER,
    )
    async def list_orders(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        country: FromQuery[str | None] = None,
        case_reference: FromQuery[str | None] = None,
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[schemas.ConfiscationOut]]:
        rows = await services.confiscations(
            session,
            _readable(principal),
            country=country,
            case_reference=case_reference,
            after=after_id(after),
            limit=limit,
        )
        items = [await _confiscation_out(session, row) for row in rows[:limit]]
        following = id_cursor(rows[limit - 1].id if len(rows) > limit else None)
        return paged(request, Page(items, following))

    @get(
        "/earmarks",
        guards=READERS,
        summary="Earmarked money per case today, and what is releasable",
        response_headers=LINK_HEADER,
    )
    async def list_earmarks(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        country: FromQuery[str | None] = None,
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[schemas.EarmarkOut]]:
        today = clock.now().date()
        rows = await services.earmarks(session, _readable(principal), country=country, as_of=today)
        items = [
            schemas.earmark_out(row, services.earmark_account(row.country, row.case_reference).code)
            for row in rows
        ]
        return paged(request, page_of(items, after, limit))

    @post(
        "/earmarks/release",
        guards=WRITERS,
        summary="Release unclaimed earmarks whose period has run out (Idempotency-Key required)",
        responses=idempotent_responses(schemas.ReleaseList, 201),
        opt=IDEMPOTENT,
    )
    async def release(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        data: JSONBody[schemas.ReleaseIn],
    ) -> Response[bytes]:
        writer = _writer(principal)
        if data.country is not None:
            writer.check(data.country)

        async def action() -> schemas.ReleaseList:
            released = await services.release_earmarks(
                session,
                writer.countries,
                country=data.country,
                released_by=f"user:{principal.user_id}",
                now=clock.now(),
            )
            for row in released:
                await audit(
                    session,
                    request,
                    principal,
                    action="earmark.release",
                    subject_type="earmark_release",
                    subject_id=row.id,
                    details={"country": row.country, "transaction_id": str(row.transaction_id)},
                )
            return schemas.ReleaseList([schemas.release_out(row) for row in released])

        return created_at(
            await _write(request, session, principal, data, action), f"{self.path}/earmarks"
        )

    @get(
        "/{confiscation_id:uuid}",
        guards=READERS,
        summary="A confiscation and its realisations",
        response_headers=ETAG_HEADER,
    )
    async def read(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        confiscation_id: FromPath[uuid.UUID],
    ) -> Response[schemas.ConfiscationOut]:
        order = await services.confiscation(session, _readable(principal), confiscation_id)
        return with_etag(await _confiscation_out(session, order), order.version, request=request)

    @post(
        "/{confiscation_id:uuid}/realisations",
        guards=WRITERS,
        summary="Record cash realised, split by the country's policy (If-Match, Idempotency-Key)",
        responses=idempotent_responses(schemas.RealisationOut, 201),
        opt=IDEMPOTENT,
    )
    async def realise(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        confiscation_id: FromPath[uuid.UUID],
        data: JSONBody[schemas.RealisationIn],
        if_match: IfMatch = None,
    ) -> Response[bytes]:
        if if_match is None:
            # 428 before the key is looked at: a retry without If-Match must not replay or conflict.
            raise claims.VersionRequired()

        async def action() -> schemas.RealisationOut:
            realisation = await services.record_realisation(
                session,
                _writer(principal),
                confiscation_id,
                received_on=data.received_on,
                amount=Decimal(data.amount),
                currency=data.currency,
                expected_version=expected_version(if_match),
                now=clock.now(),
            )
            await audit(
                session,
                request,
                principal,
                action="confiscation.realise",
                subject_type="confiscation",
                subject_id=confiscation_id,
                details={"transaction_id": str(realisation.transaction_id)},
            )
            return schemas.realisation_out(realisation)

        return created_at(
            await _write(request, session, principal, data, action),
            f"{self.path}/{confiscation_id}",
        )


def _movement_routes(kind: str) -> list[Any]:
    """The list and read handlers every kind of movement shares."""

    async def list_movements(
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        country: FromQuery[str | None] = None,
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[schemas.MovementOut]]:
        rows = await services.movements(
            session, _readable(principal), kind, country=country, after=after_id(after), limit=limit
        )
        following = id_cursor(rows[limit - 1].id if len(rows) > limit else None)
        return paged(request, Page([schemas.movement_out(row) for row in rows[:limit]], following))

    async def read(
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        movement_id: FromPath[uuid.UUID],
    ) -> schemas.MovementOut:
        row = await services.movement(session, _readable(principal), kind, movement_id)
        return schemas.movement_out(row)

    return [
        get(
            "/",
            guards=READERS,
            summary=f"The {kind} records of your countries, oldest first",
            response_headers=LINK_HEADER,
        )(list_movements),
        get("/{movement_id:uuid}", guards=READERS, summary=f"One {kind}")(read),
    ]


def _records(summary: str) -> HTTPRouteHandler:
    """The one route shape of appropriations, recoveries and grants: POST to the collection,
    answered 201 once per Idempotency-Key with the movement and its Location."""
    return post(
        "/",
        guards=WRITERS,
        summary=f"{summary} (Idempotency-Key header required)",
        responses=idempotent_responses(schemas.MovementOut, 201),
        opt=IDEMPOTENT,
    )


async def _record_movement(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    principal: Principal,
    data: object,
    record: Callable[[], Awaitable[FundMovement]],
) -> Response[bytes]:
    async def action() -> schemas.MovementOut:
        row = await record()
        await audit(
            session,
            request,
            principal,
            action=f"{row.kind}.record",
            subject_type=row.kind,
            subject_id=row.id,
            details={"country": row.country, "transaction_id": str(row.transaction_id)},
        )
        return schemas.movement_out(row)

    return located(
        await _write(request, session, principal, data, action), request.url.path.rstrip("/")
    )


@_records("Record a state appropriation")
async def record_appropriation(
    *,
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    principal: NamedDependency[Principal],
    clock: NamedDependency[Clock],
    data: JSONBody[schemas.AppropriationIn],
) -> Response[bytes]:
    return await _record_movement(
        request,
        session,
        principal,
        data,
        lambda: services.record_appropriation(
            session,
            _writer(principal),
            country=data.country,
            effective_date=data.received_on,
            amount=Decimal(data.amount),
            currency=data.currency,
            reference=data.reference,
            purpose=data.purpose,
            fund=data.fund,
            now=clock.now(),
        ),
    )


@_records("Record a recovery from an offender")
async def record_recovery(
    *,
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    principal: NamedDependency[Principal],
    clock: NamedDependency[Clock],
    state: State,
    data: JSONBody[schemas.RecoveryIn],
) -> Response[bytes]:
    return await _record_movement(
        request,
        session,
        principal,
        data,
        lambda: services.record_recovery(
            session,
            _writer(principal),
            vault_of(state),
            country=data.country,
            effective_date=data.received_on,
            amount=Decimal(data.amount),
            currency=data.currency,
            reference=data.reference,
            court_reference=data.court_reference,
            offender_name=data.offender_name,
            claim_id=data.claim_id,
            case_reference=data.case_reference,
            now=clock.now(),
        ),
    )


@_records("Record a grant from the support-services fund")
async def record_grant(
    *,
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    principal: NamedDependency[Principal],
    clock: NamedDependency[Clock],
    data: JSONBody[schemas.GrantIn],
) -> Response[bytes]:
    return await _record_movement(
        request,
        session,
        principal,
        data,
        lambda: services.record_grant(
            session,
            _writer(principal),
            country=data.country,
            effective_date=data.paid_on,
            amount=Decimal(data.amount),
            currency=data.currency,
            reference=data.reference,
            organisation=data.organisation,
            purpose=data.purpose,
            now=clock.now(),
        ),
    )


ROUTERS = [
    Router(
        "/api/v1/appropriations",
        route_handlers=[record_appropriation, *_movement_routes("appropriation")],
        tags=["appropriations"],
    ),
    Router(
        "/api/v1/recoveries",
        route_handlers=[record_recovery, *_movement_routes("recovery")],
        tags=["recoveries"],
    ),
    Router(
        "/api/v1/grants",
        route_handlers=[record_grant, *_movement_routes("grant")],
        tags=["grants"],
    ),
]
"""Appropriations, recoveries and grants: the same three routes each."""

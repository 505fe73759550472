"""Parameter values over HTTP: an administrator of the country enters a dated value with its
legal source, a second administrator confirms or rejects it; every signed-in reader sees them.

Every write is audited; a value cannot be edited once decided (a correction is a new value).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.api.conventions import LOCATION_HEADER
from fundadmin.api.pagination import LINK_HEADER, After, Limit, Page, page_of, paged
from fundadmin.api.steps import audit
from fundadmin.clock import Clock
from fundadmin.database import unit_of_work
from fundadmin.parameter_values import service
from fundadmin.parameter_values.models import EnteredParameterValue
from fundadmin.security.guards import requires
from fundadmin.security.principal import Principal, Role

READERS = (Role.LEGAL_ADVISER, Role.ADMINISTRATOR, Role.MINISTRY, Role.AUDITOR, Role.SUPERUSER)

Name = Annotated[str, msgspec.Meta(pattern="^[a-z][a-z0-9_]{0,79}$", examples=["grunnbelop"])]
Source = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Document = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Note = Annotated[str, msgspec.Meta(max_length=2000)]
ValueIn = (
    Annotated[str, msgspec.Meta(max_length=200)]
    | bool
    | Annotated[list[Annotated[str, msgspec.Meta(max_length=40)]], msgspec.Meta(max_length=20)]
)


class ParameterValueIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Name
    """The parameter's name as listed by GET /api/v1/policies/{country}."""
    effective_from: date
    value: ValueIn
    """Amounts as decimal strings ("134000"), flags as true/false, lists of strings."""
    legal_source: Source
    """The regulation, decision or publication that sets the figure."""
    source_document: Document | None = None
    """Where the source can be read (URL or document reference)."""
    note: Note | None = None


class ParameterValueDecisionIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    confirm: bool
    reason: Annotated[str, msgspec.Meta(max_length=2000)] | None = None
    """Required when rejecting."""


class ParameterValueView(msgspec.Struct, frozen=True):
    id: uuid.UUID
    country: str
    name: str
    effective_from: date
    value: str | bool | list[str] | None
    legal_source: str
    source_document: str | None
    note: str | None
    status: Literal["pending", "confirmed", "rejected"]
    entered_by: str
    entered_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None

    @classmethod
    def of(cls, row: EnteredParameterValue) -> ParameterValueView:
        return cls(
            id=row.id,
            country=row.country,
            name=row.name,
            effective_from=row.effective_from,
            value=row.value,
            legal_source=row.legal_source,
            source_document=row.source_document,
            note=row.note,
            status=row.status,  # type: ignore[arg-type]  # checked by the table
            entered_by=row.entered_by_name,
            entered_at=row.entered_at,
            decided_by=row.decided_by_name,
            decided_at=row.decided_at,
            decision_reason=row.decision_reason,
        )


async def _audit(
    session: AsyncSession,
    request: Request[Any, Any, Any],
    principal: Principal,
    row: EnteredParameterValue,
    action: str,
) -> None:
    await audit(
        session,
        request,
        principal,
        action=f"parameter_value.{action}",
        subject_type="parameter_value",
        subject_id=row.id,
        reason=row.decision_reason,
        details={
            "country": row.country,
            "name": row.name,
            "effective_from": row.effective_from.isoformat(),
            "value": str(row.value),
            "status": row.status,
        },
    )


class ParameterValuesController(Controller):
    path = "/api/v1/policies/{country:str}/parameter-values"
    tags = ["policies"]

    @get(
        "/",
        guards=[requires(*READERS)],
        summary="Values entered at run time, with their status",
        response_headers=LINK_HEADER,
    )
    async def list_values(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        country: FromPath[str],
        status: FromQuery[Literal["pending", "confirmed", "rejected"] | None] = None,
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[ParameterValueView]]:
        rows = await service.list_values(session, country, status=status)
        return paged(request, page_of([ParameterValueView.of(row) for row in rows], after, limit))

    @post(
        "/",
        guards=[requires(Role.ADMINISTRATOR)],
        summary="Enter a dated value with its legal source (counts once a second confirms)",
        response_headers=LOCATION_HEADER,
    )
    async def enter(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        country: FromPath[str],
        data: JSONBody[ParameterValueIn],
    ) -> Response[ParameterValueView]:
        async with unit_of_work(session):
            row = await service.enter_value(
                session,
                principal,
                country,
                service.NewValue(
                    name=data.name,
                    effective_from=data.effective_from,
                    value=data.value,
                    legal_source=data.legal_source,
                    source_document=data.source_document,
                    note=data.note,
                ),
                now=clock.now(),
            )
            await _audit(session, request, principal, row, "enter")
        location = f"{request.url.path.rstrip('/')}/{row.id}"
        return Response(ParameterValueView.of(row), status_code=201, headers={"Location": location})

    @get("/{value_id:uuid}", guards=[requires(*READERS)], summary="One entered value")
    async def read_value(
        self,
        session: NamedDependency[AsyncSession],
        country: FromPath[str],
        value_id: FromPath[uuid.UUID],
    ) -> ParameterValueView:
        return ParameterValueView.of(await service.get_value(session, country, value_id))

    @post(
        "/{value_id:uuid}/decision",
        guards=[requires(Role.ADMINISTRATOR)],
        status_code=200,
        summary="A second administrator confirms or rejects an entered value",
    )
    async def decide(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        country: FromPath[str],
        value_id: FromPath[uuid.UUID],
        data: JSONBody[ParameterValueDecisionIn],
    ) -> ParameterValueView:
        async with unit_of_work(session):
            row = await service.decide_value(
                session,
                principal,
                country,
                value_id,
                confirm=data.confirm,
                reason=data.reason,
                now=clock.now(),
            )
            await _audit(session, request, principal, row, "confirm" if data.confirm else "reject")
        return ParameterValueView.of(row)

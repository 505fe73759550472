"""Her data, her choice, over HTTP: erasure requests with four eyes, legal holds, her archive,
and the retention job's reports.

Reads of an erased claimant's personal data (her record, documents, letters, the archive)
answer 410 `personal-data-erased`; claims, decisions and amounts stay readable. Every action
writes an audit line with ids and counts only.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
import sqlalchemy as sa
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.api import steps
from fundadmin.api.claims_support import actor_of, vault_of
from fundadmin.api.conventions import (
    CREATED_HEADERS,
    ETAG_HEADER,
    IfMatch,
    business_rules,
    expected_version,
    with_etag,
)
from fundadmin.api.pagination import (
    LINK_HEADER,
    After,
    Limit,
    Page,
    after_id,
    after_time,
    id_cursor,
    page_of,
    paged,
    time_cursor,
)
from fundadmin.api.steps import audit
from fundadmin.clock import Clock, today
from fundadmin.database import unit_of_work
from fundadmin.privacy import erasure, holds
from fundadmin.privacy.erasure_log import ErasureLog
from fundadmin.privacy.export import export_claimant
from fundadmin.privacy.models import ErasureRequest, LegalHold, RetentionRun
from fundadmin.privacy.schemas import (
    ErasureRequestCreate,
    ErasureRequestView,
    LegalHoldCreate,
    LegalHoldLift,
    LegalHoldView,
    RetentionPeriodView,
    RetentionRunView,
)
from fundadmin.security.break_glass import personal_data_reason
from fundadmin.security.guards import requires
from fundadmin.security.principal import Principal, Role
from policies.retention import retention_countries, retention_period

ADVISERS = [requires(Role.LEGAL_ADVISER)]
ADMINISTRATORS = [requires(Role.ADMINISTRATOR)]
ADVISERS_AND_ADMINISTRATORS = [requires(Role.LEGAL_ADVISER, Role.ADMINISTRATOR)]


def _erasure_view(row: ErasureRequest) -> ErasureRequestView:
    return msgspec.convert(row, ErasureRequestView, from_attributes=True)


def _hold_view(row: LegalHold) -> LegalHoldView:
    return msgspec.convert(row, LegalHoldView, from_attributes=True)


def _run_view(row: RetentionRun) -> RetentionRunView:
    return msgspec.convert(row, RetentionRunView, from_attributes=True)


Record = TypeVar("Record", ErasureRequest, LegalHold)


def _audited(
    session: AsyncSession,
    request: Request[Any, Any, Any],
    principal: Principal,
    action: str,
    details: Callable[[Record], steps.AuditDetails],
) -> Callable[[Record], Awaitable[None]]:
    """The audit line of a step on her erasure request or legal hold: about the claimant."""

    async def write(row: Record) -> None:
        await audit(
            session,
            request,
            principal,
            action=action,
            subject_type="claimant",
            subject_id=row.claimant_id,
            details=details(row),
        )

    return write


def _hold_details(hold: LegalHold) -> steps.AuditDetails:
    return {"hold": str(hold.id), "kind": hold.kind}


def erasure_log_of(state: State) -> ErasureLog:
    return ErasureLog(state.settings.erasure_log_path)


class PrivacyController(Controller):
    path = "/api/v1"
    tags = ["privacy"]

    @post(
        "/claimants/{claimant_id:uuid}/erasure-requests",
        guards=ADVISERS_AND_ADMINISTRATORS,
        summary="Record her request to be erased (a second administrator confirms)",
        status_code=201,
        response_headers=CREATED_HEADERS,
        opt=business_rules(
            "`received_on` is not after today (the service's date) nor before her mandate was "
            "signed"
        ),
    )
    async def request_erasure(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        claimant_id: FromPath[uuid.UUID],
        data: JSONBody[ErasureRequestCreate],
    ) -> Response[ErasureRequestView]:
        return await steps.step(
            session,
            lambda: erasure.request_erasure(
                session,
                actor_of(principal),
                claimant_id,
                received_on=data.received_on,
                when_free=data.when_free,
                now=clock.now(),
            ),
            audited=_audited(
                session,
                request,
                principal,
                "claimant.erasure.request",
                lambda row: {"erasure_request": str(row.id), "when_free": row.when_free},
            ),
            view=_erasure_view,
            status_code=201,
            location=lambda row: f"{self.path}/erasure-requests/{row.id}",
        )

    @get(
        "/claimants/{claimant_id:uuid}/erasure-requests",
        guards=ADVISERS_AND_ADMINISTRATORS,
        summary="Erasure requests of one claimant, newest first",
        response_headers=LINK_HEADER,
    )
    async def claimant_requests(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        claimant_id: FromPath[uuid.UUID],
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[ErasureRequestView]]:
        rows = await erasure.requests_of(session, actor_of(principal), claimant_id)
        return paged(request, page_of([_erasure_view(r) for r in rows], after, limit))

    @get(
        "/erasure-requests",
        guards=ADMINISTRATORS,
        summary="Erasure requests of your countries waiting for a second administrator",
        response_headers=LINK_HEADER,
    )
    async def queue(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[ErasureRequestView]]:
        rows = await erasure.awaiting_confirmation(
            session, actor_of(principal), after=after_id(after), limit=limit
        )
        following = id_cursor(rows[-1].id if len(rows) == limit else None)
        return paged(request, Page([_erasure_view(r) for r in rows], following))

    @get(
        "/erasure-requests/{request_id:uuid}",
        guards=ADVISERS_AND_ADMINISTRATORS,
        summary="One erasure request (its ETag is the If-Match of confirmation and cancellation)",
        response_headers=ETAG_HEADER,
    )
    async def read_request(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        request_id: FromPath[uuid.UUID],
    ) -> Response[ErasureRequestView]:
        row = await erasure.erasure_request(session, actor_of(principal), request_id)
        return with_etag(_erasure_view(row), row.version, request=request)

    @post(
        "/erasure-requests/{request_id:uuid}/confirmation",
        guards=ADMINISTRATORS,
        summary="Confirm as the second administrator: her data key is destroyed (or the "
        "erasure scheduled for when the law no longer requires keeping it; If-Match)",
        status_code=200,
        response_headers=ETAG_HEADER,
    )
    async def confirm(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        state: State,
        request_id: FromPath[uuid.UUID],
        if_match: IfMatch = None,
    ) -> Response[ErasureRequestView]:
        async with unit_of_work(session):
            done = await erasure.confirm_erasure(
                session,
                vault_of(state),
                actor_of(principal),
                request_id,
                expected_version=expected_version(if_match),
                now=clock.now(),
            )
            row = done.request
            if done.erased is not None:
                await audit(
                    session,
                    request,
                    principal,
                    action="claimant.erase",
                    subject_type="claimant",
                    subject_id=row.claimant_id,
                    details={
                        "basis": "request",
                        "erasure_request": str(row.id),
                        **done.erased.audit_details(),
                    },
                )
            elif row.status == "scheduled":
                await audit(
                    session,
                    request,
                    principal,
                    action="claimant.erasure.schedule",
                    subject_type="claimant",
                    subject_id=row.claimant_id,
                    details={"erasure_request": str(row.id), "kept_for": " ".join(row.kept_for)},
                )
        if done.erased is not None:
            # After the commit: a restore of an older backup must not bring her key back.
            erasure_log_of(state).record([done.erased.subject_id])
        return with_etag(_erasure_view(row), row.version)

    @post(
        "/erasure-requests/{request_id:uuid}/cancellation",
        guards=ADVISERS_AND_ADMINISTRATORS,
        summary="Cancel an erasure request that is still open (she changed her mind; If-Match)",
        status_code=200,
        response_headers=ETAG_HEADER,
    )
    async def cancel(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        request_id: FromPath[uuid.UUID],
        if_match: IfMatch = None,
    ) -> Response[ErasureRequestView]:
        return await steps.step(
            session,
            lambda: erasure.cancel_erasure(
                session,
                actor_of(principal),
                request_id,
                expected_version=expected_version(if_match),
                now=clock.now(),
            ),
            audited=_audited(
                session,
                request,
                principal,
                "claimant.erasure.cancel",
                lambda row: {"erasure_request": str(row.id)},
            ),
            view=_erasure_view,
        )

    @post(
        "/claimants/{claimant_id:uuid}/legal-holds",
        guards=ADMINISTRATORS,
        summary="Place a legal hold: her data is kept, whatever erasure is asked, until lifted",
        status_code=201,
        response_headers=CREATED_HEADERS,
    )
    async def place_hold(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        claimant_id: FromPath[uuid.UUID],
        data: JSONBody[LegalHoldCreate],
    ) -> Response[LegalHoldView]:
        return await steps.step(
            session,
            lambda: holds.place_hold(
                session,
                actor_of(principal),
                claimant_id,
                kind=data.kind,
                reason=data.reason,
                now=clock.now(),
            ),
            audited=_audited(session, request, principal, "claimant.hold.place", _hold_details),
            view=_hold_view,
            status_code=201,
            location=lambda hold: f"{self.path}/claimants/{claimant_id}/legal-holds/{hold.id}",
        )

    @get(
        "/claimants/{claimant_id:uuid}/legal-holds",
        guards=ADVISERS_AND_ADMINISTRATORS,
        summary="Legal holds on one claimant, newest first (lifted ones included)",
        response_headers=LINK_HEADER,
    )
    async def list_holds(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        claimant_id: FromPath[uuid.UUID],
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[LegalHoldView]]:
        rows = await holds.holds_of(session, actor_of(principal), claimant_id)
        return paged(request, page_of([_hold_view(r) for r in rows], after, limit))

    @get(
        "/claimants/{claimant_id:uuid}/legal-holds/{hold_id:uuid}",
        guards=ADVISERS_AND_ADMINISTRATORS,
        summary="One legal hold (its ETag is the If-Match of lifting it)",
        response_headers=ETAG_HEADER,
    )
    async def read_hold(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        claimant_id: FromPath[uuid.UUID],
        hold_id: FromPath[uuid.UUID],
    ) -> Response[LegalHoldView]:
        hold = await holds.hold_of(session, actor_of(principal), claimant_id, hold_id)
        return with_etag(_hold_view(hold), hold.version, request=request)

    @post(
        "/claimants/{claimant_id:uuid}/legal-holds/{hold_id:uuid}/lift",
        guards=ADMINISTRATORS,
        summary="Lift a legal hold, with the reason (If-Match)",
        status_code=200,
        response_headers=ETAG_HEADER,
    )
    async def lift_hold(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        claimant_id: FromPath[uuid.UUID],
        hold_id: FromPath[uuid.UUID],
        data: JSONBody[LegalHoldLift],
        if_match: IfMatch = None,
    ) -> Response[LegalHoldView]:
        return await steps.step(
            session,
            lambda: holds.lift_hold(
                session,
                actor_of(principal),
                claimant_id,
                hold_id,
                reason=data.reason,
                expected_version=expected_version(if_match),
                now=clock.now(),
            ),
            audited=_audited(session, request, principal, "claimant.hold.lift", _hold_details),
            view=_hold_view,
        )

    @get(
        "/claimants/{claimant_id:uuid}/export",
        guards=ADVISERS,
        summary="Everything held about her as one ZIP archive (GDPR Art. 15 and 20; audited)",
        media_type="application/zip",
    )
    async def export(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        state: State,
        claimant_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        reason = personal_data_reason(principal, request)
        async with unit_of_work(session):
            archive = await export_claimant(
                session, vault_of(state), actor_of(principal), claimant_id, now=clock.now()
            )
            await audit(
                session,
                request,
                principal,
                action="claimant.export",
                subject_type="claimant",
                subject_id=claimant_id,
                reason=reason,
                details={
                    "claims": archive.claims,
                    "documents": archive.documents,
                    "letters": archive.letters,
                    "access_lines": archive.access_lines,
                },
            )
        return Response(
            archive.archive,
            media_type="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="{archive.reference}-'
                f'{today(clock).isoformat()}.zip"'
            },
        )

    @get(
        "/retention/runs",
        guards=[requires(Role.ADMINISTRATOR, Role.AUDITOR)],
        summary="Reports of the retention job, newest first: counts only",
        response_headers=LINK_HEADER,
    )
    async def retention_runs(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[RetentionRunView]]:
        query = sa.select(RetentionRun).order_by(RetentionRun.ran_at.desc()).limit(limit)
        before = after_time(after)
        if before is not None:
            query = query.where(RetentionRun.ran_at < before)
        rows = (await session.scalars(query)).all()
        following = time_cursor(rows[-1].ran_at) if len(rows) == limit else None
        return paged(request, Page([_run_view(r) for r in rows], following))

    @get(
        "/retention/periods",
        guards=[requires(*Role)],
        summary="How long each country keeps personal data after her claims end, with sources",
        response_headers=LINK_HEADER,
    )
    async def retention_periods(
        self,
        request: Request[Any, Any, Any],
        clock: NamedDependency[Clock],
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[RetentionPeriodView]]:
        on = today(clock)
        periods = [
            msgspec.convert(retention_period(c, on), RetentionPeriodView, from_attributes=True)
            for c in retention_countries()
        ]
        return paged(request, page_of(periods, after, limit))

"""Return assistance over HTTP: her legal adviser applies and records her consent; advisers or
administrators of the paying country record the assessments; administrators approve, pay,
pause, stop; both record follow-ups after her return; auditors read.

Every write needs `If-Match` (428 without, 412 when stale). Approval and payments move money
and also need an `Idempotency-Key`. An application outside the caller's scope answers 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody
from sqlalchemy.ext.asyncio import AsyncSession

import claims
from claims.returns import ReturnEvent, ReturnStatus, services, views
from claims.returns.models import ReturnApplication
from claims.returns.schemas import (
    Application,
    ApplicationCreate,
    ApplicationSummary,
    ApprovalIn,
    ConsentWithdrawal,
    FollowUpIn,
    HistoryStep,
    InstalmentPaymentIn,
    NeedsAssessmentIn,
    RiskAssessmentIn,
    RiskConfirmationIn,
    StatusChangeIn,
)
from fundadmin.api import steps
from fundadmin.api.claims_support import DocumentUpload, actor_of, vault_of
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
    id_cursor,
    page_of,
    paged,
)
from fundadmin.api.steps import audit
from fundadmin.clock import Clock
from fundadmin.database import unit_of_work
from fundadmin.idempotency import IDEMPOTENT, idempotent_responses
from fundadmin.security.audit_search import steps_of
from fundadmin.security.break_glass import personal_data_reason
from fundadmin.security.guards import requires
from fundadmin.security.models import AuditEvent
from fundadmin.security.principal import Principal, Role

ADVISERS = [requires(Role.LEGAL_ADVISER)]
ADMINISTRATORS = [requires(Role.ADMINISTRATOR)]
PARTICIPANTS = [requires(Role.LEGAL_ADVISER, Role.ADMINISTRATOR)]
READERS = [requires(Role.LEGAL_ADVISER, Role.ADMINISTRATOR, Role.AUDITOR)]

Run = Callable[[claims.Actor], Awaitable[ReturnApplication]]


def _audited(
    session: AsyncSession,
    request: Request[Any, Any, Any],
    principal: Principal,
    action: str,
) -> Callable[[ReturnApplication], Awaitable[None]]:
    return steps.audited_step(
        session,
        request,
        principal,
        action=f"return_assistance.{action}",
        subject_type="return_application",
    )


async def _step(
    session: AsyncSession,
    request: Request[Any, Any, Any],
    principal: Principal,
    *,
    clock: Clock,
    action: str,
    run: Run,
) -> Response[Application]:
    return await steps.step(
        session,
        lambda: run(actor_of(principal)),
        audited=_audited(session, request, principal, action),
        view=lambda application: views.application_view(application, today=clock.now().date()),
    )


async def _money_step(
    session: AsyncSession,
    request: Request[Any, Any, Any],
    principal: Principal,
    data: object,
    *,
    clock: Clock,
    action: str,
    run: Run,
) -> Response[bytes]:
    """A step that moves money: answered once per Idempotency-Key."""
    return await steps.money_step(
        session,
        request,
        principal,
        data,
        lambda: run(actor_of(principal)),
        audited=_audited(session, request, principal, action),
        view=lambda application: views.application_view(application, today=clock.now().date()),
    )


def _history_step(line: AuditEvent) -> HistoryStep:
    status, version = line.details.get("status"), line.details.get("version")
    return HistoryStep(
        seq=line.seq,
        occurred_at=line.occurred_at,
        actor_id=line.actor_id,
        actor_username=line.actor_username,
        action=line.action,
        status=status if isinstance(status, str) else None,
        version=version if isinstance(version, int) else None,
    )


class ReturnAssistanceController(Controller):
    path = "/api/v1/return-assistance"
    tags = ["return assistance"]

    @post(
        "/",
        guards=ADVISERS,
        summary="Apply for return assistance",
        response_headers=CREATED_HEADERS,
        opt=business_rules(
            "her mandate covers return assistance",
            "`return_country` is not `country`",
            "every item is in the currency of `country`, to its minor unit, and requested once",
            "the receiving organisation is paid in that currency or an exchange currency",
            "`planned_on` is between today (the service's date) and two years later",
        ),
    )
    async def create(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        state: State,
        data: JSONBody[ApplicationCreate],
    ) -> Response[Application]:
        return await steps.step(
            session,
            lambda: services.create_application(
                session, vault_of(state), actor_of(principal), data, now=clock.now()
            ),
            audited=_audited(session, request, principal, "create"),
            view=lambda application: views.application_view(application, today=clock.now().date()),
            status_code=201,
            location=lambda application: f"{self.path}/{application.id}",
        )

    @get(
        "/",
        guards=READERS,
        summary="Applications in your scope; the follow-up queue",
        response_headers=LINK_HEADER,
    )
    async def list_applications(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        status: FromQuery[list[ReturnStatus] | None] = None,
        follow_up_overdue: FromQuery[bool | None] = None,
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[ApplicationSummary]]:
        today = clock.now().date()
        rows, following = await services.list_applications(
            session,
            actor_of(principal),
            services.ApplicationFilter(tuple(s.value for s in status or ()), follow_up_overdue),
            today=today,
            after=after_id(after),
            limit=limit,
        )
        items = views.application_summaries(rows, today=today)
        return paged(request, Page(items, id_cursor(following)))

    @get(
        "/{application_id:uuid}",
        guards=READERS,
        summary="An application, with the receiving organisation's bank account (audited)",
        response_headers=ETAG_HEADER,
    )
    async def read(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        state: State,
        application_id: FromPath[uuid.UUID],
    ) -> Response[Application]:
        reason = personal_data_reason(principal, request)
        async with unit_of_work(session):
            application = await services.get_application(
                session, actor_of(principal), application_id
            )
            bank = await services.receiving_bank(session, vault_of(state), application)
            await audit(
                session,
                request,
                principal,
                action="return_assistance.read",
                subject_type="return_application",
                subject_id=application.id,
                reason=reason,
            )
        view = views.application_view(application, today=clock.now().date(), bank_account=bank)
        return with_etag(view, application.version, request=request)

    @get(
        "/{application_id:uuid}/history",
        guards=READERS,
        summary="Every step from the audit trail: who, when, what, and the status it left "
        "(no personal value; reads left out)",
        response_headers=LINK_HEADER,
    )
    async def history(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        application_id: FromPath[uuid.UUID],
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[HistoryStep]]:
        application = await services.get_application(session, actor_of(principal), application_id)
        lines = await steps_of(
            session, "return_application", str(application.id), prefix="return_assistance."
        )
        return paged(request, page_of([_history_step(line) for line in lines], after, limit))

    @post(
        "/{application_id:uuid}/consent",
        guards=ADVISERS,
        summary="Her signed consent (PDF, JPEG or PNG; If-Match)",
        response_headers=ETAG_HEADER,
        status_code=200,
    )
    async def consent(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        state: State,
        application_id: FromPath[uuid.UUID],
        data: MultipartBody[DocumentUpload],
        if_match: IfMatch = None,
    ) -> Response[Application]:
        content = await data.file.read()
        return await _step(
            session,
            request,
            principal,
            clock=clock,
            action="consent",
            run=lambda actor: services.record_consent(
                session,
                vault_of(state),
                actor,
                application_id,
                content=content,
                expected_version=expected_version(if_match),
                now=clock.now(),
            ),
        )

    @get(
        "/{application_id:uuid}/consent-documents/{record_id:uuid}",
        guards=PARTICIPANTS,
        summary="Download her signed consent (her adviser and the paying country's "
        "administrators; the read is audited; 410 once her data is erased)",
        media_type="application/octet-stream",
    )
    async def consent_document(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        state: State,
        application_id: FromPath[uuid.UUID],
        record_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        async with unit_of_work(session):
            record, content = await services.consent_document(
                session, vault_of(state), actor_of(principal), application_id, record_id
            )
            await audit(
                session,
                request,
                principal,
                action="return_assistance.consent.read",
                subject_type="return_application",
                subject_id=application_id,
                details={"record": str(record.id)},
            )
        return Response(
            content=content,
            media_type=record.document_media_type or "application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="consent-{record.id}"'},
        )

    @post(
        "/{application_id:uuid}/consent/withdrawal",
        guards=PARTICIPANTS,
        summary="She withdraws her consent: the schedule stops, reservations are voided",
        response_headers=ETAG_HEADER,
        status_code=200,
    )
    async def withdraw_consent(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        state: State,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[ConsentWithdrawal],
        if_match: IfMatch = None,
    ) -> Response[Application]:
        return await _step(
            session,
            request,
            principal,
            clock=clock,
            action="withdraw_consent",
            run=lambda actor: services.withdraw_consent(
                session,
                vault_of(state),
                actor,
                application_id,
                reason=data.reason,
                expected_version=expected_version(if_match),
                now=clock.now(),
            ),
        )

    @post(
        "/{application_id:uuid}/risk-assessment",
        guards=PARTICIPANTS,
        summary="Record the risk assessment (If-Match)",
        response_headers=ETAG_HEADER,
        status_code=200,
    )
    async def risk(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        state: State,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[RiskAssessmentIn],
        if_match: IfMatch = None,
    ) -> Response[Application]:
        return await _step(
            session,
            request,
            principal,
            clock=clock,
            action="risk_assessment",
            run=lambda actor: services.record_risk(
                session,
                vault_of(state),
                actor,
                application_id,
                data,
                expected_version=expected_version(if_match),
                now=clock.now(),
            ),
        )

    @post(
        "/{application_id:uuid}/risk-assessment/confirmation",
        guards=ADMINISTRATORS,
        summary="A second administrator confirms a high risk level's justification",
        response_headers=ETAG_HEADER,
        status_code=200,
    )
    async def confirm_risk(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        state: State,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[RiskConfirmationIn],
        if_match: IfMatch = None,
    ) -> Response[Application]:
        return await _step(
            session,
            request,
            principal,
            clock=clock,
            action="confirm_risk",
            run=lambda actor: services.confirm_risk(
                session,
                vault_of(state),
                actor,
                application_id,
                reason=data.reason,
                expected_version=expected_version(if_match),
                now=clock.now(),
            ),
        )

    @post(
        "/{application_id:uuid}/needs-assessment",
        guards=PARTICIPANTS,
        summary="Record the needs assessment (If-Match)",
        response_headers=ETAG_HEADER,
        status_code=200,
    )
    async def needs(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        state: State,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[NeedsAssessmentIn],
        if_match: IfMatch = None,
    ) -> Response[Application]:
        return await _step(
            session,
            request,
            principal,
            clock=clock,
            action="needs_assessment",
            run=lambda actor: services.record_needs(
                session,
                vault_of(state),
                actor,
                application_id,
                data,
                expected_version=expected_version(if_match),
                now=clock.now(),
            ),
        )

    @post(
        "/{application_id:uuid}/approval",
        guards=ADMINISTRATORS,
        summary="Approve: schedule and reservations (If-Match, Idempotency-Key)",
        responses=idempotent_responses(Application, 200),
        opt=IDEMPOTENT,
        response_headers=ETAG_HEADER,
        status_code=200,
    )
    async def approve(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        application_id: FromPath[uuid.UUID],
        data: JSONBody[ApprovalIn],
        if_match: IfMatch = None,
    ) -> Response[bytes]:
        return await _money_step(
            session,
            request,
            principal,
            data,
            clock=clock,
            action="approve",
            run=lambda actor: services.approve(
                session,
                actor,
                application_id,
                data,
                expected_version=expected_version(if_match),
                now=clock.now(),
            ),
        )

    @post(
        "/{application_id:uuid}/instalments/{position:int}/payment",
        guards=ADMINISTRATORS,
        summary="Pay one instalment to the receiving organisation (If-Match, Idempotency-Key)",
        responses=idempotent_responses(Application, 200),
        opt=IDEMPOTENT,
        response_headers=ETAG_HEADER,
        status_code=200,
    )
    async def pay(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        application_id: FromPath[uuid.UUID],
        position: FromPath[int],
        data: JSONBody[InstalmentPaymentIn],
        if_match: IfMatch = None,
    ) -> Response[bytes]:
        return await _money_step(
            session,
            request,
            principal,
            data,
            clock=clock,
            action="pay",
            run=lambda actor: services.pay_instalment(
                session,
                actor,
                application_id,
                position,
                data,
                expected_version=expected_version(if_match),
                now=clock.now(),
            ),
        )

    async def _change(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        principal: Principal,
        *,
        clock: Clock,
        application_id: uuid.UUID,
        event: ReturnEvent,
        data: StatusChangeIn,
        if_match: str | None,
    ) -> Response[Application]:
        return await _step(
            session,
            request,
            principal,
            clock=clock,
            action=event.value,
            run=lambda actor: services.change_status(
                session,
                actor,
                application_id,
                event,
                reason=data.reason,
                expected_version=expected_version(if_match),
                now=clock.now(),
            ),
        )

    @post(
        "/{application_id:uuid}/pause",
        guards=ADMINISTRATORS,
        summary="Pause the schedule with a reason (reservations kept; If-Match)",
        response_headers=ETAG_HEADER,
        status_code=200,
    )
    async def pause(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        application_id: FromPath[uuid.UUID],
        data: JSONBody[StatusChangeIn],
        if_match: IfMatch = None,
    ) -> Response[Application]:
        return await self._change(
            request,
            session,
            principal,
            clock=clock,
            application_id=application_id,
            event=ReturnEvent.PAUSE,
            data=data,
            if_match=if_match,
        )

    @post(
        "/{application_id:uuid}/resume",
        guards=ADMINISTRATORS,
        summary="Resume a paused schedule (If-Match)",
        response_headers=ETAG_HEADER,
        status_code=200,
    )
    async def resume(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        application_id: FromPath[uuid.UUID],
        data: JSONBody[StatusChangeIn],
        if_match: IfMatch = None,
    ) -> Response[Application]:
        return await self._change(
            request,
            session,
            principal,
            clock=clock,
            application_id=application_id,
            event=ReturnEvent.RESUME,
            data=data,
            if_match=if_match,
        )

    @post(
        "/{application_id:uuid}/stop",
        guards=ADMINISTRATORS,
        summary="Stop the schedule with a reason: remaining reservations voided (If-Match)",
        response_headers=ETAG_HEADER,
        status_code=200,
    )
    async def stop(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        application_id: FromPath[uuid.UUID],
        data: JSONBody[StatusChangeIn],
        if_match: IfMatch = None,
    ) -> Response[Application]:
        return await self._change(
            request,
            session,
            principal,
            clock=clock,
            application_id=application_id,
            event=ReturnEvent.STOP,
            data=data,
            if_match=if_match,
        )

    @post(
        "/{application_id:uuid}/follow-ups",
        guards=PARTICIPANTS,
        summary="Record a follow-up after her return (If-Match)",
        response_headers=ETAG_HEADER,
        status_code=200,
    )
    async def follow_up(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        state: State,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[FollowUpIn],
        if_match: IfMatch = None,
    ) -> Response[Application]:
        return await _step(
            session,
            request,
            principal,
            clock=clock,
            action="follow_up",
            run=lambda actor: services.add_follow_up(
                session,
                vault_of(state),
                actor,
                application_id,
                data,
                expected_version=expected_version(if_match),
                now=clock.now(),
            ),
        )

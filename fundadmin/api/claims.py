"""Claims over HTTP: legal advisers file and follow them, administrators of the deciding country
review, decide, confirm, issue letters and pay; auditors read.

Every write needs `If-Match` with the ETag of the version read (428 without, 412 when stale).
The routes that move money (decision, approvals, letter, payments, and an overpayment's
decision, its approvals and repayments) also need an
`Idempotency-Key`, so a retried request never reserves or pays twice. A claim outside the
caller's scope answers 404; ministries reach no claim route (403).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

import claims
from claims import services, views
from claims.models import Claim as ClaimRow
from claims.schemas import (
    ApprovalRequest,
    AssessmentRequest,
    AssessmentView,
    Claim,
    ClaimCreate,
    ClaimDraft,
    ClaimSummary,
    DecisionRequest,
    DocumentView,
    InformationAnswer,
    InformationRequestCreate,
    InformationRequestView,
    OverpaymentDecision,
    PaymentCreate,
    PaymentView,
    ReasonRequired,
    RepaymentCreate,
    RepaymentView,
    StepRequest,
    TransitionView,
)
from fundadmin.api import steps
from fundadmin.api.claims_support import DocumentUpload, actor_of, store_upload, vault_of
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
    after_offset,
    offset_cursor,
    page_of,
    paged,
)
from fundadmin.api.steps import audit
from fundadmin.clock import Clock
from fundadmin.database import unit_of_work
from fundadmin.errors import NOT_FOUND, ProblemError
from fundadmin.idempotency import IDEMPOTENT, idempotent_responses
from fundadmin.letters.queue import with_overpayment_letter
from fundadmin.parameter_values.service import policy_for
from fundadmin.security.break_glass import personal_data_reason
from fundadmin.security.guards import requires
from fundadmin.security.principal import Principal, Role

ADVISERS = [requires(Role.LEGAL_ADVISER)]
ADMINISTRATORS = [requires(Role.ADMINISTRATOR)]
READERS = [requires(Role.LEGAL_ADVISER, Role.ADMINISTRATOR, Role.AUDITOR)]

Run = Callable[[claims.Actor], Awaitable[ClaimRow]]


def _audited(
    session: AsyncSession,
    request: Request[Any, Any, Any],
    principal: Principal,
    action: str,
) -> Callable[[ClaimRow], Awaitable[None]]:
    return steps.audited_step(
        session, request, principal, action=f"claim.{action}", subject_type="claim"
    )


async def _step(
    session: AsyncSession,
    request: Request[Any, Any, Any],
    principal: Principal,
    action: str,
    run: Run,
) -> Response[Claim]:
    """Run one lifecycle step, audit it, commit, and answer the claim with its new ETag."""
    actor = actor_of(principal)
    return await steps.step(
        session,
        lambda: run(actor),
        audited=_audited(session, request, principal, action),
        view=lambda claim: views.claim_view(claim, actor),
    )


async def _money_step(
    session: AsyncSession,
    request: Request[Any, Any, Any],
    principal: Principal,
    data: object,
    *,
    action: str,
    run: Run,
) -> Response[bytes]:
    """A step that moves money: as `_step`, and answered once per Idempotency-Key."""
    actor = actor_of(principal)
    return await steps.money_step(
        session,
        request,
        principal,
        data,
        lambda: run(actor),
        audited=_audited(session, request, principal, action),
        view=lambda claim: views.claim_view(claim, actor),
    )


async def _information(
    session: AsyncSession,
    request: Request[Any, Any, Any],
    principal: Principal,
    state: State,
    claim_id: uuid.UUID,
) -> list[InformationRequestView]:
    """The claim's requests for information with their answers; the read is audited."""
    reason = personal_data_reason(principal, request)
    async with unit_of_work(session):
        exchanges = await services.information_requests(
            session, vault_of(state), actor_of(principal), claim_id
        )
        await audit(
            session,
            request,
            principal,
            action="claim.information.read",
            subject_type="claim",
            subject_id=claim_id,
            reason=reason,
        )
    return [views.information_view(e) for e in exchanges]


class ClaimsController(Controller):
    path = "/api/v1/claims"
    tags = ["claims"]

    @post(
        "/",
        guards=ADVISERS,
        summary="File a draft claim",
        response_headers=CREATED_HEADERS,
        opt=business_rules(
            "`offence` is on the published list of `country` on the day she files (its "
            "`offences` at GET /api/v1/policies/{country})",
            "every amount is in the currency of `country`, to its minor unit",
            "no date of the facts is after today (the service's date) or before `crime_date`",
            "a head's `sub_kind` is a kind of its `category`, and is given for `material_loss`",
        ),
    )
    async def create(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        data: JSONBody[ClaimCreate],
    ) -> Response[Claim]:
        actor = actor_of(principal)
        return await steps.step(
            session,
            lambda: services.create_claim(session, actor, data, now=clock.now()),
            audited=_audited(session, request, principal, "create"),
            view=lambda claim: views.claim_view(claim, actor),
            status_code=201,
            location=lambda claim: f"{self.path}/{claim.id}",
            set_at_commit=("reference",),
        )

    @get(
        "/",
        guards=READERS,
        summary="Claims in your scope: review queue or your own claims",
        response_headers=LINK_HEADER,
    )
    async def list_claims(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        status: FromQuery[list[claims.ClaimStatus] | None] = None,
        country: FromQuery[list[str] | None] = None,
        older_than_days: Annotated[
            int | None,
            QueryParameter(ge=0, le=36_500, description="Submitted more than N days ago"),
        ] = None,
        reference: FromQuery[str | None] = None,
        claimant_id: FromQuery[uuid.UUID | None] = None,
        sort: FromQuery[claims.SortKey] = "submitted_at",
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[ClaimSummary]]:
        filters = claims.ClaimFilter(
            statuses=tuple(status or ()),
            countries=tuple(country or ()),
            claimant_id=claimant_id,
            reference=reference,
            submitted_before=clock.now() - timedelta(days=older_than_days)
            if older_than_days is not None
            else None,
        )
        offset = after_offset(after)
        rows, total = await services.list_claims(
            session, actor_of(principal), "reader", filters, sort=sort, limit=limit, offset=offset
        )
        items = [views.claim_summary(c, clock.now()) for c in rows]
        return paged(request, Page(items, offset_cursor(offset, limit, total)))

    @get("/{claim_id:uuid}", guards=READERS, summary="A claim", response_headers=ETAG_HEADER)
    async def read(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        claim_id: FromPath[uuid.UUID],
    ) -> Response[Claim]:
        claim = await services.get_claim(session, actor_of(principal), claim_id)
        return with_etag(
            views.claim_view(claim, actor_of(principal)), claim.version, request=request
        )

    @put(
        "/{claim_id:uuid}",
        guards=ADVISERS,
        summary="Replace a draft's facts and heads (If-Match)",
        response_headers=ETAG_HEADER,
    )
    async def revise(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        claim_id: FromPath[uuid.UUID],
        data: JSONBody[ClaimDraft],
        if_match: IfMatch = None,
    ) -> Response[Claim]:
        return await _step(
            session,
            request,
            principal,
            "revise",
            lambda actor: services.revise_draft(
                session,
                actor,
                claim_id,
                expected_version=expected_version(if_match),
                data=data,
                now=clock.now(),
            ),
        )

    @get(
        "/{claim_id:uuid}/history",
        guards=READERS,
        summary="Every step: who, when, why",
        response_headers=LINK_HEADER,
    )
    async def history(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        claim_id: FromPath[uuid.UUID],
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[TransitionView]]:
        actor = actor_of(principal)
        currency = (await services.get_claim(session, actor, claim_id)).currency
        rows = await services.history(session, actor, claim_id)
        lines = [views.transition_view(r, currency) for r in rows]
        return paged(request, page_of(lines, after, limit))

    @post(
        "/{claim_id:uuid}/submit",
        guards=ADVISERS,
        status_code=200,
        summary="Submit a draft (If-Match)",
        response_headers=ETAG_HEADER,
    )
    async def submit(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        claim_id: FromPath[uuid.UUID],
        data: JSONBody[StepRequest],
        if_match: IfMatch = None,
    ) -> Response[Claim]:
        return await _step(
            session,
            request,
            principal,
            "submit",
            lambda actor: services.submit(
                session,
                actor,
                claim_id,
                expected_version=expected_version(if_match),
                reason=data.reason,
                now=clock.now(),
            ),
        )

    @post(
        "/{claim_id:uuid}/review",
        guards=ADMINISTRATORS,
        status_code=200,
        summary="Take into review (If-Match)",
        response_headers=ETAG_HEADER,
    )
    async def review(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        claim_id: FromPath[uuid.UUID],
        data: JSONBody[StepRequest],
        if_match: IfMatch = None,
    ) -> Response[Claim]:
        return await _step(
            session,
            request,
            principal,
            "review",
            lambda actor: services.start_review(
                session,
                actor,
                claim_id,
                expected_version=expected_version(if_match),
                reason=data.reason,
                now=clock.now(),
            ),
        )

    @post(
        "/{claim_id:uuid}/information-requests",
        guards=ADMINISTRATORS,
        summary="Ask the adviser for information (If-Match); answers the new request",
        response_headers=CREATED_HEADERS,
    )
    async def request_information(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        claim_id: FromPath[uuid.UUID],
        data: JSONBody[InformationRequestCreate],
        if_match: IfMatch = None,
    ) -> Response[InformationRequestView]:
        async with unit_of_work(session):
            actor = actor_of(principal)
            asked = await services.request_information(
                session,
                actor,
                claim_id,
                expected_version=expected_version(if_match),
                question=data.question,
                due_date=data.due_date,
                now=clock.now(),
            )
            claim = await services.get_claim(session, actor, claim_id)
            await _audited(session, request, principal, "request_information")(claim)
        return with_etag(
            views.information_view(services.InformationExchange(asked, None)),
            claim.version,
            201,
            location=f"{self.path}/{claim_id}/information-requests/{asked.id}",
        )

    @get(
        "/{claim_id:uuid}/information-requests",
        guards=READERS,
        summary="Questions and answers (answers are personal data: the read is audited)",
        response_headers=LINK_HEADER,
    )
    async def information_requests(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        state: State,
        claim_id: FromPath[uuid.UUID],
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[InformationRequestView]]:
        exchanges = await _information(session, request, principal, state, claim_id)
        return paged(request, page_of(exchanges, after, limit))

    @get(
        "/{claim_id:uuid}/information-requests/{request_id:uuid}",
        guards=READERS,
        summary="One question and its answer (personal data: the read is audited)",
    )
    async def information_request(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        state: State,
        claim_id: FromPath[uuid.UUID],
        request_id: FromPath[uuid.UUID],
    ) -> InformationRequestView:
        for exchange in await _information(session, request, principal, state, claim_id):
            if exchange.id == request_id:
                return exchange
        raise ProblemError(NOT_FOUND, "the claim has no such request for information")

    @post(
        "/{claim_id:uuid}/information-requests/{request_id:uuid}/answer",
        guards=ADVISERS,
        status_code=200,
        summary="Answer a request for information (If-Match)",
        response_headers=ETAG_HEADER,
    )
    async def answer_information(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        state: State,
        claim_id: FromPath[uuid.UUID],
        request_id: FromPath[uuid.UUID],
        data: JSONBody[InformationAnswer],
        if_match: IfMatch = None,
    ) -> Response[Claim]:
        async def run(actor: claims.Actor) -> ClaimRow:
            await services.answer_information(
                session,
                vault_of(state),
                actor,
                claim_id,
                request_id,
                expected_version=expected_version(if_match),
                answer=data.answer,
                now=clock.now(),
            )
            return await services.get_claim(session, actor, claim_id)

        return await _step(session, request, principal, "answer_information", run)

    @post(
        "/{claim_id:uuid}/assessment",
        guards=ADMINISTRATORS,
        status_code=200,
        summary="Run the country's policy and keep its proposal (If-Match)",
        response_headers=ETAG_HEADER,
    )
    async def assess(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        claim_id: FromPath[uuid.UUID],
        data: JSONBody[AssessmentRequest],
        if_match: IfMatch = None,
    ) -> Response[Claim]:
        return await _step(
            session,
            request,
            principal,
            "assess",
            lambda actor: services.assess(
                session,
                actor,
                claim_id,
                expected_version=expected_version(if_match),
                as_of=data.as_of,
                reason=data.reason,
                now=clock.now(),
                policies=policy_for,
                vault=vault_of(request.app.state),
            ),
        )

    @get(
        "/{claim_id:uuid}/assessment",
        guards=READERS,
        summary="The policy's last proposal with its trace and findings",
    )
    async def assessment(
        self,
        *,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        claim_id: FromPath[uuid.UUID],
    ) -> AssessmentView:
        claim = await services.get_claim(session, actor_of(principal), claim_id)
        if claim.assessment is None:
            raise ProblemError(NOT_FOUND, "the claim has not been assessed yet")
        return views.assessment_view(claim.assessment)

    @post(
        "/{claim_id:uuid}/decision",
        guards=ADMINISTRATORS,
        summary="Decide per head and reserve the award (If-Match, Idempotency-Key)",
        status_code=200,
        responses=idempotent_responses(Claim, 200),
        response_headers=ETAG_HEADER,
        opt=IDEMPOTENT,
    )
    async def decide(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        claim_id: FromPath[uuid.UUID],
        data: JSONBody[DecisionRequest],
        if_match: IfMatch = None,
    ) -> Response[bytes]:
        return await _money_step(
            session,
            request,
            principal,
            data,
            action="decide",
            run=lambda actor: services.make_decision(
                session,
                actor,
                claim_id,
                expected_version=expected_version(if_match),
                data=data,
                now=clock.now(),
            ),
        )

    @post(
        "/{claim_id:uuid}/approvals",
        guards=ADMINISTRATORS,
        summary="Second administrator confirms or sends back (If-Match, Idempotency-Key)",
        status_code=200,
        responses=idempotent_responses(Claim, 200),
        response_headers=ETAG_HEADER,
        opt=IDEMPOTENT,
    )
    async def approve(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        claim_id: FromPath[uuid.UUID],
        data: JSONBody[ApprovalRequest],
        if_match: IfMatch = None,
    ) -> Response[bytes]:
        return await _money_step(
            session,
            request,
            principal,
            data,
            action="confirm" if data.approve else "send_back",
            run=lambda actor: services.review_decision(
                session,
                actor,
                claim_id,
                expected_version=expected_version(if_match),
                approve=data.approve,
                reason=data.reason,
                now=clock.now(),
            ),
        )

    @post(
        "/{claim_id:uuid}/reservation",
        guards=ADMINISTRATORS,
        summary="Reserve a decided award again after its reservation was lost (If-Match, "
        "Idempotency-Key)",
        status_code=200,
        responses=idempotent_responses(Claim, 200),
        response_headers=ETAG_HEADER,
        opt=IDEMPOTENT,
    )
    async def reserve_again(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        claim_id: FromPath[uuid.UUID],
        data: JSONBody[StepRequest],
        if_match: IfMatch = None,
    ) -> Response[bytes]:
        return await _money_step(
            session,
            request,
            principal,
            data,
            action="reserve_again",
            run=lambda actor: services.reserve_again(
                session,
                actor,
                claim_id,
                expected_version=expected_version(if_match),
                now=clock.now(),
            ),
        )

    @post(
        "/{claim_id:uuid}/payments",
        guards=ADMINISTRATORS,
        summary="Record a payment to her (If-Match, Idempotency-Key)",
        status_code=200,
        responses=idempotent_responses(Claim, 200),
        response_headers=ETAG_HEADER,
        opt=IDEMPOTENT,
    )
    async def pay(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        claim_id: FromPath[uuid.UUID],
        data: JSONBody[PaymentCreate],
        if_match: IfMatch = None,
    ) -> Response[bytes]:
        async def run(actor: claims.Actor) -> ClaimRow:
            await services.record_payment(
                session,
                actor,
                claim_id,
                expected_version=expected_version(if_match),
                data=data,
                now=clock.now(),
            )
            return await services.get_claim(session, actor, claim_id)

        return await _money_step(session, request, principal, data, action="pay", run=run)

    @get(
        "/{claim_id:uuid}/payments",
        guards=READERS,
        summary="Payments recorded on the claim",
        response_headers=LINK_HEADER,
    )
    async def payments(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        claim_id: FromPath[uuid.UUID],
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[PaymentView]]:
        rows = await services.payments(session, actor_of(principal), claim_id)
        return paged(request, page_of([views.payment_view(r) for r in rows], after, limit))

    @post(
        "/{claim_id:uuid}/overpayment",
        guards=ADMINISTRATORS,
        summary="Recover or waive what an appeal left her owing back; a waiver above the "
        "threshold waits for a second administrator (If-Match, Idempotency-Key)",
        status_code=200,
        responses=idempotent_responses(Claim, 200),
        response_headers=ETAG_HEADER,
        opt=IDEMPOTENT,
    )
    async def decide_overpayment(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        claim_id: FromPath[uuid.UUID],
        data: JSONBody[OverpaymentDecision],
        if_match: IfMatch = None,
    ) -> Response[bytes]:
        return await _money_step(
            session,
            request,
            principal,
            data,
            action=f"overpayment_{data.decision}",
            run=lambda actor: with_overpayment_letter(
                session,
                principal.user_id,
                claim_id,
                lambda: services.decide_overpayment(
                    session,
                    actor,
                    claim_id,
                    expected_version=expected_version(if_match),
                    data=data,
                    now=clock.now(),
                ),
            ),
        )

    @post(
        "/{claim_id:uuid}/overpayment/approvals",
        guards=ADMINISTRATORS,
        summary="Second administrator confirms a waiver or sends it back (If-Match, "
        "Idempotency-Key)",
        status_code=200,
        responses=idempotent_responses(Claim, 200),
        response_headers=ETAG_HEADER,
        opt=IDEMPOTENT,
    )
    async def approve_waiver(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        claim_id: FromPath[uuid.UUID],
        data: JSONBody[ApprovalRequest],
        if_match: IfMatch = None,
    ) -> Response[bytes]:
        return await _money_step(
            session,
            request,
            principal,
            data,
            action="overpayment_waiver_confirm" if data.approve else "overpayment_waiver_send_back",
            run=lambda actor: with_overpayment_letter(
                session,
                principal.user_id,
                claim_id,
                lambda: services.review_waiver(
                    session,
                    actor,
                    claim_id,
                    expected_version=expected_version(if_match),
                    approve=data.approve,
                    reason=data.reason,
                    now=clock.now(),
                ),
            ),
        )

    @post(
        "/{claim_id:uuid}/repayments",
        guards=ADMINISTRATORS,
        summary="Record money she paid back of an overpayment (If-Match, Idempotency-Key)",
        status_code=200,
        responses=idempotent_responses(Claim, 200),
        response_headers=ETAG_HEADER,
        opt=IDEMPOTENT,
    )
    async def repay(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        claim_id: FromPath[uuid.UUID],
        data: JSONBody[RepaymentCreate],
        if_match: IfMatch = None,
    ) -> Response[bytes]:
        async def run(actor: claims.Actor) -> ClaimRow:
            await services.record_repayment(
                session,
                actor,
                claim_id,
                expected_version=expected_version(if_match),
                data=data,
                now=clock.now(),
            )
            return await services.get_claim(session, actor, claim_id)

        return await _money_step(session, request, principal, data, action="repay", run=run)

    @get(
        "/{claim_id:uuid}/repayments",
        guards=READERS,
        summary="Her repayments of an overpayment on the claim",
        response_headers=LINK_HEADER,
    )
    async def repayments(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        claim_id: FromPath[uuid.UUID],
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[RepaymentView]]:
        rows = await services.repayments(session, actor_of(principal), claim_id)
        return paged(request, page_of([views.repayment_view(r) for r in rows], after, limit))

    @post(
        "/{claim_id:uuid}/close",
        guards=ADMINISTRATORS,
        status_code=200,
        summary="Close a settled claim (If-Match)",
        response_headers=ETAG_HEADER,
    )
    async def close(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        claim_id: FromPath[uuid.UUID],
        data: JSONBody[StepRequest],
        if_match: IfMatch = None,
    ) -> Response[Claim]:
        return await _step(
            session,
            request,
            principal,
            "close",
            lambda actor: services.close(
                session,
                actor,
                claim_id,
                expected_version=expected_version(if_match),
                reason=data.reason,
                now=clock.now(),
            ),
        )

    @post(
        "/{claim_id:uuid}/appeal",
        guards=ADVISERS,
        status_code=200,
        summary="Appeal a decision (If-Match)",
        response_headers=ETAG_HEADER,
    )
    async def appeal(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        claim_id: FromPath[uuid.UUID],
        data: JSONBody[ReasonRequired],
        if_match: IfMatch = None,
    ) -> Response[Claim]:
        return await _step(
            session,
            request,
            principal,
            "appeal",
            lambda actor: services.appeal(
                session,
                actor,
                claim_id,
                expected_version=expected_version(if_match),
                reason=data.reason,
                now=clock.now(),
            ),
        )

    @post(
        "/{claim_id:uuid}/withdraw",
        guards=ADVISERS,
        status_code=200,
        summary="Withdraw before a decision (If-Match)",
        response_headers=ETAG_HEADER,
    )
    async def withdraw(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        claim_id: FromPath[uuid.UUID],
        data: JSONBody[ReasonRequired],
        if_match: IfMatch = None,
    ) -> Response[Claim]:
        return await _step(
            session,
            request,
            principal,
            "withdraw",
            lambda actor: services.withdraw(
                session,
                actor,
                claim_id,
                expected_version=expected_version(if_match),
                reason=data.reason,
                now=clock.now(),
            ),
        )

    @post(
        "/{claim_id:uuid}/documents",
        guards=ADVISERS,
        summary="Upload evidence: PDF, JPEG or PNG (If-Match)",
        response_headers=CREATED_HEADERS,
    )
    async def upload(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        clock: NamedDependency[Clock],
        state: State,
        claim_id: FromPath[uuid.UUID],
        data: MultipartBody[DocumentUpload],
        if_match: IfMatch = None,
    ) -> Response[DocumentView]:
        return await store_upload(
            session,
            request,
            principal,
            state,
            data,
            store=services.upload_evidence,
            subject_type="claim",
            subject_id=claim_id,
            action="claim.document.upload",
            if_match=if_match,
            now=clock.now(),
            location=lambda document_id: f"{self.path}/{claim_id}/documents/{document_id}",
        )

    @get(
        "/{claim_id:uuid}/documents",
        guards=READERS,
        summary="Evidence documents (metadata)",
        response_headers=LINK_HEADER,
    )
    async def documents(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        claim_id: FromPath[uuid.UUID],
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[DocumentView]]:
        rows = await services.documents(session, actor_of(principal), claim_id)
        return paged(request, page_of([views.document_view(r) for r in rows], after, limit))

    @get(
        "/{claim_id:uuid}/documents/{document_id:uuid}",
        guards=READERS,
        summary="Download one document (personal data: the read is audited)",
        media_type="application/octet-stream",
    )
    async def download(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        state: State,
        claim_id: FromPath[uuid.UUID],
        document_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        reason = personal_data_reason(principal, request)
        async with unit_of_work(session):
            document, content = await services.open_document(
                session, vault_of(state), actor_of(principal), claim_id, document_id
            )
            await audit(
                session,
                request,
                principal,
                action="claim.document.read",
                subject_type="claim",
                subject_id=claim_id,
                reason=reason,
                details={"document_id": str(document_id)},
            )
        if content is None:
            raise claims.PersonalDataErased()
        return Response(
            content=content,
            media_type=document.media_type,
            headers={"Content-Disposition": f'attachment; filename="{document.id}"'},
        )

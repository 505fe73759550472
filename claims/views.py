"""Stored records turned into the wire's Structs (no decryption here: that is the services')."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec

from claims import schemas
from claims.access import ALL, Actor
from claims.decision import Outcome
from claims.models import Claim, Claimant, ClaimTransition, Document, Payment, Repayment
from claims.services import (
    ClearPersonalData,
    InformationExchange,
    outstanding,
    overpayment_state,
    waiver_awaits_confirmation,
    waiver_threshold,
)
from claims.workflow import ClaimEvent, ClaimStatus, allowed_events
from ledger import MINOR_UNITS


def days_since(moment: datetime | None, now: datetime) -> int | None:
    if moment is None:
        return None
    return (now - moment).days


def at_precision(amount: Decimal, currency: str) -> Decimal:
    """`amount` with exactly the currency's decimals (`1000.00`, ISK `1000`): the same figure
    reads the same in every answer."""
    return amount.quantize(Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))) + 0


def _maybe(amount: Decimal | None, currency: str) -> Decimal | None:
    return None if amount is None else at_precision(amount, currency)


def _claimed_total(claim: Claim) -> Decimal:
    return at_precision(sum((h.amount_claimed for h in claim.heads), Decimal(0)), claim.currency)


ADVISER_EVENTS = frozenset(
    {ClaimEvent.SUBMIT, ClaimEvent.ANSWER_INFORMATION, ClaimEvent.WITHDRAW, ClaimEvent.APPEAL}
)
"""What the claim's legal adviser does; every other event is an administrator's."""


def events_for(claim: Claim, actor: Actor | None) -> list[ClaimEvent]:
    """The events `actor` could take now and that would succeed: the lifecycle's, narrowed to
    her role on this claim, to what the money allows (no payment when nothing is owed, no
    closing while something is owed either way), and to the four-eyes rule (a decider does not
    confirm)."""
    events = allowed_events(ClaimStatus(claim.status), decided_before=claim.decided_before)
    if actor is None:
        return list(events)
    adviser = actor.is_adviser and actor.organisation_id == claim.organisation_id
    administrator = ALL in actor.administrator_countries or (
        claim.country in actor.administrator_countries
    )
    owed = outstanding(claim)
    mine: list[ClaimEvent] = []
    for event in events:
        if (event in ADVISER_EVENTS and not adviser) or (
            event not in ADVISER_EVENTS and not administrator
        ):
            continue
        if event in (ClaimEvent.PAY_IN_PART, ClaimEvent.PAY_IN_FULL) and owed <= 0:
            continue
        if event is ClaimEvent.CLOSE and (owed > 0 or claim.overpayment_owed > 0):
            continue
        if event in (ClaimEvent.CONFIRM, ClaimEvent.SEND_BACK) and (
            claim.decided_by == actor.user_id
        ):
            continue
        mine.append(event)
    return mine


def claim_view(claim: Claim, actor: Actor | None = None) -> schemas.Claim:
    """The claim on the wire; `allowed_events` are those `actor` may take now (all the
    lifecycle allows when no actor is given)."""
    decision = None
    if claim.outcome is not None and claim.awarded_total is not None:
        threshold = claim.second_approval_threshold
        decision = schemas.DecisionView(
            outcome=Outcome(claim.outcome),
            awarded_total=at_precision(claim.awarded_total, claim.currency),
            reason=claim.decision_reason,
            decided_at=claim.decided_at,
            decided_by=claim.decided_by,
            confirmed_at=claim.confirmed_at,
            confirmed_by=claim.confirmed_by,
            requires_second_approval=threshold is not None and claim.awarded_total > threshold,
            second_approval_threshold=_maybe(threshold, claim.currency),
        )
    status = ClaimStatus(claim.status)
    return schemas.Claim(
        id=claim.id,
        reference=claim.reference,
        claimant_id=claim.claimant_id,
        country=claim.country,
        currency=claim.currency,
        status=status,
        version=claim.version,
        allowed_events=events_for(claim, actor),
        offence=claim.offence,
        crime_date=claim.crime_date,
        crime_place=claim.crime_place,
        crime_in_country=claim.crime_in_country,
        resident_in_country=claim.resident_in_country,
        reported_to_police=claim.reported_to_police,
        police_case_reference=claim.police_case_reference,
        police_report_date=claim.police_report_date,
        judgment_reference=claim.judgment_reference,
        judgment_date=claim.judgment_date,
        proceedings_end_date=claim.proceedings_end_date,
        victim_recognition_date=claim.victim_recognition_date,
        is_minor_at_crime=claim.is_minor_at_crime,
        court_awarded=_maybe(claim.court_awarded, claim.currency),
        earmarked_case=claim.earmarked_case,
        no_proposal_code=claim.no_proposal_code,
        no_proposal_reason=claim.no_proposal_reason,
        heads=[
            schemas.HeadView(
                position=h.position,
                category=h.category,
                sub_kind=h.sub_kind,
                amount_claimed=at_precision(h.amount_claimed, h.currency),
                currency=h.currency,
                proposed=_maybe(h.proposed, h.currency),
                awarded=_maybe(h.awarded, h.currency),
                decision_reason=h.decision_reason,
            )
            for h in claim.heads
        ],
        prior_payments=[
            schemas.PriorPaymentView(
                source=p.source,
                amount=at_precision(p.amount, p.currency),
                currency=p.currency,
                category=p.category,
            )
            for p in claim.prior_payments
        ],
        claimed_total=_claimed_total(claim),
        created_at=claim.created_at,
        submitted_at=claim.submitted_at,
        updated_at=claim.updated_at,
        decision=decision,
        letter_issued_at=claim.letter_issued_at,
        letter_languages=claim.letter_languages,
        paid_total=at_precision(claim.paid_total, claim.currency),
        outstanding=at_precision(outstanding(claim), claim.currency),
        overpayment=overpayment_view(claim),
    )


def overpayment_view(claim: Claim) -> schemas.OverpaymentView | None:
    """What an appeal left her owing back, and what became of it; None when nothing ever was."""
    money = (claim.overpayment_owed, claim.overpayment_repaid, claim.overpayment_waived)
    if not any(money):
        return None
    owed, repaid, waived = (at_precision(m, claim.currency) for m in money)
    decision = claim.overpayment_decision
    return schemas.OverpaymentView(
        owed=owed,
        repaid=repaid,
        waived=waived,
        state=overpayment_state(claim),  # type: ignore[arg-type]
        decision=decision,  # type: ignore[arg-type]
        reason=claim.overpayment_reason,
        decided_at=claim.overpayment_decided_at,
        decided_by=claim.overpayment_decided_by,
        confirmed_at=claim.overpayment_confirmed_at,
        confirmed_by=claim.overpayment_confirmed_by,
        waiving=_maybe(claim.overpayment_waiving, claim.currency)
        if waiver_awaits_confirmation(claim)
        else None,
        waiver_threshold=_maybe(waiver_threshold(claim), claim.currency),
    )


def repayment_view(row: Repayment) -> schemas.RepaymentView:
    return schemas.RepaymentView(
        id=row.id,
        amount=at_precision(row.amount, row.currency),
        currency=row.currency,
        repaid_on=row.repaid_on,
        reference=row.reference,
        transaction_id=row.transaction_id,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


def claim_summary(claim: Claim, now: datetime) -> schemas.ClaimSummary:
    return schemas.ClaimSummary(
        id=claim.id,
        reference=claim.reference,
        country=claim.country,
        currency=claim.currency,
        status=ClaimStatus(claim.status),
        claimed_total=_claimed_total(claim),
        awarded_total=_maybe(claim.awarded_total, claim.currency),
        submitted_at=claim.submitted_at,
        days_since_submission=days_since(claim.submitted_at, now),
        updated_at=claim.updated_at,
    )


def claim_page(
    rows: Sequence[Claim], total: int, limit: int, offset: int, *, now: datetime
) -> schemas.ClaimPage:
    """A numbered page of the list for the web pages; ages are counted to `now`."""
    return schemas.ClaimPage(
        items=[claim_summary(c, now) for c in rows], total=total, limit=limit, offset=offset
    )


def transition_view(row: ClaimTransition, currency: str) -> schemas.TransitionView:
    return schemas.TransitionView(
        event=ClaimEvent(row.event),
        from_status=ClaimStatus(row.from_status) if row.from_status else None,
        to_status=ClaimStatus(row.to_status),
        actor_id=row.actor_id,
        occurred_at=row.occurred_at,
        reason=row.reason,
        version=row.version,
        amount=_maybe(row.amount, currency),
    )


def _personal_view(clear: ClearPersonalData) -> schemas.PersonalDataView:
    v = clear.values
    birth = v["birth_date"]
    return schemas.PersonalDataView(
        given_names=v["given_names"],
        family_name=v["family_name"],
        birth_date=datetime.fromisoformat(birth).date() if birth else None,
        address=v["address"],
        address_withheld=clear.address_withheld,
        phone=v["phone"],
        email=v["email"],
        bank_account=v["bank_account"],
        statement=v["statement"],
    )


def claimant_view(
    claimant: Claimant, clear: ClearPersonalData | None, mandate_document: uuid.UUID | None
) -> schemas.Claimant:
    return schemas.Claimant(
        id=claimant.id,
        reference=claimant.reference,
        preferred_language=claimant.preferred_language,
        confidential_address=claimant.confidential_address,
        identification_status=claimant.identification_status,
        mandate=schemas.MandateView(
            adviser_id=claimant.mandate_adviser_id,
            signed_on=claimant.mandate_date,
            scope=list(claimant.mandate_scope),
            document_id=mandate_document,
        ),
        personal=_personal_view(clear) if clear is not None else None,
        erased=clear is None,
        created_at=claimant.created_at,
        version=claimant.version,
    )


def claimant_summary(claimant: Claimant) -> schemas.ClaimantSummary:
    return schemas.ClaimantSummary(
        id=claimant.id,
        reference=claimant.reference,
        identification_status=claimant.identification_status,
        preferred_language=claimant.preferred_language,
        created_at=claimant.created_at,
    )


def document_view(row: Document) -> schemas.DocumentView:
    return schemas.DocumentView(
        id=row.id,
        kind=row.kind,
        media_type=row.media_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        uploaded_by=row.uploaded_by,
        uploaded_at=row.uploaded_at,
    )


def payment_view(row: Payment) -> schemas.PaymentView:
    return schemas.PaymentView(
        id=row.id,
        amount=at_precision(row.amount, row.currency),
        currency=row.currency,
        paid_on=row.paid_on,
        bank_reference=row.bank_reference,
        transaction_id=row.transaction_id,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


def information_view(exchange: InformationExchange) -> schemas.InformationRequestView:
    r = exchange.request
    return schemas.InformationRequestView(
        id=r.id,
        question=r.question,
        due_date=r.due_date,
        requested_by=r.requested_by,
        requested_at=r.requested_at,
        answered=r.answered_at is not None,
        answered_by=r.answered_by,
        answered_at=r.answered_at,
        answer=exchange.answer,
    )


def assessment_view(record: dict[str, Any]) -> schemas.AssessmentView:
    """The stored assessment record (see claims.assessments) on the wire."""
    # The stored record keeps its key `total_proposed`; the wire says `proposed_total`.
    wire = {k: v for k, v in record.items() if k != "total_proposed"}
    wire["proposed_total"] = record.get("total_proposed")
    view = msgspec.convert(wire, schemas.AssessmentView, strict=False)
    currency = view.currency
    return msgspec.structs.replace(
        view,
        heads=[
            msgspec.structs.replace(
                head,
                claimed=at_precision(head.claimed, currency),
                proposed=_maybe(head.proposed, currency),
            )
            for head in view.heads
        ],
        total_proposed=_maybe(view.total_proposed, currency),
        second_approval_threshold=at_precision(view.second_approval_threshold, currency),
    )

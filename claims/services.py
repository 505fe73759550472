"""Use cases of claims: each takes a session, applies the pure core, flushes, never commits.

The handler's unit of work commits a claim's state change together with its ledger movement, so
the two happen together or not at all. Every write names the version it was based on (If-Match)
and locks the claim's row first, so two administrators cannot overwrite each other.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from claims import repository
from claims.access import Actor
from claims.assessments import assessment_record, claim_facts
from claims.decision import HeadAward, HeadFigures, Outcome, decide
from claims.documents import MAX_DOCUMENT_BYTES, check_document
from claims.errors import (
    ClaimantNotFound,
    ClaimNotFound,
    CountryNotInScope,
    DocumentNotFound,
    InformationRequestNotFound,
    InvalidClaimData,
    InvalidTransition,
    NoOrganisation,
    OutstandingBalance,
    PaymentExceedsOutstanding,
    SecondApproverMustDiffer,
    StaleVersion,
    VersionRequired,
)
from claims.letters import DecisionNotice, LetterRenderer, NoticeHead, letter_languages
from claims.models import (
    Claim,
    Claimant,
    ClaimHead,
    ClaimTransition,
    Document,
    InformationRequest,
    Payment,
    PriorPaymentRow,
    new_id,
)
from claims.money import check_amount, country_currency
from claims.personal_data import PersonalDataVault
from claims.repository import ClaimFilter, Role, SortKey
from claims.schemas import (
    ClaimantCreate,
    ClaimantUpdate,
    ClaimCreate,
    ClaimDraft,
    DecisionRequest,
    PaymentCreate,
    PersonalData,
)
from claims.workflow import ClaimEvent, ClaimStatus, allowed_events, transition
from ledger import (
    AccountType,
    EntryKind,
    PostingSpec,
    TransactionSpec,
    TransactionStatus,
    award_payable,
    ensure_account,
    get_transaction,
    post_pending,
    record_transaction,
    reverse_transaction,
    void_pending,
)
from policies import get_policy

LEDGER_SCOPE = "claims"
"""Idempotency scope of every ledger transaction claims records."""


def _now() -> datetime:
    return datetime.now(UTC)


def check_version(expected: int | None, current: int) -> None:
    """VersionRequired without If-Match; StaleVersion when the record moved on since."""
    if expected is None:
        raise VersionRequired()
    if expected != current:
        raise StaleVersion(current)


# --- claimants -------------------------------------------------------------------------------


def _personal_values(personal: PersonalData) -> dict[str, str | None]:
    return {
        "given_names": personal.given_names,
        "family_name": personal.family_name,
        "birth_date": personal.birth_date.isoformat() if personal.birth_date else None,
        "address": personal.address,
        "phone": personal.phone,
        "email": personal.email,
        "bank_account": personal.bank_account,
        "statement": personal.statement,
    }


PERSONAL_FIELDS = tuple(_personal_values(PersonalData(given_names="-", family_name="-")))
"""Vault field names of a claimant's personal data; column `<field>_enc` holds each."""


async def _seal_personal(
    session: AsyncSession, vault: PersonalDataVault, claimant: Claimant, personal: PersonalData
) -> None:
    for field, value in _personal_values(personal).items():
        sealed = (
            None
            if value is None
            else await vault.encrypt(session, claimant.subject_id, field, value.encode())
        )
        setattr(claimant, f"{field}_enc", sealed)


async def register_claimant(
    session: AsyncSession, vault: PersonalDataVault, actor: Actor, data: ClaimantCreate
) -> Claimant:
    """A claimant of the adviser's organisation, her personal fields sealed with her own key."""
    if actor.organisation_id is None:
        raise NoOrganisation()
    now = _now()
    if data.mandate.signed_on > now.date():
        raise InvalidClaimData("mandate.signed_on", "must not be in the future")
    claimant = Claimant(
        id=new_id(),
        reference=await repository.next_reference(session, "P", now),
        organisation_id=actor.organisation_id,
        subject_id=await vault.new_subject(session),
        preferred_language=data.preferred_language,
        confidential_address=data.confidential_address,
        identification_status=data.identification_status,
        mandate_adviser_id=actor.user_id,
        mandate_date=data.mandate.signed_on,
        mandate_scope=sorted(set(data.mandate.scope)),
        created_by=actor.user_id,
        created_at=now,
        version=1,
    )
    await _seal_personal(session, vault, claimant, data.personal)
    session.add(claimant)
    await session.flush()
    return claimant


async def update_claimant(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    claimant_id: uuid.UUID,
    *,
    data: ClaimantUpdate,
    expected_version: int | None,
) -> Claimant:
    claimant = await repository.claimant(session, claimant_id, actor, "adviser", lock=True)
    if claimant is None:
        raise ClaimantNotFound()
    check_version(expected_version, claimant.version)
    if data.personal is not None:
        await _seal_personal(session, vault, claimant, data.personal)
    if data.preferred_language is not None:
        claimant.preferred_language = data.preferred_language
    if data.identification_status is not None:
        claimant.identification_status = data.identification_status
    if data.confidential_address is not None:
        claimant.confidential_address = data.confidential_address
    claimant.version += 1
    await session.flush()
    return claimant


async def get_claimant(
    session: AsyncSession, actor: Actor, claimant_id: uuid.UUID, role: Role = "reader"
) -> Claimant:
    claimant = await repository.claimant(session, claimant_id, actor, role)
    if claimant is None:
        raise ClaimantNotFound()
    return claimant


@dataclass(frozen=True, slots=True)
class ClearPersonalData:
    """Her personal fields in clear, for the one response that shows them."""

    values: dict[str, str | None]
    address_withheld: bool


async def open_personal_data(
    session: AsyncSession, vault: PersonalDataVault, claimant: Claimant, actor: Actor
) -> ClearPersonalData | None:
    """Decrypt her fields (None once she is erased). A confidential address is shown only to her
    own organisation: nobody else needs it to decide or to pay."""
    own = actor.is_adviser and claimant.organisation_id == actor.organisation_id
    withhold = claimant.confidential_address and not own
    values: dict[str, str | None] = {}
    for field in PERSONAL_FIELDS:
        sealed: bytes | None = getattr(claimant, f"{field}_enc")
        if sealed is None or (field == "address" and withhold):
            values[field] = None
            continue
        clear = await vault.decrypt(session, claimant.subject_id, field, sealed)
        if clear is None:
            return None
        values[field] = clear.decode()
    return ClearPersonalData(values, address_withheld=withhold and claimant.address_enc is not None)


async def list_claimants(
    session: AsyncSession, actor: Actor, *, reference: str | None, limit: int, offset: int
) -> tuple[Sequence[Claimant], int]:
    return await repository.claimants(
        session, actor, reference=reference, limit=limit, offset=offset
    )


async def _store_document(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    claimant: Claimant,
    *,
    claim_id: uuid.UUID | None,
    filename: str,
    content: bytes,
    max_bytes: int,
) -> Document:
    media_type = check_document(content, max_bytes=max_bytes)
    subject = claimant.subject_id
    document = Document(
        id=new_id(),
        claimant_id=claimant.id,
        claim_id=claim_id,
        kind="evidence" if claim_id else "mandate",
        media_type=media_type,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        filename_enc=await vault.encrypt(session, subject, "document.filename", filename.encode()),
        content_enc=await vault.encrypt(session, subject, "document.content", content),
        uploaded_by=actor.user_id,
        uploaded_at=_now(),
    )
    session.add(document)
    await session.flush()
    return document


async def upload_mandate(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    claimant_id: uuid.UUID,
    *,
    filename: str,
    content: bytes,
    expected_version: int | None,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> Document:
    claimant = await repository.claimant(session, claimant_id, actor, "adviser", lock=True)
    if claimant is None:
        raise ClaimantNotFound()
    check_version(expected_version, claimant.version)
    document = await _store_document(
        session,
        vault,
        actor,
        claimant,
        claim_id=None,
        filename=filename,
        content=content,
        max_bytes=max_bytes,
    )
    claimant.version += 1
    await session.flush()
    return document


async def mandate_document_id(session: AsyncSession, claimant_id: uuid.UUID) -> uuid.UUID | None:
    document = await repository.latest_mandate(session, claimant_id)
    return document.id if document else None


# --- claims: reading -------------------------------------------------------------------------


async def get_claim(
    session: AsyncSession, actor: Actor, claim_id: uuid.UUID, role: Role = "reader"
) -> Claim:
    claim = await repository.claim(session, claim_id, actor, role)
    if claim is None:
        raise ClaimNotFound()
    return claim


async def list_claims(
    session: AsyncSession,
    actor: Actor,
    role: Role,
    filters: ClaimFilter,
    *,
    sort: SortKey,
    limit: int,
    offset: int,
) -> tuple[Sequence[Claim], int]:
    return await repository.claims(
        session, actor, role, filters, sort=sort, limit=limit, offset=offset
    )


async def history(
    session: AsyncSession, actor: Actor, claim_id: uuid.UUID
) -> Sequence[ClaimTransition]:
    claim = await get_claim(session, actor, claim_id)
    return await repository.transitions(session, claim.id)


async def payments(session: AsyncSession, actor: Actor, claim_id: uuid.UUID) -> Sequence[Payment]:
    claim = await get_claim(session, actor, claim_id)
    return await repository.payments(session, claim.id)


async def documents(session: AsyncSession, actor: Actor, claim_id: uuid.UUID) -> Sequence[Document]:
    claim = await get_claim(session, actor, claim_id)
    return await repository.documents(session, claim_id=claim.id)


async def open_document(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    claim_id: uuid.UUID,
    document_id: uuid.UUID,
) -> tuple[Document, bytes | None]:
    """The document and its clear content (None once the claimant has been erased)."""
    claim = await get_claim(session, actor, claim_id)
    document = await repository.document(session, document_id, claim_id=claim.id)
    if document is None:
        raise DocumentNotFound()
    claimant = await session.get(Claimant, claim.claimant_id)
    assert claimant is not None
    content = await vault.decrypt(
        session, claimant.subject_id, "document.content", document.content_enc
    )
    return document, content


@dataclass(frozen=True, slots=True)
class InformationExchange:
    request: InformationRequest
    answer: str | None


async def information_requests(
    session: AsyncSession, vault: PersonalDataVault, actor: Actor, claim_id: uuid.UUID
) -> list[InformationExchange]:
    claim = await get_claim(session, actor, claim_id)
    claimant = await session.get(Claimant, claim.claimant_id)
    assert claimant is not None
    exchanges = []
    for request in await repository.information_requests(session, claim.id):
        answer = None
        if request.answer_enc is not None:
            clear = await vault.decrypt(
                session, claimant.subject_id, "information.answer", request.answer_enc
            )
            answer = clear.decode() if clear is not None else None
        exchanges.append(InformationExchange(request, answer))
    return exchanges


# --- claims: writing -------------------------------------------------------------------------


async def _locked(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    role: Role,
    expected_version: int | None,
) -> Claim:
    claim = await repository.claim(session, claim_id, actor, role, lock=True)
    if claim is None:
        raise ClaimNotFound()
    check_version(expected_version, claim.version)
    return claim


def _touch(claim: Claim, now: datetime) -> None:
    claim.version += 1
    claim.updated_at = now


def _apply(
    session: AsyncSession,
    claim: Claim,
    event: ClaimEvent,
    actor: Actor,
    reason: str | None,
    *,
    now: datetime,
    checked: ClaimStatus | None = None,
) -> ClaimStatus:
    """Move `claim` by `event` (already checked when `checked` is given) and record the step."""
    before = ClaimStatus(claim.status)
    after = checked or transition(before, event, decided_before=claim.decided_before)
    claim.status = after.value
    _touch(claim, now)
    session.add(
        ClaimTransition(
            id=new_id(),
            claim_id=claim.id,
            event=event.value,
            from_status=before.value,
            to_status=after.value,
            actor_id=actor.user_id,
            occurred_at=now,
            reason=reason,
            version=claim.version,
        )
    )
    return after


def _check_draft(data: ClaimDraft, currency: str) -> tuple[list[ClaimHead], list[PriorPaymentRow]]:
    """The heads and prior payments of `data` as rows, once every amount and date is valid."""
    today = _now().date()
    for field, when in (
        ("crime_date", data.crime_date),
        ("judgment_date", data.judgment_date),
        ("proceedings_end_date", data.proceedings_end_date),
        ("victim_recognition_date", data.victim_recognition_date),
    ):
        if when is not None and when > today:
            raise InvalidClaimData(field, "must not be in the future")
    heads = []
    for position, head in enumerate(data.heads):
        check_amount(
            f"heads[{position}].amount_claimed", head.amount_claimed, head.currency, currency
        )
        if (head.category == "material_loss") != (head.sub_kind is not None):
            raise InvalidClaimData(
                f"heads[{position}].sub_kind",
                "is required for material_loss and not allowed for other categories",
            )
        heads.append(
            ClaimHead(
                id=new_id(),
                position=position,
                category=str(head.category),
                sub_kind=str(head.sub_kind) if head.sub_kind else None,
                amount_claimed=head.amount_claimed,
                currency=head.currency,
            )
        )
    prior = []
    for position, payment in enumerate(data.prior_payments):
        check_amount(
            f"prior_payments[{position}].amount", payment.amount, payment.currency, currency
        )
        prior.append(
            PriorPaymentRow(
                id=new_id(),
                position=position,
                source=payment.source,
                amount=payment.amount,
                currency=payment.currency,
                category=str(payment.category) if payment.category else None,
            )
        )
    if data.court_awarded is not None:
        check_amount("court_awarded", data.court_awarded, currency, currency, allow_zero=True)
    return heads, prior


def _set_facts(claim: Claim, data: ClaimDraft) -> None:
    claim.offence = data.offence
    claim.crime_date = data.crime_date
    claim.crime_place = data.crime_place
    claim.crime_in_country = data.crime_in_country
    claim.resident_in_country = data.resident_in_country
    claim.reported_to_police = data.reported_to_police
    claim.police_case_reference = data.police_case_reference
    claim.judgment_reference = data.judgment_reference
    claim.judgment_date = data.judgment_date
    claim.proceedings_end_date = data.proceedings_end_date
    claim.victim_recognition_date = data.victim_recognition_date
    claim.is_minor_at_crime = data.is_minor_at_crime
    claim.court_awarded = data.court_awarded
    claim.earmarked_case = data.earmarked_case


async def create_claim(session: AsyncSession, actor: Actor, data: ClaimCreate) -> Claim:
    """A draft claim of one of the organisation's claimants, decided by `data.country`."""
    if not actor.may_file_in(data.country):
        raise CountryNotInScope(data.country)
    claimant = await repository.claimant(session, data.claimant_id, actor, "adviser")
    if claimant is None:
        raise ClaimantNotFound()
    currency = country_currency(data.country)
    heads, prior = _check_draft(data, currency)
    now = _now()
    claim = Claim(
        id=new_id(),
        reference=await repository.next_reference(session, data.country, now),
        claimant_id=claimant.id,
        organisation_id=claimant.organisation_id,
        country=data.country,
        currency=currency,
        status=ClaimStatus.DRAFT.value,
        version=1,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
        paid_total=Decimal(0),
        decided_before=False,
        heads=heads,
        prior_payments=prior,
    )
    _set_facts(claim, data)
    session.add(claim)
    await session.flush()
    return claim


async def revise_draft(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    data: ClaimDraft,
) -> Claim:
    """Replace a draft's facts and heads; once submitted, a claim changes only by its steps."""
    claim = await _locked(session, actor, claim_id, "adviser", expected_version)
    status = ClaimStatus(claim.status)
    if status is not ClaimStatus.DRAFT:
        allowed = allowed_events(status, decided_before=claim.decided_before)
        raise InvalidTransition(status.value, "revise", tuple(e.value for e in allowed))
    heads, prior = _check_draft(data, claim.currency)
    for row in (*claim.heads, *claim.prior_payments):
        await session.delete(row)
    await session.flush()
    claim.heads = heads
    claim.prior_payments = prior
    _set_facts(claim, data)
    _touch(claim, _now())
    await session.flush()
    return claim


async def submit(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    reason: str | None = None,
) -> Claim:
    claim = await _locked(session, actor, claim_id, "adviser", expected_version)
    now = _now()
    _apply(session, claim, ClaimEvent.SUBMIT, actor, reason, now=now)
    claim.submitted_at = now
    await session.flush()
    return claim


async def start_review(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    reason: str | None = None,
) -> Claim:
    claim = await _locked(session, actor, claim_id, "administrator", expected_version)
    _apply(session, claim, ClaimEvent.START_REVIEW, actor, reason, now=_now())
    await session.flush()
    return claim


async def request_information(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    question: str,
    due_date: date | None,
) -> InformationRequest:
    claim = await _locked(session, actor, claim_id, "administrator", expected_version)
    now = _now()
    _apply(session, claim, ClaimEvent.REQUEST_INFORMATION, actor, None, now=now)
    request = InformationRequest(
        id=new_id(),
        claim_id=claim.id,
        question=question,
        due_date=due_date,
        requested_by=actor.user_id,
        requested_at=now,
    )
    session.add(request)
    await session.flush()
    return request


async def answer_information(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    claim_id: uuid.UUID,
    request_id: uuid.UUID,
    *,
    expected_version: int | None,
    answer: str,
) -> InformationRequest:
    """The adviser's answer, sealed with the claimant's key; the claim returns to review."""
    claim = await _locked(session, actor, claim_id, "adviser", expected_version)
    after = transition(
        ClaimStatus(claim.status),
        ClaimEvent.ANSWER_INFORMATION,
        decided_before=claim.decided_before,
    )
    request = await repository.open_information_request(session, claim.id, request_id)
    if request is None:
        raise InformationRequestNotFound()
    claimant = await session.get(Claimant, claim.claimant_id)
    assert claimant is not None
    now = _now()
    request.answer_enc = await vault.encrypt(
        session, claimant.subject_id, "information.answer", answer.encode()
    )
    request.answered_by = actor.user_id
    request.answered_at = now
    _apply(session, claim, ClaimEvent.ANSWER_INFORMATION, actor, None, now=now, checked=after)
    await session.flush()
    return request


async def assess(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    as_of: date | None = None,
    reason: str | None = None,
) -> Claim:
    """Run the country's policy on the claim's facts and keep what it proposed and why."""
    claim = await _locked(session, actor, claim_id, "administrator", expected_version)
    after = transition(ClaimStatus(claim.status), ClaimEvent.ASSESS)
    now = _now()
    assert claim.submitted_at is not None
    assessment = get_policy(claim.country).assess(
        claim_facts(claim, claim.submitted_at.date()), as_of or now.date()
    )
    for head, proposal in zip(claim.heads, assessment.heads, strict=True):
        head.proposed = proposal.proposed
    claim.assessment = assessment_record(assessment, assessed_at=now, assessed_by=actor.user_id)
    claim.assessed_at = now
    claim.assessed_by = actor.user_id
    claim.second_approval_threshold = assessment.second_approval_threshold
    _apply(session, claim, ClaimEvent.ASSESS, actor, reason, now=now, checked=after)
    await session.flush()
    return claim


def _payable_code(claim: Claim) -> str:
    return award_payable(claim.country, str(claim.id), claim.currency).code


def _source_code(claim: Claim) -> str:
    if claim.earmarked_case:
        return f"{claim.country}/earmarked/{claim.earmarked_case}"
    return f"{claim.country}/fund/victims"


async def _release_award(session: AsyncSession, claim: Claim, actor: Actor) -> None:
    """Undo the current award in the ledger: void a reservation, reverse a booked award."""
    if claim.award_transaction_id is None:
        return
    current = await get_transaction(session, claim.award_transaction_id)
    if current.status is TransactionStatus.PENDING:
        await void_pending(session, current.id, actor=actor.ledger_name)
    elif current.status is TransactionStatus.POSTED:
        await reverse_transaction(
            session,
            current.id,
            actor=actor.ledger_name,
            idempotency_key=f"claim:{claim.id}:release:{claim.version}",
            idempotency_scope=LEDGER_SCOPE,
            memo=f"award on claim {claim.reference} changed",
        )
    claim.award_transaction_id = None


async def _reserve_award(
    session: AsyncSession, claim: Claim, actor: Actor, total: Decimal, on: date
) -> None:
    """Pending `Dr fund (or the case's earmarked money)  Cr payable/award/<claim>`."""
    payable = award_payable(claim.country, str(claim.id), claim.currency)
    await ensure_account(
        session,
        payable.code,
        name=payable.name,
        type=AccountType.LIABILITY,
        currency=claim.currency,
        country=claim.country,
    )
    view = await record_transaction(
        session,
        TransactionSpec(
            country=claim.country,
            kind=EntryKind.AWARD,
            effective_date=on,
            postings=(
                PostingSpec(_source_code(claim), total, claim.currency),
                PostingSpec(payable.code, -total, claim.currency),
            ),
            memo=f"award on claim {claim.reference}",
            references={"claim": str(claim.id)},
            pending=True,
        ),
        idempotency_key=f"claim:{claim.id}:award:{claim.version}",
        idempotency_scope=LEDGER_SCOPE,
        created_by=actor.ledger_name,
    )
    claim.award_transaction_id = view.id


async def make_decision(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    data: DecisionRequest,
) -> Claim:
    """Award per head; reserve the total; above the threshold, wait for a second administrator.

    On a claim decided before (an appeal), the earlier award is voided or reversed first and the
    new one entered in full, so the ledger shows both the correction and the new award.
    """
    claim = await _locked(session, actor, claim_id, "administrator", expected_version)
    status = ClaimStatus(claim.status)
    transition(status, ClaimEvent.DECIDE)
    assert claim.second_approval_threshold is not None, "an assessed claim has a threshold"
    decision = decide(
        [HeadFigures(h.position, h.amount_claimed, h.proposed) for h in claim.heads],
        [HeadAward(h.position, h.awarded, h.reason) for h in data.heads],
        currency=claim.currency,
        threshold=claim.second_approval_threshold,
        already_paid=claim.paid_total,
    )
    now = _now()
    for head, award in zip(claim.heads, decision.awards, strict=True):
        head.awarded = award.awarded
        head.decision_reason = award.reason
    claim.outcome = decision.outcome.value
    claim.awarded_total = decision.total
    claim.decision_reason = data.reason
    claim.decided_at = now
    claim.decided_by = actor.user_id
    claim.confirmed_at = None
    claim.confirmed_by = None
    await _release_award(session, claim, actor)
    if decision.total > 0:
        await _reserve_award(session, claim, actor, decision.total, now.date())
    event = (
        ClaimEvent.DECIDE_ABOVE_THRESHOLD
        if decision.requires_second_approval
        else ClaimEvent.DECIDE
    )
    after = _apply(session, claim, event, actor, data.reason, now=now)
    if after is ClaimStatus.DECIDED:
        claim.decided_before = True
    await session.flush()
    return claim


async def review_decision(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    approve: bool,
    reason: str | None,
) -> Claim:
    """The second administrator confirms, or sends the decision back (its reservation voided)."""
    claim = await _locked(session, actor, claim_id, "administrator", expected_version)
    event = ClaimEvent.CONFIRM if approve else ClaimEvent.SEND_BACK
    after = transition(ClaimStatus(claim.status), event, decided_before=claim.decided_before)
    if claim.decided_by == actor.user_id:
        raise SecondApproverMustDiffer()
    if not approve and not reason:
        raise InvalidClaimData("reason", "is required when sending a decision back")
    now = _now()
    if approve:
        claim.confirmed_by = actor.user_id
        claim.confirmed_at = now
        claim.decided_before = True
    else:
        await _release_award(session, claim, actor)
    _apply(session, claim, event, actor, reason, now=now, checked=after)
    await session.flush()
    return claim


async def issue_letter(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    renderer: LetterRenderer | None = None,
    reason: str | None = None,
) -> Claim:
    """Record that the decision was sent (and hand it to the renderer, once there is one); the
    reserved award is posted: from now on the fund owes it."""
    claim = await _locked(session, actor, claim_id, "administrator", expected_version)
    after = transition(ClaimStatus(claim.status), ClaimEvent.ISSUE_LETTER)
    claimant = await session.get(Claimant, claim.claimant_id)
    assert claimant is not None
    assert claim.decided_at is not None
    assert claim.awarded_total is not None
    now = _now()
    languages = letter_languages(
        claimant.preferred_language, get_policy(claim.country).letter_languages(now.date())
    )
    if claim.award_transaction_id is not None:
        await post_pending(session, claim.award_transaction_id, actor=actor.ledger_name)
    claim.letter_issued_at = now
    claim.letter_languages = list(languages)
    _apply(session, claim, ClaimEvent.ISSUE_LETTER, actor, reason, now=now, checked=after)
    await session.flush()
    if renderer is not None:
        await renderer.render(
            DecisionNotice(
                claim_id=claim.id,
                claim_reference=claim.reference,
                claimant_id=claimant.id,
                country=claim.country,
                currency=claim.currency,
                outcome=claim.outcome or Outcome.REJECTED.value,
                awarded_total=claim.awarded_total,
                reason=claim.decision_reason or "",
                heads=tuple(
                    NoticeHead(
                        h.category,
                        h.sub_kind,
                        h.amount_claimed,
                        h.awarded or Decimal(0),
                        h.decision_reason,
                    )
                    for h in claim.heads
                ),
                languages=languages,
                decided_at=claim.decided_at,
                issued_at=now,
            )
        )
    return claim


def outstanding(claim: Claim) -> Decimal:
    """What the fund still owes: the award once its letter is out, less what was paid."""
    if claim.letter_issued_at is None or claim.awarded_total is None:
        return Decimal(0)
    if ClaimStatus(claim.status) not in (
        ClaimStatus.LETTER_ISSUED,
        ClaimStatus.PARTLY_PAID,
        ClaimStatus.PAID,
        ClaimStatus.CLOSED,
    ):
        return Decimal(0)
    return max(claim.awarded_total - claim.paid_total, Decimal(0))


async def record_payment(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    data: PaymentCreate,
) -> Payment:
    """A transfer to her: posted `Dr payable/award/<claim>  Cr bank`; paid in full ends it."""
    claim = await _locked(session, actor, claim_id, "administrator", expected_version)
    status = ClaimStatus(claim.status)
    transition(status, ClaimEvent.PAY_IN_PART)
    check_amount("amount", data.amount, data.currency, claim.currency)
    if data.paid_on > _now().date():
        raise InvalidClaimData("paid_on", "must not be in the future")
    owed = outstanding(claim)
    if data.amount > owed:
        raise PaymentExceedsOutstanding(str(owed), claim.currency)
    event = ClaimEvent.PAY_IN_FULL if data.amount == owed else ClaimEvent.PAY_IN_PART
    view = await record_transaction(
        session,
        TransactionSpec(
            country=claim.country,
            kind=EntryKind.PAYMENT,
            effective_date=data.paid_on,
            postings=(
                PostingSpec(_payable_code(claim), data.amount, claim.currency),
                PostingSpec(f"{claim.country}/bank", -data.amount, claim.currency),
            ),
            memo=f"payment on claim {claim.reference}",
            references={"claim": str(claim.id)},
        ),
        idempotency_key=f"claim:{claim.id}:payment:{claim.version}",
        idempotency_scope=LEDGER_SCOPE,
        created_by=actor.ledger_name,
    )
    now = _now()
    payment = Payment(
        id=new_id(),
        claim_id=claim.id,
        amount=data.amount,
        currency=data.currency,
        paid_on=data.paid_on,
        bank_reference=data.bank_reference,
        transaction_id=view.id,
        recorded_by=actor.user_id,
        recorded_at=now,
    )
    session.add(payment)
    claim.paid_total += data.amount
    _apply(session, claim, event, actor, None, now=now)
    await session.flush()
    return payment


async def close(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    reason: str | None = None,
) -> Claim:
    claim = await _locked(session, actor, claim_id, "administrator", expected_version)
    after = transition(ClaimStatus(claim.status), ClaimEvent.CLOSE)
    owed = outstanding(claim)
    if owed > 0:
        raise OutstandingBalance(str(owed), claim.currency)
    _apply(session, claim, ClaimEvent.CLOSE, actor, reason, now=_now(), checked=after)
    await session.flush()
    return claim


async def withdraw(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    reason: str,
) -> Claim:
    """She withdraws before a decision; any reservation is voided."""
    claim = await _locked(session, actor, claim_id, "adviser", expected_version)
    after = transition(
        ClaimStatus(claim.status), ClaimEvent.WITHDRAW, decided_before=claim.decided_before
    )
    await _release_award(session, claim, actor)
    _apply(session, claim, ClaimEvent.WITHDRAW, actor, reason, now=_now(), checked=after)
    await session.flush()
    return claim


async def appeal(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    reason: str,
) -> Claim:
    """She appeals a decision; the award stands in the ledger until a new decision replaces it."""
    claim = await _locked(session, actor, claim_id, "adviser", expected_version)
    _apply(session, claim, ClaimEvent.APPEAL, actor, reason, now=_now())
    await session.flush()
    return claim


async def upload_evidence(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    filename: str,
    content: bytes,
    expected_version: int | None,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> Document:
    """Evidence for a claim that is still open to it (not withdrawn, not closed)."""
    claim = await _locked(session, actor, claim_id, "adviser", expected_version)
    if ClaimStatus(claim.status) in (ClaimStatus.WITHDRAWN, ClaimStatus.CLOSED):
        raise InvalidClaimData("claim", "a withdrawn or closed claim takes no more evidence")
    claimant = await session.get(Claimant, claim.claimant_id)
    assert claimant is not None
    document = await _store_document(
        session,
        vault,
        actor,
        claimant,
        claim_id=claim.id,
        filename=filename,
        content=content,
        max_bytes=max_bytes,
    )
    _touch(claim, _now())
    await session.flush()
    return document

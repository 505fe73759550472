"""The claim's lifecycle outside money: drafting, submission, review, assessment by the
country's policy, appeal, withdrawal and closing."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from claims import repository
from claims.access import Actor
from claims.assessments import (
    NO_PROPOSAL_LAPSED,
    NO_PROPOSAL_MISSING,
    assessment_record,
    claim_facts,
    no_proposal_record,
)
from claims.errors import (
    ClaimantNotFound,
    CountryNotInScope,
    InvalidClaimData,
    InvalidTransition,
    OutstandingBalance,
    OverpaymentUnsettled,
)
from claims.models import Claim, Claimant, ClaimHead, ClaimTransition, PriorPaymentRow, new_id
from claims.money import check_amount, country_currency
from claims.personal_data import PersonalDataVault
from claims.repository import ClaimFilter, Role, SortKey
from claims.schemas import ClaimCreate, ClaimDraft
from claims.services.awards import outstanding, overpaid, release_award
from claims.services.steps import get_claim, locked_claim, plan, record_step, touch
from claims.workflow import ClaimEvent, ClaimStatus, allowed_events
from policies import (
    CountryPolicy,
    HeadCategory,
    MissingParameter,
    ParameterExpired,
    ParameterNotInForce,
    UnknownOffence,
    get_policy,
)
from policies.base import sub_kind_of


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


def _check_draft(
    data: ClaimDraft, country: str, currency: str, today: date
) -> tuple[list[ClaimHead], list[PriorPaymentRow]]:
    """The heads and prior payments of `data` as rows, once every amount and date is valid and
    the offence is on the country's published list (checked on the day she files)."""
    try:
        get_policy(country).offence(data.offence, today)
    except UnknownOffence as exc:
        raise InvalidClaimData("offence", str(exc)) from exc
    for field, when in (
        ("crime_date", data.crime_date),
        ("judgment_date", data.judgment_date),
        ("proceedings_end_date", data.proceedings_end_date),
        ("victim_recognition_date", data.victim_recognition_date),
        ("police_report_date", data.police_report_date),
    ):
        if when is not None and when > today:
            raise InvalidClaimData(field, "must not be in the future")
        if when is not None and when < data.crime_date:
            # The policy refuses such facts at assessment, when the draft can no longer change.
            raise InvalidClaimData(field, "must not be before the crime date")
    heads = []
    for position, head in enumerate(data.heads):
        check_amount(
            f"heads[{position}].amount_claimed", head.amount_claimed, head.currency, currency
        )
        if head.category is HeadCategory.MATERIAL_LOSS and head.sub_kind is None:
            raise InvalidClaimData(f"heads[{position}].sub_kind", "is required for material_loss")
        try:
            sub_kind_of(head.category, head.sub_kind)
        except ValueError as exc:
            raise InvalidClaimData(
                f"heads[{position}].sub_kind", f"is not a kind of {head.category.value}"
            ) from exc
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
    claim.police_report_date = data.police_report_date
    claim.judgment_reference = data.judgment_reference
    claim.judgment_date = data.judgment_date
    claim.proceedings_end_date = data.proceedings_end_date
    claim.victim_recognition_date = data.victim_recognition_date
    claim.is_minor_at_crime = data.is_minor_at_crime
    claim.court_awarded = data.court_awarded
    claim.earmarked_case = data.earmarked_case


async def create_claim(
    session: AsyncSession, actor: Actor, data: ClaimCreate, *, now: datetime
) -> Claim:
    """A draft claim of one of the organisation's claimants, decided by `data.country`.

    Its reference is given by PostgreSQL when the transaction commits (`Claim.reference`); read
    it back after the commit, or call `number_claims_now` first to read it within."""
    if not actor.may_file_in(data.country):
        raise CountryNotInScope(data.country)
    claimant = await repository.claimant(session, data.claimant_id, actor, "adviser")
    if claimant is None:
        raise ClaimantNotFound()
    currency = country_currency(data.country)
    heads, prior = _check_draft(data, data.country, currency, now.date())
    claim = Claim(
        id=new_id(),
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
    now: datetime,
) -> Claim:
    """Replace a draft's facts and heads; once submitted, a claim changes only by its steps."""
    claim = await locked_claim(session, actor, claim_id, "adviser", expected_version)
    status = ClaimStatus(claim.status)
    if status is not ClaimStatus.DRAFT:
        allowed = allowed_events(status, decided_before=claim.decided_before)
        raise InvalidTransition(status.value, "revise", tuple(e.value for e in allowed))
    heads, prior = _check_draft(data, claim.country, claim.currency, now.date())
    for row in (*claim.heads, *claim.prior_payments):
        await session.delete(row)
    await session.flush()
    claim.heads = heads
    claim.prior_payments = prior
    _set_facts(claim, data)
    touch(claim, now)
    await session.flush()
    return claim


async def submit(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    now: datetime,
    reason: str | None = None,
) -> Claim:
    claim = await locked_claim(session, actor, claim_id, "adviser", expected_version)
    record_step(session, claim, plan(claim, ClaimEvent.SUBMIT), actor, reason, now=now)
    claim.submitted_at = now
    await session.flush()
    return claim


async def start_review(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    now: datetime,
    reason: str | None = None,
) -> Claim:
    claim = await locked_claim(session, actor, claim_id, "administrator", expected_version)
    record_step(session, claim, plan(claim, ClaimEvent.START_REVIEW), actor, reason, now=now)
    await session.flush()
    return claim


PolicySource = Callable[[AsyncSession, str], Awaitable[CountryPolicy]]
"""Hands the claims services a country's policy with the values entered at run time."""


async def packaged_policy(_session: AsyncSession, country: str) -> CountryPolicy:
    """The policy as packaged, without values entered at run time."""
    return get_policy(country)


async def assess(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    now: datetime,
    as_of: date | None = None,
    reason: str | None = None,
    policies: PolicySource = packaged_policy,
    vault: PersonalDataVault | None = None,
) -> Claim:
    """Run the country's policy on the claim's facts and keep what it proposed and why.

    A figure the policy needs but has no value for (a yearly base amount not yet entered) stops
    the proposal, never the claim: the claim is assessed without a proposal, records why, and
    the administrator decides by hand with a reason for every head.
    """
    claim = await locked_claim(session, actor, claim_id, "administrator", expected_version)
    step = plan(claim, ClaimEvent.ASSESS)
    assert claim.submitted_at is not None
    if as_of is not None and as_of < claim.crime_date:
        # The rules of a date before the crime never applied to it (one may have been abolished).
        raise InvalidClaimData("as_of", "must not be before the date of the crime")
    policy = await policies(session, claim.country)
    on = as_of or now.date()
    try:
        birth_date = await _birth_date(session, vault, claim) if vault is not None else None
        assessment = policy.assess(claim_facts(claim, claim.submitted_at.date(), birth_date), on)
    except (ParameterNotInForce, MissingParameter) as exc:
        _record_no_proposal(claim, policy, exc, on, now=now, actor=actor)
    else:
        for head, proposal in zip(claim.heads, assessment.heads, strict=True):
            head.proposed = proposal.proposed
        claim.assessment = assessment_record(assessment, assessed_at=now, assessed_by=actor.user_id)
        claim.second_approval_threshold = assessment.second_approval_threshold
        claim.no_proposal_code = None
        claim.no_proposal_reason = None
    claim.assessed_at = now
    claim.assessed_by = actor.user_id
    record_step(session, claim, step, actor, reason, now=now)
    await session.flush()
    return claim


async def _birth_date(session: AsyncSession, vault: PersonalDataVault, claim: Claim) -> date | None:
    """Her stored birth date, for the age rules; None if not recorded or she is erased."""
    claimant = await session.get(Claimant, claim.claimant_id)
    if claimant is None or claimant.birth_date_enc is None:
        return None
    clear = await vault.decrypt(session, claimant.subject_id, "birth_date", claimant.birth_date_enc)
    return date.fromisoformat(clear.decode()) if clear is not None else None


def _record_no_proposal(
    claim: Claim,
    policy: CountryPolicy,
    error: ParameterNotInForce | MissingParameter,
    on: date,
    *,
    now: datetime,
    actor: Actor,
) -> None:
    code = NO_PROPOSAL_LAPSED if isinstance(error, ParameterExpired) else NO_PROPOSAL_MISSING
    reason = f"no proposal could be made: {error}"
    for head in claim.heads:
        head.proposed = None
    try:
        threshold = policy.second_approval_threshold(on)
    except (ParameterNotInForce, MissingParameter):
        # Without a threshold every award is checked by a second administrator.
        threshold = Decimal(0)
    claim.second_approval_threshold = threshold
    claim.no_proposal_code = code
    claim.no_proposal_reason = reason
    claim.assessment = no_proposal_record(
        claim,
        on,
        code=code,
        reason=reason,
        threshold=threshold,
        assessed_at=now,
        assessed_by=actor.user_id,
    )


async def appeal(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    reason: str,
    now: datetime,
) -> Claim:
    """She appeals a decision; the award stands in the ledger until a new decision replaces it."""
    claim = await locked_claim(session, actor, claim_id, "adviser", expected_version)
    record_step(session, claim, plan(claim, ClaimEvent.APPEAL), actor, reason, now=now)
    await session.flush()
    return claim


async def withdraw(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    reason: str,
    now: datetime,
) -> Claim:
    """She withdraws before a decision; any reservation is voided."""
    claim = await locked_claim(session, actor, claim_id, "adviser", expected_version)
    step = plan(claim, ClaimEvent.WITHDRAW)
    await release_award(session, claim, actor)
    record_step(session, claim, step, actor, reason, now=now)
    await session.flush()
    return claim


async def close(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    now: datetime,
    reason: str | None = None,
) -> Claim:
    claim = await locked_claim(session, actor, claim_id, "administrator", expected_version)
    step = plan(claim, ClaimEvent.CLOSE)
    owed = outstanding(claim)
    if owed > 0:
        raise OutstandingBalance(str(owed), claim.currency)
    owed_back = await overpaid(session, claim)
    if owed_back > 0:
        raise OverpaymentUnsettled(str(owed_back), claim.currency)
    record_step(session, claim, step, actor, reason, now=now)
    await session.flush()
    return claim

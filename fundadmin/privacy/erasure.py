"""Erasure on request (GDPR Art. 17), with four eyes, and the erasure itself.

Her adviser (or an administrator) records her request; a second person, an administrator of a
country where she has a claim, confirms it. The service then destroys her data key: every field,
document and letter sealed with it becomes unreadable at once, on every instance, while claims,
decisions and ledger amounts stay under her pseudonymous reference. Where the law requires
keeping her data (see `grounds`), the request is refused with the grounds, or, when asked with
`when_free`, scheduled and carried out by the retention job once the grounds have ended.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from claims import Actor, ClaimantNotFound, InvalidClaimData, PersonalDataVault
from claims.access import ALL
from claims.models import Claim, Claimant, Document
from claims.services import check_version
from fundadmin.letters.models import ClaimLetter
from fundadmin.privacy.errors import (
    ErasureAlreadyRequested,
    ErasureNotOpen,
    ErasureRefused,
    ErasureRequestNotFound,
    SecondPersonRequired,
)
from fundadmin.privacy.models import OPEN_ERASURE_STATUSES, ErasureRequest
from fundadmin.privacy.state import claim_countries, claimant_for, reasons_to_keep
from fundadmin.security.errors import SubjectErased
from fundadmin.security.models import PersonalDataKey


@dataclass(frozen=True, slots=True)
class Erased:
    """What one erasure made unreadable, as counts (for the audit line), and whose key it was."""

    claimant_id: uuid.UUID
    subject_id: uuid.UUID
    claims: int
    documents: int
    letters: int

    def audit_details(self) -> dict[str, str | int | bool | None]:
        return {"claims": self.claims, "documents": self.documents, "letters": self.letters}


async def is_erased(session: AsyncSession, claimant: Claimant) -> bool:
    erased_at = await session.scalar(
        sa.select(PersonalDataKey.erased_at).where(
            PersonalDataKey.subject_id == claimant.subject_id
        )
    )
    return erased_at is not None


async def erase_claimant(
    session: AsyncSession, vault: PersonalDataVault, claimant: Claimant, *, now: datetime
) -> Erased:
    """Destroy her data key; clear the case numbers that point at her in court and police
    records (the only identifiers stored in clear). Amounts, dates and statuses stay."""
    await vault.erase(session, claimant.subject_id)
    claims = await session.execute(
        sa.update(Claim)
        .where(Claim.claimant_id == claimant.id)
        .values(
            police_case_reference=None,
            judgment_reference=None,
            version=Claim.version + 1,
            updated_at=now,
        )
        .returning(Claim.id)
    )
    documents = await session.scalar(
        sa.select(sa.func.count()).select_from(Document).where(Document.claimant_id == claimant.id)
    )
    letters = await session.scalar(
        sa.select(sa.func.count())
        .select_from(ClaimLetter)
        .where(ClaimLetter.claimant_id == claimant.id)
    )
    return Erased(claimant.id, claimant.subject_id, len(claims.all()), documents or 0, letters or 0)


async def _open_request(session: AsyncSession, claimant_id: uuid.UUID) -> ErasureRequest | None:
    return await session.scalar(
        sa.select(ErasureRequest).where(
            ErasureRequest.claimant_id == claimant_id,
            ErasureRequest.status.in_(OPEN_ERASURE_STATUSES),
        )
    )


async def request_erasure(
    session: AsyncSession,
    actor: Actor,
    claimant_id: uuid.UUID,
    *,
    received_on: date,
    when_free: bool,
    now: datetime,
) -> ErasureRequest:
    """Record her request; it waits for a second person's confirmation.

    Refused (ErasureRefused, nothing recorded) while the law requires keeping her data, unless
    `when_free`: then it is recorded and, once confirmed, carried out when the grounds end.
    """
    if received_on > now.date():
        raise InvalidClaimData("received_on", "must not be in the future")
    claimant = await claimant_for(session, actor, claimant_id, advisers=True, lock=True)
    if claimant is None:
        raise ClaimantNotFound()
    if await is_erased(session, claimant):
        raise SubjectErased()
    if received_on < claimant.mandate_date:
        raise InvalidClaimData("received_on", "must not be before her mandate was signed")
    if await _open_request(session, claimant.id) is not None:
        raise ErasureAlreadyRequested()
    reasons = await reasons_to_keep(session, claimant.id)
    if reasons and not when_free:
        raise ErasureRefused(reasons)
    countries = await claim_countries(session, claimant.id)
    if not countries:
        # No claim yet: the administrators of the countries her adviser files in confirm.
        countries = sorted(actor.adviser_countries | actor.administrator_countries)
    request = ErasureRequest(
        id=uuid.uuid4(),
        claimant_id=claimant.id,
        basis="request",
        status="awaiting_confirmation",
        countries=countries,
        received_on=received_on,
        when_free=when_free,
        kept_for=sorted({r.ground.value for r in reasons}),
        requested_by=actor.user_id,
        requested_at=now,
    )
    session.add(request)
    await session.flush()
    return request


def _confirmable_by(actor: Actor) -> sa.ColumnElement[bool]:
    countries = actor.administrator_countries
    if ALL in countries:
        return sa.true()
    if not countries:
        return sa.false()
    overlap: sa.ColumnElement[bool] = ErasureRequest.countries.overlap(sorted(countries))
    return overlap


async def erasure_request(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, *, lock: bool = False
) -> ErasureRequest:
    """A request the actor may see: the requester herself, her organisation's advisers (through
    the claimant), or an administrator of one of its countries."""
    own_organisation = (
        sa.exists().where(
            Claimant.id == ErasureRequest.claimant_id,
            Claimant.organisation_id == actor.organisation_id,
        )
        if actor.is_adviser
        else sa.false()
    )
    query = sa.select(ErasureRequest).where(
        ErasureRequest.id == request_id, sa.or_(_confirmable_by(actor), own_organisation)
    )
    if lock:
        query = query.with_for_update()
    request = (await session.execute(query)).scalar_one_or_none()
    if request is None:
        raise ErasureRequestNotFound()
    return request


@dataclass(frozen=True, slots=True)
class Confirmation:
    request: ErasureRequest
    erased: Erased | None
    """What was erased now; None when scheduled, or when this was a retry of a confirmation."""


async def confirm_erasure(
    session: AsyncSession,
    vault: PersonalDataVault,
    actor: Actor,
    request_id: uuid.UUID,
    *,
    expected_version: int | None,
    now: datetime,
) -> Confirmation:
    """The second person's confirmation: erase now, or schedule it if it was asked `when_free`
    and the law still requires keeping her data. A retry by the same administrator (with the
    If-Match of her first attempt) answers what the first confirmation did."""
    request = await erasure_request(session, actor, request_id, lock=True)
    if not (
        ALL in actor.administrator_countries
        or set(request.countries) & actor.administrator_countries
    ):
        raise ErasureRequestNotFound()
    if (
        request.confirmed_by == actor.user_id
        and request.status in ("scheduled", "erased")
        and expected_version is not None
        and expected_version < request.version
    ):
        return Confirmation(request, None)
    check_version(expected_version, request.version)
    if request.status != "awaiting_confirmation":
        raise ErasureNotOpen(request.status)
    if request.requested_by == actor.user_id:
        raise SecondPersonRequired()
    claimant = await session.get(Claimant, request.claimant_id, with_for_update=True)
    assert claimant is not None  # a foreign key guarantees it
    reasons = await reasons_to_keep(session, claimant.id)
    request.kept_for = sorted({r.ground.value for r in reasons})
    if reasons and not request.when_free:
        raise ErasureRefused(reasons)
    request.confirmed_by = actor.user_id
    request.confirmed_at = now
    request.version += 1
    if reasons:
        request.status = "scheduled"
        await session.flush()
        return Confirmation(request, None)
    erased = await erase_claimant(session, vault, claimant, now=now)
    request.status = "erased"
    request.erased_at = now
    await session.flush()
    return Confirmation(request, erased)


async def cancel_erasure(
    session: AsyncSession,
    actor: Actor,
    request_id: uuid.UUID,
    *,
    expected_version: int | None,
    now: datetime,
) -> ErasureRequest:
    """She changed her mind, or it was recorded by mistake: an open request is cancelled."""
    request = await erasure_request(session, actor, request_id, lock=True)
    check_version(expected_version, request.version)
    if request.status not in OPEN_ERASURE_STATUSES:
        raise ErasureNotOpen(request.status)
    request.version += 1
    request.status = "cancelled"
    request.cancelled_by = actor.user_id
    request.cancelled_at = now
    await session.flush()
    return request


async def requests_of(
    session: AsyncSession, actor: Actor, claimant_id: uuid.UUID
) -> Sequence[ErasureRequest]:
    claimant = await claimant_for(session, actor, claimant_id, advisers=True, lock=False)
    if claimant is None:
        raise ClaimantNotFound()
    rows = await session.scalars(
        sa.select(ErasureRequest)
        .where(ErasureRequest.claimant_id == claimant.id)
        .order_by(ErasureRequest.requested_at.desc(), ErasureRequest.id.desc())
    )
    return rows.all()


async def awaiting_confirmation(
    session: AsyncSession, actor: Actor, *, after: uuid.UUID | None, limit: int
) -> Sequence[ErasureRequest]:
    """The administrator's queue: requests of her countries waiting for a second person."""
    query = sa.select(ErasureRequest).where(
        ErasureRequest.status == "awaiting_confirmation", _confirmable_by(actor)
    )
    if after is not None:
        query = query.where(ErasureRequest.id > after)
    rows = await session.scalars(query.order_by(ErasureRequest.id).limit(limit))
    return rows.all()

"""Every query of the claims package. Scope is part of each query: what the actor may not see
is simply not found."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from claims.access import ALL, Actor
from claims.models import (
    CLAIMANT_NUMBERS,
    Claim,
    Claimant,
    ClaimTransition,
    Document,
    InformationRequest,
    Payment,
    ReferenceCounter,
)
from claims.workflow import ClaimStatus

Role = Literal["adviser", "administrator", "reader"]
"""Whose scope a query applies: the adviser's organisation, the administrator's countries, or
anyone's read scope (adviser, administrator, auditor)."""

SortKey = Literal["submitted_at", "-submitted_at", "updated_at", "-updated_at", "reference"]


def _countries(
    column: InstrumentedAttribute[str], countries: frozenset[str]
) -> ColumnElement[bool]:
    if ALL in countries:
        return sa.true()
    if not countries:
        return sa.false()
    return column.in_(sorted(countries))


def _adviser_claims(actor: Actor) -> ColumnElement[bool]:
    if not actor.is_adviser:
        return sa.false()
    return Claim.organisation_id == actor.organisation_id


def _administrator_claims(actor: Actor) -> ColumnElement[bool]:
    # A draft is the adviser's working copy until she submits it. No administrator reviews,
    # decides, confirms or pays a claim her own organisation filed.
    return sa.and_(
        _countries(Claim.country, actor.administrator_countries),
        Claim.status != ClaimStatus.DRAFT.value,
        Claim.organisation_id != actor.organisation_id
        if actor.organisation_id is not None
        else sa.true(),
    )


def claim_scope(actor: Actor, role: Role) -> ColumnElement[bool]:
    if role == "adviser":
        return _adviser_claims(actor)
    if role == "administrator":
        return _administrator_claims(actor)
    return sa.or_(
        _adviser_claims(actor),
        _administrator_claims(actor),
        sa.and_(
            _countries(Claim.country, actor.auditor_countries),
            Claim.status != ClaimStatus.DRAFT.value,
        ),
    )


def claimant_scope(actor: Actor, role: Role) -> ColumnElement[bool]:
    own = Claimant.organisation_id == actor.organisation_id if actor.is_adviser else sa.false()
    if role == "adviser":
        return own
    # An administrator (or auditor) sees a claimant through a submitted claim of her scope.
    through_claim = sa.exists().where(
        Claim.claimant_id == Claimant.id, claim_scope(actor, "reader")
    )
    return sa.or_(own, through_claim)


async def next_claimant_reference(session: AsyncSession, at: datetime) -> str:
    """`P-{year}-{number:06}`: unique, increasing, with gaps where a registration rolled back;
    taking one never waits for another transaction (why gaps are fine: `CLAIMANT_NUMBERS`)."""
    number = (await session.execute(sa.select(CLAIMANT_NUMBERS.next_value()))).scalar_one()
    return f"P-{at.year}-{number:06d}"


async def number_claims_now(session: AsyncSession, *claims: Claim) -> None:
    """Number the claims this transaction filed now, not at its commit (then for the rest of the
    transaction, each as it is filed), and read their references: for a transaction that needs
    them before it ends. Holds the country's counter until the commit, as numbering did before
    migration 0030."""
    await session.execute(sa.text("SET CONSTRAINTS claim_numbered IMMEDIATE"))
    for claim in claims:
        await session.refresh(claim, ["reference"])


async def next_reference(session: AsyncSession, prefix: str, at: datetime) -> str:
    """`{prefix}-{year}-{number:06}`, numbers gap-free per prefix and year under concurrency:
    the counter row stays locked until the commit, so concurrent takers of one prefix queue."""
    statement = (
        insert(ReferenceCounter)
        .values(prefix=prefix, year=at.year, last_number=1)
        .on_conflict_do_update(
            index_elements=["prefix", "year"],
            set_={"last_number": ReferenceCounter.last_number + 1},
        )
        .returning(ReferenceCounter.last_number)
    )
    number = (await session.execute(statement)).scalar_one()
    return f"{prefix}-{at.year}-{number:06d}"


async def claimant(
    session: AsyncSession, claimant_id: uuid.UUID, actor: Actor, role: Role, *, lock: bool = False
) -> Claimant | None:
    query = sa.select(Claimant).where(Claimant.id == claimant_id, claimant_scope(actor, role))
    if lock:
        query = query.with_for_update(of=Claimant)
    return (await session.execute(query)).scalar_one_or_none()


async def claimants(
    session: AsyncSession, actor: Actor, *, reference: str | None, limit: int, offset: int
) -> tuple[Sequence[Claimant], int]:
    condition = claimant_scope(actor, "reader")
    if reference is not None:
        condition = sa.and_(condition, Claimant.reference == reference)
    total = await session.scalar(sa.select(sa.func.count()).select_from(Claimant).where(condition))
    rows = await session.scalars(
        sa.select(Claimant)
        .where(condition)
        .order_by(Claimant.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return rows.all(), total or 0


async def claim(
    session: AsyncSession, claim_id: uuid.UUID, actor: Actor, role: Role, *, lock: bool = False
) -> Claim | None:
    query = sa.select(Claim).where(Claim.id == claim_id, claim_scope(actor, role))
    if lock:
        # Serialises writers of one claim: the second waits, then sees the new version (412).
        query = query.with_for_update(of=Claim)
    return (await session.execute(query)).scalar_one_or_none()


@dataclass(frozen=True, slots=True)
class ClaimFilter:
    statuses: tuple[ClaimStatus, ...] = ()
    countries: tuple[str, ...] = ()
    claimant_id: uuid.UUID | None = None
    reference: str | None = None
    submitted_before: datetime | None = None
    """Only claims submitted before this instant (an age filter: older than N days)."""


_ORDER: dict[str, tuple[ColumnElement[Any], ...]] = {
    "submitted_at": (Claim.submitted_at.asc().nulls_last(), Claim.id.asc()),
    "-submitted_at": (Claim.submitted_at.desc().nulls_last(), Claim.id.desc()),
    "updated_at": (Claim.updated_at.asc(), Claim.id.asc()),
    "-updated_at": (Claim.updated_at.desc(), Claim.id.desc()),
    "reference": (Claim.reference.asc(),),
}


async def claims(
    session: AsyncSession,
    actor: Actor,
    role: Role,
    filters: ClaimFilter,
    *,
    sort: SortKey,
    limit: int,
    offset: int,
) -> tuple[Sequence[Claim], int]:
    conditions = [claim_scope(actor, role)]
    if filters.statuses:
        conditions.append(Claim.status.in_([s.value for s in filters.statuses]))
    if filters.countries:
        conditions.append(Claim.country.in_(filters.countries))
    if filters.claimant_id is not None:
        conditions.append(Claim.claimant_id == filters.claimant_id)
    if filters.reference is not None:
        conditions.append(Claim.reference == filters.reference)
    if filters.submitted_before is not None:
        conditions.append(Claim.submitted_at < filters.submitted_before)
    where = sa.and_(*conditions)
    total = await session.scalar(sa.select(sa.func.count()).select_from(Claim).where(where))
    rows = await session.scalars(
        sa.select(Claim).where(where).order_by(*_ORDER[sort]).limit(limit).offset(offset)
    )
    return rows.all(), total or 0


async def transitions(session: AsyncSession, claim_id: uuid.UUID) -> Sequence[ClaimTransition]:
    rows = await session.scalars(
        sa.select(ClaimTransition)
        .where(ClaimTransition.claim_id == claim_id)
        .order_by(ClaimTransition.occurred_at, ClaimTransition.id)
    )
    return rows.all()


async def information_requests(
    session: AsyncSession, claim_id: uuid.UUID
) -> Sequence[InformationRequest]:
    rows = await session.scalars(
        sa.select(InformationRequest)
        .where(InformationRequest.claim_id == claim_id)
        .order_by(InformationRequest.requested_at, InformationRequest.id)
    )
    return rows.all()


async def open_information_request(
    session: AsyncSession, claim_id: uuid.UUID, request_id: uuid.UUID
) -> InformationRequest | None:
    return await session.scalar(
        sa.select(InformationRequest).where(
            InformationRequest.id == request_id,
            InformationRequest.claim_id == claim_id,
            InformationRequest.answered_at.is_(None),
        )
    )


async def documents(
    session: AsyncSession,
    *,
    claim_id: uuid.UUID | None = None,
    claimant_id: uuid.UUID | None = None,
) -> Sequence[Document]:
    query = sa.select(Document).order_by(Document.uploaded_at, Document.id)
    if claim_id is not None:
        query = query.where(Document.claim_id == claim_id)
    if claimant_id is not None:
        query = query.where(Document.claimant_id == claimant_id, Document.kind == "mandate")
    return (await session.scalars(query)).all()


async def document(
    session: AsyncSession, document_id: uuid.UUID, *, claim_id: uuid.UUID
) -> Document | None:
    return await session.scalar(
        sa.select(Document).where(Document.id == document_id, Document.claim_id == claim_id)
    )


async def latest_mandate(session: AsyncSession, claimant_id: uuid.UUID) -> Document | None:
    return await session.scalar(
        sa.select(Document)
        .where(Document.claimant_id == claimant_id, Document.kind == "mandate")
        .order_by(Document.uploaded_at.desc(), Document.id.desc())
        .limit(1)
    )


async def mandate_document(
    session: AsyncSession, claimant_id: uuid.UUID, document_id: uuid.UUID
) -> Document | None:
    return await session.scalar(
        sa.select(Document).where(
            Document.id == document_id,
            Document.claimant_id == claimant_id,
            Document.kind == "mandate",
        )
    )


async def payments(session: AsyncSession, claim_id: uuid.UUID) -> Sequence[Payment]:
    rows = await session.scalars(
        sa.select(Payment)
        .where(Payment.claim_id == claim_id)
        .order_by(Payment.recorded_at, Payment.id)
    )
    return rows.all()

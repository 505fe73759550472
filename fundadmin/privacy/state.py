"""What the privacy rules need from the database: her claims' states, her holds, her scope."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from claims import Actor
from claims.models import Claim, Claimant, ClaimTransition
from claims.repository import claim_scope
from claims.returns.models import ReturnApplication
from claims.workflow import ClaimStatus
from fundadmin.privacy.grounds import (
    ENDED,
    ClaimState,
    HoldState,
    KeepReason,
    ReturnState,
    keep_reasons,
)
from fundadmin.privacy.models import LegalHold


def _ended_on() -> sa.ScalarSelect[datetime]:
    # The day the claim entered its current status, for a claim that has ended (a closed claim
    # may be appealed and closed again: the latest closing counts).
    return (
        sa.select(sa.func.max(ClaimTransition.occurred_at))
        .where(ClaimTransition.claim_id == Claim.id, ClaimTransition.to_status == Claim.status)
        .scalar_subquery()
    )


async def claim_states(session: AsyncSession, claimant_id: uuid.UUID) -> list[ClaimState]:
    rows = await session.execute(
        sa.select(
            Claim.reference,
            Claim.country,
            Claim.status,
            Claim.decided_before,
            Claim.awarded_total,
            Claim.paid_total,
            _ended_on(),
        ).where(Claim.claimant_id == claimant_id)
    )
    states = []
    for reference, country, raw_status, decided_before, awarded, paid, ended_at in rows:
        status = ClaimStatus(raw_status)
        states.append(
            ClaimState(
                reference=reference,
                country=country,
                status=status,
                decided_before=decided_before,
                awarded_total=awarded,
                paid_total=paid,
                ended_on=ended_at.date() if status in ENDED and ended_at is not None else None,
            )
        )
    return states


async def active_holds(session: AsyncSession, claimant_id: uuid.UUID) -> Sequence[LegalHold]:
    rows = await session.scalars(
        sa.select(LegalHold)
        .where(LegalHold.claimant_id == claimant_id, LegalHold.lifted_at.is_(None))
        .order_by(LegalHold.placed_at, LegalHold.id)
    )
    return rows.all()


async def return_states(session: AsyncSession, claimant_id: uuid.UUID) -> list[ReturnState]:
    rows = await session.execute(
        sa.select(ReturnApplication.reference, ReturnApplication.status).where(
            ReturnApplication.claimant_id == claimant_id
        )
    )
    return [ReturnState(reference, status) for reference, status in rows]


async def reasons_to_keep(session: AsyncSession, claimant_id: uuid.UUID) -> tuple[KeepReason, ...]:
    holds = await active_holds(session, claimant_id)
    return keep_reasons(
        await claim_states(session, claimant_id),
        [HoldState(h.id, h.kind) for h in holds],
        await return_states(session, claimant_id),
    )


async def claim_countries(session: AsyncSession, claimant_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(
        sa.select(Claim.country).where(Claim.claimant_id == claimant_id).distinct()
    )
    return sorted(rows.all())


def _adviser_scope(actor: Actor) -> sa.ColumnElement[bool]:
    if not actor.is_adviser:
        return sa.false()
    return Claimant.organisation_id == actor.organisation_id


def _administrator_scope(actor: Actor) -> sa.ColumnElement[bool]:
    return sa.exists().where(Claim.claimant_id == Claimant.id, claim_scope(actor, "administrator"))


async def claimant_for(
    session: AsyncSession, actor: Actor, claimant_id: uuid.UUID, *, advisers: bool, lock: bool
) -> Claimant | None:
    """The claimant if the actor reaches her: her own organisation's adviser (when `advisers`)
    or an administrator of a country where she has a submitted claim. Locked when `lock`, so
    two requests about the same woman run one after the other."""
    scope = _administrator_scope(actor)
    if advisers:
        scope = sa.or_(_adviser_scope(actor), scope)
    query = sa.select(Claimant).where(Claimant.id == claimant_id, scope)
    if lock:
        query = query.with_for_update(of=Claimant)
    return (await session.execute(query)).scalar_one_or_none()

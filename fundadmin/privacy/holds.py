"""Legal holds: an administrator records why the law requires keeping her data (a court case, an
investigation); erasure, on request or by retention, waits until a hold is lifted, with a reason."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from claims import Actor, ClaimantNotFound
from claims.access import ALL
from claims.services import check_version
from fundadmin.privacy.errors import HoldAlreadyLifted, HoldNotFound, NoCountryInScope
from fundadmin.privacy.models import LegalHold
from fundadmin.privacy.state import claim_countries, claimant_for


async def _reached(session: AsyncSession, actor: Actor, claimant_id: uuid.UUID) -> list[str]:
    """Her claims' countries the administrator reaches; ClaimantNotFound when none."""
    claimant = await claimant_for(session, actor, claimant_id, advisers=False, lock=True)
    if claimant is None:
        raise ClaimantNotFound()
    countries = await claim_countries(session, claimant.id)
    reached = [
        c
        for c in countries
        if ALL in actor.administrator_countries or c in actor.administrator_countries
    ]
    if not reached:
        raise NoCountryInScope()
    return reached


async def place_hold(
    session: AsyncSession,
    actor: Actor,
    claimant_id: uuid.UUID,
    *,
    kind: str,
    reason: str,
    now: datetime,
) -> LegalHold:
    countries = await _reached(session, actor, claimant_id)
    hold = LegalHold(
        id=uuid.uuid4(),
        claimant_id=claimant_id,
        kind=kind,
        reason=reason,
        country=countries[0],
        placed_by=actor.user_id,
        placed_at=now,
    )
    session.add(hold)
    await session.flush()
    return hold


async def lift_hold(
    session: AsyncSession,
    actor: Actor,
    claimant_id: uuid.UUID,
    hold_id: uuid.UUID,
    *,
    reason: str,
    expected_version: int | None,
    now: datetime,
) -> LegalHold:
    await _reached(session, actor, claimant_id)
    hold = await session.scalar(
        sa.select(LegalHold)
        .where(LegalHold.id == hold_id, LegalHold.claimant_id == claimant_id)
        .with_for_update()
    )
    if hold is None:
        raise HoldNotFound()
    check_version(expected_version, hold.version)
    if hold.lifted_at is not None:
        raise HoldAlreadyLifted()
    hold.version += 1
    hold.lifted_by = actor.user_id
    hold.lifted_at = now
    hold.lift_reason = reason
    await session.flush()
    return hold


async def hold_of(
    session: AsyncSession, actor: Actor, claimant_id: uuid.UUID, hold_id: uuid.UUID
) -> LegalHold:
    """One hold, for whoever may list her holds."""
    claimant = await claimant_for(session, actor, claimant_id, advisers=True, lock=False)
    if claimant is None:
        raise ClaimantNotFound()
    hold = await session.scalar(
        sa.select(LegalHold).where(LegalHold.id == hold_id, LegalHold.claimant_id == claimant_id)
    )
    if hold is None:
        raise HoldNotFound()
    return hold


async def holds_of(
    session: AsyncSession, actor: Actor, claimant_id: uuid.UUID
) -> Sequence[LegalHold]:
    """Every hold, lifted or not, newest first: her adviser sees them too."""
    claimant = await claimant_for(session, actor, claimant_id, advisers=True, lock=False)
    if claimant is None:
        raise ClaimantNotFound()
    rows = await session.scalars(
        sa.select(LegalHold)
        .where(LegalHold.claimant_id == claimant_id)
        .order_by(LegalHold.placed_at.desc(), LegalHold.id.desc())
    )
    return rows.all()

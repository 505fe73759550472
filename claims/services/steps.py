"""What every use case on one claim shares: find it in scope, check the version it was based on,
ask the workflow once whether the step is legal, and record the step with who, when and why."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from claims import repository
from claims.access import Actor
from claims.errors import ClaimNotFound, StaleVersion, VersionRequired
from claims.models import Claim, ClaimTransition, new_id
from claims.repository import Role
from claims.workflow import ClaimEvent, ClaimStatus, transition


def check_version(expected: int | None, current: int) -> None:
    """VersionRequired without If-Match; StaleVersion when the record moved on since."""
    if expected is None:
        raise VersionRequired()
    if expected != current:
        raise StaleVersion(current)


async def get_claim(
    session: AsyncSession, actor: Actor, claim_id: uuid.UUID, role: Role = "reader"
) -> Claim:
    claim = await repository.claim(session, claim_id, actor, role)
    if claim is None:
        raise ClaimNotFound()
    return claim


async def locked_claim(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    role: Role,
    expected_version: int | None,
) -> Claim:
    """The claim in `role`'s scope, row-locked, at the version the caller read."""
    claim = await repository.claim(session, claim_id, actor, role, lock=True)
    if claim is None:
        raise ClaimNotFound()
    check_version(expected_version, claim.version)
    return claim


def touch(claim: Claim, now: datetime) -> None:
    """A new version of the claim: its ETag changes."""
    claim.version += 1
    claim.updated_at = now


@dataclass(frozen=True, slots=True)
class Step:
    """A legal move of one claim, decided before any side effect."""

    event: ClaimEvent
    before: ClaimStatus
    after: ClaimStatus


def plan(claim: Claim, event: ClaimEvent) -> Step:
    """Ask the workflow whether `event` is legal now; raises InvalidTransition if not."""
    before = ClaimStatus(claim.status)
    return Step(event, before, transition(before, event, decided_before=claim.decided_before))


def record_step(
    session: AsyncSession,
    claim: Claim,
    step: Step,
    actor: Actor,
    reason: str | None,
    *,
    now: datetime,
) -> None:
    """Apply a planned step to the claim and keep it in the claim's history."""
    claim.status = step.after.value
    touch(claim, now)
    session.add(
        ClaimTransition(
            id=new_id(),
            claim_id=claim.id,
            event=step.event.value,
            from_status=step.before.value,
            to_status=step.after.value,
            actor_id=actor.user_id,
            occurred_at=now,
            reason=reason,
            version=claim.version,
        )
    )


def record_money_step(
    session: AsyncSession,
    claim: Claim,
    event: ClaimEvent,
    actor: Actor,
    reason: str | None,
    *,
    amount: Decimal | None,
    now: datetime,
) -> None:
    """Keep a step outside the status machine in the claim's history (an overpayment's: found,
    asked back, waived, repaid), with the amount it concerned; a new version, the same status."""
    touch(claim, now)
    session.add(
        ClaimTransition(
            id=new_id(),
            claim_id=claim.id,
            event=event.value,
            from_status=claim.status,
            to_status=claim.status,
            actor_id=actor.user_id,
            occurred_at=now,
            reason=reason,
            version=claim.version,
            amount=amount,
        )
    )

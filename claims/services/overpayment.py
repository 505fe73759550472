"""An overpayment an appeal left: the administrators ask for it back or waive all or part of it
(four eyes when the waiver is above the claim's threshold; the rest of a partial waiver is asked
back), and her repayments settle it. Each step is in the claim's history with its amount.
Money moves only here and in `awards`: `Dr bank  Cr receivable/overpaid/<claim>` for a
repayment, `Dr fund/victims  Cr receivable/overpaid/<claim>` for a waiver (the write-off), each
its own ledger kind.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from claims.access import Actor
from claims.errors import (
    InvalidClaimData,
    NothingOverpaid,
    RepaymentExceedsOwed,
    SecondApproverMustDiffer,
)
from claims.models import Claim, Repayment, new_id
from claims.money import check_amount
from claims.schemas import OverpaymentDecision, RepaymentCreate
from claims.services.awards import (
    LEDGER_SCOPE,
    clear_overpayment_decision,
    ledger_owner,
    overpaid,
)
from claims.services.steps import get_claim, locked_claim, record_money_step
from claims.workflow import ClaimEvent
from ledger import (
    EntryKind,
    PostingSpec,
    TransactionSpec,
    overpaid_receivable,
    record_transaction,
)


def waiver_threshold(claim: Claim) -> Decimal | None:
    """Waiving more than this needs a second administrator: the claim's four-eyes threshold for
    awards, the country policy's `second_approval_threshold` as of the claim's assessment (a
    write-off gives her the fund's money as surely as an award does)."""
    return claim.second_approval_threshold


def waiver_awaits_confirmation(claim: Claim) -> bool:
    return claim.overpayment_waiving is not None and claim.overpayment_owed > 0


def overpayment_state(claim: Claim) -> str:
    if claim.overpayment_owed <= 0:
        return "settled"
    if waiver_awaits_confirmation(claim):
        return "awaiting_second_approval"
    if claim.overpayment_decision == "recover":
        return "recovering"
    return "owed"


async def _owed(session: AsyncSession, claim: Claim) -> Decimal:
    """What she owes back, from the ledger (the claim keeps a copy for its answers)."""
    owed = await overpaid(session, claim)
    claim.overpayment_owed = owed
    if owed <= 0:
        raise NothingOverpaid("nothing is owed back on this claim")
    return owed


async def _write_off(
    session: AsyncSession, claim: Claim, actor: Actor, owed: Decimal, *, now: datetime
) -> None:
    receivable = overpaid_receivable(claim.country, str(claim.id), claim.currency).code
    await record_transaction(
        session,
        TransactionSpec(
            country=claim.country,
            kind=EntryKind.OVERPAYMENT_WAIVER,
            effective_date=now.date(),
            postings=(
                PostingSpec(f"{claim.country}/fund/victims", owed, claim.currency),
                PostingSpec(receivable, -owed, claim.currency),
            ),
            memo=f"overpayment waived on claim {claim.reference}",
            references={"claim": str(claim.id)},
        ),
        idempotency_key=f"claim:{claim.id}:overpayment-waiver:{claim.version}",
        idempotency_scope=LEDGER_SCOPE,
        created_by=actor.ledger_name,
        now=now,
        owner=ledger_owner(claim),
    )
    claim.overpayment_waived += owed
    claim.overpayment_owed -= owed
    claim.overpayment_waiving = None
    if claim.overpayment_owed > 0:
        # A partial waiver: the rest is asked back.
        claim.overpayment_decision = "recover"


async def decide_overpayment(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    data: OverpaymentDecision,
    now: datetime,
) -> Claim:
    """Recover (ask her for it back; nothing moves) or waive `data.amount` (all she owes when
    omitted; the rest of a partial waiver is asked back). A waiver up to the threshold is written
    off at once; above it, it waits for a second, different administrator."""
    claim = await locked_claim(session, actor, claim_id, "administrator", expected_version)
    owed = await _owed(session, claim)
    waiving = _waiver_amount(claim, data, owed)
    clear_overpayment_decision(claim)
    claim.overpayment_decision = data.decision
    claim.overpayment_reason = data.reason
    claim.overpayment_decided_by = actor.user_id
    claim.overpayment_decided_at = now
    threshold = waiver_threshold(claim)
    if waiving is None:
        event = ClaimEvent.OVERPAYMENT_RECOVER
    elif threshold is None or waiving <= threshold:
        event = ClaimEvent.OVERPAYMENT_WAIVE
        await _write_off(session, claim, actor, waiving, now=now)
    else:
        event = ClaimEvent.OVERPAYMENT_WAIVER_PROPOSED
        claim.overpayment_waiving = waiving
    amount = owed if waiving is None else waiving
    record_money_step(session, claim, event, actor, data.reason, amount=amount, now=now)
    await session.flush()
    return claim


def _waiver_amount(claim: Claim, data: OverpaymentDecision, owed: Decimal) -> Decimal | None:
    """What a waiver writes off (None when recovering): `data.amount`, at most what she owes."""
    if data.decision == "recover":
        if data.amount is not None:
            raise InvalidClaimData("amount", "is given only with a waiver")
        return None
    if data.amount is None:
        return owed
    check_amount("amount", data.amount, data.currency or claim.currency, claim.currency)
    if data.amount > owed:
        raise InvalidClaimData("amount", f"must not exceed what she owes back ({owed})")
    return data.amount


async def review_waiver(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    approve: bool,
    reason: str | None,
    now: datetime,
) -> Claim:
    """The second administrator confirms the waiver (written off now) or sends it back (she
    owes it again, undecided)."""
    claim = await locked_claim(session, actor, claim_id, "administrator", expected_version)
    if not waiver_awaits_confirmation(claim):
        raise NothingOverpaid("no waiver of this claim's overpayment waits for confirmation")
    if claim.overpayment_decided_by == actor.user_id:
        raise SecondApproverMustDiffer()
    if not approve and not reason:
        raise InvalidClaimData("reason", "is required when sending a waiver back")
    waiving = claim.overpayment_waiving
    assert waiving is not None
    if approve:
        # Repayments recorded while the waiver waited lower what is left to waive.
        waiving = min(waiving, await _owed(session, claim))
        await _write_off(session, claim, actor, waiving, now=now)
        claim.overpayment_confirmed_by = actor.user_id
        claim.overpayment_confirmed_at = now
        event = ClaimEvent.OVERPAYMENT_WAIVER_CONFIRM
    else:
        clear_overpayment_decision(claim)
        event = ClaimEvent.OVERPAYMENT_WAIVER_SEND_BACK
    record_money_step(session, claim, event, actor, reason, amount=waiving, now=now)
    await session.flush()
    return claim


async def record_repayment(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    data: RepaymentCreate,
    now: datetime,
) -> Repayment:
    """Money she paid back: posted `Dr bank  Cr receivable/overpaid/<claim>`; never more than
    she owes (409), and the database refuses a receivable below zero whatever the code does."""
    claim = await locked_claim(session, actor, claim_id, "administrator", expected_version)
    check_amount("amount", data.amount, data.currency, claim.currency)
    if data.repaid_on > now.date():
        raise InvalidClaimData("repaid_on", "must not be in the future")
    if claim.letter_issued_at is not None and data.repaid_on < claim.letter_issued_at.date():
        raise InvalidClaimData("repaid_on", "must not be before the decision letter was issued")
    owed = await _owed(session, claim)
    if data.amount > owed:
        raise RepaymentExceedsOwed(str(owed), claim.currency)
    receivable = overpaid_receivable(claim.country, str(claim.id), claim.currency).code
    view = await record_transaction(
        session,
        TransactionSpec(
            country=claim.country,
            kind=EntryKind.OVERPAYMENT_REPAYMENT,
            effective_date=data.repaid_on,
            postings=(
                PostingSpec(f"{claim.country}/bank", data.amount, claim.currency),
                PostingSpec(receivable, -data.amount, claim.currency),
            ),
            memo=f"overpayment repaid on claim {claim.reference}",
            references={"claim": str(claim.id)},
        ),
        idempotency_key=f"claim:{claim.id}:repayment:{claim.version}",
        idempotency_scope=LEDGER_SCOPE,
        created_by=actor.ledger_name,
        now=now,
        owner=ledger_owner(claim),
    )
    repayment = Repayment(
        id=new_id(),
        claim_id=claim.id,
        amount=data.amount,
        currency=data.currency,
        repaid_on=data.repaid_on,
        reference=data.reference,
        transaction_id=view.id,
        recorded_by=actor.user_id,
        recorded_at=now,
    )
    session.add(repayment)
    claim.overpayment_repaid += data.amount
    claim.overpayment_owed -= data.amount
    record_money_step(
        session,
        claim,
        ClaimEvent.OVERPAYMENT_REPAYMENT,
        actor,
        data.reference,
        amount=data.amount,
        now=now,
    )
    await session.flush()
    return repayment


async def repayments(
    session: AsyncSession, actor: Actor, claim_id: uuid.UUID
) -> Sequence[Repayment]:
    claim = await get_claim(session, actor, claim_id)
    rows = await session.scalars(
        sa.select(Repayment)
        .where(Repayment.claim_id == claim.id)
        .order_by(Repayment.recorded_at, Repayment.id)
    )
    return rows.all()

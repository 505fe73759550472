"""Awards and payments: the decision per head, its reservation in the ledger, the second
approval, the letter that books it and the payments that settle it.

The only module of claims that moves money; a claim's step and its ledger movement are flushed
in the same session, so the caller's unit of work commits both or neither.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from claims import repository
from claims.access import Actor
from claims.decision import HeadAward, HeadFigures, Outcome, decide
from claims.errors import InvalidClaimData, PaymentExceedsOutstanding, SecondApproverMustDiffer
from claims.letters import DecisionNotice, LetterRenderer, NoticeHead, letter_languages
from claims.models import Claim, Claimant, Payment, new_id
from claims.money import check_amount
from claims.schemas import DecisionRequest, PaymentCreate
from claims.services.steps import get_claim, locked_claim, plan, record_step
from claims.workflow import ClaimEvent, ClaimStatus
from ledger import (
    AccountNotFound,
    AccountType,
    EntryKind,
    PostingSpec,
    TransactionSpec,
    TransactionStatus,
    award_payable,
    earmarked,
    ensure_account,
    get_transaction,
    locked_balance,
    post_pending,
    record_transaction,
    reverse_transaction,
    void_pending,
)
from policies import get_policy

LEDGER_SCOPE = "claims"
"""Idempotency scope of every ledger transaction claims records."""


async def payments(session: AsyncSession, actor: Actor, claim_id: uuid.UUID) -> Sequence[Payment]:
    claim = await get_claim(session, actor, claim_id)
    return await repository.payments(session, claim.id)


def _payable_code(claim: Claim) -> str:
    return award_payable(claim.country, str(claim.id), claim.currency).code


async def _source_postings(
    session: AsyncSession, claim: Claim, amount: Decimal
) -> tuple[PostingSpec, ...]:
    """Where an award of `amount` is drawn from: a claim in a confiscation case draws on the
    case's earmarked money first (DESIGN.md principle 5) and on the victims' fund for the rest.
    A reduction (`amount` < 0) goes back to the victims' fund, the case's money having served
    its purpose; the earmark's row stays locked until the award commits."""
    fund = f"{claim.country}/fund/victims"
    if not claim.earmarked_case or amount <= 0:
        return (PostingSpec(fund, amount, claim.currency),)
    code = earmarked(claim.country, claim.earmarked_case).code
    try:
        available = (await locked_balance(session, code)).available
    except AccountNotFound:
        available = Decimal(0)
    from_earmark = min(max(available, Decimal(0)), amount)
    parts = ((code, from_earmark), (fund, amount - from_earmark))
    return tuple(PostingSpec(account, part, claim.currency) for account, part in parts if part)


async def release_award(
    session: AsyncSession, claim: Claim, actor: Actor, *, now: datetime
) -> None:
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
            now=now,
        )
    claim.award_transaction_id = None


async def _reserve_award(
    session: AsyncSession, claim: Claim, actor: Actor, total: Decimal, *, now: datetime
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
            effective_date=now.date(),
            postings=(
                *await _source_postings(session, claim, total),
                PostingSpec(payable.code, -total, claim.currency),
            ),
            memo=f"award on claim {claim.reference}",
            references={"claim": str(claim.id)},
            pending=True,
        ),
        idempotency_key=f"claim:{claim.id}:award:{claim.version}",
        idempotency_scope=LEDGER_SCOPE,
        created_by=actor.ledger_name,
        now=now,
    )
    claim.award_transaction_id = view.id


async def make_decision(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    data: DecisionRequest,
    now: datetime,
) -> Claim:
    """Award per head; reserve the total; above the threshold, wait for a second administrator.

    On a claim decided before (an appeal), the earlier award is voided or reversed first and the
    new one entered in full, so the ledger shows both the correction and the new award.
    """
    claim = await locked_claim(session, actor, claim_id, "administrator", expected_version)
    step = plan(claim, ClaimEvent.DECIDE)
    assert claim.second_approval_threshold is not None, "an assessed claim has a threshold"
    decision = decide(
        [HeadFigures(h.position, h.amount_claimed, h.proposed) for h in claim.heads],
        [HeadAward(h.position, h.awarded, h.reason) for h in data.heads],
        currency=claim.currency,
        threshold=claim.second_approval_threshold,
        already_paid=claim.paid_total,
    )
    if decision.requires_second_approval:
        step = plan(claim, ClaimEvent.DECIDE_ABOVE_THRESHOLD)
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
    await release_award(session, claim, actor, now=now)
    if decision.total > 0:
        await _reserve_award(session, claim, actor, decision.total, now=now)
    record_step(session, claim, step, actor, data.reason, now=now)
    if step.after is ClaimStatus.DECIDED:
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
    now: datetime,
) -> Claim:
    """The second administrator confirms, or sends the decision back (its reservation voided)."""
    claim = await locked_claim(session, actor, claim_id, "administrator", expected_version)
    step = plan(claim, ClaimEvent.CONFIRM if approve else ClaimEvent.SEND_BACK)
    if claim.decided_by == actor.user_id:
        raise SecondApproverMustDiffer()
    if not approve and not reason:
        raise InvalidClaimData("reason", "is required when sending a decision back")
    if approve:
        claim.confirmed_by = actor.user_id
        claim.confirmed_at = now
        claim.decided_before = True
    else:
        await release_award(session, claim, actor, now=now)
    record_step(session, claim, step, actor, reason, now=now)
    await session.flush()
    return claim


async def issue_letter(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    now: datetime,
    renderer: LetterRenderer | None = None,
    reason: str | None = None,
) -> Claim:
    """Record that the decision was sent (and hand it to the renderer, once there is one); the
    reserved award is posted: from now on the fund owes it."""
    claim = await locked_claim(session, actor, claim_id, "administrator", expected_version)
    step = plan(claim, ClaimEvent.ISSUE_LETTER)
    claimant = await session.get(Claimant, claim.claimant_id)
    assert claimant is not None
    assert claim.decided_at is not None
    assert claim.awarded_total is not None
    languages = letter_languages(
        claimant.preferred_language, get_policy(claim.country).letter_languages(now.date())
    )
    if claim.award_transaction_id is not None:
        await post_pending(session, claim.award_transaction_id, actor=actor.ledger_name, now=now)
    claim.letter_issued_at = now
    claim.letter_languages = list(languages)
    record_step(session, claim, step, actor, reason, now=now)
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
    now: datetime,
) -> Payment:
    """A transfer to her: posted `Dr payable/award/<claim>  Cr bank`; paid in full ends it."""
    claim = await locked_claim(session, actor, claim_id, "administrator", expected_version)
    step = plan(claim, ClaimEvent.PAY_IN_PART)
    check_amount("amount", data.amount, data.currency, claim.currency)
    if data.paid_on > now.date():
        raise InvalidClaimData("paid_on", "must not be in the future")
    owed = outstanding(claim)
    if data.amount > owed:
        raise PaymentExceedsOutstanding(str(owed), claim.currency)
    if data.amount == owed:
        step = plan(claim, ClaimEvent.PAY_IN_FULL)
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
        now=now,
    )
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
    record_step(session, claim, step, actor, None, now=now)
    await session.flush()
    return payment

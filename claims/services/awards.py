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
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from claims import repository
from claims.access import Actor
from claims.decision import HeadAward, HeadFigures, Outcome, decide
from claims.errors import (
    AwardNotBooked,
    InvalidClaimData,
    PaymentExceedsOutstanding,
    ReservationIntact,
    ReservationLost,
    SecondApproverMustDiffer,
)
from claims.letters import DecisionNotice, LetterRenderer, NoticeHead, letter_languages
from claims.models import Claim, Claimant, Payment, new_id
from claims.money import check_amount
from claims.schemas import DecisionRequest, PaymentCreate
from claims.services.steps import (
    get_claim,
    locked_claim,
    plan,
    record_money_step,
    record_step,
    touch,
)
from claims.workflow import ClaimEvent, ClaimStatus
from ledger import (
    AccountNotFound,
    AccountType,
    EntryKind,
    PostingSpec,
    TransactionSpec,
    TransactionStatus,
    account_balance,
    account_owner,
    award_payable,
    earmarked,
    ensure_account,
    get_transaction,
    locked_balance,
    overpaid_receivable,
    post_pending,
    record_transaction,
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


def ledger_owner(claim: Claim) -> frozenset[str]:
    """Whom claims acts for in the ledger: only then may it move this claim's money, and, for a
    claim in a confiscation case, draw on that case's earmarked money."""
    owners = {account_owner(_payable_code(claim)) or f"claim:{claim.id}"}
    if claim.earmarked_case:
        case_owner = account_owner(earmarked(claim.country, claim.earmarked_case).code)
        assert case_owner is not None
        owners.add(case_owner)
    return frozenset(owners)


def _receivable_code(claim: Claim) -> str:
    return overpaid_receivable(claim.country, str(claim.id), claim.currency).code


async def overpaid(session: AsyncSession, claim: Claim) -> Decimal:
    """What she still owes back of a payment beyond an award an appeal lowered (posted)."""
    try:
        balance = await account_balance(session, _receivable_code(claim))
    except AccountNotFound:
        return Decimal(0)
    return balance.posted


def clear_overpayment_decision(claim: Claim) -> None:
    claim.overpayment_waiving = None
    claim.overpayment_decision = None
    claim.overpayment_reason = None
    claim.overpayment_decided_at = None
    claim.overpayment_decided_by = None
    claim.overpayment_confirmed_at = None
    claim.overpayment_confirmed_by = None


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


async def release_award(session: AsyncSession, claim: Claim, actor: Actor) -> None:
    """Let go of the current decision's ledger movement: a reservation not yet booked by a
    letter is voided; a booked award stays in the books, and the next decision reserves only
    its difference from it (so no balance is ever overstated, and the payable never negative)."""
    if claim.award_transaction_id is None:
        return
    current = await get_transaction(session, claim.award_transaction_id)
    if current.status is TransactionStatus.PENDING:
        await void_pending(session, current.id, actor=actor.ledger_name, owner=ledger_owner(claim))
    claim.award_transaction_id = None


def kept(claim: Claim) -> Decimal:
    """What she holds of the fund's money toward her award: paid to her, less what she repaid
    and what the fund waived of an overpayment (forgiven money is neither claimed back by a
    later decision nor counted toward it)."""
    return claim.paid_total - claim.overpayment_repaid - claim.overpayment_waived


async def _ensure_receivable(session: AsyncSession, claim: Claim) -> str:
    receivable = overpaid_receivable(claim.country, str(claim.id), claim.currency)
    await ensure_account(
        session,
        receivable.code,
        name=receivable.name,
        type=AccountType.ASSET,
        currency=claim.currency,
        country=claim.country,
        must_not_go_negative=receivable.must_not_go_negative,
        owner=ledger_owner(claim),
    )
    return receivable.code


async def _reserve_award(
    session: AsyncSession, claim: Claim, actor: Actor, total: Decimal, *, now: datetime
) -> None:
    """Reserve, pending until the letter, what moves the booked award to `total`: the payable
    to what is still to pay her (`total` less what she holds), and, when she holds more than
    `total` (an appeal lowered it below what was paid), the receivable to what she owes back;
    the fund (or the case's earmarked money, for an increase) takes the difference:
    `Dr fund  Cr payable/award/<claim>` for an increase, `Dr receivable/overpaid/<claim>
    Cr fund` for a decrease below what was paid. Nothing moves when both are where they
    should be already."""
    payable = award_payable(claim.country, str(claim.id), claim.currency)
    await ensure_account(
        session,
        payable.code,
        name=payable.name,
        type=AccountType.LIABILITY,
        currency=claim.currency,
        country=claim.country,
        must_not_go_negative=payable.must_not_go_negative,
        owner=ledger_owner(claim),
    )
    holds = kept(claim)
    payable_change = (
        max(total - holds, Decimal(0)) - (await account_balance(session, payable.code)).posted
    )
    receivable_change = max(holds - total, Decimal(0)) - await overpaid(session, claim)
    change = payable_change - receivable_change  # the fund's part; negative: it gets money back
    if payable_change == 0 and receivable_change == 0:
        return
    postings = [
        *await _source_postings(session, claim, change),
        PostingSpec(payable.code, -payable_change, claim.currency),
    ]
    if receivable_change:
        code = await _ensure_receivable(session, claim)
        postings.append(PostingSpec(code, receivable_change, claim.currency))
    view = await record_transaction(
        session,
        TransactionSpec(
            country=claim.country,
            kind=EntryKind.AWARD,
            effective_date=now.date(),
            postings=tuple(p for p in postings if p.amount),
            memo=f"award on claim {claim.reference}"
            + ("" if change == total else f" changed to {total}"),
            references={"claim": str(claim.id)},
            pending=True,
        ),
        idempotency_key=f"claim:{claim.id}:award:{claim.version}",
        idempotency_scope=LEDGER_SCOPE,
        created_by=actor.ledger_name,
        now=now,
        owner=ledger_owner(claim),
    )
    claim.award_transaction_id = view.id


async def _award_status(session: AsyncSession, claim: Claim) -> TransactionStatus | None:
    """The ledger status of the claim's current award; None when it has none (nothing awarded)."""
    if claim.award_transaction_id is None:
        return None
    return (await get_transaction(session, claim.award_transaction_id)).status


async def _check_reservation_pending(session: AsyncSession, claim: Claim) -> None:
    """Confirming a decision and issuing its letter rely on the award being reserved."""
    status = await _award_status(session, claim)
    if status is TransactionStatus.VOIDED:
        raise ReservationLost(str(claim.id), str(status))


async def reserve_again(
    session: AsyncSession,
    actor: Actor,
    claim_id: uuid.UUID,
    *,
    expected_version: int | None,
    now: datetime,
) -> Claim:
    """Reserve a decided award whose reservation is no longer in the ledger (voided), so the
    claim can go on to its letter; the way out of ReservationLost."""
    claim = await locked_claim(session, actor, claim_id, "administrator", expected_version)
    if ClaimStatus(claim.status) not in (
        ClaimStatus.AWAITING_SECOND_APPROVAL,
        ClaimStatus.DECIDED,
    ):
        raise ReservationIntact(f"a claim in status {claim.status!r} has no award to reserve")
    if claim.awarded_total is None or claim.awarded_total <= 0:
        raise ReservationIntact("the decision awards nothing")
    status = await _award_status(session, claim)
    if status is not None and status is not TransactionStatus.VOIDED:
        raise ReservationIntact(f"the award is {status} in the ledger")
    claim.award_transaction_id = None
    await _reserve_award(session, claim, actor, claim.awarded_total, now=now)
    if claim.award_transaction_id is None:
        raise ReservationIntact("the award booked in the ledger already matches the decision")
    touch(claim, now)
    await session.flush()
    return claim


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

    On a claim decided before (an appeal), a reservation not yet booked is voided, and the new
    decision reserves its difference from what the letters booked; the letter books it.
    """
    claim = await locked_claim(session, actor, claim_id, "administrator", expected_version)
    step = plan(claim, ClaimEvent.DECIDE)
    assert claim.second_approval_threshold is not None, "an assessed claim has a threshold"
    decision = decide(
        [HeadFigures(h.position, h.amount_claimed, h.proposed) for h in claim.heads],
        [HeadAward(h.position, h.awarded, h.reason) for h in data.heads],
        currency=claim.currency,
        threshold=claim.second_approval_threshold,
        proposal_made=claim.no_proposal_code is None,
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
    await release_award(session, claim, actor)
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
        await _check_reservation_pending(session, claim)
        claim.confirmed_by = actor.user_id
        claim.confirmed_at = now
        claim.decided_before = True
    else:
        await release_award(session, claim, actor)
    record_step(session, claim, step, actor, reason, now=now)
    await session.flush()
    return claim


async def letter_may_be_issued(
    session: AsyncSession, actor: Actor, claim_id: uuid.UUID, *, expected_version: int | None
) -> Claim:
    """The claim, row-locked, when its letter may be issued now (the checks of `issue_letter`,
    without its effects): a request for the letter is refused as the issue itself would be."""
    claim = await locked_claim(session, actor, claim_id, "administrator", expected_version)
    plan(claim, ClaimEvent.ISSUE_LETTER)
    await _check_reservation_pending(session, claim)
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
    languages = letter_languages(
        claimant.preferred_language, get_policy(claim.country).letter_languages(now.date())
    )
    await _check_reservation_pending(session, claim)
    if claim.award_transaction_id is not None:
        await post_pending(
            session,
            claim.award_transaction_id,
            actor=actor.ledger_name,
            now=now,
            owner=ledger_owner(claim),
        )
        owed_back = await overpaid(session, claim)
        found = owed_back - claim.overpayment_owed
        if found:
            # A new amount owed back needs its own decision (recover or waive).
            clear_overpayment_decision(claim)
        claim.overpayment_owed = owed_back
    else:
        found = Decimal(0)
    claim.letter_issued_at = now
    claim.letter_languages = list(languages)
    record_step(session, claim, step, actor, reason, now=now)
    if found > 0:
        record_money_step(
            session,
            claim,
            ClaimEvent.OVERPAYMENT_RECORDED,
            actor,
            "the appeal's award is below what was paid",
            amount=found,
            now=now,
        )
    await session.flush()
    if renderer is not None:
        await renderer.render(_notice(claim, claimant, languages, now, claim.overpayment_owed))
    return claim


async def letter_notice(
    session: AsyncSession, actor: Actor, claim_id: uuid.UUID, *, now: datetime
) -> DecisionNotice:
    """The notice `issue_letter` would hand its renderer if it ran now, read without a lock or
    a write. A letters worker renders from it before the issuing transaction, whose renderer
    then checks the notice is still this one: the slow rendering holds none of the issue's locks
    (the fund's ledger account above all, which every letter of the country posts to)."""
    claim = await get_claim(session, actor, claim_id, "administrator")
    plan(claim, ClaimEvent.ISSUE_LETTER)
    claimant = await session.get(Claimant, claim.claimant_id)
    assert claimant is not None
    languages = letter_languages(
        claimant.preferred_language, get_policy(claim.country).letter_languages(now.date())
    )
    await _check_reservation_pending(session, claim)
    owed_back = claim.overpayment_owed
    if claim.award_transaction_id is not None:
        owed_back = await overpaid(session, claim)
        award = await get_transaction(session, claim.award_transaction_id)
        if award.status is TransactionStatus.PENDING:
            # Posting the award adds its debits on her receivable (an asset) to what she owes.
            receivable = _receivable_code(claim)
            owed_back += sum(
                (p.amount for p in award.postings if p.account_code == receivable), Decimal(0)
            )
    return _notice(claim, claimant, languages, now, owed_back)


def _notice(
    claim: Claim,
    claimant: Claimant,
    languages: tuple[str, ...],
    now: datetime,
    owed_back: Decimal,
) -> DecisionNotice:
    assert claim.decided_at is not None
    assert claim.awarded_total is not None
    return DecisionNotice(
        claim_id=claim.id,
        claim_reference=claim.reference,
        claimant_id=claimant.id,
        country=claim.country,
        currency=claim.currency,
        outcome=claim.outcome or Outcome.REJECTED.value,
        awarded_total=claim.awarded_total,
        advances=sum((p.amount for p in claim.prior_payments if p.source == "advance"), Decimal(0)),
        already_paid=claim.paid_total - claim.overpayment_repaid,
        reason=claim.decision_reason or "",
        no_proposal_reason=claim.no_proposal_reason,
        heads=tuple(
            NoticeHead(
                h.category,
                h.sub_kind,
                h.amount_claimed,
                h.awarded or Decimal(0),
                h.decision_reason,
                _trace_references(claim, h.position),
            )
            for h in claim.heads
        ),
        languages=languages,
        decided_at=claim.decided_at,
        issued_at=now,
        owed_back=owed_back,
    )


def _trace_references(claim: Claim, position: int) -> tuple[str, ...]:
    """The legal references the policy's assessment cited for one head, each once."""
    heads: list[dict[str, Any]] = (claim.assessment or {}).get("heads", [])
    head: dict[str, Any] = next((h for h in heads if h.get("position") == position), {})
    return tuple(dict.fromkeys(s["reference"] for s in head.get("trace", []) if s.get("reference")))


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
    return max(claim.awarded_total - kept(claim), Decimal(0))


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
    if claim.letter_issued_at is not None and data.paid_on < claim.letter_issued_at.date():
        raise InvalidClaimData("paid_on", "must not be before the decision letter was issued")
    status = await _award_status(session, claim)
    if status is not None and status is not TransactionStatus.POSTED:
        raise AwardNotBooked(str(status))
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
        owner=ledger_owner(claim),
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

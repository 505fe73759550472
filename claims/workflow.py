"""The claim lifecycle as data: which event moves a claim from which status to which.

Pure: no database, no HTTP. The services ask :func:`transition` before any side effect (a ledger
reservation, a posting, a payment), so an illegal step changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from claims.errors import InvalidTransition


class ClaimStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    INFORMATION_REQUESTED = "information_requested"
    ASSESSED = "assessed"
    AWAITING_SECOND_APPROVAL = "awaiting_second_approval"
    DECIDED = "decided"
    LETTER_ISSUED = "letter_issued"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    APPEALED = "appealed"


class ClaimEvent(StrEnum):
    SUBMIT = "submit"
    START_REVIEW = "start_review"
    REQUEST_INFORMATION = "request_information"
    ANSWER_INFORMATION = "answer_information"
    ASSESS = "assess"
    DECIDE = "decide"
    DECIDE_ABOVE_THRESHOLD = "decide_above_threshold"
    CONFIRM = "confirm"
    SEND_BACK = "send_back"
    ISSUE_LETTER = "issue_letter"
    PAY_IN_PART = "pay_in_part"
    PAY_IN_FULL = "pay_in_full"
    CLOSE = "close"
    WITHDRAW = "withdraw"
    APPEAL = "appeal"
    # The steps of an overpayment an appeal left: in the claim's history like every step, but
    # outside the status machine (never in TRANSITIONS): the claim's status does not change.
    OVERPAYMENT_RECORDED = "overpayment_recorded"
    OVERPAYMENT_RECOVER = "overpayment_recover"
    OVERPAYMENT_WAIVE = "overpayment_waive"
    OVERPAYMENT_WAIVER_PROPOSED = "overpayment_waiver_proposed"
    OVERPAYMENT_WAIVER_CONFIRM = "overpayment_waiver_confirm"
    OVERPAYMENT_WAIVER_SEND_BACK = "overpayment_waiver_send_back"
    OVERPAYMENT_REPAYMENT = "overpayment_repayment"


S = ClaimStatus
E = ClaimEvent

_BEFORE_DECISION = (
    S.DRAFT,
    S.SUBMITTED,
    S.UNDER_REVIEW,
    S.INFORMATION_REQUESTED,
    S.ASSESSED,
    S.AWAITING_SECOND_APPROVAL,
)
_AFTER_DECISION = (S.DECIDED, S.LETTER_ISSUED, S.PARTLY_PAID, S.PAID, S.CLOSED)

TRANSITIONS: Mapping[tuple[ClaimStatus, ClaimEvent], ClaimStatus] = MappingProxyType(
    {
        (S.DRAFT, E.SUBMIT): S.SUBMITTED,
        (S.SUBMITTED, E.START_REVIEW): S.UNDER_REVIEW,
        (S.APPEALED, E.START_REVIEW): S.UNDER_REVIEW,
        (S.UNDER_REVIEW, E.REQUEST_INFORMATION): S.INFORMATION_REQUESTED,
        (S.ASSESSED, E.REQUEST_INFORMATION): S.INFORMATION_REQUESTED,
        (S.INFORMATION_REQUESTED, E.ANSWER_INFORMATION): S.UNDER_REVIEW,
        (S.UNDER_REVIEW, E.ASSESS): S.ASSESSED,
        # New facts or a new parameter year: the administrator may run the policy again.
        (S.ASSESSED, E.ASSESS): S.ASSESSED,
        (S.ASSESSED, E.DECIDE): S.DECIDED,
        (S.ASSESSED, E.DECIDE_ABOVE_THRESHOLD): S.AWAITING_SECOND_APPROVAL,
        (S.AWAITING_SECOND_APPROVAL, E.CONFIRM): S.DECIDED,
        (S.AWAITING_SECOND_APPROVAL, E.SEND_BACK): S.UNDER_REVIEW,
        (S.DECIDED, E.ISSUE_LETTER): S.LETTER_ISSUED,
        (S.LETTER_ISSUED, E.PAY_IN_PART): S.PARTLY_PAID,
        (S.PARTLY_PAID, E.PAY_IN_PART): S.PARTLY_PAID,
        (S.LETTER_ISSUED, E.PAY_IN_FULL): S.PAID,
        (S.PARTLY_PAID, E.PAY_IN_FULL): S.PAID,
        # A letter with nothing to pay (a rejection) closes the claim directly.
        (S.LETTER_ISSUED, E.CLOSE): S.CLOSED,
        (S.PAID, E.CLOSE): S.CLOSED,
        **{(status, E.WITHDRAW): S.WITHDRAWN for status in _BEFORE_DECISION},
        **{(status, E.APPEAL): S.APPEALED for status in _AFTER_DECISION},
    }
)
"""(current status, event) -> next status. Anything not listed is refused."""

TERMINAL: frozenset[ClaimStatus] = frozenset({S.WITHDRAWN})
"""Statuses nothing leaves (a closed claim may still be appealed)."""


def allowed_events(state: ClaimStatus, *, decided_before: bool = False) -> tuple[ClaimEvent, ...]:
    """The events legal in `state`, in lifecycle order.

    `decided_before` is true once a claim has had a decision (it went through an appeal): such a
    claim can no longer be withdrawn, since money may have moved on the earlier decision.
    """
    return tuple(
        event
        for event in ClaimEvent
        if (state, event) in TRANSITIONS and not (decided_before and event is E.WITHDRAW)
    )


def transition(
    state: ClaimStatus, event: ClaimEvent, *, decided_before: bool = False
) -> ClaimStatus:
    """The status after `event`; raises InvalidTransition naming the events allowed in `state`."""
    allowed = allowed_events(state, decided_before=decided_before)
    if event not in allowed:
        raise InvalidTransition(state.value, event.value, tuple(e.value for e in allowed))
    return TRANSITIONS[(state, event)]

"""When the law requires keeping her data, and when it is due for erasure: pure rules.

GDPR Art. 17(3)(b) and (e) let a fund keep what a legal obligation or a legal claim still needs:
a claim being decided or appealed, money the fund still owes her, a return-assistance
application still being decided or paid, a court case or investigation (a legal hold). Each
ground names the claim or application (by reference, never by her name) or the hold.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from claims.workflow import ClaimStatus

ENDED = frozenset({ClaimStatus.CLOSED, ClaimStatus.WITHDRAWN})
"""A claim in one of these has ended: retention counts from the day it got there."""

_BEING_DECIDED = frozenset(
    {
        ClaimStatus.SUBMITTED,
        ClaimStatus.UNDER_REVIEW,
        ClaimStatus.INFORMATION_REQUESTED,
        ClaimStatus.ASSESSED,
        ClaimStatus.AWAITING_SECOND_APPROVAL,
    }
)


class Ground(StrEnum):
    CLAIM_BEING_DECIDED = "claim_being_decided"
    OPEN_APPEAL = "open_appeal"
    PENDING_PAYMENT = "pending_payment"
    RETURN_IN_PROGRESS = "return_in_progress"
    LEGAL_HOLD = "legal_hold"


_EXPLAINED = {
    Ground.CLAIM_BEING_DECIDED: "the claim is being decided; withdraw it first or wait for the "
    "decision (GDPR Art. 17(3)(e))",
    Ground.OPEN_APPEAL: "an appeal of the decision is open (GDPR Art. 17(3)(e))",
    Ground.PENDING_PAYMENT: "the fund still owes an awarded amount (GDPR Art. 17(3)(b))",
    Ground.RETURN_IN_PROGRESS: "a return-assistance application is being decided or its "
    "schedule is still paying; she can withdraw her consent first (GDPR Art. 17(3)(b))",
    Ground.LEGAL_HOLD: "a legal hold is in place (GDPR Art. 17(3)(b) and (e))",
}


@dataclass(frozen=True, slots=True)
class ClaimState:
    """What the rules need of one of her claims."""

    reference: str
    country: str
    status: ClaimStatus
    decided_before: bool
    awarded_total: Decimal | None
    paid_total: Decimal
    ended_on: date | None
    """The day it was closed or withdrawn (None while it has not ended)."""


IN_PROGRESS_RETURNS = frozenset({"applied", "approved", "paused"})
"""Statuses of a return-assistance application that is not over (stopped and completed are)."""


@dataclass(frozen=True, slots=True)
class ReturnState:
    """What the rules need of one of her return-assistance applications."""

    reference: str
    status: str


@dataclass(frozen=True, slots=True)
class HoldState:
    id: uuid.UUID
    kind: str


@dataclass(frozen=True, slots=True)
class KeepReason:
    """One legal ground for keeping her data now."""

    ground: Ground
    claim: str | None = None
    """The claim's reference, for a ground that comes from a claim."""
    application: str | None = None
    """The return-assistance application's reference, for a ground that comes from one."""
    hold: uuid.UUID | None = None
    hold_kind: str | None = None

    @property
    def explanation(self) -> str:
        return _EXPLAINED[self.ground]

    def as_problem(self) -> dict[str, str | None]:
        return {
            "ground": self.ground.value,
            "claim": self.claim,
            "application": self.application,
            "hold": str(self.hold) if self.hold else None,
            "hold_kind": self.hold_kind,
            "explanation": self.explanation,
        }


def _claim_reason(claim: ClaimState) -> Ground | None:
    if claim.status is ClaimStatus.APPEALED or (
        claim.decided_before and claim.status in _BEING_DECIDED
    ):
        return Ground.OPEN_APPEAL
    if claim.status in _BEING_DECIDED:
        return Ground.CLAIM_BEING_DECIDED
    awarded = claim.awarded_total or Decimal(0)
    if (
        claim.status not in ENDED
        and claim.status is not ClaimStatus.DRAFT
        and awarded > claim.paid_total
    ):
        return Ground.PENDING_PAYMENT
    return None


def keep_reasons(
    claims: Iterable[ClaimState],
    holds: Iterable[HoldState],
    returns: Iterable[ReturnState] = (),
) -> tuple[KeepReason, ...]:
    """Every ground that requires keeping her data now; empty when she may be erased."""
    reasons = [
        KeepReason(ground, claim=claim.reference)
        for claim in sorted(claims, key=lambda c: c.reference)
        if (ground := _claim_reason(claim)) is not None
    ]
    reasons += [
        KeepReason(Ground.RETURN_IN_PROGRESS, application=r.reference)
        for r in sorted(returns, key=lambda r: r.reference)
        if r.status in IN_PROGRESS_RETURNS
    ]
    reasons += [KeepReason(Ground.LEGAL_HOLD, hold=h.id, hold_kind=h.kind) for h in holds]
    return tuple(reasons)


def retention_due_on(
    claims: Iterable[ClaimState], erase_after: Callable[[str, date], date]
) -> date | None:
    """The day her data is due for erasure: every claim has ended, and each country's period has
    run from the day its claim ended (the latest of them). None while any claim is open or she
    has none (a registration without a claim: see `registration_due_on`).

    `erase_after(country, ended_on)` is the first day due under that country's period.
    """
    listed = list(claims)
    if not listed or any(c.status not in ENDED or c.ended_on is None for c in listed):
        return None
    return max(erase_after(c.country, c.ended_on) for c in listed if c.ended_on is not None)


def registration_due_on(
    registered_on: date, countries: Iterable[str], erase_after: Callable[[str, date], date]
) -> date | None:
    """The day the data of a woman registered but never claimed for is due: each country her
    adviser could have filed in has let its period run from her registration (the latest of
    them, so no country's period is cut short). None without a country to count by."""
    listed = list(countries)
    if not listed:
        return None
    return max(erase_after(country, registered_on) for country in listed)

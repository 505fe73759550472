"""The pure core of return assistance: what the fund grants for each requested item, the
disbursement schedule that follows from it, the records approval waits for, the lifecycle, and
the conversion into the receiving organisation's currency.

No database and no HTTP: plain values in, plain values out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum

from claims.errors import InvalidClaimData, ReturnTransitionRefused
from ledger import MINOR_UNITS
from policies import ReturnAssistanceEntitlement, ReturnItem

ONE_OFF_ITEMS = (ReturnItem.TRAVEL, ReturnItem.DOCUMENTS)
"""Paid in full by the fund, whatever the policy's other limits (DESIGN.md principle 4)."""

FOLLOW_UP_INTERVAL = timedelta(days=30)
"""After her return, contact is expected at least this often while support lasts."""


class ReturnStatus(StrEnum):
    APPLIED = "applied"
    APPROVED = "approved"
    PAUSED = "paused"
    STOPPED = "stopped"
    COMPLETED = "completed"


class ReturnEvent(StrEnum):
    APPROVE = "approve"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"
    WITHDRAW_CONSENT = "withdraw_consent"
    COMPLETE = "complete"
    RECORD = "record"
    """Consent, a risk or needs assessment, or the confirmation of a high risk's justification."""
    PAY = "pay"
    FOLLOW_UP = "follow_up"


TRANSITIONS: Mapping[tuple[ReturnStatus, ReturnEvent], ReturnStatus] = {
    (ReturnStatus.APPLIED, ReturnEvent.RECORD): ReturnStatus.APPLIED,
    (ReturnStatus.APPLIED, ReturnEvent.APPROVE): ReturnStatus.APPROVED,
    (ReturnStatus.APPLIED, ReturnEvent.STOP): ReturnStatus.STOPPED,
    (ReturnStatus.APPLIED, ReturnEvent.WITHDRAW_CONSENT): ReturnStatus.STOPPED,
    (ReturnStatus.APPROVED, ReturnEvent.PAUSE): ReturnStatus.PAUSED,
    (ReturnStatus.APPROVED, ReturnEvent.STOP): ReturnStatus.STOPPED,
    (ReturnStatus.APPROVED, ReturnEvent.WITHDRAW_CONSENT): ReturnStatus.STOPPED,
    (ReturnStatus.APPROVED, ReturnEvent.COMPLETE): ReturnStatus.COMPLETED,
    (ReturnStatus.APPROVED, ReturnEvent.PAY): ReturnStatus.APPROVED,
    (ReturnStatus.APPROVED, ReturnEvent.FOLLOW_UP): ReturnStatus.APPROVED,
    (ReturnStatus.PAUSED, ReturnEvent.FOLLOW_UP): ReturnStatus.PAUSED,
    (ReturnStatus.COMPLETED, ReturnEvent.FOLLOW_UP): ReturnStatus.COMPLETED,
    (ReturnStatus.PAUSED, ReturnEvent.RESUME): ReturnStatus.APPROVED,
    (ReturnStatus.PAUSED, ReturnEvent.STOP): ReturnStatus.STOPPED,
    (ReturnStatus.PAUSED, ReturnEvent.WITHDRAW_CONSENT): ReturnStatus.STOPPED,
}
"""The application's lifecycle. She may withdraw her consent in every open status; nothing
moves her towards a return but her own consent."""


def transition(status: ReturnStatus, event: ReturnEvent) -> ReturnStatus:
    """The status after `event`; ReturnTransitionRefused naming what is allowed now."""
    after = TRANSITIONS.get((status, event))
    if after is None:
        allowed = tuple(e.value for (s, e) in TRANSITIONS if s is status)
        raise ReturnTransitionRefused(status.value, event.value, allowed)
    return after


class RecordKind(StrEnum):
    CONSENT = "consent"
    RISK_ASSESSMENT = "risk_assessment"
    NEEDS_ASSESSMENT = "needs_assessment"
    RISK_CONFIRMATION = "risk_justification_confirmation"


@dataclass(frozen=True, slots=True)
class RecordsOnFile:
    """What the application holds, as approval sees it."""

    consent_given: bool
    risk_level: str | None
    risk_confirmed: bool
    needs_assessed: bool


def missing_records(records: RecordsOnFile) -> tuple[RecordKind, ...]:
    """The records approval still waits for, in the order they are usually made."""
    missing = []
    if not records.consent_given:
        missing.append(RecordKind.CONSENT)
    if records.risk_level is None:
        missing.append(RecordKind.RISK_ASSESSMENT)
    elif records.risk_level == "high" and not records.risk_confirmed:
        missing.append(RecordKind.RISK_CONFIRMATION)
    if not records.needs_assessed:
        missing.append(RecordKind.NEEDS_ASSESSMENT)
    return tuple(missing)


@dataclass(frozen=True, slots=True)
class RequestedItem:
    item: ReturnItem
    amount: Decimal
    """In the paying fund's currency."""


@dataclass(frozen=True, slots=True)
class GrantedItem:
    item: ReturnItem
    requested: Decimal
    granted: Decimal
    months: int
    """0: paid once; n: paid in n equal monthly instalments."""
    reference: str
    note: str


def grant(
    requested: Sequence[RequestedItem], entitlement: ReturnAssistanceEntitlement
) -> tuple[GrantedItem, ...]:
    """Travel and documents in full; any other item up to the policy's allowance; an item the
    policy does not offer is granted nothing, with a note saying so."""
    allowances = {a.item: a for a in entitlement.allowances}
    granted = []
    for wanted in requested:
        allowance = allowances.get(wanted.item)
        if wanted.item in ONE_OFF_ITEMS:
            reference = allowance.reference if allowance else ""
            granted.append(
                GrantedItem(wanted.item, wanted.amount, wanted.amount, 0, reference, "paid in full")
            )
        elif allowance is None:
            granted.append(
                GrantedItem(
                    wanted.item, wanted.amount, Decimal(0), 0, "", "not offered by the policy"
                )
            )
        else:
            amount = min(wanted.amount, allowance.amount)
            note = "as requested" if amount == wanted.amount else "limited to the policy's cap"
            granted.append(
                GrantedItem(
                    wanted.item, wanted.amount, amount, allowance.months, allowance.reference, note
                )
            )
    return tuple(granted)


@dataclass(frozen=True, slots=True)
class PlannedInstalment:
    position: int
    """1-based order in the schedule."""
    due_on: date
    items: tuple[ReturnItem, ...]
    amount: Decimal
    """In the paying fund's currency."""


def _add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")  # pragma: no cover


def schedule(
    granted: Sequence[GrantedItem], planned_on: date, currency: str
) -> tuple[PlannedInstalment, ...]:
    """One instalment for the one-off items, due on the planned date, then one per month after
    the return: each monthly item split into equal parts, the last part taking the remainder."""
    unit = Decimal(1).scaleb(-MINOR_UNITS[currency])
    once = [g for g in granted if g.months == 0 and g.granted > 0]
    monthly = [g for g in granted if g.months > 0 and g.granted > 0]
    instalments = []
    if once:
        instalments.append(
            PlannedInstalment(
                1,
                planned_on,
                tuple(g.item for g in once),
                sum((g.granted for g in once), Decimal(0)),
            )
        )
    months = max((g.months for g in monthly), default=0)
    for month in range(1, months + 1):
        amount = Decimal(0)
        items = []
        for g in monthly:
            if month > g.months:
                continue
            part = (g.granted / g.months).quantize(unit, rounding=ROUND_DOWN)
            amount += part if month < g.months else g.granted - part * (g.months - 1)
            items.append(g.item)
        instalments.append(
            PlannedInstalment(
                len(instalments) + 1, _add_months(planned_on, month), tuple(items), amount
            )
        )
    return tuple(instalments)


@dataclass(frozen=True, slots=True)
class Conversion:
    """An amount in the fund's currency paid as `payee_amount` in the payee's currency."""

    fund_amount: Decimal
    payee_amount: Decimal
    rate: Decimal
    """Units of the fund's currency per one unit of the payee's."""


def convert(amount: Decimal, rate: Decimal, fund_currency: str, payee_currency: str) -> Conversion:
    """What the payee receives for at most `amount`: rounded down to the payee's minor unit,
    and the fund's side is that figure at the rate, so the two sides agree to within half a
    minor unit (the ledger's exchange check) and the entitlement is never exceeded."""
    if not rate.is_finite() or rate <= 0:
        raise InvalidClaimData("exchange_rate.rate", "must be a positive number")
    payee_unit = Decimal(1).scaleb(-MINOR_UNITS[payee_currency])
    fund_unit = Decimal(1).scaleb(-MINOR_UNITS[fund_currency])
    payee_amount = (amount / rate).quantize(payee_unit, rounding=ROUND_DOWN)
    if payee_amount <= 0:
        raise InvalidClaimData("exchange_rate.rate", "leaves nothing to pay at this rate")
    fund_amount = (payee_amount * rate).quantize(fund_unit, rounding=ROUND_HALF_UP)
    return Conversion(fund_amount, payee_amount, rate)


def at_rate(payee_amount: Decimal, rate: Decimal, fund_currency: str) -> Decimal:
    """The fund's side of paying `payee_amount` at `rate`."""
    fund_unit = Decimal(1).scaleb(-MINOR_UNITS[fund_currency])
    return (payee_amount * rate).quantize(fund_unit, rounding=ROUND_HALF_UP)


def follow_up_due(
    planned_on: date, last_contact: date | None, support_ends: date | None
) -> date | None:
    """When the next contact after her return is expected; None once support has ended."""
    due = (last_contact or planned_on) + FOLLOW_UP_INTERVAL
    if support_ends is not None and due > support_ends + FOLLOW_UP_INTERVAL:
        return None
    return due

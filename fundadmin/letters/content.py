"""What a decision letter says, decided without rendering anything: the pure core of letters.

`letter_facts` turns a claim's :class:`~claims.DecisionNotice`, what the vault holds of her and
the authority's data into :class:`LetterFacts`, the same for every language; the template only
words and formats them. The rules that protect her live here, testable without a PDF: a
confidential address is never printed (the letter goes to her adviser's organisation), a bank
account shows only its last four characters.
"""

from __future__ import annotations

import tomllib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from claims import DecisionNotice

LETTER_LANGUAGES = ("en", "da", "et", "fi", "is", "lv", "lt", "nb", "sv", "ru")
"""The languages letters are written in (gettext catalogues in `locale/`)."""

FALLBACK_LANGUAGE = "en"
"""Written in place of a preferred language no catalogue exists for."""

MASK = "••••"


def mask_account(account: str) -> str:
    """`•••• 7466` for `SE45 5000 0000 0583 9825 7466`: only the last four characters show."""
    compact = "".join(account.split())
    if len(compact) <= 4:
        return MASK
    return f"{MASK} {compact[-4:]}"


def letter_languages_for(languages: tuple[str, ...]) -> tuple[str, ...]:
    """The notice's languages (hers first, then the country's), each one a catalogue exists for;
    a language without one is replaced by English, so she always gets a letter she can have
    read to her rather than none."""
    chosen = [lang if lang in LETTER_LANGUAGES else FALLBACK_LANGUAGE for lang in languages]
    return tuple(dict.fromkeys(chosen))


@dataclass(frozen=True, slots=True)
class Authority:
    """The deciding authority, as the letter presents it (from `authorities.toml`)."""

    name: str
    address: tuple[str, ...]
    contact: str
    appeal_days: int
    appeal_to: tuple[str, ...]
    appeal_reference: str
    payment_days: int


@cache
def _authorities() -> Mapping[str, Mapping[str, Any]]:
    text = resources.files(__package__).joinpath("authorities.toml").read_text("utf-8")
    return tomllib.loads(text)


def authority_of(country: str) -> Authority:
    """The authority of `country`, named as in its own language (the first address line)."""
    data = _authorities()[country]
    return Authority(
        name=data["address"][0],
        address=tuple(data["address"][1:]),
        contact=data["contact"],
        appeal_days=int(data["appeal_days"]),
        appeal_to=tuple(data["appeal_to"]),
        appeal_reference=data["appeal_reference"],
        payment_days=int(data["payment_days"]),
    )


@dataclass(frozen=True, slots=True)
class Recipient:
    """What the vault and the claim hold about where the letter goes."""

    name: str
    address: str | None
    confidential_address: bool
    organisation: str
    bank_account: str | None


@dataclass(frozen=True, slots=True)
class LetterHead:
    category: str
    sub_kind: str | None
    claimed: Decimal
    awarded: Decimal
    reason: str | None
    references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LetterFacts:
    """Everything one letter states, in no language yet."""

    reference: str
    version: int
    country: str
    currency: str
    authority: Authority
    issued_on: date
    decided_on: date
    addressee: tuple[str, ...]
    care_of: str | None
    """Her adviser's organisation when the letter is sent there (confidential or no address)."""
    outcome: str
    heads: tuple[LetterHead, ...]
    reason: str
    no_proposal_reason: str | None
    """Why the policy could propose nothing (the decision was made by hand), if so."""
    awarded_total: Decimal
    advances: Decimal
    already_paid: Decimal
    to_pay: Decimal
    owed_back: Decimal
    """Paid beyond this decision (an appeal lowered the award): she owes it back."""
    bank_account: str | None
    """Masked: only the last four characters."""
    appeal_deadline: date
    verification_code: str
    languages: tuple[str, ...]
    kind: str = "decision"


def _addressee(recipient: Recipient) -> tuple[tuple[str, ...], str | None]:
    """Her name and address, or her name care of her adviser's organisation when her address is
    confidential or unknown."""
    if recipient.confidential_address or not recipient.address:
        return (recipient.name,), recipient.organisation
    lines = tuple(line.strip() for line in recipient.address.splitlines() if line.strip())
    return (recipient.name, *lines), None


@dataclass(frozen=True, slots=True)
class OverpaymentNotice:
    """An overpayment letter to write, without her personal data (as a DecisionNotice)."""

    kind: str
    claim_id: uuid.UUID
    claim_reference: str
    claimant_id: uuid.UUID
    country: str
    currency: str
    amount: Decimal
    languages: tuple[str, ...]
    issued_at: datetime
    waived: Decimal = Decimal(0)
    """With a repayment letter: the part of the overpayment waived by the same decision."""


@dataclass(frozen=True, slots=True)
class OverpaymentFacts:
    """What a letter about an overpayment states: it was waived, or she is asked to pay it
    back (a repayment plan agreed with her adviser)."""

    kind: str
    """`overpayment_waiver` or `repayment_plan`."""
    reference: str
    version: int
    currency: str
    authority: Authority
    issued_on: date
    addressee: tuple[str, ...]
    care_of: str | None
    amount: Decimal
    """Waived, or to be paid back, in `currency`."""
    waived: Decimal
    """With a repayment letter: what the same decision waived (a partial waiver), else 0."""
    appeal_deadline: date
    verification_code: str
    languages: tuple[str, ...]


def overpayment_facts(
    notice: OverpaymentNotice,
    recipient: Recipient,
    authority: Authority,
    *,
    version: int,
    verification_code: str,
) -> OverpaymentFacts:
    addressee, care_of = _addressee(recipient)
    issued_on = notice.issued_at.date()
    return OverpaymentFacts(
        kind=notice.kind,
        reference=notice.claim_reference,
        version=version,
        currency=notice.currency,
        authority=authority,
        issued_on=issued_on,
        addressee=addressee,
        care_of=care_of,
        amount=notice.amount,
        waived=notice.waived,
        appeal_deadline=issued_on + timedelta(days=authority.appeal_days),
        verification_code=verification_code,
        languages=letter_languages_for(notice.languages),
    )


def letter_facts(
    notice: DecisionNotice,
    recipient: Recipient,
    authority: Authority,
    *,
    version: int,
    verification_code: str,
) -> LetterFacts:
    issued_on = notice.issued_at.date()
    addressee, care_of = _addressee(recipient)
    to_pay = max(notice.awarded_total - notice.already_paid, Decimal(0))
    return LetterFacts(
        reference=notice.claim_reference,
        version=version,
        country=notice.country,
        currency=notice.currency,
        authority=authority,
        issued_on=issued_on,
        decided_on=notice.decided_at.date(),
        addressee=addressee,
        care_of=care_of,
        outcome=notice.outcome,
        heads=tuple(
            LetterHead(h.category, h.sub_kind, h.claimed, h.awarded, h.reason, h.references)
            for h in notice.heads
        ),
        reason=notice.reason,
        no_proposal_reason=notice.no_proposal_reason,
        awarded_total=notice.awarded_total,
        advances=notice.advances,
        already_paid=notice.already_paid,
        to_pay=to_pay,
        owed_back=notice.owed_back,
        bank_account=mask_account(recipient.bank_account) if recipient.bank_account else None,
        appeal_deadline=issued_on + timedelta(days=authority.appeal_days),
        verification_code=verification_code,
        languages=letter_languages_for(notice.languages),
    )

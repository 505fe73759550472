"""Claims tables: claimants (personal fields as ciphertext only), claims, heads of damage,
prior payments, transitions, information requests, documents and payments.

Personal values never reach these tables in clear: they are encrypted by the personal-data vault
with the claimant's own data key (`subject_id`), so destroying that key erases her while amounts,
dates and statuses stay for the ledger and the statistics.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import uuid_utils
from advanced_alchemy.base import DefaultBase
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from claims.workflow import ClaimEvent, ClaimStatus

MONEY = sa.Numeric(20, 2)
"""Amounts in the currency of their row; ISK rows simply carry no decimals."""


def new_id() -> uuid.UUID:
    """UUIDv7: time-ordered, so records sort by creation and indexes stay compact."""
    return uuid.UUID(bytes=uuid_utils.uuid7().bytes)


def _in(column: str, values: Any) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


def _now() -> Any:
    return sa.DateTime(timezone=True)


IDENTIFICATION_STATUSES = ("presumed", "identified")
OUTCOMES = ("approved", "partly_approved", "rejected")
OVERPAYMENT_DECISIONS = ("recover", "waive")
HEAD_CATEGORIES = ("non_material", "material_loss", "withheld_earnings")
DOCUMENT_KINDS = ("evidence", "mandate")
PRIOR_PAYMENT_SOURCES = ("offender", "insurance", "other_scheme", "advance")


CLAIMANT_NUMBERS = sa.Sequence("claimant_reference_number", metadata=DefaultBase.metadata)
"""Numbers of claimant references (`P-2026-000045`), one sequence for every year (migration 0028).

A claimant's reference is an identifier to find her by, not an accounting number: a number taken
by a registration that then rolled back is simply never seen, and nothing counts on the numbers
being consecutive. So they come from a sequence, whose `nextval` never waits for another
transaction, instead of a counter row that every registration in every country locked until its
commit. Claim references stay gap-free (`ReferenceCounter`): a fund's register of claims is
numbered without holes, and a missing number there must be explainable; PostgreSQL numbers a
claim while its filing commits, so the counter is locked only for that (migration 0030)."""


class ReferenceCounter(DefaultBase):
    """The last number handed out per reference prefix and year (`SE-2026-000123`), gap-free:
    claims per deciding country, return-assistance applications (`RA`)."""

    __tablename__ = "claims_reference_counter"

    prefix: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    """The deciding country's code for claims, `RA` for return assistance (`P` for claimants
    until migration 0028 moved their numbers to a sequence)."""
    year: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    """Calendar year (UTC) the numbers belong to."""
    last_number: Mapped[int] = mapped_column(sa.Integer)
    """The highest number handed out so far in this prefix and year."""


class Claimant(DefaultBase):
    """A woman a legal adviser represents. Her organisation owns the record."""

    __tablename__ = "claimant"
    __table_args__ = (
        sa.CheckConstraint(_in("identification_status", IDENTIFICATION_STATUSES), name="ident"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    """Human-readable reference (`P-2026-000045`): the only way to search for her."""
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    """The legal advisers' organisation that represents her; only it sees the record."""
    subject_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("personal_data_key.subject_id", ondelete="RESTRICT"), unique=True
    )
    """Her data key in the vault; every ciphertext below is sealed with it."""
    given_names_enc: Mapped[bytes] = mapped_column(sa.LargeBinary)
    """Given names, encrypted (vault field `given_names`)."""
    family_name_enc: Mapped[bytes] = mapped_column(sa.LargeBinary)
    """Family name, encrypted (vault field `family_name`)."""
    birth_date_enc: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    """Birth date as ISO text, encrypted; NULL when unknown (a presumed victim may not know it)."""
    address_enc: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    """Postal address, encrypted."""
    phone_enc: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    """Telephone number, encrypted."""
    email_enc: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    """E-mail address, encrypted."""
    bank_account_enc: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    """Bank account (IBAN or national form) awards are paid to, encrypted."""
    statement_enc: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    """Her own account of what happened, free text, encrypted."""
    preferred_language: Mapped[str] = mapped_column(sa.String(8))
    """ISO 639-1 code of the language letters to her are written in (besides the country's)."""
    confidential_address: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    """True: her address is shown to no one but her organisation (protected residence)."""
    identification_status: Mapped[str] = mapped_column(sa.String(10))
    """`presumed` or `identified` victim of trafficking; both may claim."""
    mandate_adviser_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    """The legal adviser who holds her mandate."""
    mandate_date: Mapped[date] = mapped_column(sa.Date)
    """Date the mandate was signed."""
    mandate_scope: Mapped[list[str]] = mapped_column(sa.ARRAY(sa.String(30)))
    """What the mandate covers: `compensation`, `appeals`, `return_assistance`, `payments`."""
    created_by: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    """The adviser who registered her."""
    created_at: Mapped[datetime] = mapped_column(_now(), server_default=sa.func.now())
    """When she was registered (UTC)."""
    version: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")
    """Optimistic-concurrency version: +1 on every change; the ETag of reads."""


class Claim(DefaultBase):
    """A compensation claim for one claimant, decided by one country's fund."""

    __tablename__ = "claim"
    __table_args__ = (
        sa.CheckConstraint(_in("status", ClaimStatus), name="status_known"),
        sa.CheckConstraint(f"outcome IS NULL OR {_in('outcome', OUTCOMES)}", name="outcome_known"),
        sa.CheckConstraint("country ~ '^[A-Z]{2}$'", name="country_code"),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_code"),
        sa.CheckConstraint("paid_total >= 0", name="paid_not_negative"),
        sa.CheckConstraint("awarded_total IS NULL OR awarded_total >= 0", name="award_positive"),
        sa.CheckConstraint("confirmed_by IS NULL OR confirmed_by <> decided_by", name="four_eyes"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint(
            "overpayment_owed >= 0 AND overpayment_repaid >= 0 AND overpayment_waived >= 0",
            name="overpayment_not_negative",
        ),
        sa.CheckConstraint(
            "overpayment_waiving IS NULL OR overpayment_waiving > 0",
            name="overpayment_waiving_positive",
        ),
        sa.CheckConstraint(
            "overpayment_decision IS NULL OR " + _in("overpayment_decision", OVERPAYMENT_DECISIONS),
            name="overpayment_decision_known",
        ),
        sa.CheckConstraint(
            "overpayment_confirmed_by IS NULL "
            "OR overpayment_confirmed_by <> overpayment_decided_by",
            name="overpayment_four_eyes",
        ),
        sa.Index("ix_claim_queue", "country", "status", "submitted_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True, nullable=True)
    """Human-readable reference (`SE-2026-000123`), quoted in letters and searches; gap-free per
    country and year. Set by PostgreSQL while the filing commits (migration 0030), so NULL only
    inside the filing transaction: read it back after the commit (`claim_numbered`)."""
    claimant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("claimant.id", ondelete="RESTRICT"), index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    """The representing organisation (copied from the claimant, so scoping needs no join)."""
    country: Mapped[str] = mapped_column(sa.String(2))
    """ISO 3166 alpha-2 code of the deciding country, whose policy and fund apply."""
    currency: Mapped[str] = mapped_column(sa.String(3))
    """ISO 4217 currency the country decides and pays in; every amount of the claim is in it."""
    status: Mapped[str] = mapped_column(sa.String(30))
    """Lifecycle status (claims.workflow.ClaimStatus)."""
    version: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")
    """Optimistic-concurrency version: +1 on every change; the ETag of reads."""
    offence: Mapped[str] = mapped_column(sa.String(60))
    """Lower-case keyword of the offence (`trafficking`, `forced_labour`, ...)."""
    crime_date: Mapped[date] = mapped_column(sa.Date)
    """Date the crime was committed (its last day, for a crime over a period)."""
    crime_place: Mapped[str | None] = mapped_column(sa.String(120))
    """Municipality or region where it happened (never a street address)."""
    crime_in_country: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    """True when the crime took place in the deciding country."""
    resident_in_country: Mapped[bool | None] = mapped_column()
    """Whether she lives in the deciding country; NULL when not stated."""
    reported_to_police: Mapped[bool] = mapped_column()
    """Whether the crime was reported to the police (never a condition, only a fact)."""
    police_case_reference: Mapped[str | None] = mapped_column(sa.String(100))
    police_report_date: Mapped[date | None] = mapped_column(sa.Date)
    """When the crime was reported to the police, if it was."""
    """Police or prosecution case number, if any."""
    judgment_reference: Mapped[str | None] = mapped_column(sa.String(100))
    """Court and case number of the judgment, if any."""
    judgment_date: Mapped[date | None] = mapped_column(sa.Date)
    """Date the judgment became final, if any."""
    proceedings_end_date: Mapped[date | None] = mapped_column(sa.Date)
    """Date criminal proceedings ended without judgment, if any."""
    victim_recognition_date: Mapped[date | None] = mapped_column(sa.Date)
    """Date she was recognised (or presumed) as a victim of trafficking, if any."""
    is_minor_at_crime: Mapped[bool | None] = mapped_column()
    """Whether she was under 18 at the crime; lets the policy decide without her birth date."""
    court_awarded: Mapped[Decimal | None] = mapped_column(MONEY)
    """Damages a court ordered the offender to pay, in `currency`, if a court has decided."""
    earmarked_case: Mapped[str | None] = mapped_column(sa.String(60))
    """Confiscation case whose earmarked account pays the award; NULL: the victims' fund."""
    created_by: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    created_at: Mapped[datetime] = mapped_column(_now(), server_default=sa.func.now())
    """When the draft was created (UTC)."""
    submitted_at: Mapped[datetime | None] = mapped_column(_now())
    """When it was submitted (UTC); the age in the review queue counts from here."""
    updated_at: Mapped[datetime] = mapped_column(_now(), server_default=sa.func.now())
    """When anything on the claim last changed (UTC)."""
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    """The policy's last assessment as shown to the administrator (proposals, trace, findings)."""
    assessed_at: Mapped[datetime | None] = mapped_column(_now())
    assessed_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    second_approval_threshold: Mapped[Decimal | None] = mapped_column(MONEY)
    """Awards above this (in `currency`) need a second administrator; from the assessment."""
    no_proposal_code: Mapped[str | None] = mapped_column(sa.String(40))
    """Why the last assessment could make no proposal (`parameter-lapsed`, ...); NULL: it did."""
    no_proposal_reason: Mapped[str | None] = mapped_column(sa.Text)
    """The policy's explanation (which figure, which date): shown to her in the letter."""
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    """`approved`, `partly_approved` or `rejected`; NULL before a decision."""
    awarded_total: Mapped[Decimal | None] = mapped_column(MONEY)
    """Sum of the heads' awards, in `currency`; NULL before a decision."""
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    """The administrator's overall reasons for the decision."""
    decided_at: Mapped[datetime | None] = mapped_column(_now())
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    """The administrator who decided (first pair of eyes)."""
    confirmed_at: Mapped[datetime | None] = mapped_column(_now())
    confirmed_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    """The second, different administrator who confirmed an award above the threshold."""
    decided_before: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    """True once a decision has been confirmed: from then on the claim can no longer be
    withdrawn, only appealed."""
    award_transaction_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("ledger_transaction.id", ondelete="RESTRICT")
    )
    """The ledger transaction that reserves (pending) or books (posted) the current award."""
    letter_issued_at: Mapped[datetime | None] = mapped_column(_now())
    """When the decision was sent to her and her adviser (UTC)."""
    letter_languages: Mapped[list[str] | None] = mapped_column(sa.ARRAY(sa.String(8)))
    """Languages the decision letter was issued in (hers, then the country's)."""
    paid_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0), server_default="0")
    """Sum of the payments recorded so far, in `currency`."""
    overpayment_owed: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0), server_default="0")
    """What she owes back of payments beyond an award an appeal lowered (the posted balance of
    `receivable/overpaid/<claim>`), in `currency`."""
    overpayment_repaid: Mapped[Decimal] = mapped_column(
        MONEY, default=Decimal(0), server_default="0"
    )
    """Sum of her repayments of an overpayment."""
    overpayment_waived: Mapped[Decimal] = mapped_column(
        MONEY, default=Decimal(0), server_default="0"
    )
    """Sum of the overpayment the fund wrote off (waived)."""
    overpayment_waiving: Mapped[Decimal | None] = mapped_column(MONEY)
    """What a waiver above the threshold writes off once a second administrator confirms it (all
    she owes, or part of it); NULL when no waiver waits."""
    overpayment_decision: Mapped[str | None] = mapped_column(sa.String(10))
    """`recover` or `waive`: what the administrators decided about the overpayment."""
    overpayment_reason: Mapped[str | None] = mapped_column(sa.Text)
    overpayment_decided_at: Mapped[datetime | None] = mapped_column(_now())
    overpayment_decided_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    overpayment_confirmed_at: Mapped[datetime | None] = mapped_column(_now())
    overpayment_confirmed_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    """The second, different administrator who confirmed a waiver above the threshold."""

    heads: Mapped[list[ClaimHead]] = relationship(
        order_by="ClaimHead.position", lazy="selectin", cascade="all, delete-orphan"
    )
    prior_payments: Mapped[list[PriorPaymentRow]] = relationship(
        order_by="PriorPaymentRow.position", lazy="selectin", cascade="all, delete-orphan"
    )


class ClaimHead(DefaultBase):
    """One head of damage: what was claimed, what the policy proposed, what was awarded."""

    __tablename__ = "claim_head"
    __table_args__ = (
        sa.UniqueConstraint("claim_id", "position"),
        sa.CheckConstraint(_in("category", HEAD_CATEGORIES), name="category_known"),
        sa.CheckConstraint("amount_claimed > 0", name="claimed_positive"),
        sa.CheckConstraint("awarded IS NULL OR awarded >= 0", name="awarded_not_negative"),
        sa.CheckConstraint(
            "(category = 'material_loss' AND sub_kind IN "
            "('medical', 'property', 'lost_income', 'other')) "
            "OR (category = 'non_material' AND (sub_kind IS NULL OR sub_kind IN "
            "('pain_and_suffering', 'violation', 'permanent_injury'))) "
            "OR (category = 'withheld_earnings' AND sub_kind IS NULL)",
            name="sub_kind",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    claim_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("claim.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    """0-based order of the head in the claim."""
    category: Mapped[str] = mapped_column(sa.String(30))
    """`non_material`, `material_loss` or `withheld_earnings`."""
    sub_kind: Mapped[str | None] = mapped_column(sa.String(30))
    """For material loss: `medical`, `property`, `lost_income` or `other`."""
    amount_claimed: Mapped[Decimal] = mapped_column(MONEY)
    """Amount claimed for this head, in `currency`."""
    currency: Mapped[str] = mapped_column(sa.String(3))
    """ISO 4217 currency of the amounts of this head (the country's)."""
    proposed: Mapped[Decimal | None] = mapped_column(MONEY)
    """The policy's proposal at the last assessment, in `currency`."""
    awarded: Mapped[Decimal | None] = mapped_column(MONEY)
    """The administrator's award, in `currency`; NULL before a decision."""
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    """Why this head was awarded less than claimed or departs from the proposal."""


class PriorPaymentRow(DefaultBase):
    """Money she already received for this crime (offender, insurance, another scheme)."""

    __tablename__ = "claim_prior_payment"
    __table_args__ = (
        sa.UniqueConstraint("claim_id", "position"),
        sa.CheckConstraint(_in("source", PRIOR_PAYMENT_SOURCES), name="source_known"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    claim_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("claim.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    """0-based order in the claim."""
    source: Mapped[str] = mapped_column(sa.String(20))
    """`offender`, `insurance`, `other_scheme` or `advance`."""
    amount: Mapped[Decimal] = mapped_column(MONEY)
    """Amount received, in `currency`."""
    currency: Mapped[str] = mapped_column(sa.String(3))
    """ISO 4217 currency of `amount`."""
    category: Mapped[str | None] = mapped_column(sa.String(30))
    """Head of damage the payment was for; NULL when not earmarked."""


class ClaimTransition(DefaultBase):
    """One step of a claim's lifecycle: who, when, why. Append-only by convention of the code."""

    __tablename__ = "claim_transition"
    __table_args__ = (
        sa.CheckConstraint(_in("event", ClaimEvent), name="event_known"),
        sa.Index("ix_claim_transition_claim", "claim_id", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    claim_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("claim.id", ondelete="RESTRICT"))
    event: Mapped[str] = mapped_column(sa.String(30))
    """The event (claims.workflow.ClaimEvent)."""
    from_status: Mapped[str | None] = mapped_column(sa.String(30))
    """Status before; NULL for the creation of the draft."""
    to_status: Mapped[str] = mapped_column(sa.String(30))
    """Status after."""
    actor_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    """Who took the step."""
    occurred_at: Mapped[datetime] = mapped_column(_now(), server_default=sa.func.now())
    """When (UTC; the transaction's start time)."""
    reason: Mapped[str | None] = mapped_column(sa.Text)
    """Why, in the actor's words."""
    version: Mapped[int] = mapped_column(sa.Integer)
    """The claim's version after the step."""
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(20, 2))
    """For an overpayment's steps: what was found overpaid, waived or repaid, in the claim's
    currency; NULL for the other steps."""


class InformationRequest(DefaultBase):
    """An administrator's question about a claim, and the adviser's answer."""

    __tablename__ = "claim_information_request"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    claim_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("claim.id", ondelete="RESTRICT"), index=True
    )
    question: Mapped[str] = mapped_column(sa.Text)
    """What the administrator needs to know (written to be sent to the adviser)."""
    due_date: Mapped[date | None] = mapped_column(sa.Date)
    """By when an answer is hoped for; a late answer is still accepted."""
    requested_by: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    requested_at: Mapped[datetime] = mapped_column(_now(), server_default=sa.func.now())
    answer_enc: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    """The adviser's answer, encrypted with the claimant's key (it may hold her data)."""
    answered_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    answered_at: Mapped[datetime | None] = mapped_column(_now())


class Document(DefaultBase):
    """An evidence file of a claim, or a claimant's mandate; content stored encrypted."""

    __tablename__ = "claim_document"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", DOCUMENT_KINDS), name="kind_known"),
        sa.CheckConstraint(
            "media_type IN ('application/pdf', 'image/jpeg', 'image/png')", name="media_type"
        ),
        sa.CheckConstraint("(kind = 'evidence') = (claim_id IS NOT NULL)", name="evidence_claim"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    claimant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("claimant.id", ondelete="RESTRICT"), index=True
    )
    """Whose document it is (her key encrypts it)."""
    claim_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("claim.id", ondelete="RESTRICT"), index=True
    )
    """The claim it is evidence for; NULL for a mandate."""
    kind: Mapped[str] = mapped_column(sa.String(20))
    """`evidence` or `mandate`."""
    media_type: Mapped[str] = mapped_column(sa.String(40))
    """Type found from the content's magic bytes (not the name or the header sent)."""
    size_bytes: Mapped[int] = mapped_column(sa.Integer)
    """Size of the clear content, in bytes."""
    sha256: Mapped[str] = mapped_column(sa.String(64))
    """Hex SHA-256 of the clear content, to prove later that a file is the one received."""
    filename_enc: Mapped[bytes] = mapped_column(sa.LargeBinary)
    """File name as uploaded, encrypted (names of files often carry names of people)."""
    content_enc: Mapped[bytes] = mapped_column(sa.LargeBinary)
    """The content, encrypted with the claimant's key."""
    uploaded_by: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    uploaded_at: Mapped[datetime] = mapped_column(_now(), server_default=sa.func.now())


class Payment(DefaultBase):
    """One payment of an award to the claimant, with the ledger transaction that records it."""

    __tablename__ = "claim_payment"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    claim_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("claim.id", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(MONEY)
    """Amount paid, in `currency`."""
    currency: Mapped[str] = mapped_column(sa.String(3))
    """ISO 4217 currency of the payment (the claim's)."""
    paid_on: Mapped[date] = mapped_column(sa.Date)
    """Value date of the bank transfer."""
    bank_reference: Mapped[str | None] = mapped_column(sa.String(100))
    """The bank's reference of the transfer."""
    transaction_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("ledger_transaction.id", ondelete="RESTRICT")
    )
    """The posted ledger transaction `Dr payable/award  Cr bank`."""
    recorded_by: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    recorded_at: Mapped[datetime] = mapped_column(_now(), server_default=sa.func.now())


class Repayment(DefaultBase):
    """Money she paid back of an overpayment, with the ledger transaction that records it."""

    __tablename__ = "claim_repayment"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    claim_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("claim.id", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(sa.String(3))
    repaid_on: Mapped[date] = mapped_column(sa.Date)
    """Value date of her transfer to the fund."""
    reference: Mapped[str] = mapped_column(sa.String(100))
    """The bank's reference of her transfer."""
    transaction_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("ledger_transaction.id", ondelete="RESTRICT")
    )
    """The posted ledger transaction `Dr bank  Cr receivable/overpaid`."""
    recorded_by: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    recorded_at: Mapped[datetime] = mapped_column(_now(), server_default=sa.func.now())

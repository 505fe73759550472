"""Return-assistance tables: the application, the records before approval (consent, risk and
needs assessments), the disbursement schedule and the follow-ups after her return.

Her bank details and those of the receiving organisation, her consent document and the notes
about her situation are sealed with her own data key (the claimant's `subject_id`): erasing her
erases them, while amounts, dates and statuses stay for the ledger and the statistics.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from advanced_alchemy.base import DefaultBase
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from claims.models import MONEY, new_id
from claims.returns.plan import RecordKind, ReturnStatus

RATE = sa.Numeric(20, 10)
"""Exchange rates: units of the fund's currency per one unit of the payee's."""

INSTALMENT_STATUSES = ("reserved", "paid", "voided")
RISK_LEVELS = ("low", "medium", "high")
CAPACITIES = ("adequate", "limited", "insufficient")


def _in(column: str, values: Any) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


def _when() -> Any:
    return sa.DateTime(timezone=True)


class ReturnApplication(DefaultBase):
    """An application for a safe, voluntary return, filed by her legal adviser."""

    __tablename__ = "return_application"
    __table_args__ = (
        sa.CheckConstraint(_in("status", ReturnStatus), name="status_known"),
        sa.CheckConstraint("country <> return_country", name="returns_elsewhere"),
        sa.CheckConstraint("adults >= 1 AND children >= 0", name="travellers"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint(
            "approved_by IS NULL OR risk_confirmed_by IS NULL OR approved_by <> risk_confirmed_by",
            name="four_eyes",
        ),
        sa.Index("ix_return_application_queue", "country", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    """Human-readable reference (`RA-2026-000007`)."""
    claimant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("claimant.id", ondelete="RESTRICT"), index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    """Her representing organisation (copied from the claimant, so scoping needs no join)."""
    country: Mapped[str] = mapped_column(sa.String(2))
    """The paying country: where the exploitation took place; its fund and policy apply."""
    currency: Mapped[str] = mapped_column(sa.String(3))
    """The paying fund's currency; entitlement and reservations are in it."""
    return_country: Mapped[str] = mapped_column(sa.String(2))
    """ISO 3166 alpha-2 code of the country she returns to."""
    return_town: Mapped[str] = mapped_column(sa.String(120))
    """Town or municipality of return (never a street address)."""
    adults: Mapped[int] = mapped_column(sa.SmallInteger)
    children: Mapped[int] = mapped_column(sa.SmallInteger)
    """Accompanying children who return with her."""
    planned_on: Mapped[date] = mapped_column(sa.Date)
    """Planned date of departure; one-off items fall due on it, monthly ones after it."""
    receiving_name: Mapped[str] = mapped_column(sa.String(200))
    """The receiving organisation in the country of return (a service, not a person)."""
    receiving_country: Mapped[str] = mapped_column(sa.String(2))
    payee_currency: Mapped[str] = mapped_column(sa.String(3))
    """ISO 4217 currency the receiving organisation is paid in."""
    receiving_bank_enc: Mapped[bytes] = mapped_column(sa.LargeBinary)
    """The receiving organisation's bank account, sealed with her key (it locates her)."""
    requested: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    """Requested items: `{item, amount, currency}`, amounts in `currency`."""
    granted: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    """The policy's entitlement per item (last computed at filing, then at approval)."""
    granted_total: Mapped[Decimal] = mapped_column(MONEY)
    """Sum of the granted items, in `currency`."""
    status: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")
    """Optimistic-concurrency version: +1 on every change; the ETag of reads."""
    created_by: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    created_at: Mapped[datetime] = mapped_column(_when())
    updated_at: Mapped[datetime] = mapped_column(_when())
    risk_confirmed_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    """The administrator who confirmed the written justification of a high risk level."""
    risk_confirmed_at: Mapped[datetime | None] = mapped_column(_when())
    approved_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    approved_at: Mapped[datetime | None] = mapped_column(_when())
    approval_rate: Mapped[Decimal | None] = mapped_column(RATE)
    """Rate at which the schedule was converted into the payee's currency at approval."""
    approval_rate_source: Mapped[str | None] = mapped_column(sa.String(200))
    approval_rate_date: Mapped[date | None] = mapped_column(sa.Date)
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    """Why the application was last paused or stopped (never her words about herself)."""
    status_changed_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    status_changed_at: Mapped[datetime | None] = mapped_column(_when())

    instalments: Mapped[list[ReturnInstalment]] = relationship(
        order_by="ReturnInstalment.position", lazy="selectin"
    )
    records: Mapped[list[ReturnRecord]] = relationship(
        order_by="ReturnRecord.recorded_at", lazy="selectin"
    )
    follow_ups: Mapped[list[ReturnFollowUp]] = relationship(
        order_by="ReturnFollowUp.contact_on", lazy="selectin"
    )


class ReturnRecord(DefaultBase):
    """A record approval depends on, with who, when and the outcome. Append-only: a new
    assessment supersedes the earlier one of its kind; a withdrawal is a new consent record."""

    __tablename__ = "return_record"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", RecordKind), name="kind_known"),
        sa.CheckConstraint(
            "kind <> 'consent' OR outcome IN ('given', 'withdrawn')", name="consent_outcome"
        ),
        sa.CheckConstraint(
            f"kind <> 'risk_assessment' OR {_in('outcome', RISK_LEVELS)}", name="risk_outcome"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    application_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("return_application.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40))
    """`consent`, `risk_assessment`, `needs_assessment` or `risk_justification_confirmation`."""
    outcome: Mapped[str] = mapped_column(sa.String(20))
    """Consent: `given` or `withdrawn`; risk: the level; needs: `assessed`; confirmation:
    `confirmed`."""
    details: Mapped[dict[str, Any]] = mapped_column(JSONB)
    """The record's findings (flags and levels only, never free text about her)."""
    notes_enc: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    """Free text (justification, notes), sealed with her key."""
    document_media_type: Mapped[str | None] = mapped_column(sa.String(40))
    document_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    """Hex SHA-256 of the signed consent document, to prove later it is the one received."""
    document_enc: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    """The signed consent document, sealed with her key."""
    recorded_by: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    recorded_at: Mapped[datetime] = mapped_column(_when())


class ReturnInstalment(DefaultBase):
    """One payment of the schedule: reserved at approval, then paid or voided."""

    __tablename__ = "return_instalment"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "position"),
        sa.CheckConstraint(_in("status", INSTALMENT_STATUSES), name="status_known"),
        sa.CheckConstraint("amount > 0 AND payee_amount > 0", name="amount_positive"),
        sa.CheckConstraint(
            "(status = 'paid') = (payment_transaction_id IS NOT NULL)", name="paid_has_payment"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    application_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("return_application.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    """1-based order in the schedule."""
    due_on: Mapped[date] = mapped_column(sa.Date)
    items: Mapped[list[str]] = mapped_column(sa.ARRAY(sa.String(30)))
    """The items this instalment pays for."""
    amount: Mapped[Decimal] = mapped_column(MONEY)
    """Reserved from the fund, in the application's `currency`."""
    payee_amount: Mapped[Decimal] = mapped_column(MONEY)
    """What the receiving organisation receives, in `payee_currency`."""
    payee_currency: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[str] = mapped_column(sa.String(10))
    reservation_transaction_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("ledger_transaction.id", ondelete="RESTRICT")
    )
    payment_transaction_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("ledger_transaction.id", ondelete="RESTRICT")
    )
    paid_on: Mapped[date | None] = mapped_column(sa.Date)
    paid_fund_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    """What left the fund's bank for it, in `currency`, at the payment's rate."""
    rate: Mapped[Decimal | None] = mapped_column(RATE)
    rate_source: Mapped[str | None] = mapped_column(sa.String(200))
    rate_date: Mapped[date | None] = mapped_column(sa.Date)
    bank_reference: Mapped[str | None] = mapped_column(sa.String(100))
    paid_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    settled_at: Mapped[datetime | None] = mapped_column(_when())
    """When it was paid or voided."""


class ReturnFollowUp(DefaultBase):
    """A contact after her return: whether it was made, her situation, whether she is safe."""

    __tablename__ = "return_follow_up"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    application_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("return_application.id", ondelete="RESTRICT"), index=True
    )
    contact_on: Mapped[date] = mapped_column(sa.Date)
    contact_made: Mapped[bool] = mapped_column()
    safe: Mapped[bool | None] = mapped_column()
    """Whether she is safe; NULL when no contact was made."""
    situation_enc: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    """Her situation in the caseworker's words, sealed with her key."""
    recorded_by: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    recorded_at: Mapped[datetime] = mapped_column(_when())

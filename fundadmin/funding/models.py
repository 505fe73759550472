"""Money coming into the funds and leaving the support-services fund, as records of their own.

Each record points at the one ledger transaction that moved its money; the ledger holds amounts,
these tables hold what the books do not: the court, the case, the organisation, the offender's
name (ciphertext only).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from advanced_alchemy.base import DefaultBase
from sqlalchemy.orm import Mapped, mapped_column

from fundadmin.ids import new_id

MOVEMENT_KINDS = ("appropriation", "recovery", "grant")


class ConfiscationOrder(DefaultBase):
    """A court's order confiscating criminal assets in one case."""

    __tablename__ = "confiscation_order"
    __table_args__ = (
        sa.CheckConstraint("estimated_value >= 0", name="estimated_value_not_negative"),
        sa.Index("ix_confiscation_order_country_case", "country", "case_reference"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    country: Mapped[str] = mapped_column(sa.String(2))
    """ISO 3166 alpha-2 code of the fund the assets go to."""
    court: Mapped[str] = mapped_column(sa.String(200))
    """The court that ordered the confiscation."""
    case_reference: Mapped[str] = mapped_column(sa.String(60))
    """The court's case number; its victims' earmarked account is `<country>/earmarked/<case>`."""
    ordered_on: Mapped[date] = mapped_column(sa.Date)
    """Date of the order."""
    description: Mapped[str] = mapped_column(sa.String(2000))
    """What was confiscated (property, vehicles, accounts); never a person's name."""
    estimated_value: Mapped[Decimal] = mapped_column(sa.Numeric)
    """The court's estimate, in `currency`; what is realised may differ."""
    currency: Mapped[str] = mapped_column(sa.String(3))
    """ISO 4217 currency of the estimate."""
    version: Mapped[int] = mapped_column(default=1)
    """Grows by one with each realisation: the order's ETag."""
    created_by: Mapped[uuid.UUID]
    """The administrator who recorded the order (user id)."""
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    """Business time of the recording."""


class Realisation(DefaultBase):
    """Cash actually received from confiscated assets, split in one ledger transaction."""

    __tablename__ = "confiscation_realisation"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    confiscation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("confiscation_order.id", ondelete="RESTRICT"), index=True
    )
    received_on: Mapped[date] = mapped_column(sa.Date)
    """The day the cash reached the fund's bank (the transaction's effective date)."""
    amount: Mapped[Decimal] = mapped_column(sa.Numeric)
    """Cash received, in the fund's currency."""
    currency: Mapped[str] = mapped_column(sa.String(3))
    case_victims: Mapped[Decimal] = mapped_column(sa.Numeric)
    """Part earmarked for the case's victims."""
    victims_fund: Mapped[Decimal] = mapped_column(sa.Numeric)
    """Part to the victims' fund."""
    support_services: Mapped[Decimal] = mapped_column(sa.Numeric)
    """Part to the victim-support services fund."""
    policy_reference: Mapped[str] = mapped_column(sa.String(500))
    """The legal or fund rule the split followed."""
    release_due_on: Mapped[date] = mapped_column(sa.Date)
    """From this day, what is left of the earmark may be released to the victims' fund."""
    transaction_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("ledger_transaction.id", ondelete="RESTRICT"), unique=True
    )
    created_by: Mapped[uuid.UUID]
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class FundMovement(DefaultBase):
    """A state appropriation, a recovery from an offender, or a grant to a support service."""

    __tablename__ = "fund_movement"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('appropriation', 'recovery', 'grant')", name="kind_known"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint(
            "(kind = 'recovery') = (court_reference IS NOT NULL)", name="recovery_has_court"
        ),
        sa.CheckConstraint("(kind = 'grant') = (organisation IS NOT NULL)", name="grant_has_ngo"),
        sa.Index("ix_fund_movement_country_kind_date", "country", "kind", "effective_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    country: Mapped[str] = mapped_column(sa.String(2))
    kind: Mapped[str] = mapped_column(sa.String(20))
    """appropriation, recovery or grant (the ledger transaction has the same kind)."""
    effective_date: Mapped[date] = mapped_column(sa.Date)
    amount: Mapped[Decimal] = mapped_column(sa.Numeric)
    """In the fund's currency."""
    currency: Mapped[str] = mapped_column(sa.String(3))
    reference: Mapped[str] = mapped_column(sa.String(200))
    """Budget act and line (appropriation), payment reference (recovery), grant decision (grant)."""
    purpose: Mapped[str] = mapped_column(sa.String(500), default="")
    """What the money is for, in words for the books; no personal data."""
    organisation: Mapped[str | None] = mapped_column(sa.String(200))
    """A grant's recipient: the named NGO or support service."""
    court_reference: Mapped[str | None] = mapped_column(sa.String(100))
    """A recovery's court and case number of the judgment against the offender."""
    case_reference: Mapped[str | None] = mapped_column(sa.String(60))
    """A recovery's confiscation or criminal case, if any."""
    claim_id: Mapped[uuid.UUID | None]
    """A recovery's claim, if it is recovered for one."""
    offender_subject_id: Mapped[uuid.UUID | None]
    """The vault subject whose key encrypts the offender's name (erasable on its own)."""
    offender_name: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    """AES-GCM ciphertext of the offender's name; never stored in clear."""
    transaction_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("ledger_transaction.id", ondelete="RESTRICT"), unique=True
    )
    created_by: Mapped[uuid.UUID]
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class EarmarkRelease(DefaultBase):
    """Earmarked money of a case released to the victims' fund, with why."""

    __tablename__ = "earmark_release"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    country: Mapped[str] = mapped_column(sa.String(2))
    case_reference: Mapped[str] = mapped_column(sa.String(60))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric)
    currency: Mapped[str] = mapped_column(sa.String(3))
    released_on: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.String(1000))
    """Why: the period that ran out, the realisations it covered, the rule applied."""
    transaction_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("ledger_transaction.id", ondelete="RESTRICT"), unique=True
    )
    released_by: Mapped[str] = mapped_column(sa.String(200))
    """`user:<id>` for an administrator, `command` for the command line or a job."""
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

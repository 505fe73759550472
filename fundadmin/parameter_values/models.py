"""Parameter values entered at run time: a dated figure with its legal source, entered by one
administrator of the country and confirmed by another.

A value is immutable once confirmed or rejected, and no row is ever deleted (migration 0009's
trigger enforces both): a correction is a new value.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from advanced_alchemy.base import DefaultBase
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

STATUSES = ("pending", "confirmed", "rejected")


class EnteredParameterValue(DefaultBase):
    """One value of a country's parameter, entered at run time."""

    __tablename__ = "parameter_value"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'confirmed', 'rejected')", name="status"),
        sa.CheckConstraint("length(btrim(legal_source)) > 0", name="legal_source_given"),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_by IS NULL AND decided_at IS NULL)",
            name="decided_when_not_pending",
        ),
        sa.CheckConstraint("decided_by IS NULL OR decided_by <> entered_by", name="four_eyes"),
        sa.Index("ix_parameter_value_country_name", "country", "name", "effective_from"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2))
    """ISO 3166-1 alpha-2 code of the country whose policy reads the value."""
    name: Mapped[str] = mapped_column(sa.String(80))
    """The parameter's name in the country's data file (e.g. `grunnbelop`)."""
    effective_from: Mapped[date] = mapped_column(sa.Date)
    """From this date the value takes precedence over the packaged one, until the next value."""
    value: Mapped[Any] = mapped_column(JSONB)
    """Amounts as decimal strings (never floats), flags as booleans, lists as string lists."""
    legal_source: Mapped[str] = mapped_column(sa.Text)
    """The regulation, decision or publication that sets the figure."""
    source_document: Mapped[str | None] = mapped_column(sa.Text)
    """Where the source can be read: a URL or a document reference."""
    note: Mapped[str | None] = mapped_column(sa.Text)
    entered_by: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    entered_by_name: Mapped[str] = mapped_column(sa.String(120))
    """The entering administrator's user name, as shown with the value."""
    entered_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    status: Mapped[str] = mapped_column(sa.String(10))
    """`pending` until a second administrator confirms or rejects it."""
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    """The second, different administrator who confirmed or rejected it."""
    decided_by_name: Mapped[str | None] = mapped_column(sa.String(120))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    """Why it was rejected (required then)."""

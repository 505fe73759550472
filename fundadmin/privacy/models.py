"""Erasure requests, legal holds and retention runs: what was asked, by whom, and what was done.

None of these tables holds a personal value: they name the claimant by id, and the people who
acted by their user ids.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from advanced_alchemy.base import DefaultBase
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from claims.models import new_id

ERASURE_STATUSES = ("awaiting_confirmation", "scheduled", "erased", "cancelled")
OPEN_ERASURE_STATUSES = ("awaiting_confirmation", "scheduled")
ERASURE_BASES = ("request", "retention")
HOLD_KINDS = ("court_case", "investigation", "other")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ErasureRequest(DefaultBase):
    """Her request to be forgotten (Art. 17), or the retention job's erasure of her data."""

    __tablename__ = "erasure_request"
    __table_args__ = (
        sa.CheckConstraint(_in("status", ERASURE_STATUSES), name="status_known"),
        sa.CheckConstraint(_in("basis", ERASURE_BASES), name="basis_known"),
        sa.CheckConstraint("(basis = 'request') = (requested_by IS NOT NULL)", name="requester"),
        sa.CheckConstraint(
            "confirmed_by IS NULL OR confirmed_by <> requested_by", name="four_eyes"
        ),
        sa.CheckConstraint("(status = 'erased') = (erased_at IS NOT NULL)", name="erased_when"),
        # Four eyes in the database too: a request is carried out only once confirmed.
        sa.CheckConstraint(
            "status NOT IN ('scheduled', 'erased') OR basis = 'retention' "
            "OR confirmed_by IS NOT NULL",
            name="confirmed_first",
        ),
        # One open request per claimant: a second one (or a racing duplicate) is refused.
        sa.Index(
            "uq_erasure_request_open",
            "claimant_id",
            unique=True,
            postgresql_where=sa.text(_in("status", OPEN_ERASURE_STATUSES)),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    claimant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("claimant.id", ondelete="RESTRICT"), index=True
    )
    """Whose data is to be erased."""
    basis: Mapped[str] = mapped_column(sa.String(20))
    """`request` (hers, recorded by her adviser or an administrator) or `retention` (the job)."""
    status: Mapped[str] = mapped_column(sa.String(30))
    """`awaiting_confirmation`, `scheduled` (confirmed, waiting for a legal ground to end),
    `erased` or `cancelled`."""
    countries: Mapped[list[str]] = mapped_column(ARRAY(sa.String(2)))
    """ISO 3166 codes whose administrators may confirm: the countries of her claims."""
    received_on: Mapped[date | None] = mapped_column(sa.Date)
    """The day she made her request (the one-month clock of Art. 12(3) runs from it)."""
    when_free: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    """True: if the law requires keeping her data now, erase it as soon as that ends."""
    kept_for: Mapped[list[str]] = mapped_column(ARRAY(sa.String(30)), server_default="{}")
    """The legal grounds found at the last check (`open_appeal`, `pending_payment`, ...)."""
    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    """Her adviser or the administrator who recorded it; NULL for the retention job."""
    requested_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    """When it was recorded (business clock, UTC)."""
    confirmed_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    """The second person, an administrator, who confirmed it."""
    confirmed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    erased_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    """When her data key was destroyed (business clock, UTC)."""
    cancelled_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    cancelled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    version: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")
    """Optimistic-concurrency version: +1 on every change; the ETag of reads."""


class LegalHold(DefaultBase):
    """A reason the law requires keeping her data (a court case): erasure waits until lifted."""

    __tablename__ = "legal_hold"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", HOLD_KINDS), name="kind_known"),
        sa.CheckConstraint("(lifted_at IS NULL) = (lifted_by IS NULL)", name="lifted_by_whom"),
        sa.CheckConstraint("(lifted_at IS NULL) = (lift_reason IS NULL)", name="lifted_why"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    claimant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("claimant.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    """`court_case`, `investigation` or `other`."""
    reason: Mapped[str] = mapped_column(sa.Text)
    """Why (court and case number, authority's request): a reference, not her data."""
    country: Mapped[str] = mapped_column(sa.String(2))
    """ISO 3166 code of the administrator's country that placed it."""
    placed_by: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    placed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    lifted_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    lifted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    lift_reason: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")
    """Optimistic-concurrency version: +1 on every change; the ETag of reads."""


class RetentionRun(DefaultBase):
    """One run of the retention job: counts only, never a name or an id of a person."""

    __tablename__ = "retention_run"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    ran_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    """When it ran (business clock, UTC); periods are counted to this day."""
    erased: Mapped[int] = mapped_column(sa.Integer)
    """Claimants whose data it erased (retention due, or a scheduled request now free)."""
    held: Mapped[int] = mapped_column(sa.Integer)
    """Claimants due but kept under a legal hold."""
    kept: Mapped[int] = mapped_column(sa.Integer)
    """Claimants due but kept for another legal ground (an appeal, a payment)."""
    by_country: Mapped[dict[str, Any]] = mapped_column(JSONB)
    """`{"SE": {"erased": 2, "held": 1, "kept": 0, "months": 120, "verified": false}}`."""

"""The reports' summaries: tables only PostgreSQL writes, in the same transaction as the postings
and claim changes they summarise (migration 0027's triggers), so a report reads a few narrow
rows instead of every posting and claim. Tests prove they equal a recomputation from the base
tables (`tests/reports/test_summaries.py`)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from advanced_alchemy.base import DefaultBase
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column


class FundMonthlyParty(DefaultBase):
    """That a posted transaction moved `fund` (or `*`: any fund) of `country` for `party` in a
    month: the claim, application or case it references, else the transaction itself. The number
    of parties behind a report's cell is a count of these rows."""

    __tablename__ = "fund_monthly_party"
    __table_args__ = (sa.CheckConstraint("extract(day FROM month) = 1", name="month_first_day"),)

    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    """The transactions' kind (`ledger.EntryKind`)."""
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    """First day of the month of the transactions' effective date."""
    fund: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    party: Mapped[str] = mapped_column(sa.Text(collation="C"), primary_key=True)


class ClaimStatistic(DefaultBase):
    """The facts a claim adds to the claim statistics: its UTC days of submission, decision,
    first payment, latest withdrawal and letter, its outcome, and per head category the sum of
    its heads' positive awards. Recomputed from the claim's tables whenever one of them changes
    for that claim; reports count these rows, never name a claim."""

    __tablename__ = "claim_statistic"

    claim_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("claim.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(sa.String(2), index=True)
    submitted: Mapped[date | None] = mapped_column(sa.Date)
    decided: Mapped[date | None] = mapped_column(sa.Date)
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    paid: Mapped[date | None] = mapped_column(sa.Date)
    withdrawn: Mapped[date | None] = mapped_column(sa.Date)
    letter: Mapped[date | None] = mapped_column(sa.Date)
    awarded: Mapped[dict[str, Any]] = mapped_column(JSONB)


class ClaimStatisticTotal(DefaultBase):
    """The claim statistics summed from `claim_statistic`: per country, line (`received`,
    `decided`, `decided_<outcome>`, `paid`, `withdrawn`, `award:<head category>`), month of the
    day it happened and, for `decided` and `paid`, days from submission, the number of claims
    (and for awards their amount). A histogram with exact counts: any quarter's or year's count,
    median and 90th percentile follow exactly from its months. A cell whose claims fell to zero
    is kept (readers skip it)."""

    __tablename__ = "claim_statistic_total"
    __table_args__ = (
        sa.UniqueConstraint(
            "country",
            "line",
            "month",
            "days",
            name="uq_claim_statistic_total_cell",
            postgresql_nulls_not_distinct=True,
        ),
        sa.CheckConstraint("extract(day FROM month) = 1", name="month_first_day"),
    )
    __mapper_args__ = {"primary_key": ["country", "line", "month", "days"]}

    country: Mapped[str] = mapped_column(sa.String(2))
    line: Mapped[str] = mapped_column(sa.String(60))
    month: Mapped[date] = mapped_column(sa.Date)
    days: Mapped[int | None] = mapped_column(sa.Integer)
    claims: Mapped[int] = mapped_column(sa.Integer)
    amount: Mapped[Decimal] = mapped_column(sa.Numeric)

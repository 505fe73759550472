"""Issued letters: immutable once stored (a corrected decision adds a version, never edits one).

The PDF is stored encrypted with the claimant's own data key, like her documents: erasing her
makes the content unreadable, while the row (hash, code, date, authority) still answers a
verification.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from advanced_alchemy.base import DefaultBase
from sqlalchemy.orm import Mapped, mapped_column

from claims.models import new_id


class ClaimLetter(DefaultBase):
    """One letter of a claim (every language in one PDF): the decision letter, or a letter about
    an overpayment (waived, or to be paid back)."""

    __tablename__ = "claim_letter"
    __table_args__ = (
        sa.UniqueConstraint("claim_id", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256_hex"),
        sa.CheckConstraint(
            "kind IN ('decision', 'overpayment_waiver', 'repayment_plan')", name="kind_known"
        ),
        sa.UniqueConstraint(
            "claim_id", "kind", "claim_version", name="uq_claim_letter_answers_once"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    claim_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("claim.id", ondelete="RESTRICT"), index=True
    )
    claimant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("claimant.id", ondelete="RESTRICT")
    )
    """Whose letter it is (her key encrypts the content)."""
    version: Mapped[int] = mapped_column(sa.SmallInteger)
    """1 for the first letter of the claim; each later letter (a corrected decision's, an
    overpayment's) adds one."""
    kind: Mapped[str] = mapped_column(sa.String(24), default="decision", server_default="decision")
    """`decision`, `overpayment_waiver` or `repayment_plan` (see LetterKind)."""
    claim_version: Mapped[int | None] = mapped_column(sa.Integer)
    """For an overpayment letter: the claim's version it answers (it is stored once)."""
    country: Mapped[str] = mapped_column(sa.String(2))
    """ISO 3166 alpha-2 code of the deciding country."""
    authority: Mapped[str] = mapped_column(sa.String(200))
    """The deciding authority named in the letterhead (what verification tells a third party)."""
    languages: Mapped[list[str]] = mapped_column(sa.ARRAY(sa.String(8)))
    """Languages of the letter's sections, in order (hers first)."""
    issued_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    """The letter's date (business clock, UTC)."""
    sha256: Mapped[str] = mapped_column(sa.String(64))
    """Hex SHA-256 of the PDF, so anyone holding it can prove it is the one issued."""
    verification_code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    """Printed in the footer; 120 random bits, so a code cannot be guessed."""
    size_bytes: Mapped[int] = mapped_column(sa.Integer)
    """Size of the PDF, in bytes."""
    content_enc: Mapped[bytes] = mapped_column(sa.LargeBinary)
    """The PDF, encrypted with the claimant's key (vault field `letter`)."""

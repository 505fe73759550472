"""letters: issued decision letters, immutable, with hash and verification code

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    guid = advanced_alchemy.types.guid.GUID(length=16)
    op.create_table(
        "claim_letter",
        sa.Column("id", guid, nullable=False),
        sa.Column("claim_id", guid, nullable=False),
        sa.Column("claimant_id", guid, nullable=False),
        sa.Column("version", sa.SmallInteger(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("languages", sa.ARRAY(sa.String(length=8)), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("verification_code", sa.String(length=40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content_enc", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_claim_letter_version_positive")),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name=op.f("ck_claim_letter_sha256_hex")),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
            name=op.f("fk_claim_letter_claim_id_claim"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["claimant_id"],
            ["claimant.id"],
            name=op.f("fk_claim_letter_claimant_id_claimant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_letter")),
        sa.UniqueConstraint("claim_id", "version", name=op.f("uq_claim_letter_claim_id")),
        sa.UniqueConstraint("verification_code", name=op.f("uq_claim_letter_verification_code")),
    )
    op.create_index(op.f("ix_claim_letter_claim_id"), "claim_letter", ["claim_id"], unique=False)
    # An issued letter is evidence of what she was told: whatever talks to the database, it is
    # never changed or removed (a corrected decision adds a version).
    op.execute(
        "CREATE TRIGGER claim_letter_append_only BEFORE UPDATE OR DELETE ON claim_letter "
        "FOR EACH ROW EXECUTE FUNCTION claims_refuse_change()"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_claim_letter_claim_id"), table_name="claim_letter")
    op.drop_table("claim_letter")

"""letters: a claim's letters have a kind; the overpayment's waiver and repayment plan are letters

Revision ID: 0022
Revises: 0021

Besides the decision letter, a claim now has the letter telling her an overpayment was waived
and the letter asking her to pay one back. They share the claim's version numbers (so
`/letters/{n}` still names one letter); `claim_version` is the claim's version the letter
answers, so a job retried after its commit cannot store the same letter twice.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "claim_letter",
        sa.Column("kind", sa.String(24), nullable=False, server_default="decision"),
    )
    op.add_column("claim_letter", sa.Column("claim_version", sa.Integer(), nullable=True))
    op.create_check_constraint(
        op.f("ck_claim_letter_kind_known"),
        "claim_letter",
        "kind IN ('decision', 'overpayment_waiver', 'repayment_plan')",
    )
    op.create_unique_constraint(
        op.f("uq_claim_letter_answers_once"), "claim_letter", ["claim_id", "kind", "claim_version"]
    )


def downgrade() -> None:
    op.drop_constraint(op.f("uq_claim_letter_answers_once"), "claim_letter", type_="unique")
    op.drop_constraint(op.f("ck_claim_letter_kind_known"), "claim_letter", type_="check")
    op.drop_column("claim_letter", "claim_version")
    op.drop_column("claim_letter", "kind")

"""claims: claimant references are numbered by a sequence, not by a locked counter row

Revision ID: 0028
Revises: 0027

Every claimant registration, in every country, took the `P` row of `claims_reference_counter`
and kept it locked until its commit, so registrations queued behind each other (under load,
for seconds, ending in 503s). A claimant's reference is an identifier, where gaps are harmless
(claims/models.py `CLAIMANT_NUMBERS`): one sequence now numbers them across the years, starting
after the highest number handed out in any year, so no new reference can repeat an old one.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE SEQUENCE claimant_reference_number AS bigint MINVALUE 1")
    op.execute(
        "SELECT setval('claimant_reference_number', last_number) FROM ("
        " SELECT max(last_number) AS last_number FROM claims_reference_counter"
        " WHERE prefix = 'P') AS highest WHERE last_number IS NOT NULL"
    )
    op.execute("DELETE FROM claims_reference_counter WHERE prefix = 'P'")


def downgrade() -> None:
    # Each year's counter continues after the highest number its references carry.
    op.execute(
        "INSERT INTO claims_reference_counter (prefix, year, last_number) "
        "SELECT 'P', split_part(reference, '-', 2)::smallint, "
        " max(split_part(reference, '-', 3)::integer) FROM claimant GROUP BY 2"
    )
    op.execute("DROP SEQUENCE claimant_reference_number")

"""claims: a claim takes its gap-free number while PostgreSQL commits, not when it is filed

Revision ID: 0030
Revises: 0029

A claim's number (`SE-2026-000123`) is gap-free per deciding country and year, so the counter
row stays locked from the moment a number is taken until the transaction ends. The service took
it first, then inserted the claim, its heads and its audit line and sent COMMIT: every filing in
a country queued behind the others' round trips to the service (under 50 users, for seconds,
ending in 503s). The claim is now inserted without a reference, and a deferred constraint trigger
numbers it while PostgreSQL commits: the counter is locked for the numbering and the WAL flush
only, and a rolled-back filing still takes no number. No other transaction ever sees a claim
without its reference (the row and its number commit together); within the filing transaction,
`SET CONSTRAINTS claim_numbered IMMEDIATE` numbers it at once (the demo data does).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NUMBER_CLAIM = """
CREATE FUNCTION claims_number_claim() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    claim_year smallint := extract(year FROM NEW.created_at AT TIME ZONE 'UTC');
    claim_number integer;
BEGIN
    INSERT INTO claims_reference_counter AS counter (prefix, year, last_number)
        VALUES (NEW.country, claim_year, 1)
        ON CONFLICT (prefix, year) DO UPDATE SET last_number = counter.last_number + 1
        RETURNING counter.last_number INTO claim_number;
    UPDATE claim SET reference = NEW.country || '-' || claim_year || '-'
        || lpad(claim_number::text, greatest(6, length(claim_number::text)), '0')
        WHERE id = NEW.id;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.execute("ALTER TABLE claim ALTER COLUMN reference DROP NOT NULL")
    op.execute(NUMBER_CLAIM)
    op.execute(
        "CREATE CONSTRAINT TRIGGER claim_numbered AFTER INSERT ON claim "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.reference IS NULL) "
        "EXECUTE FUNCTION claims_number_claim()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER claim_numbered ON claim")
    op.execute("DROP FUNCTION claims_number_claim()")
    op.execute("ALTER TABLE claim ALTER COLUMN reference SET NOT NULL")

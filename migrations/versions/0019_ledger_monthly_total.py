"""ledger: monthly totals per account and kind, kept by PostgreSQL with the postings

Revision ID: 0019
Revises: 0018

A year's allocation report summed every posting of a country (a million postings: seconds).
`ledger_monthly_total` holds, per account, currency, month of the effective date and kind of
transaction, the posted debits and credits; reports read a few rows per account instead.

It is kept in the same database transaction as the postings, by triggers added beside the
ledger's own (none of those is changed):
- after each INSERT statement on `ledger_posting` (the record function inserts all postings of
  a call in one statement, so this is one extra statement per call, not per posting), the
  posted ones are added, grouped, in one upsert;
- when a pending transaction is posted, its postings are added; a voided one never was;
- a reversal is a posted transaction of its own and is added under its own kind and date.
No one else writes it: a statement on it that does not come from these triggers is refused,
TRUNCATE too. Existing postings are summed in once here.
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUID = advanced_alchemy.types.guid.GUID(length=16)

# Rows in key order, so two writers touching the same rows take their locks in the same order
# (they hold the accounts' locks already: the posting triggers ran first).
ADD_POSTED = """
    INSERT INTO ledger_monthly_total AS m (account_id, currency, month, kind, debits, credits)
    SELECT p.account_id, p.currency, date_trunc('month', t.effective_date::timestamp)::date,
           t.kind, sum(greatest(p.amount, 0)), sum(greatest(-p.amount, 0))
      FROM {postings} p JOIN ledger_transaction t ON t.id = p.transaction_id
     WHERE t.status = 'posted' {only}
     GROUP BY 1, 2, 3, 4
     ORDER BY 1, 2, 3, 4
    ON CONFLICT (account_id, currency, month, kind) DO UPDATE
       SET debits = m.debits + EXCLUDED.debits, credits = m.credits + EXCLUDED.credits
"""

FUNCTIONS = (
    f"""
CREATE FUNCTION ledger_monthly_add_postings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {ADD_POSTED.format(postings="new_postings", only="")};
    RETURN NULL;
END $$
""",
    f"""
CREATE FUNCTION ledger_monthly_add_posted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {ADD_POSTED.format(postings="ledger_posting", only="AND t.id = NEW.id")};
    RETURN NULL;
END $$
""",
    """
CREATE FUNCTION ledger_monthly_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Depth 1 is a statement someone sent; the ledger's triggers write at depth 2.
    IF TG_OP = 'TRUNCATE' OR pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'ledger_monthly_total is kept by the ledger''s triggers only: % refused',
            TG_OP USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END $$
""",
)

TRIGGERS = (
    (
        "CREATE TRIGGER ledger_posting_monthly AFTER INSERT ON ledger_posting "
        "REFERENCING NEW TABLE AS new_postings "
        "FOR EACH STATEMENT EXECUTE FUNCTION ledger_monthly_add_postings()"
    ),
    (
        "CREATE TRIGGER ledger_transaction_monthly AFTER UPDATE OF status ON ledger_transaction "
        "FOR EACH ROW WHEN (OLD.status = 'pending' AND NEW.status = 'posted') "
        "EXECUTE FUNCTION ledger_monthly_add_posted()"
    ),
    (
        "CREATE TRIGGER ledger_monthly_total_guard BEFORE INSERT OR UPDATE OR DELETE "
        "ON ledger_monthly_total FOR EACH STATEMENT EXECUTE FUNCTION ledger_monthly_guard()"
    ),
    (
        "CREATE TRIGGER ledger_monthly_total_no_truncate BEFORE TRUNCATE ON ledger_monthly_total "
        "FOR EACH STATEMENT EXECUTE FUNCTION ledger_monthly_guard()"
    ),
)


def upgrade() -> None:
    op.create_table(
        "ledger_monthly_total",
        sa.Column("account_id", GUID, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("debits", sa.Numeric(), nullable=False),
        sa.Column("credits", sa.Numeric(), nullable=False),
        sa.CheckConstraint(
            "extract(day FROM month) = 1", name=op.f("ck_ledger_monthly_total_month_first_day")
        ),
        sa.CheckConstraint(
            "debits >= 0 AND credits >= 0", name=op.f("ck_ledger_monthly_total_sums_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "currency"],
            ["ledger_account.id", "ledger_account.currency"],
            name="fk_ledger_monthly_total_account_currency",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "account_id", "currency", "month", "kind", name=op.f("pk_ledger_monthly_total")
        ),
    )
    op.execute(ADD_POSTED.format(postings="ledger_posting", only=""))
    for statement in (*FUNCTIONS, *TRIGGERS):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER ledger_transaction_monthly ON ledger_transaction")
    op.execute("DROP TRIGGER ledger_posting_monthly ON ledger_posting")
    op.drop_table("ledger_monthly_total")
    for name in (
        "ledger_monthly_add_postings",
        "ledger_monthly_add_posted",
        "ledger_monthly_guard",
    ):
        op.execute(f"DROP FUNCTION {name}()")

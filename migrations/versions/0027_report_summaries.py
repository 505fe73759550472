"""reports: who stands behind the funds' movements, and each claim's statistics, kept with the writes

Revision ID: 0027
Revises: 0026

A regional allocation report spent most of its time in two reads over base tables: the count of
distinct claims, applications or cases behind each fund's movements of a month (a join of every
posting of the year) and the claim statistics (a pass over every claim with a look-up of its
payments and its withdrawal). Both now read tables PostgreSQL keeps in the same transaction as
the writes that change them, by triggers, so no code path can bypass them:

- `fund_monthly_party`: per country, fund (and `*`: all funds), kind of transaction, month of
  the effective date and party (the claim, application or case the transaction references,
  else the transaction itself) one row, once a posted transaction of that party moved that fund
  in that month. The count of parties behind a cell is a count of rows, read in index order,
  with no DISTINCT and no sort. Added by statements beside those that keep
  `ledger_monthly_total` (after each INSERT statement on `ledger_posting`, and when a pending
  transaction is posted); a transaction is never unposted, so rows are never removed. Insert
  only, with DO NOTHING: writers wait for each other only over one party's row (the same claim,
  application or case in the same fund and month), never over a shared count. The fund of an
  account is the reports' rule (`fundadmin/reports/queries.py`), frozen here as a migration
  must be.
- `claim_statistic`: one row per submitted claim (or claim with a letter), the facts the
  statistics are counted from: the UTC days of submission, decision, first payment, withdrawal
  and letter, the outcome, and the award per head category. Not a running sum: each row is
  recomputed from the base tables whenever one of them changes for that claim (the claim's
  dates or outcome, a head's award, a payment, a withdrawal), so it cannot drift. The
  recomputation first locks the claim's row, so two transactions changing one claim's facts
  take turns and the second recomputes from what the first committed.
- `claim_statistic_total`: the claim statistics summed per country, line (received, decided,
  decided by outcome, paid, withdrawn, awards of a head category), month of the day it happened
  and, for decisions and payments, the number of days from submission: a histogram with exact
  counts, so the median and 90th percentile of any quarter or year are exact (percentiles
  cannot be summed; counts per day can). Kept from `claim_statistic` by a row trigger that adds
  the row's new events and takes its old ones away; only the cells that changed are written,
  in key order. A report reads a few thousand rows whatever the number of claims. The price:
  two transactions that change the same cell (two claims of one country received in the same
  month, say) take turns on its row; the trigger is deferred to COMMIT, so that turn lasts
  the commit alone, not the service's round trips before it.

No one else writes these tables: a statement that does not come from these triggers is refused,
TRUNCATE too. Existing rows are computed once here.
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUID = advanced_alchemy.types.guid.GUID(length=16)

# The party a transaction's money moved for, and the fund of an account (as the reports say).
PARTY = (
    """coalesce(t."references"->>'claim', t."references"->>'application', """
    """t."references"->>'case', t.id::text)"""
)
FUND = (
    "CASE WHEN a.code LIKE a.country || '/earmarked/%' THEN 'earmarked' "
    "ELSE split_part(a.code, '/', 3) END"
)

ADD_PARTIES = f"""
    INSERT INTO fund_monthly_party (country, kind, month, fund, party)
    SELECT DISTINCT t.country, t.kind, date_trunc('month', t.effective_date::timestamp)::date,
           f.fund, {PARTY}
      FROM {{postings}} p
      JOIN ledger_transaction t ON t.id = p.transaction_id
      JOIN ledger_account a ON a.id = p.account_id
     CROSS JOIN LATERAL (VALUES ({FUND}), ('*')) AS f(fund)
     WHERE t.status = 'posted' AND a.type = 'fund_equity' {{only}}
     ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT DO NOTHING
"""  # noqa: S608 - constants only

# A claim's facts, from the base tables, for the claims `{where}` selects.
CLAIM_FACTS = """
    INSERT INTO claim_statistic AS s (claim_id, country, submitted, decided, outcome, paid,
                                      withdrawn, letter, awarded)
    SELECT c.id, c.country, (c.submitted_at AT TIME ZONE 'UTC')::date,
           (c.decided_at AT TIME ZONE 'UTC')::date, c.outcome,
           (SELECT min(p.paid_on) FROM claim_payment p WHERE p.claim_id = c.id),
           (SELECT (max(t.occurred_at) AT TIME ZONE 'UTC')::date FROM claim_transition t
             WHERE t.claim_id = c.id AND t.to_status = 'withdrawn'),
           (c.letter_issued_at AT TIME ZONE 'UTC')::date,
           (SELECT coalesce(jsonb_object_agg(h.category, h.awarded), '{{}}')
              FROM (SELECT category, sum(awarded) AS awarded FROM claim_head
                     WHERE claim_id = c.id AND awarded > 0 GROUP BY category) h)
      FROM claim c
     WHERE ({where}) AND (c.submitted_at IS NOT NULL OR c.letter_issued_at IS NOT NULL)
     ORDER BY c.id
    ON CONFLICT (claim_id) DO UPDATE SET
        country = EXCLUDED.country, submitted = EXCLUDED.submitted, decided = EXCLUDED.decided,
        outcome = EXCLUDED.outcome, paid = EXCLUDED.paid, withdrawn = EXCLUDED.withdrawn,
        letter = EXCLUDED.letter, awarded = EXCLUDED.awarded
"""

# What one `claim_statistic` row adds to `claim_statistic_total` (`s` is the row): the rows and
# months of the claim statistics, and days from submission for decisions and first payments.
CLAIM_EVENTS = """
    SELECT s.country, e.line, date_trunc('month', e.day::timestamp)::date AS month, e.days,
           e.amount
    FROM (
        SELECT 'received' AS line, s.submitted AS day, NULL::int AS days, NULL::numeric AS amount
         WHERE s.submitted IS NOT NULL
        UNION ALL
        SELECT 'decided', s.decided, s.decided - s.submitted, NULL
         WHERE s.submitted IS NOT NULL AND s.decided IS NOT NULL
           AND coalesce(s.outcome, '') <> ''
        UNION ALL
        SELECT 'decided_' || s.outcome, s.decided, NULL, NULL
         WHERE s.submitted IS NOT NULL AND s.decided IS NOT NULL
           AND coalesce(s.outcome, '') <> ''
        UNION ALL
        SELECT 'paid', s.paid, s.paid - s.submitted, NULL
         WHERE s.submitted IS NOT NULL AND s.paid IS NOT NULL
        UNION ALL
        SELECT 'withdrawn', s.withdrawn, NULL, NULL
         WHERE s.submitted IS NOT NULL AND s.withdrawn IS NOT NULL
        UNION ALL
        SELECT 'award:' || a.key, s.letter, NULL, a.value::numeric
          FROM jsonb_each_text(s.awarded) AS a WHERE s.letter IS NOT NULL
    ) e
"""

COUNT_EVERY_CLAIM = f"""
    INSERT INTO claim_statistic_total (country, line, month, days, claims, amount)
    SELECT e.country, e.line, e.month, e.days, count(*), coalesce(sum(e.amount), 0)
    FROM claim_statistic s CROSS JOIN LATERAL ({CLAIM_EVENTS}) e
    GROUP BY 1, 2, 3, 4
"""  # noqa: S608 - constants only

FUNCTIONS = (
    f"""
CREATE FUNCTION fund_monthly_add_parties() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {ADD_PARTIES.format(postings="new_postings", only="")};
    RETURN NULL;
END $$
""",
    f"""
CREATE FUNCTION fund_monthly_add_posted_parties() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {ADD_PARTIES.format(postings="ledger_posting", only="AND t.id = NEW.id")};
    RETURN NULL;
END $$
""",
    f"""
CREATE FUNCTION claim_statistic_refresh(claims uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- Take turns with any other transaction changing these claims' facts; the statements
    -- below then read what it committed (each statement of a function sees a new snapshot).
    PERFORM 1 FROM claim c WHERE c.id = ANY(claims) ORDER BY c.id FOR NO KEY UPDATE;
    {CLAIM_FACTS.format(where="c.id = ANY(claims)")};
    DELETE FROM claim_statistic s WHERE s.claim_id = ANY(claims) AND NOT EXISTS (
        SELECT 1 FROM claim c WHERE c.id = s.claim_id
           AND (c.submitted_at IS NOT NULL OR c.letter_issued_at IS NOT NULL));
END $$
""",  # noqa: S608 - constants only
    """
CREATE FUNCTION claim_statistic_of_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM claim_statistic_refresh(ARRAY[NEW.id]);
    RETURN NULL;
END $$
""",
    """
CREATE FUNCTION claim_statistic_of_part() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM claim_statistic_refresh(ARRAY[NEW.claim_id]);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM claim_statistic_refresh(ARRAY[OLD.claim_id]);
    ELSE
        PERFORM claim_statistic_refresh(ARRAY[OLD.claim_id, NEW.claim_id]);
    END IF;
    RETURN NULL;
END $$
""",
    f"""
CREATE FUNCTION claim_statistic_events(s claim_statistic)
RETURNS TABLE (country text, line text, month date, days int, amount numeric)
LANGUAGE sql STABLE AS $$
    {CLAIM_EVENTS}
$$
""",
    """
CREATE FUNCTION claim_statistic_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The claim's new events in, its old ones out; cells whose sums do not change are not
    -- written, so a claim's step touches only the cells of what changed, in key order.
    WITH delta AS (
        SELECT e.country, e.line, e.month, e.days,
               sum(d.sign) AS claims, coalesce(sum(d.sign * e.amount), 0) AS amount
        FROM (SELECT -1 AS sign, OLD::claim_statistic AS s WHERE TG_OP <> 'INSERT'
              UNION ALL SELECT 1, NEW::claim_statistic WHERE TG_OP <> 'DELETE') d
        CROSS JOIN LATERAL claim_statistic_events(d.s) e
        GROUP BY 1, 2, 3, 4
        HAVING sum(d.sign) <> 0 OR coalesce(sum(d.sign * e.amount), 0) <> 0
    )
    -- A negative change is proposed as a row of its own and added to the cell it conflicts
    -- with (so the table has no CHECK that claims >= 0: PostgreSQL checks the proposed row).
    -- A cell that falls to zero stays, to be counted up again; readers skip it.
    INSERT INTO claim_statistic_total AS t (country, line, month, days, claims, amount)
    SELECT * FROM delta ORDER BY 1, 2, 3, 4
    ON CONFLICT (country, line, month, days) DO UPDATE
       SET claims = t.claims + EXCLUDED.claims, amount = t.amount + EXCLUDED.amount;
    RETURN NULL;
END $$
""",
    """
CREATE FUNCTION report_summary_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Depth 1 is a statement someone sent; the triggers that keep the table write at depth 2.
    IF TG_OP = 'TRUNCATE' OR pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION '% is kept by triggers only: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END $$
""",
)

_CLAIM_FACT_COLUMNS = (
    "(OLD.submitted_at, OLD.decided_at, OLD.outcome, OLD.letter_issued_at, OLD.country) "
    "IS DISTINCT FROM "
    "(NEW.submitted_at, NEW.decided_at, NEW.outcome, NEW.letter_issued_at, NEW.country)"
)

TRIGGERS = (
    (
        "CREATE TRIGGER ledger_posting_fund_parties AFTER INSERT ON ledger_posting "
        "REFERENCING NEW TABLE AS new_postings "
        "FOR EACH STATEMENT EXECUTE FUNCTION fund_monthly_add_parties()"
    ),
    (
        "CREATE TRIGGER ledger_transaction_fund_parties AFTER UPDATE OF status "
        "ON ledger_transaction FOR EACH ROW "
        "WHEN (OLD.status = 'pending' AND NEW.status = 'posted') "
        "EXECUTE FUNCTION fund_monthly_add_posted_parties()"
    ),
    (
        "CREATE TRIGGER claim_statistic_insert AFTER INSERT ON claim FOR EACH ROW "
        "WHEN (NEW.submitted_at IS NOT NULL OR NEW.letter_issued_at IS NOT NULL) "
        "EXECUTE FUNCTION claim_statistic_of_claim()"
    ),
    (
        "CREATE TRIGGER claim_statistic_update AFTER UPDATE ON claim FOR EACH ROW "
        f"WHEN ({_CLAIM_FACT_COLUMNS}) EXECUTE FUNCTION claim_statistic_of_claim()"
    ),
    (
        "CREATE TRIGGER claim_statistic_head_insert AFTER INSERT ON claim_head FOR EACH ROW "
        "WHEN (NEW.awarded > 0) EXECUTE FUNCTION claim_statistic_of_part()"
    ),
    (
        "CREATE TRIGGER claim_statistic_head_delete AFTER DELETE ON claim_head FOR EACH ROW "
        "WHEN (OLD.awarded > 0) EXECUTE FUNCTION claim_statistic_of_part()"
    ),
    (
        "CREATE TRIGGER claim_statistic_head_update AFTER UPDATE ON claim_head FOR EACH ROW "
        "WHEN ((OLD.claim_id, OLD.category, OLD.awarded) "
        "IS DISTINCT FROM (NEW.claim_id, NEW.category, NEW.awarded)) "
        "EXECUTE FUNCTION claim_statistic_of_part()"
    ),
    # Payments and transitions are append-only (their own triggers refuse UPDATE and DELETE).
    (
        "CREATE TRIGGER claim_statistic_payment AFTER INSERT ON claim_payment FOR EACH ROW "
        "EXECUTE FUNCTION claim_statistic_of_part()"
    ),
    (
        "CREATE TRIGGER claim_statistic_withdrawal AFTER INSERT ON claim_transition FOR EACH ROW "
        "WHEN (NEW.to_status = 'withdrawn') EXECUTE FUNCTION claim_statistic_of_part()"
    ),
    # At COMMIT, not at the statement: every claim of a country and month adds to the same
    # cells, and a cell's row lock is held until the commit, so taken at the statement it made
    # the country's filings wait on each other across all of the service's round trips. Each
    # event carries its own OLD and NEW, so the deltas add up the same in any order.
    (
        "CREATE CONSTRAINT TRIGGER claim_statistic_count AFTER INSERT OR UPDATE OR DELETE "
        "ON claim_statistic DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        "EXECUTE FUNCTION claim_statistic_count()"
    ),
    *(
        statement
        for table in ("fund_monthly_party", "claim_statistic", "claim_statistic_total")
        for statement in (
            (
                f"CREATE TRIGGER {table}_guard BEFORE INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION report_summary_guard()"
            ),
            (
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION report_summary_guard()"
            ),
        )
    ),
)


def upgrade() -> None:
    op.create_table(
        "fund_monthly_party",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("fund", sa.String(length=60), nullable=False),
        sa.Column("party", sa.Text(collation="C"), nullable=False),
        sa.CheckConstraint(
            "extract(day FROM month) = 1", name=op.f("ck_fund_monthly_party_month_first_day")
        ),
        # In the order a report reads: its countries, the claim-tied kinds, a range of months.
        sa.PrimaryKeyConstraint(
            "country", "kind", "month", "fund", "party", name=op.f("pk_fund_monthly_party")
        ),
    )
    op.create_table(
        "claim_statistic",
        sa.Column("claim_id", GUID, nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("submitted", sa.Date(), nullable=True),
        sa.Column("decided", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("paid", sa.Date(), nullable=True),
        sa.Column("withdrawn", sa.Date(), nullable=True),
        sa.Column("letter", sa.Date(), nullable=True),
        sa.Column("awarded", JSONB(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
            name=op.f("fk_claim_statistic_claim_id_claim"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_claim_statistic")),
    )
    op.create_table(
        "claim_statistic_total",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("line", sa.String(length=60), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(), nullable=False),
        sa.CheckConstraint(
            "extract(day FROM month) = 1", name=op.f("ck_claim_statistic_total_month_first_day")
        ),
    )
    # One cell per country, row, month and days, a cell without days being one too.
    op.execute(
        "ALTER TABLE claim_statistic_total ADD CONSTRAINT uq_claim_statistic_total_cell "
        "UNIQUE NULLS NOT DISTINCT (country, line, month, days)"
    )
    op.create_index("ix_claim_statistic_country", "claim_statistic", ["country"])
    # The ledger's door (0026) inserts postings as its own role, and the parties' trigger runs
    # as whoever inserts: the door may add parties, as it adds monthly totals, and nothing else.
    op.execute("GRANT INSERT ON fund_monthly_party TO fundadmin_ledger")
    op.execute(ADD_PARTIES.format(postings="ledger_posting", only=""))
    op.execute(CLAIM_FACTS.format(where="true"))
    op.execute(COUNT_EVERY_CLAIM)
    for statement in (*FUNCTIONS, *TRIGGERS):
        op.execute(statement)


def downgrade() -> None:
    for trigger, table in (
        ("ledger_posting_fund_parties", "ledger_posting"),
        ("ledger_transaction_fund_parties", "ledger_transaction"),
        ("claim_statistic_insert", "claim"),
        ("claim_statistic_update", "claim"),
        ("claim_statistic_head_insert", "claim_head"),
        ("claim_statistic_head_delete", "claim_head"),
        ("claim_statistic_head_update", "claim_head"),
        ("claim_statistic_payment", "claim_payment"),
        ("claim_statistic_withdrawal", "claim_transition"),
    ):
        op.execute(f"DROP TRIGGER {trigger} ON {table}")
    for name in (
        "fund_monthly_add_parties()",
        "fund_monthly_add_posted_parties()",
        "claim_statistic_refresh(uuid[])",
        "claim_statistic_of_claim()",
        "claim_statistic_of_part()",
        "claim_statistic_events(claim_statistic)",
    ):
        op.execute(f"DROP FUNCTION {name}")
    # The tables' own triggers go with them; then the functions those used.
    op.drop_table("claim_statistic_total")
    op.drop_table("claim_statistic")
    op.drop_table("fund_monthly_party")
    for name in (
        "claim_statistic_count()",
        "report_summary_guard()",
    ):
        op.execute(f"DROP FUNCTION {name}")

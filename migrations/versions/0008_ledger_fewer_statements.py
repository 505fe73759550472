"""ledger: the same rules in fewer statements per transaction

Revision ID: 0008
Revises: 0007

PostgreSQL's CPU time per ledger transaction is mostly the fixed cost of starting each statement
(the function's, its triggers', the foreign keys'), not the rows written, so this migration keeps
every rule and runs fewer statements (measured with pgbench on `ledger_record`: about 8% more
transactions per second on the same CPUs):

- `ledger_posting_apply` moves the account's counters and reads what its rules need (the
  transaction's status, country and creation time, the currency's minor units) in one UPDATE
  instead of two lookups and an UPDATE. A posting whose transaction was not created in this
  database transaction (or was voided) matches no row and is refused as before; the amount's
  precision and the account's country are checked on what the UPDATE returned, and refused the
  same way (the statement is rolled back with its counter change).
- `ledger_record` with `attempt` locks the accounts and asks what the rules would refuse in one
  statement, then looks up the key in a second one: that lookup must take its snapshot after the
  locks are held to see a concurrent duplicate that committed meanwhile. The transactions and
  their postings are inserted by one statement (the transactions in a data-modifying WITH); the
  posting triggers run at its end, when both are in place.
"""

from collections.abc import Sequence
from importlib import util
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTING_APPLY = """
CREATE OR REPLACE FUNCTION ledger_posting_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    exact boolean;
    home boolean;
BEGIN
    UPDATE ledger_account a
       SET posted_debits = a.posted_debits
               + CASE WHEN t.status = 'posted' THEN greatest(NEW.amount, 0) ELSE 0 END,
           posted_credits = a.posted_credits
               + CASE WHEN t.status = 'posted' THEN greatest(-NEW.amount, 0) ELSE 0 END,
           pending_debits = a.pending_debits
               + CASE WHEN t.status = 'pending' THEN greatest(NEW.amount, 0) ELSE 0 END,
           pending_credits = a.pending_credits
               + CASE WHEN t.status = 'pending' THEN greatest(-NEW.amount, 0) ELSE 0 END
      FROM ledger_transaction t, ledger_currency c
     WHERE a.id = NEW.account_id
       AND t.id = NEW.transaction_id AND t.created_at = now() AND t.status <> 'voided'
       AND c.code = NEW.currency
    RETURNING NEW.amount = round(NEW.amount, c.minor_units), a.country = t.country
      INTO exact, home;
    -- The foreign keys, checked before this trigger, vouch for the account and the currency.
    IF NOT FOUND THEN
        RAISE EXCEPTION 'postings are added only together with their transaction'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NOT exact THEN
        RAISE EXCEPTION 'an amount has more decimals than its currency''s minor units'
            USING ERRCODE = 'check_violation';
    END IF;
    IF NOT home THEN
        RAISE EXCEPTION 'a posting is on an account of its transaction''s country'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$
"""

RECORD_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_record(
    attempt boolean, scope text, actor text, transactions jsonb
) RETURNS timestamptz LANGUAGE plpgsql AS $$
DECLARE
    clean boolean;
BEGIN
    IF attempt THEN
        IF jsonb_array_length(transactions) <> 1 THEN
            RAISE EXCEPTION 'an attempt records one transaction' USING ERRCODE = 'data_exception';
        END IF;
        -- Every writer locks accounts in id order, so concurrent writers never deadlock; the
        -- locked rows are read as they are once locked. Then, on them: what the triggers would
        -- refuse, asked before writing.
        WITH postings AS MATERIALIZED (
            SELECT account, currency, amount
              FROM jsonb_to_recordset(transactions->0->'postings')
                   AS p(account text, currency text, amount numeric)
        ), locked AS MATERIALIZED (
            SELECT id, code, currency, country, must_not_go_negative AS guarded,
                   CASE WHEN type IN ('asset', 'expense')
                        THEN posted_debits - posted_credits - pending_credits
                        ELSE posted_credits - posted_debits - pending_debits
                   END AS available,
                   CASE WHEN type IN ('asset', 'expense') THEN 1 ELSE -1 END AS direction
              FROM ledger_account WHERE code IN (SELECT account FROM postings)
             ORDER BY id FOR UPDATE
        )
        SELECT (SELECT count(*) FROM locked) = (SELECT count(DISTINCT account) FROM postings)
               AND NOT EXISTS (
                   SELECT FROM postings p JOIN locked a ON a.code = p.account
                    GROUP BY a.id, a.guarded, a.available
                   HAVING bool_or(a.currency <> p.currency
                                  OR a.country <> transactions->0->>'country')
                       -- Pending money in is not available until posted; pending money out is
                       -- reserved.
                       OR (a.guarded AND a.available + sum(
                           CASE WHEN p.amount * a.direction < 0
                                     OR transactions->0->>'status' = 'posted'
                                THEN p.amount * a.direction ELSE 0 END) < 0))
          INTO clean;
        -- A statement of its own, so its snapshot is taken after the locks are held: a
        -- concurrent duplicate holds the same locks until it commits, and is then seen here.
        IF NOT clean OR EXISTS (
            SELECT FROM ledger_transaction
             WHERE idempotency_scope = scope AND idempotency_key = transactions->0->>'key'
        ) THEN
            RETURN NULL;
        END IF;
    END IF;
    -- A code that names no account leaves account_id NULL, which the NOT NULL constraint
    -- refuses: a posting is never dropped silently. Rows are applied in the order inserted:
    -- transactions in the order given, each one's money in before its money out.
    WITH recorded AS (
        INSERT INTO ledger_transaction (id, country, kind, status, effective_date, memo,
            "references", exchange_rates, expires_at, reversal_of, idempotency_scope,
            idempotency_key, fingerprint, created_by)
        SELECT t.id, t.country, t.kind, t.status, t.effective_date, t.memo, t."references",
               t.exchange_rates, t.expires_at, t.reversal_of, scope, t.key, t.fingerprint, actor
          FROM jsonb_to_recordset(transactions)
               AS t(id uuid, country text, kind text, status text, effective_date date,
                    memo text, "references" jsonb, exchange_rates jsonb,
                    expires_at timestamptz, reversal_of uuid, key text, fingerprint text)
    )
    INSERT INTO ledger_posting (id, transaction_id, position, account_id, currency, amount)
    SELECT p.id, (t.doc->>'id')::uuid, p.n - 1, a.id, p.currency, p.amount
      FROM jsonb_array_elements(transactions) WITH ORDINALITY AS t(doc, n)
     CROSS JOIN LATERAL ROWS FROM (
           jsonb_to_recordset(t.doc->'postings')
               AS (id uuid, account text, currency text, amount numeric)
       ) WITH ORDINALITY AS p(id, account, currency, amount, n)
      LEFT JOIN ledger_account a ON a.code = p.account
     ORDER BY t.n, (p.amount > 0) <> (a.type IN ('asset', 'expense')), p.n;
    RETURN now();
END $$
"""


def upgrade() -> None:
    op.execute(POSTING_APPLY)
    op.execute(RECORD_FUNCTION)


def _revision(filename: str) -> ModuleType:
    """An earlier revision's module, to restore its definitions as it wrote them."""
    spec = util.spec_from_file_location(filename, Path(__file__).with_name(filename))
    assert spec is not None
    assert spec.loader is not None
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade() -> None:
    earlier = _revision("0006_ledger_row_triggers.py")
    op.execute(earlier.POSTING_APPLY)
    op.execute(earlier.RECORD_FUNCTION.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))

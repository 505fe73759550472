"""ledger: `ledger_record` is the ledger's own door, checking its rules once per call

Revision ID: 0026
Revises: 0025

Measured (bench/ledger.py, `db function` against `no db rules`), the row and constraint triggers
that every posting fired were a fifth to near half of PostgreSQL's time per transaction. The
rules stay, and hold for every writer; the function now enforces them itself, set-based, once per
call, and the triggers no longer run for the rows it writes:

- `ledger_record` runs as its owner, the role `fundadmin_ledger` (NOLOGIN, SECURITY DEFINER; no
  one is a member, so no connection can act as it). That role may only read the ledger, insert
  transactions and postings, move the four balance counters and keep the monthly totals: it can
  never update or delete a posting or a transaction (privileges do that job for the door), and
  the function refuses to run as anyone else, so it never writes beside the triggers.
- The ledger's triggers carry `WHEN (current_user <> 'fundadmin_ledger')`, decided by PostgreSQL
  before any PL/pgSQL is called: every other writer (the service's own statements, a person at
  psql) is checked exactly as before. The foreign keys and CHECK constraints are unchanged and
  hold for the door too (a posting's currency is its account's; a guarded account's available
  balance never below zero: the counters are moved by one UPDATE per call).
- In one statement after locking the accounts in id order, the function asks: does every account
  exist, with the posting's currency and the transaction's country; does each transaction have
  two postings or more and balance per currency; is every amount in its currency's precision;
  does a transaction start pending or posted, expire only if pending, reverse only a posted one;
  and does every guarded account stay at or above zero after each transaction in the order given
  (each transaction's money in counted before its money out, as the pure core's `check_funds`).
  With `attempt`, what the pure core would name (a missing account, another currency or country,
  an overdraft, a used key) returns NULL and writes nothing; everything else raises.
- The transactions, postings, counters and monthly totals are written by one statement.
- A posting a direct writer adds, even to a transaction the door created in the same database
  transaction, is checked for balance at commit (a new deferred trigger on the posting).
"""

from collections.abc import Sequence
from importlib import util
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOOR = "fundadmin_ledger"

ROLE = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{DOOR}') THEN
        CREATE ROLE {DOOR} NOLOGIN;
    END IF;
END $$
"""

GRANTS = (
    f"GRANT USAGE ON SCHEMA public TO {DOOR}",
    (
        f"GRANT SELECT ON ledger_currency, ledger_account, ledger_transaction, ledger_posting, "
        f"ledger_monthly_total TO {DOOR}"
    ),
    f"GRANT INSERT ON ledger_transaction, ledger_posting TO {DOOR}",
    (
        f"GRANT UPDATE (posted_debits, posted_credits, pending_debits, pending_credits) "
        f"ON ledger_account TO {DOOR}"
    ),
    f"GRANT INSERT, UPDATE ON ledger_monthly_total TO {DOOR}",
)

REVOKES = (
    (
        f"REVOKE ALL ON ledger_currency, ledger_account, ledger_transaction, ledger_posting, "
        f"ledger_monthly_total FROM {DOOR}"
    ),
    f"REVOKE USAGE ON SCHEMA public FROM {DOOR}",
)

RECORD_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_record(
    attempt boolean, scope text, actor text, transactions jsonb
) RETURNS timestamptz LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
DECLARE
    soft text;
    hard text;
BEGIN
    -- Run as anyone else, its writes would be applied twice: once here, once by the triggers.
    IF current_user <> 'fundadmin_ledger' THEN
        RAISE EXCEPTION 'ledger_record runs only as its owner fundadmin_ledger'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF attempt AND jsonb_array_length(transactions) <> 1 THEN
        RAISE EXCEPTION 'an attempt records one transaction' USING ERRCODE = 'data_exception';
    END IF;
    -- Every writer locks accounts in id order, so concurrent writers never deadlock; the locked
    -- rows are read as they are once locked.
    WITH p AS MATERIALIZED (
        SELECT t.n, (t.doc->>'id')::uuid AS tx, t.doc->>'country' AS country,
               t.doc->>'status' AS status, p.account, p.currency, p.amount
          FROM jsonb_array_elements(transactions) WITH ORDINALITY AS t(doc, n)
         CROSS JOIN LATERAL jsonb_to_recordset(t.doc->'postings')
               AS p(account text, currency text, amount numeric)
    ), locked AS MATERIALIZED (
        SELECT id, code, currency, country, must_not_go_negative AS guarded,
               CASE WHEN type IN ('asset', 'expense')
                    THEN posted_debits - posted_credits - pending_credits
                    ELSE posted_credits - posted_debits - pending_debits
               END AS available,
               CASE WHEN type IN ('asset', 'expense') THEN 1 ELSE -1 END AS direction
          FROM ledger_account WHERE code IN (SELECT account FROM p)
         ORDER BY id FOR UPDATE
    ), steps AS (
        -- Pending money in is not available until posted; pending money out is reserved.
        SELECT a.id, a.guarded, a.available, p.n,
               bool_or(a.currency <> p.currency) AS foreign_currency,
               bool_or(a.country <> p.country) AS abroad,
               sum(CASE WHEN p.amount * a.direction < 0 OR p.status = 'posted'
                        THEN p.amount * a.direction ELSE 0 END) AS change
          FROM p JOIN locked a ON a.code = p.account
         GROUP BY a.id, a.guarded, a.available, p.n
    ), currencies AS (
        SELECT n, tx, currency, count(*) AS postings, sum(amount) AS total
          FROM p GROUP BY n, tx, currency
    ), shapes AS (
        SELECT t.id, t.status, t.expires_at, t.reversal_of
          FROM jsonb_to_recordset(transactions)
               AS t(id uuid, status text, expires_at timestamptz, reversal_of uuid)
    )
    SELECT CASE
               WHEN (SELECT count(*) FROM locked) < (SELECT count(DISTINCT account) FROM p)
                   THEN 'missing'
               WHEN EXISTS (SELECT FROM steps WHERE foreign_currency) THEN 'currency'
               WHEN EXISTS (SELECT FROM steps WHERE abroad) THEN 'country'
               WHEN EXISTS (
                   SELECT FROM (
                       SELECT guarded, available
                              + sum(change) OVER (PARTITION BY id ORDER BY n) AS after
                         FROM steps
                   ) s WHERE guarded AND after < 0
               ) THEN 'overdraft'
           END,
           CASE
               WHEN EXISTS (SELECT FROM shapes WHERE status IS NULL
                                OR status NOT IN ('pending', 'posted'))
                   THEN 'a transaction starts pending or posted'
               WHEN EXISTS (SELECT FROM shapes WHERE expires_at IS NOT NULL
                                AND status <> 'pending')
                   THEN 'only a pending transaction can expire'
               WHEN EXISTS (
                   SELECT FROM shapes s WHERE s.reversal_of IS NOT NULL AND NOT EXISTS (
                       SELECT FROM ledger_transaction o
                        WHERE o.id = s.reversal_of AND o.status = 'posted'
                          AND o.kind <> 'reversal'))
                   THEN 'only a posted transaction can be reversed'
               WHEN EXISTS (SELECT FROM shapes s WHERE NOT EXISTS (
                                SELECT FROM currencies c WHERE c.tx = s.id)
                            OR (SELECT sum(postings) FROM currencies c
                                 WHERE c.tx = s.id) < 2)
                   THEN 'a transaction has fewer than two postings'
               WHEN EXISTS (SELECT FROM currencies WHERE total <> 0)
                   THEN (SELECT format('transaction %s does not balance in %s', tx, currency)
                           FROM currencies WHERE total <> 0 ORDER BY n LIMIT 1)
               WHEN EXISTS (SELECT FROM p JOIN ledger_currency c ON c.code = p.currency
                             WHERE p.amount <> round(p.amount, c.minor_units))
                   THEN 'an amount has more decimals than its currency''s minor units'
           END
      INTO soft, hard;
    IF attempt AND soft IS NOT NULL THEN
        RETURN NULL;
    END IF;
    IF hard IS NOT NULL THEN
        RAISE EXCEPTION '%', hard USING ERRCODE = 'check_violation';
    END IF;
    IF soft = 'country' THEN
        RAISE EXCEPTION 'a posting is on an account of its transaction''s country'
            USING ERRCODE = 'check_violation';
    END IF;
    IF soft = 'overdraft' THEN
        RAISE EXCEPTION 'a guarded account''s available balance would go below zero '
            '(ck_ledger_account_available_not_negative)'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_ledger_account_available_not_negative';
    END IF;
    -- A missing account or another currency: the insert below meets NOT NULL or the foreign key.
    IF attempt AND EXISTS (
        -- A statement of its own, so its snapshot is taken after the locks are held: a
        -- concurrent duplicate holds the same locks until it commits, and is then seen here.
        SELECT FROM ledger_transaction
         WHERE idempotency_scope = scope AND idempotency_key = transactions->0->>'key'
    ) THEN
        RETURN NULL;
    END IF;
    WITH p AS MATERIALIZED (
        SELECT t.n AS tn, (t.doc->>'id')::uuid AS tx, t.doc->>'status' AS status,
               t.doc->>'kind' AS kind, (t.doc->>'effective_date')::date AS effective_date,
               p.n AS pn, p.id, a.id AS account_id, p.currency, p.amount
          FROM jsonb_array_elements(transactions) WITH ORDINALITY AS t(doc, n)
         CROSS JOIN LATERAL ROWS FROM (
               jsonb_to_recordset(t.doc->'postings')
                   AS (id uuid, account text, currency text, amount numeric)
           ) WITH ORDINALITY AS p(id, account, currency, amount, n)
          LEFT JOIN ledger_account a ON a.code = p.account
    ), recorded AS (
        INSERT INTO ledger_transaction (id, country, kind, status, effective_date, memo,
            "references", exchange_rates, expires_at, reversal_of, idempotency_scope,
            idempotency_key, fingerprint, created_by, created_at)
        SELECT t.id, t.country, t.kind, t.status, t.effective_date, t.memo, t."references",
               t.exchange_rates, t.expires_at, t.reversal_of, scope, t.key, t.fingerprint, actor,
               now()
          FROM jsonb_to_recordset(transactions)
               AS t(id uuid, country text, kind text, status text, effective_date date,
                    memo text, "references" jsonb, exchange_rates jsonb,
                    expires_at timestamptz, reversal_of uuid, key text, fingerprint text)
    ), written AS (
        -- A code that names no account leaves account_id NULL, which NOT NULL refuses: a
        -- posting is never dropped silently.
        INSERT INTO ledger_posting (id, transaction_id, position, account_id, currency, amount)
        SELECT id, tx, pn - 1, account_id, currency, amount FROM p
    ), moved AS (
        UPDATE ledger_account a
           SET posted_debits = a.posted_debits + s.posted_debits,
               posted_credits = a.posted_credits + s.posted_credits,
               pending_debits = a.pending_debits + s.pending_debits,
               pending_credits = a.pending_credits + s.pending_credits
          FROM (
            SELECT account_id,
                   coalesce(sum(greatest(amount, 0)) FILTER (WHERE status = 'posted'), 0)
                       AS posted_debits,
                   coalesce(sum(greatest(-amount, 0)) FILTER (WHERE status = 'posted'), 0)
                       AS posted_credits,
                   coalesce(sum(greatest(amount, 0)) FILTER (WHERE status = 'pending'), 0)
                       AS pending_debits,
                   coalesce(sum(greatest(-amount, 0)) FILTER (WHERE status = 'pending'), 0)
                       AS pending_credits
              FROM p GROUP BY account_id
          ) s
         WHERE a.id = s.account_id
    )
    -- Rows in key order, as the monthly trigger writes them, so writers lock them in one order.
    INSERT INTO ledger_monthly_total AS m (account_id, currency, month, kind, debits, credits)
    SELECT account_id, currency, date_trunc('month', effective_date::timestamp)::date, kind,
           sum(greatest(amount, 0)), sum(greatest(-amount, 0))
      FROM p
     WHERE status = 'posted' AND account_id IS NOT NULL
     GROUP BY 1, 2, 3, 4
     ORDER BY 1, 2, 3, 4
    ON CONFLICT (account_id, currency, month, kind) DO UPDATE
       SET debits = m.debits + EXCLUDED.debits, credits = m.credits + EXCLUDED.credits;
    RETURN now();
END $$
"""

RECORD_SIGNATURE = "ledger_record(boolean, text, text, jsonb)"

POSTING_BALANCED = """
CREATE FUNCTION ledger_check_posting_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    postings bigint;
    unbalanced text;
BEGIN
    SELECT sum(n), min(currency) FILTER (WHERE total <> 0) INTO postings, unbalanced
      FROM (SELECT currency, count(*) AS n, sum(amount) AS total
              FROM ledger_posting WHERE transaction_id = NEW.transaction_id
             GROUP BY currency) s;
    IF coalesce(postings, 0) < 2 THEN
        RAISE EXCEPTION 'transaction % has fewer than two postings', NEW.transaction_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'transaction % does not balance in %', NEW.transaction_id, unbalanced
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$
"""

NOT_DOOR = f"current_user <> '{DOOR}'"

# (name, table, definition without WHEN, WHEN before this revision or None)
TRIGGERS = (
    (
        "ledger_transaction_guard",
        "ledger_transaction",
        (
            "BEFORE INSERT OR UPDATE OR DELETE ON ledger_transaction FOR EACH ROW "
            "{when} EXECUTE FUNCTION ledger_transaction_guard()"
        ),
        None,
    ),
    (
        "ledger_transaction_balanced",
        "ledger_transaction",
        (
            "AFTER INSERT ON ledger_transaction DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "{when} EXECUTE FUNCTION ledger_check_balanced()"
        ),
        None,
    ),
    (
        "ledger_posting_apply",
        "ledger_posting",
        (
            "AFTER INSERT ON ledger_posting FOR EACH ROW {when} "
            "EXECUTE FUNCTION ledger_posting_apply()"
        ),
        None,
    ),
    (
        "ledger_posting_monthly",
        "ledger_posting",
        (
            "AFTER INSERT ON ledger_posting REFERENCING NEW TABLE AS new_postings "
            "FOR EACH STATEMENT {when} EXECUTE FUNCTION ledger_monthly_add_postings()"
        ),
        None,
    ),
    (
        "ledger_account_guard_update",
        "ledger_account",
        (
            "BEFORE UPDATE ON ledger_account FOR EACH ROW {when} "
            "EXECUTE FUNCTION ledger_account_guard()"
        ),
        "pg_trigger_depth() = 0",
    ),
    (
        "ledger_monthly_total_guard",
        "ledger_monthly_total",
        (
            "BEFORE INSERT OR UPDATE OR DELETE ON ledger_monthly_total FOR EACH STATEMENT {when} "
            "EXECUTE FUNCTION ledger_monthly_guard()"
        ),
        None,
    ),
)


def _trigger(name: str, definition: str, when: str | None) -> str:
    kind = "CONSTRAINT TRIGGER" if "DEFERRABLE" in definition else "TRIGGER"
    return f"CREATE {kind} {name} " + definition.format(when=f"WHEN ({when})" if when else "")


def upgrade() -> None:
    op.execute(ROLE)
    for grant in GRANTS:
        op.execute(grant)
    for name, table, definition, before in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON {table}")
        when = f"{before} AND {NOT_DOOR}" if before else NOT_DOOR
        op.execute(_trigger(name, definition, when))
    op.execute(POSTING_BALANCED)
    op.execute(
        "CREATE CONSTRAINT TRIGGER ledger_posting_balanced AFTER INSERT ON ledger_posting "
        f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ({NOT_DOOR}) "
        "EXECUTE FUNCTION ledger_check_posting_balanced()"
    )
    op.execute(RECORD_FUNCTION)
    op.execute(f"ALTER FUNCTION {RECORD_SIGNATURE} OWNER TO {DOOR}")


def _revision(filename: str) -> ModuleType:
    """An earlier revision's module, to restore its definitions as it wrote them."""
    spec = util.spec_from_file_location(filename, Path(__file__).with_name(filename))
    assert spec is not None
    assert spec.loader is not None
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade() -> None:
    # The role stays: roles belong to the whole server, and other databases on it may use it.
    op.execute(f"ALTER FUNCTION {RECORD_SIGNATURE} OWNER TO CURRENT_USER")
    op.execute(_revision("0008_ledger_fewer_statements.py").RECORD_FUNCTION)
    op.execute("DROP TRIGGER ledger_posting_balanced ON ledger_posting")
    op.execute("DROP FUNCTION ledger_check_posting_balanced()")
    for name, table, definition, before in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON {table}")
        op.execute(_trigger(name, definition, before))
    for revoke in REVOKES:
        op.execute(revoke)

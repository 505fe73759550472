"""ledger: postings move their account's counters row by row; ledger_record reads one JSON
document and writes without a subtransaction

Revision ID: 0006
Revises: 0005

Measured (bench/ledger.py and the PostgreSQL CPU time per transaction), the statement-level
trigger of migration 0003, which read its transition table four times, was the costliest part of
recording a transaction: PostgreSQL plans a query over a transition table at every call. The same
rules now run in a row-level trigger whose few statements keep their plans:

- a posting is added only with its transaction, in its currency's precision, on an account of
  its transaction's country (unchanged);
- each posting moves its account's counters as it is applied, so the CHECK on a guarded account's
  available balance now holds after every posting, not only at the end of the statement. That is
  stricter for a writer who puts money out before money in; `ledger_record` applies a
  transaction's money in before its money out, transactions in the order given, which is the
  order the pure core's `check_funds` follows, so the database refuses exactly what it refuses.

`ledger_record` now takes its transactions as one JSON document (encoding a column of 21 arrays
cost the service more CPU than the rest of recording a transaction), and with `attempt` no
longer catches PostgreSQL's refusals in a subtransaction (whose cost every call paid): after
locking the accounts, it asks in one query whether every account exists, has the posting's
currency and the transaction's country, and keeps a guarded available balance at or above zero,
and returns NULL, writing nothing, when one does not. Anything the triggers refuse beyond that
raises, as it does without `attempt`.

`ledger_check_balanced` reads a transaction's postings once instead of twice, and the account
guard no longer runs for the counter updates of the ledger's own triggers (a WHEN clause decides
before any PL/pgSQL is called).
"""

from collections.abc import Sequence
from importlib import util
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTING_APPLY = """
CREATE OR REPLACE FUNCTION ledger_posting_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tx record;
    minor smallint;
    account_country text;
    debit numeric := greatest(NEW.amount, 0);
    credit numeric := greatest(-NEW.amount, 0);
BEGIN
    SELECT status, country, created_at INTO tx FROM ledger_transaction WHERE id = NEW.transaction_id;
    IF tx.created_at <> now() OR tx.status = 'voided' THEN
        RAISE EXCEPTION 'postings are added only together with their transaction'
            USING ERRCODE = 'restrict_violation';
    END IF;
    SELECT minor_units INTO minor FROM ledger_currency WHERE code = NEW.currency;
    IF NEW.amount <> round(NEW.amount, minor) THEN
        RAISE EXCEPTION 'an amount has more decimals than its currency''s minor units'
            USING ERRCODE = 'check_violation';
    END IF;
    UPDATE ledger_account
       SET posted_debits = posted_debits + CASE WHEN tx.status = 'posted' THEN debit ELSE 0 END,
           posted_credits = posted_credits + CASE WHEN tx.status = 'posted' THEN credit ELSE 0 END,
           pending_debits = pending_debits + CASE WHEN tx.status = 'pending' THEN debit ELSE 0 END,
           pending_credits = pending_credits + CASE WHEN tx.status = 'pending' THEN credit ELSE 0 END
     WHERE id = NEW.account_id
    RETURNING country INTO account_country;
    IF account_country <> tx.country THEN
        RAISE EXCEPTION 'a posting is on an account of its transaction''s country'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$
"""

CHECK_BALANCED = """
CREATE OR REPLACE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    postings bigint;
    unbalanced text;
BEGIN
    SELECT sum(n), min(currency) FILTER (WHERE total <> 0) INTO postings, unbalanced
      FROM (SELECT currency, count(*) AS n, sum(amount) AS total
              FROM ledger_posting WHERE transaction_id = NEW.id GROUP BY currency) s;
    IF coalesce(postings, 0) < 2 THEN
        RAISE EXCEPTION 'transaction % has fewer than two postings', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'transaction % does not balance in %', NEW.id, unbalanced
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$
"""

ACCOUNT_GUARD = """
CREATE OR REPLACE FUNCTION ledger_account_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    expected ledger_account;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ledger accounts are never deleted' USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.posted_debits <> 0 OR NEW.posted_credits <> 0
           OR NEW.pending_debits <> 0 OR NEW.pending_credits <> 0 THEN
            RAISE EXCEPTION 'an account starts with zero balances; money arrives by postings'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    -- Only the ledger's triggers move balances (the trigger's WHEN lets their updates through
    -- without calling this); people may rename.
    expected := OLD;
    expected.name := NEW.name;
    IF expected IS DISTINCT FROM NEW THEN
        RAISE EXCEPTION 'only the name of a ledger account can be changed'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$
"""

ACCOUNT_GUARD_TRIGGERS = (
    "DROP TRIGGER ledger_account_guard ON ledger_account",
    (
        "CREATE TRIGGER ledger_account_guard BEFORE INSERT OR DELETE ON ledger_account "
        "FOR EACH ROW EXECUTE FUNCTION ledger_account_guard()"
    ),
    # Depth 0 is a statement someone sent; the posting and settlement triggers update at depth 1.
    (
        "CREATE TRIGGER ledger_account_guard_update BEFORE UPDATE ON ledger_account "
        "FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION ledger_account_guard()"
    ),
)

OLD_RECORD_SIGNATURE = (
    "ledger_record(boolean, text, text, uuid[], text[], text[], text[], date[], text[], jsonb[], "
    "jsonb[], timestamptz[], uuid[], text[], text[], uuid[], uuid[], smallint[], text[], text[], "
    "numeric[])"
)

RECORD_FUNCTION = """
CREATE FUNCTION ledger_record(attempt boolean, scope text, actor text, transactions jsonb)
RETURNS timestamptz LANGUAGE plpgsql AS $$
DECLARE
    codes text[] := ARRAY(
        SELECT DISTINCT p->>'account'
          FROM jsonb_array_elements(transactions) AS t, jsonb_array_elements(t->'postings') AS p
    );
    locked bigint;
BEGIN
    IF attempt THEN
        IF jsonb_array_length(transactions) <> 1 THEN
            RAISE EXCEPTION 'an attempt records one transaction' USING ERRCODE = 'data_exception';
        END IF;
        -- Every writer locks accounts in id order, so concurrent writers never deadlock. The key
        -- lookup runs after the lock with a fresh snapshot: a concurrent duplicate holds the same
        -- locks until it commits, so the lookup then sees its transaction.
        PERFORM FROM ledger_account WHERE code = ANY(codes) ORDER BY id FOR UPDATE;
        GET DIAGNOSTICS locked = ROW_COUNT;
        IF locked < cardinality(codes)
           OR EXISTS (
               SELECT FROM ledger_transaction
                WHERE idempotency_scope = scope AND idempotency_key = transactions->0->>'key'
           )
           -- On the locked accounts: what the triggers would refuse, asked before writing.
           OR EXISTS (
               SELECT FROM (
                   SELECT a.id, a.must_not_go_negative AS guarded,
                          a.currency <> p.currency OR a.country <> transactions->0->>'country'
                              AS misplaced,
                          CASE WHEN a.type IN ('asset', 'expense')
                               THEN a.posted_debits - a.posted_credits - a.pending_credits
                               ELSE a.posted_credits - a.posted_debits - a.pending_debits
                          END AS available,
                          p.amount * CASE WHEN a.type IN ('asset', 'expense') THEN 1 ELSE -1 END
                              AS change
                     FROM jsonb_to_recordset(transactions->0->'postings')
                          AS p(account text, currency text, amount numeric)
                     JOIN ledger_account a ON a.code = p.account
               ) s
               GROUP BY id, guarded, available
               -- Pending money in is not available until posted; pending money out is reserved.
               HAVING bool_or(misplaced) OR (guarded AND available + sum(
                   CASE WHEN change < 0 OR transactions->0->>'status' = 'posted'
                        THEN change ELSE 0 END) < 0)
           ) THEN
            RETURN NULL;
        END IF;
    END IF;
    INSERT INTO ledger_transaction (id, country, kind, status, effective_date, memo,
        "references", exchange_rates, expires_at, reversal_of, idempotency_scope,
        idempotency_key, fingerprint, created_by)
    SELECT t.id, t.country, t.kind, t.status, t.effective_date, t.memo, t."references",
           t.exchange_rates, t.expires_at, t.reversal_of, scope, t.key, t.fingerprint, actor
      FROM jsonb_to_recordset(transactions)
           AS t(id uuid, country text, kind text, status text, effective_date date, memo text,
                "references" jsonb, exchange_rates jsonb, expires_at timestamptz,
                reversal_of uuid, key text, fingerprint text);
    -- A code that names no account leaves account_id NULL, which the NOT NULL constraint
    -- refuses: a posting is never dropped silently. Rows are applied in the order inserted:
    -- transactions in the order given, each one's money in before its money out.
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
    op.execute("DROP TRIGGER ledger_posting_apply ON ledger_posting")
    op.execute(POSTING_APPLY)
    op.execute(
        "CREATE TRIGGER ledger_posting_apply AFTER INSERT ON ledger_posting "
        "FOR EACH ROW EXECUTE FUNCTION ledger_posting_apply()"
    )
    op.execute(CHECK_BALANCED)
    op.execute(ACCOUNT_GUARD)
    for statement in ACCOUNT_GUARD_TRIGGERS:
        op.execute(statement)
    op.execute(f"DROP FUNCTION {OLD_RECORD_SIGNATURE}")
    op.execute(RECORD_FUNCTION)


def _revision(filename: str) -> ModuleType:
    """An earlier revision's module, to restore its definitions as it wrote them."""
    spec = util.spec_from_file_location(filename, Path(__file__).with_name(filename))
    assert spec is not None
    assert spec.loader is not None
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _function(functions: str, name: str) -> str:
    """One `CREATE FUNCTION name` out of migration 0003's FUNCTIONS, as CREATE OR REPLACE."""
    for definition in functions.split("END $$;"):
        if f"CREATE FUNCTION {name}()" in definition:
            return definition.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION") + "END $$"
    raise LookupError(name)


def downgrade() -> None:
    functions = _revision("0003_ledger.py").FUNCTIONS
    record = _revision("0005_ledger_record_function.py").RECORD_FUNCTION
    op.execute("DROP FUNCTION ledger_record(boolean, text, text, jsonb)")
    op.execute(record)
    op.execute("DROP TRIGGER ledger_account_guard_update ON ledger_account")
    op.execute("DROP TRIGGER ledger_account_guard ON ledger_account")
    op.execute(_function(functions, "ledger_account_guard"))
    op.execute(
        "CREATE TRIGGER ledger_account_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_account "
        "FOR EACH ROW EXECUTE FUNCTION ledger_account_guard()"
    )
    op.execute(_function(functions, "ledger_check_balanced"))
    op.execute("DROP TRIGGER ledger_posting_apply ON ledger_posting")
    op.execute(_function(functions, "ledger_posting_apply"))
    op.execute(
        "CREATE TRIGGER ledger_posting_apply AFTER INSERT ON ledger_posting "
        "REFERENCING NEW TABLE AS new_postings "
        "FOR EACH STATEMENT EXECUTE FUNCTION ledger_posting_apply()"
    )

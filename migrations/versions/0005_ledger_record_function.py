"""ledger: one function records checked transactions in one round trip

Revision ID: 0005
Revises: 0004

`ledger_record` writes transactions (and their postings) that the Python pure core has already
checked, so a transaction costs one call instead of four statements (lock the accounts, look up
the idempotency keys, insert the transactions, insert the postings). It adds no rule and removes
none: the triggers of migration 0003 still refuse whatever breaks the ledger's invariants, for
this function as for any other writer.

With `attempt` true, it first locks the accounts named in id order (as every writer does) and
looks up the keys; if an account is missing, a key was used before in `scope`, or PostgreSQL's
own rules refuse the rows (a guarded balance below zero, an account of another currency or
country), it writes nothing and returns NULL, leaving the transaction usable: the caller then
reads the locked accounts and the earlier transactions, and its pure core names the fault or
returns the earlier result. With `attempt` false (the caller has locked, looked up and checked
everything itself) it only inserts, and a refusal is raised as PostgreSQL's own error.
It returns the creation time of the rows (`now()`, the start of the database transaction).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECORD_FUNCTION = """
CREATE FUNCTION ledger_record(
    attempt boolean,
    scope text,
    actor text,
    tx_ids uuid[],
    tx_countries text[],
    tx_kinds text[],
    tx_statuses text[],
    tx_effective_dates date[],
    tx_memos text[],
    tx_references jsonb[],
    tx_exchange_rates jsonb[],
    tx_expires_at timestamptz[],
    tx_reversals_of uuid[],
    tx_keys text[],
    tx_fingerprints text[],
    posting_ids uuid[],
    posting_transaction_ids uuid[],
    posting_positions smallint[],
    posting_account_codes text[],
    posting_currencies text[],
    posting_amounts numeric[]
) RETURNS timestamptz LANGUAGE plpgsql AS $$
DECLARE
    locked bigint;
BEGIN
    IF attempt THEN
        -- Every writer locks accounts in id order, so concurrent writers never deadlock. The key
        -- lookup runs after the lock with a fresh snapshot: a concurrent duplicate holds the same
        -- locks until it commits, so the lookup then sees its transaction.
        PERFORM FROM ledger_account WHERE code = ANY(posting_account_codes) ORDER BY id FOR UPDATE;
        GET DIAGNOSTICS locked = ROW_COUNT;
        IF locked < (SELECT count(DISTINCT c) FROM unnest(posting_account_codes) AS c)
           OR EXISTS (
               SELECT FROM ledger_transaction
                WHERE idempotency_scope = scope AND idempotency_key = ANY(tx_keys)
           ) THEN
            RETURN NULL;
        END IF;
    END IF;
    BEGIN
        INSERT INTO ledger_transaction (id, country, kind, status, effective_date, memo,
            "references", exchange_rates, expires_at, reversal_of, idempotency_scope,
            idempotency_key, fingerprint, created_by)
        SELECT t.id, t.country, t.kind, t.status, t.effective_date, t.memo, t.refs, t.rates,
               t.expires_at, t.reversal_of, scope, t.key, t.fingerprint, actor
          FROM unnest(tx_ids, tx_countries, tx_kinds, tx_statuses, tx_effective_dates, tx_memos,
                      tx_references, tx_exchange_rates, tx_expires_at, tx_reversals_of, tx_keys,
                      tx_fingerprints)
               AS t(id, country, kind, status, effective_date, memo, refs, rates, expires_at,
                    reversal_of, key, fingerprint);
        -- A code that names no account leaves account_id NULL, which the NOT NULL constraint
        -- refuses: a posting is never dropped silently.
        INSERT INTO ledger_posting (id, transaction_id, position, account_id, currency, amount)
        SELECT p.id, p.transaction_id, p.position, a.id, p.currency, p.amount
          FROM unnest(posting_ids, posting_transaction_ids, posting_positions,
                      posting_account_codes, posting_currencies, posting_amounts)
               AS p(id, transaction_id, position, code, currency, amount)
          LEFT JOIN ledger_account a ON a.code = p.code;
    EXCEPTION WHEN check_violation OR foreign_key_violation THEN
        -- The block's writes are rolled back; the locks taken before it are kept.
        IF attempt THEN
            RETURN NULL;
        END IF;
        RAISE;
    END;
    RETURN now();
END $$
"""


def upgrade() -> None:
    op.execute(RECORD_FUNCTION)


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION ledger_record(boolean, text, text, uuid[], text[], text[], text[], date[], "
        "text[], jsonb[], jsonb[], timestamptz[], uuid[], text[], text[], uuid[], uuid[], "
        "smallint[], text[], text[], numeric[])"
    )

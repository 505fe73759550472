"""ledger: accounts, transactions, postings and their database-enforced invariants

Revision ID: 0003
Revises: 0002

PostgreSQL itself enforces the ledger's rules, whatever code or person talks to it:
- a transaction's postings sum to zero per currency, and there are at least two
  (deferred constraint trigger, checked at commit);
- postings are never updated or deleted; a transaction changes only pending -> posted or
  pending -> voided, once, and is never deleted; postings are added only in the database
  transaction that created their transaction;
- a posting's currency is its account's (composite foreign key) and has no more decimals than
  the currency's minor units; its account belongs to the transaction's country;
- balances live in per-account counters that only these triggers change (once per statement
  and account); a CHECK refuses a guarded account's available balance below zero at the end of
  every statement, and the row lock each writer takes on the account serialises racing writers,
  so no update is lost.
The standard chart of the eight countries and the accepted currencies are written as data.
"""

import uuid
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
import uuid_utils
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CURRENCIES = {
    "CHF": 2,
    "DKK": 2,
    "EUR": 2,
    "GBP": 2,
    "ISK": 0,
    "NOK": 2,
    "PLN": 2,
    "SEK": 2,
    "USD": 2,
}
COUNTRY_CURRENCY = {
    "DK": "DKK",
    "EE": "EUR",
    "FI": "EUR",
    "IS": "ISK",
    "LT": "EUR",
    "LV": "EUR",
    "NO": "NOK",
    "SE": "SEK",
}
EXCHANGE_CURRENCIES = ("DKK", "EUR", "ISK", "NOK", "SEK")
# (code suffix, name, type, must not go negative): frozen here, as of this revision.
CHART = (
    ("bank", "Bank account of the fund", "asset", True),
    ("assets/confiscated", "Confiscated assets not yet realised", "asset", False),
    ("fund/victims", "Victims' fund", "fund_equity", True),
    ("fund/support-services", "Fund for victim-support services", "fund_equity", True),
    ("income/appropriation", "State appropriations", "income", False),
    ("income/confiscation", "Confiscated criminal assets", "income", False),
    ("income/recovery", "Recoveries from offenders", "income", False),
    ("expense/support-services", "Grants to victim-support services", "expense", False),
)

FUNCTIONS = """
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE FUNCTION ledger_account_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
    -- Only the posting and status triggers (depth > 1) move balances; people may rename.
    IF pg_trigger_depth() < 2 THEN
        expected := OLD;
        expected.name := NEW.name;
        IF expected IS DISTINCT FROM NEW THEN
            RAISE EXCEPTION 'only the name of a ledger account can be changed'
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION ledger_transaction_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    expected ledger_transaction;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ledger transactions are never deleted; reverse one instead'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'INSERT' THEN
        -- created_at marks the database transaction that may add postings (see postings).
        NEW.created_at := now();
        NEW.status_changed_at := NULL;
        NEW.status_changed_by := NULL;
        IF NEW.status NOT IN ('pending', 'posted') THEN
            RAISE EXCEPTION 'a transaction starts pending or posted' USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.expires_at IS NOT NULL AND NEW.status <> 'pending' THEN
            RAISE EXCEPTION 'only a pending transaction can expire' USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.reversal_of IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM ledger_transaction t
            WHERE t.id = NEW.reversal_of AND t.status = 'posted' AND t.kind <> 'reversal'
        ) THEN
            RAISE EXCEPTION 'only a posted transaction can be reversed'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.status <> 'pending' OR NEW.status NOT IN ('posted', 'voided') THEN
        RAISE EXCEPTION 'a transaction changes only from pending to posted or voided, once'
            USING ERRCODE = 'restrict_violation';
    END IF;
    NEW.status_changed_at := now();
    expected := OLD;
    expected.status := NEW.status;
    expected.status_changed_at := NEW.status_changed_at;
    expected.status_changed_by := NEW.status_changed_by;
    IF expected IS DISTINCT FROM NEW OR NEW.status_changed_by IS NULL THEN
        RAISE EXCEPTION 'posting or voiding changes the status (and who did it), nothing else'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION ledger_posting_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- One statement-level pass over the inserted postings (a batch of 1 000 transactions is one
    -- statement): refuse what breaks a rule, then move each account's counters once.
    IF EXISTS (
        SELECT 1 FROM new_postings p JOIN ledger_transaction t ON t.id = p.transaction_id
        WHERE t.created_at <> now() OR t.status = 'voided'
    ) THEN
        RAISE EXCEPTION 'postings are added only together with their transaction'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF EXISTS (
        SELECT 1 FROM new_postings p JOIN ledger_currency c ON c.code = p.currency
        WHERE p.amount <> round(p.amount, c.minor_units)
    ) THEN
        RAISE EXCEPTION 'an amount has more decimals than its currency''s minor units'
            USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (
        SELECT 1 FROM new_postings p
        JOIN ledger_transaction t ON t.id = p.transaction_id
        JOIN ledger_account a ON a.id = p.account_id
        WHERE a.country <> t.country
    ) THEN
        RAISE EXCEPTION 'a posting is on an account of its transaction''s country'
            USING ERRCODE = 'check_violation';
    END IF;
    UPDATE ledger_account a
       SET posted_debits = a.posted_debits + s.posted_debits,
           posted_credits = a.posted_credits + s.posted_credits,
           pending_debits = a.pending_debits + s.pending_debits,
           pending_credits = a.pending_credits + s.pending_credits
      FROM (
        SELECT p.account_id,
               coalesce(sum(greatest(p.amount, 0)) FILTER (WHERE t.status = 'posted'), 0) AS posted_debits,
               coalesce(sum(greatest(-p.amount, 0)) FILTER (WHERE t.status = 'posted'), 0) AS posted_credits,
               coalesce(sum(greatest(p.amount, 0)) FILTER (WHERE t.status = 'pending'), 0) AS pending_debits,
               coalesce(sum(greatest(-p.amount, 0)) FILTER (WHERE t.status = 'pending'), 0) AS pending_credits
          FROM new_postings p JOIN ledger_transaction t ON t.id = p.transaction_id
         GROUP BY p.account_id
      ) s
     WHERE a.id = s.account_id;
    RETURN NULL;
END $$;

CREATE FUNCTION ledger_transaction_settle() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p record;
    posted boolean := NEW.status = 'posted';
BEGIN
    -- In account order, like every other writer, so two settlements never deadlock.
    FOR p IN SELECT account_id, amount FROM ledger_posting
              WHERE transaction_id = NEW.id ORDER BY account_id, position LOOP
        UPDATE ledger_account
           SET pending_debits = pending_debits - greatest(p.amount, 0),
               pending_credits = pending_credits - greatest(-p.amount, 0),
               posted_debits = posted_debits + CASE WHEN posted THEN greatest(p.amount, 0) ELSE 0 END,
               posted_credits = posted_credits + CASE WHEN posted THEN greatest(-p.amount, 0) ELSE 0 END
         WHERE id = p.account_id;
    END LOOP;
    RETURN NULL;
END $$;

CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unbalanced text;
BEGIN
    IF (SELECT count(*) FROM ledger_posting WHERE transaction_id = NEW.id) < 2 THEN
        RAISE EXCEPTION 'transaction % has fewer than two postings', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT currency INTO unbalanced FROM ledger_posting WHERE transaction_id = NEW.id
     GROUP BY currency HAVING sum(amount) <> 0 LIMIT 1;
    IF unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'transaction % does not balance in %', NEW.id, unbalanced
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER ledger_account_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_account
    FOR EACH ROW EXECUTE FUNCTION ledger_account_guard();
CREATE TRIGGER ledger_transaction_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_transaction
    FOR EACH ROW EXECUTE FUNCTION ledger_transaction_guard();
CREATE TRIGGER ledger_transaction_settle AFTER UPDATE OF status ON ledger_transaction
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION ledger_transaction_settle();
CREATE CONSTRAINT TRIGGER ledger_transaction_balanced AFTER INSERT ON ledger_transaction
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();
CREATE TRIGGER ledger_posting_immutable BEFORE UPDATE OR DELETE ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_posting_apply AFTER INSERT ON ledger_posting
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_posting_apply();
CREATE TRIGGER ledger_posting_no_truncate BEFORE TRUNCATE ON ledger_posting
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_transaction_no_truncate BEFORE TRUNCATE ON ledger_transaction
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_account_no_truncate BEFORE TRUNCATE ON ledger_account
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
"""


def upgrade() -> None:
    op.create_table(
        "idempotency_record",
        sa.Column("owner_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.SmallInteger(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("owner_id", "key", name=op.f("pk_idempotency_record")),
    )
    currency = op.create_table(
        "ledger_currency",
        sa.Column("code", sa.String(length=3), nullable=False),
        sa.Column("minor_units", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint(
            "minor_units BETWEEN 0 AND 4", name=op.f("ck_ledger_currency_minor_units")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_ledger_currency")),
    )
    op.create_table(
        "ledger_transaction",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("memo", sa.String(length=500), server_default="", nullable=False),
        sa.Column(
            "references",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "exchange_rates",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reversal_of", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("idempotency_scope", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_changed_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "(kind = 'reversal') = (reversal_of IS NOT NULL)",
            name=op.f("ck_ledger_transaction_reversal"),
        ),
        sa.CheckConstraint(
            "kind IN ('appropriation', 'confiscation', 'allocation', 'award', 'payment', 'recovery', 'return_assistance', 'reversal', 'exchange', 'opening', 'adjustment')",
            name=op.f("ck_ledger_transaction_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'posted', 'voided')",
            name=op.f("ck_ledger_transaction_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["reversal_of"],
            ["ledger_transaction.id"],
            name=op.f("fk_ledger_transaction_reversal_of_ledger_transaction"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transaction")),
        sa.UniqueConstraint(
            "idempotency_scope", "idempotency_key", name="uq_ledger_transaction_idempotency"
        ),
        sa.UniqueConstraint("reversal_of", name=op.f("uq_ledger_transaction_reversal_of")),
    )
    op.create_index(
        "ix_ledger_transaction_country_effective_date",
        "ledger_transaction",
        ["country", "effective_date"],
        unique=False,
    )
    op.create_index(
        "ix_ledger_transaction_references",
        "ledger_transaction",
        ["references"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"references": "jsonb_path_ops"},
    )
    account = op.create_table(
        "ledger_account",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column(
            "must_not_go_negative", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("posted_debits", sa.Numeric(), server_default="0", nullable=False),
        sa.Column("posted_credits", sa.Numeric(), server_default="0", nullable=False),
        sa.Column("pending_debits", sa.Numeric(), server_default="0", nullable=False),
        sa.Column("pending_credits", sa.Numeric(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "NOT must_not_go_negative OR CASE WHEN type IN ('asset', 'expense') THEN posted_debits - posted_credits - pending_credits ELSE posted_credits - posted_debits - pending_debits END >= 0",
            name=op.f("ck_ledger_account_available_not_negative"),
        ),
        sa.CheckConstraint("country ~ '^[A-Z]{2}$'", name=op.f("ck_ledger_account_country_code")),
        sa.CheckConstraint(
            "starts_with(code, country || '/')", name=op.f("ck_ledger_account_code_of_country")
        ),
        sa.CheckConstraint(
            "type IN ('asset', 'liability', 'fund_equity', 'income', 'expense')",
            name=op.f("ck_ledger_account_type_known"),
        ),
        sa.CheckConstraint(
            "posted_debits >= 0 AND posted_credits >= 0 AND pending_debits >= 0 AND pending_credits >= 0",
            name=op.f("ck_ledger_account_counters_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["currency"],
            ["ledger_currency.code"],
            name=op.f("fk_ledger_account_currency_ledger_currency"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_account")),
        sa.UniqueConstraint("code", name=op.f("uq_ledger_account_code")),
        sa.UniqueConstraint("id", "currency", name="uq_ledger_account_id_currency"),
    )
    op.create_table(
        "ledger_posting",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("transaction_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("account_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_ledger_posting_amount_not_zero")),
        sa.ForeignKeyConstraint(
            ["account_id", "currency"],
            ["ledger_account.id", "ledger_account.currency"],
            name="fk_ledger_posting_account_currency",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transaction.id"],
            name=op.f("fk_ledger_posting_transaction_id_ledger_transaction"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_posting")),
        sa.UniqueConstraint("transaction_id", "position", name="uq_ledger_posting_position"),
    )
    op.create_index("ix_ledger_posting_account_id", "ledger_posting", ["account_id"], unique=False)
    # asyncpg runs one statement per call.
    for function in FUNCTIONS.split("END $$;"):
        if function.strip():
            op.execute(function + "END $$;")
    for trigger in TRIGGERS.split(";"):
        if trigger.strip():
            op.execute(trigger)

    op.bulk_insert(currency, [{"code": c, "minor_units": u} for c, u in CURRENCIES.items()])
    rows = []
    for country, home in sorted(COUNTRY_CURRENCY.items()):
        for suffix, name, type_, guarded in CHART:
            rows.append((f"{country}/{suffix}", name, type_, home, country, guarded))
        for cur in EXCHANGE_CURRENCIES:
            rows.append(
                (
                    f"{country}/exchange/{cur}",
                    f"Currency exchange position in {cur}",
                    "asset",
                    cur,
                    country,
                    False,
                )
            )
    op.bulk_insert(
        account,
        [
            {
                "id": _uuid7(),
                "code": code,
                "name": name,
                "type": type_,
                "currency": cur,
                "country": country,
                "must_not_go_negative": guarded,
            }
            for code, name, type_, cur, country, guarded in rows
        ],
    )


def _uuid7():
    return uuid.UUID(bytes=uuid_utils.uuid7().bytes)


def downgrade() -> None:
    op.drop_index("ix_ledger_posting_account_id", table_name="ledger_posting")
    op.drop_table("ledger_posting")
    op.drop_table("ledger_account")
    op.drop_index(
        "ix_ledger_transaction_references",
        table_name="ledger_transaction",
        postgresql_using="gin",
        postgresql_ops={"references": "jsonb_path_ops"},
    )
    op.drop_index("ix_ledger_transaction_country_effective_date", table_name="ledger_transaction")
    op.drop_table("ledger_transaction")
    op.drop_table("ledger_currency")
    op.drop_table("idempotency_record")
    op.execute(
        "DROP FUNCTION ledger_refuse_change(), ledger_account_guard(), ledger_transaction_guard(), "
        "ledger_posting_apply(), ledger_transaction_settle(), ledger_check_balanced()"
    )

"""funding: confiscation orders and realisations, appropriations, recoveries, grants, releases

Revision ID: 0014
Revises: 0013

Each record points at the one ledger transaction that moved its money. The ledger learns two
kinds: `grant` (support-services fund to an organisation) and `earmark_release` (a case's unclaimed
earmark back to the victims' fund), and a case's earmarked account belongs to the case (`owner`
`case:<case>`), so only the confiscation routes and that case's claims move its money.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS_BEFORE = (
    "'appropriation', 'confiscation', 'allocation', 'award', 'payment', 'recovery', "
    "'return_assistance', 'reversal', 'exchange', 'opening', 'adjustment'"
)
_KINDS_AFTER = _KINDS_BEFORE + ", 'grant', 'earmark_release'"


def _kinds(kinds: str) -> None:
    op.drop_constraint(op.f("ck_ledger_transaction_kind_known"), "ledger_transaction")
    op.create_check_constraint(
        op.f("ck_ledger_transaction_kind_known"), "ledger_transaction", f"kind IN ({kinds})"
    )


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)]


_OWNER_BEFORE = (
    "CASE WHEN code ~ '^[A-Z]{2}/payable/(award|return)/([^/]+)$' THEN "
    "CASE split_part(code, '/', 3) WHEN 'award' THEN 'claim' ELSE 'application' END "
    "|| ':' || split_part(code, '/', 4) END"
)
_OWNER_AFTER = (
    "CASE WHEN code ~ '^[A-Z]{2}/(payable/award|payable/return|earmarked)/([^/]+)$' THEN "
    "CASE WHEN split_part(code, '/', 2) = 'earmarked' THEN 'case:' || split_part(code, '/', 3) "
    "WHEN split_part(code, '/', 3) = 'award' THEN 'claim:' || split_part(code, '/', 4) "
    "ELSE 'application:' || split_part(code, '/', 4) END END"
)


def _owner(expression: str) -> None:
    """A case's earmarked account belongs to the case (`case:<case>`), as payables belong to
    their claim: its money moves only through the confiscation routes and that case's claims."""
    op.drop_constraint(op.f("ck_ledger_account_owned_guarded"), "ledger_account", type_="check")
    op.execute("ALTER TABLE ledger_account DROP COLUMN owner")
    op.execute(
        f"ALTER TABLE ledger_account ADD COLUMN owner varchar(210) "
        f"GENERATED ALWAYS AS ({expression}) STORED"
    )
    # Earmarks were always opened guarded; this one correction of older rows is the migration's.
    op.execute("ALTER TABLE ledger_account DISABLE TRIGGER ledger_account_guard_update")
    op.execute(
        "UPDATE ledger_account SET must_not_go_negative = true "
        "WHERE owner IS NOT NULL AND NOT must_not_go_negative"
    )
    op.execute("ALTER TABLE ledger_account ENABLE TRIGGER ledger_account_guard_update")
    op.create_check_constraint(
        op.f("ck_ledger_account_owned_guarded"),
        "ledger_account",
        "owner IS NULL OR must_not_go_negative",
    )


def upgrade() -> None:
    _kinds(_KINDS_AFTER)
    _owner(_OWNER_AFTER)
    op.create_table(
        "confiscation_order",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("court", sa.String(length=200), nullable=False),
        sa.Column("case_reference", sa.String(length=60), nullable=False),
        sa.Column("ordered_on", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("estimated_value", sa.Numeric(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        *_stamps(),
        sa.CheckConstraint(
            "estimated_value >= 0", name=op.f("ck_confiscation_order_estimated_value_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confiscation_order")),
    )
    op.create_index(
        "ix_confiscation_order_country_case",
        "confiscation_order",
        ["country", "case_reference"],
    )
    op.create_table(
        "confiscation_realisation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("confiscation_id", sa.Uuid(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("case_victims", sa.Numeric(), nullable=False),
        sa.Column("victims_fund", sa.Numeric(), nullable=False),
        sa.Column("support_services", sa.Numeric(), nullable=False),
        sa.Column("policy_reference", sa.String(length=500), nullable=False),
        sa.Column("release_due_on", sa.Date(), nullable=False),
        sa.Column("transaction_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        *_stamps(),
        sa.CheckConstraint("amount > 0", name=op.f("ck_confiscation_realisation_amount_positive")),
        sa.ForeignKeyConstraint(
            ["confiscation_id"],
            ["confiscation_order.id"],
            name=op.f("fk_confiscation_realisation_confiscation_id_confiscation_order"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transaction.id"],
            name=op.f("fk_confiscation_realisation_transaction_id_ledger_transaction"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confiscation_realisation")),
        sa.UniqueConstraint(
            "transaction_id", name=op.f("uq_confiscation_realisation_transaction_id")
        ),
    )
    op.create_index(
        op.f("ix_confiscation_realisation_confiscation_id"),
        "confiscation_realisation",
        ["confiscation_id"],
    )
    op.create_table(
        "fund_movement",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("court_reference", sa.String(length=100), nullable=True),
        sa.Column("case_reference", sa.String(length=60), nullable=True),
        sa.Column("claim_id", sa.Uuid(), nullable=True),
        sa.Column("offender_subject_id", sa.Uuid(), nullable=True),
        sa.Column("offender_name", sa.LargeBinary(), nullable=True),
        sa.Column("transaction_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        *_stamps(),
        sa.CheckConstraint(
            "kind IN ('appropriation', 'recovery', 'grant')",
            name=op.f("ck_fund_movement_kind_known"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_fund_movement_amount_positive")),
        sa.CheckConstraint(
            "(kind = 'recovery') = (court_reference IS NOT NULL)",
            name=op.f("ck_fund_movement_recovery_has_court"),
        ),
        sa.CheckConstraint(
            "(kind = 'grant') = (organisation IS NOT NULL)",
            name=op.f("ck_fund_movement_grant_has_ngo"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transaction.id"],
            name=op.f("fk_fund_movement_transaction_id_ledger_transaction"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_movement")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_fund_movement_transaction_id")),
    )
    op.create_index(
        "ix_fund_movement_country_kind_date",
        "fund_movement",
        ["country", "kind", "effective_date"],
    )
    op.create_table(
        "earmark_release",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("case_reference", sa.String(length=60), nullable=False),
        sa.Column("amount", sa.Numeric(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("transaction_id", sa.Uuid(), nullable=False),
        sa.Column("released_by", sa.String(length=200), nullable=False),
        *_stamps(),
        sa.CheckConstraint("amount > 0", name=op.f("ck_earmark_release_amount_positive")),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transaction.id"],
            name=op.f("fk_earmark_release_transaction_id_ledger_transaction"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_earmark_release")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_earmark_release_transaction_id")),
    )
    # The records explain money that moved: like the postings, they are never changed or removed.
    op.execute(
        "CREATE FUNCTION funding_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP "
        "USING ERRCODE = 'restrict_violation'; END $$"
    )
    for table in ("confiscation_realisation", "fund_movement", "earmark_release"):
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION funding_append_only()"
        )


def downgrade() -> None:
    op.drop_table("earmark_release")
    op.drop_index("ix_fund_movement_country_kind_date", table_name="fund_movement")
    op.drop_table("fund_movement")
    op.drop_index(
        op.f("ix_confiscation_realisation_confiscation_id"), table_name="confiscation_realisation"
    )
    op.drop_table("confiscation_realisation")
    op.drop_index("ix_confiscation_order_country_case", table_name="confiscation_order")
    op.drop_table("confiscation_order")
    op.execute("DROP FUNCTION funding_append_only()")
    _owner(_OWNER_BEFORE)
    _kinds(_KINDS_BEFORE)

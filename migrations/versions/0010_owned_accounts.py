"""ledger: accounts that belong to a claim or an application, and never go below zero

Revision ID: 0010
Revises: 0009

`owner` is derived from the code (`<CC>/payable/award/<claim>` belongs to `claim:<claim>`,
`<CC>/payable/return/<application>` to `application:<application>`), so no writer can detach an
account from its owner. An owned payable is guarded like the bank and the funds: the CHECK
`available_not_negative` then refuses, in PostgreSQL itself, a payment beyond what was awarded,
however it is written. Existing payables are guarded here; a payable that is already negative
makes the migration fail, since its books need a person's correction first.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNER = (
    "CASE WHEN code ~ '^[A-Z]{2}/payable/(award|return)/([^/]+)$' THEN "
    "CASE split_part(code, '/', 3) WHEN 'award' THEN 'claim' ELSE 'application' END "
    "|| ':' || split_part(code, '/', 4) END"
)


def upgrade() -> None:
    op.execute(
        f"ALTER TABLE ledger_account ADD COLUMN owner varchar(210) GENERATED ALWAYS AS ({OWNER}) "
        "STORED"
    )
    # Only the name of an account may change by hand; this one correction is the migration's.
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


def downgrade() -> None:
    op.drop_constraint(op.f("ck_ledger_account_owned_guarded"), "ledger_account", type_="check")
    op.execute("ALTER TABLE ledger_account DROP COLUMN owner")

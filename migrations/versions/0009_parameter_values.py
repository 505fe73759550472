"""parameter values entered at run time; a claim records why no proposal could be made

Revision ID: 0009
Revises: 0008

A figure that changes every year (Norway's G each May) cannot wait for a release: an
administrator enters it with its legal source and a second confirms it. Once confirmed or
rejected a value is evidence of what the law was taken to be: whatever talks to the database,
it is never changed, and no value is ever deleted (a correction is a new value).
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GUARD_FUNCTION = """
CREATE FUNCTION parameter_value_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'parameter values are never deleted'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.status <> 'pending' THEN
        RAISE EXCEPTION 'a % parameter value cannot change; enter a new value', OLD.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (NEW.id, NEW.country, NEW.name, NEW.effective_from, NEW.value, NEW.legal_source,
        NEW.source_document, NEW.note, NEW.entered_by, NEW.entered_by_name, NEW.entered_at)
       IS DISTINCT FROM
       (OLD.id, OLD.country, OLD.name, OLD.effective_from, OLD.value, OLD.legal_source,
        OLD.source_document, OLD.note, OLD.entered_by, OLD.entered_by_name, OLD.entered_at) THEN
        RAISE EXCEPTION 'an entered parameter value is only confirmed or rejected, never edited'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$
"""


_SUB_KIND = (
    "(category = 'material_loss' AND sub_kind IN ('medical', 'property', 'lost_income', 'other')) "
    "OR (category = 'non_material' AND (sub_kind IS NULL OR sub_kind IN "
    "('pain_and_suffering', 'violation', 'permanent_injury'))) "
    "OR (category = 'withheld_earnings' AND sub_kind IS NULL)"
)
"""Non-material damage has sub-kinds too (Finland caps kärsimys and pain differently)."""


def upgrade() -> None:
    op.drop_constraint(op.f("ck_claim_head_sub_kind"), "claim_head", type_="check")
    op.create_check_constraint(op.f("ck_claim_head_sub_kind"), "claim_head", _SUB_KIND)
    op.add_column("claim", sa.Column("police_report_date", sa.Date(), nullable=True))
    op.add_column("claim", sa.Column("no_proposal_code", sa.String(length=40), nullable=True))
    op.add_column("claim", sa.Column("no_proposal_reason", sa.Text(), nullable=True))
    op.create_table(
        "parameter_value",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("value", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("legal_source", sa.Text(), nullable=False),
        sa.Column("source_document", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("entered_by", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("entered_by_name", sa.String(length=120), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("decided_by_name", sa.String(length=120), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'rejected')", name=op.f("ck_parameter_value_status")
        ),
        sa.CheckConstraint(
            "length(btrim(legal_source)) > 0", name=op.f("ck_parameter_value_legal_source_given")
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_by IS NULL AND decided_at IS NULL)",
            name=op.f("ck_parameter_value_decided_when_not_pending"),
        ),
        sa.CheckConstraint(
            "decided_by IS NULL OR decided_by <> entered_by",
            name=op.f("ck_parameter_value_four_eyes"),
        ),
        sa.ForeignKeyConstraint(
            ["entered_by"],
            ["user_account.id"],
            name=op.f("fk_parameter_value_entered_by_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["user_account.id"],
            name=op.f("fk_parameter_value_decided_by_user_account"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parameter_value")),
    )
    op.create_index(
        "ix_parameter_value_country_name",
        "parameter_value",
        ["country", "name", "effective_from"],
        unique=False,
    )
    op.execute(_GUARD_FUNCTION)
    op.execute(
        "CREATE TRIGGER parameter_value_guard BEFORE UPDATE OR DELETE ON parameter_value "
        "FOR EACH ROW EXECUTE FUNCTION parameter_value_guard()"
    )


def downgrade() -> None:
    op.drop_index("ix_parameter_value_country_name", table_name="parameter_value")
    op.drop_table("parameter_value")
    op.execute("DROP FUNCTION parameter_value_guard()")
    op.drop_constraint(op.f("ck_claim_head_sub_kind"), "claim_head", type_="check")
    op.create_check_constraint(
        op.f("ck_claim_head_sub_kind"),
        "claim_head",
        "(category = 'material_loss') = (sub_kind IS NOT NULL)",
    )
    op.drop_column("claim", "no_proposal_reason")
    op.drop_column("claim", "no_proposal_code")
    op.drop_column("claim", "police_report_date")

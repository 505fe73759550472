"""claims: claimants, claims, heads of damage, transitions, documents

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The lifecycle history and the payments are evidence: whatever talks to the database, a recorded
# step or payment is never changed or removed (a correction is a new row).
_APPEND_ONLY = ("claim_transition", "claim_payment")
_APPEND_ONLY_FUNCTION = """
CREATE FUNCTION claims_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END;
$$
"""


def upgrade() -> None:
    op.create_table(
        "claims_reference_counter",
        sa.Column("prefix", sa.String(length=4), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", "year", name=op.f("pk_claims_reference_counter")),
    )
    op.create_table(
        "claimant",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("organisation_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("subject_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("given_names_enc", sa.LargeBinary(), nullable=False),
        sa.Column("family_name_enc", sa.LargeBinary(), nullable=False),
        sa.Column("birth_date_enc", sa.LargeBinary(), nullable=True),
        sa.Column("address_enc", sa.LargeBinary(), nullable=True),
        sa.Column("phone_enc", sa.LargeBinary(), nullable=True),
        sa.Column("email_enc", sa.LargeBinary(), nullable=True),
        sa.Column("bank_account_enc", sa.LargeBinary(), nullable=True),
        sa.Column("statement_enc", sa.LargeBinary(), nullable=True),
        sa.Column("preferred_language", sa.String(length=8), nullable=False),
        sa.Column(
            "confidential_address", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("identification_status", sa.String(length=10), nullable=False),
        sa.Column(
            "mandate_adviser_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False
        ),
        sa.Column("mandate_date", sa.Date(), nullable=False),
        sa.Column("mandate_scope", sa.ARRAY(sa.String(length=30)), nullable=False),
        sa.Column("created_by", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "identification_status IN ('presumed', 'identified')", name=op.f("ck_claimant_ident")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_claimant_version_positive")),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_claimant_created_by_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["mandate_adviser_id"],
            ["user_account.id"],
            name=op.f("fk_claimant_mandate_adviser_id_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_claimant_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["personal_data_key.subject_id"],
            name=op.f("fk_claimant_subject_id_personal_data_key"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claimant")),
        sa.UniqueConstraint("reference", name=op.f("uq_claimant_reference")),
        sa.UniqueConstraint("subject_id", name=op.f("uq_claimant_subject_id")),
    )
    op.create_index(
        op.f("ix_claimant_organisation_id"), "claimant", ["organisation_id"], unique=False
    )
    op.create_table(
        "claim",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("claimant_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("organisation_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("offence", sa.String(length=60), nullable=False),
        sa.Column("crime_date", sa.Date(), nullable=False),
        sa.Column("crime_place", sa.String(length=120), nullable=True),
        sa.Column("crime_in_country", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("resident_in_country", sa.Boolean(), nullable=True),
        sa.Column("reported_to_police", sa.Boolean(), nullable=False),
        sa.Column("police_case_reference", sa.String(length=100), nullable=True),
        sa.Column("judgment_reference", sa.String(length=100), nullable=True),
        sa.Column("judgment_date", sa.Date(), nullable=True),
        sa.Column("proceedings_end_date", sa.Date(), nullable=True),
        sa.Column("victim_recognition_date", sa.Date(), nullable=True),
        sa.Column("is_minor_at_crime", sa.Boolean(), nullable=True),
        sa.Column("court_awarded", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("earmarked_case", sa.String(length=60), nullable=True),
        sa.Column("created_by", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("assessment", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assessed_by", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("second_approval_threshold", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("awarded_total", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("decided_before", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "award_transaction_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True
        ),
        sa.Column("letter_issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("letter_languages", sa.ARRAY(sa.String(length=8)), nullable=True),
        sa.Column(
            "paid_total", sa.Numeric(precision=20, scale=2), server_default="0", nullable=False
        ),
        sa.CheckConstraint("country ~ '^[A-Z]{2}$'", name=op.f("ck_claim_country_code")),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_claim_currency_code")),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('approved', 'partly_approved', 'rejected')",
            name=op.f("ck_claim_outcome_known"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'under_review', 'information_requested', 'assessed', 'awaiting_second_approval', 'decided', 'letter_issued', 'partly_paid', 'paid', 'closed', 'withdrawn', 'appealed')",
            name=op.f("ck_claim_status_known"),
        ),
        sa.CheckConstraint(
            "awarded_total IS NULL OR awarded_total >= 0", name=op.f("ck_claim_award_positive")
        ),
        sa.CheckConstraint(
            "confirmed_by IS NULL OR confirmed_by <> decided_by", name=op.f("ck_claim_four_eyes")
        ),
        sa.CheckConstraint("paid_total >= 0", name=op.f("ck_claim_paid_not_negative")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_claim_version_positive")),
        sa.ForeignKeyConstraint(
            ["assessed_by"],
            ["user_account.id"],
            name=op.f("fk_claim_assessed_by_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["award_transaction_id"],
            ["ledger_transaction.id"],
            name=op.f("fk_claim_award_transaction_id_ledger_transaction"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["claimant_id"],
            ["claimant.id"],
            name=op.f("fk_claim_claimant_id_claimant"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by"],
            ["user_account.id"],
            name=op.f("fk_claim_confirmed_by_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_claim_created_by_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["user_account.id"],
            name=op.f("fk_claim_decided_by_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_claim_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim")),
        sa.UniqueConstraint("reference", name=op.f("uq_claim_reference")),
    )
    op.create_index(op.f("ix_claim_claimant_id"), "claim", ["claimant_id"], unique=False)
    op.create_index(op.f("ix_claim_organisation_id"), "claim", ["organisation_id"], unique=False)
    op.create_index("ix_claim_queue", "claim", ["country", "status", "submitted_at"], unique=False)
    op.create_table(
        "claim_document",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("claimant_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("claim_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename_enc", sa.LargeBinary(), nullable=False),
        sa.Column("content_enc", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column(
            "uploaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(kind = 'evidence') = (claim_id IS NOT NULL)",
            name=op.f("ck_claim_document_evidence_claim"),
        ),
        sa.CheckConstraint(
            "kind IN ('evidence', 'mandate')", name=op.f("ck_claim_document_kind_known")
        ),
        sa.CheckConstraint(
            "media_type IN ('application/pdf', 'image/jpeg', 'image/png')",
            name=op.f("ck_claim_document_media_type"),
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
            name=op.f("fk_claim_document_claim_id_claim"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["claimant_id"],
            ["claimant.id"],
            name=op.f("fk_claim_document_claimant_id_claimant"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["user_account.id"],
            name=op.f("fk_claim_document_uploaded_by_user_account"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_document")),
    )
    op.create_index(
        op.f("ix_claim_document_claim_id"), "claim_document", ["claim_id"], unique=False
    )
    op.create_index(
        op.f("ix_claim_document_claimant_id"), "claim_document", ["claimant_id"], unique=False
    )
    op.create_table(
        "claim_head",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("claim_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("sub_kind", sa.String(length=30), nullable=True),
        sa.Column("amount_claimed", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("proposed", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("awarded", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(category = 'material_loss') = (sub_kind IS NOT NULL)",
            name=op.f("ck_claim_head_sub_kind"),
        ),
        sa.CheckConstraint(
            "category IN ('non_material', 'material_loss', 'withheld_earnings')",
            name=op.f("ck_claim_head_category_known"),
        ),
        sa.CheckConstraint("amount_claimed > 0", name=op.f("ck_claim_head_claimed_positive")),
        sa.CheckConstraint(
            "awarded IS NULL OR awarded >= 0", name=op.f("ck_claim_head_awarded_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
            name=op.f("fk_claim_head_claim_id_claim"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_head")),
        sa.UniqueConstraint("claim_id", "position", name=op.f("uq_claim_head_claim_id")),
    )
    op.create_index(op.f("ix_claim_head_claim_id"), "claim_head", ["claim_id"], unique=False)
    op.create_table(
        "claim_information_request",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("claim_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("requested_by", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column(
            "requested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("answer_enc", sa.LargeBinary(), nullable=True),
        sa.Column("answered_by", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by"],
            ["user_account.id"],
            name=op.f("fk_claim_information_request_answered_by_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
            name=op.f("fk_claim_information_request_claim_id_claim"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["user_account.id"],
            name=op.f("fk_claim_information_request_requested_by_user_account"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_information_request")),
    )
    op.create_index(
        op.f("ix_claim_information_request_claim_id"),
        "claim_information_request",
        ["claim_id"],
        unique=False,
    )
    op.create_table(
        "claim_payment",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("claim_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("bank_reference", sa.String(length=100), nullable=True),
        sa.Column("transaction_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("recorded_by", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_claim_payment_amount_positive")),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
            name=op.f("fk_claim_payment_claim_id_claim"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
            name=op.f("fk_claim_payment_recorded_by_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transaction.id"],
            name=op.f("fk_claim_payment_transaction_id_ledger_transaction"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_payment")),
    )
    op.create_index(op.f("ix_claim_payment_claim_id"), "claim_payment", ["claim_id"], unique=False)
    op.create_table(
        "claim_prior_payment",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("claim_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=True),
        sa.CheckConstraint(
            "source IN ('offender', 'insurance', 'other_scheme', 'advance')",
            name=op.f("ck_claim_prior_payment_source_known"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_claim_prior_payment_amount_positive")),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
            name=op.f("fk_claim_prior_payment_claim_id_claim"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_prior_payment")),
        sa.UniqueConstraint("claim_id", "position", name=op.f("uq_claim_prior_payment_claim_id")),
    )
    op.create_index(
        op.f("ix_claim_prior_payment_claim_id"), "claim_prior_payment", ["claim_id"], unique=False
    )
    op.create_table(
        "claim_transition",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("claim_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=30), nullable=True),
        sa.Column("to_status", sa.String(length=30), nullable=False),
        sa.Column("actor_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "event IN ('submit', 'start_review', 'request_information', 'answer_information', 'assess', 'decide', 'decide_above_threshold', 'confirm', 'send_back', 'issue_letter', 'pay_in_part', 'pay_in_full', 'close', 'withdraw', 'appeal')",
            name=op.f("ck_claim_transition_event_known"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_claim_transition_actor_id_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
            name=op.f("fk_claim_transition_claim_id_claim"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_transition")),
    )
    op.create_index(
        "ix_claim_transition_claim", "claim_transition", ["claim_id", "occurred_at"], unique=False
    )
    op.execute(_APPEND_ONLY_FUNCTION)
    for table in _APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION claims_refuse_change()"
        )


def downgrade() -> None:
    op.drop_index("ix_claim_transition_claim", table_name="claim_transition")
    op.drop_table("claim_transition")
    op.drop_index(op.f("ix_claim_prior_payment_claim_id"), table_name="claim_prior_payment")
    op.drop_table("claim_prior_payment")
    op.drop_index(op.f("ix_claim_payment_claim_id"), table_name="claim_payment")
    op.drop_table("claim_payment")
    op.drop_index(
        op.f("ix_claim_information_request_claim_id"), table_name="claim_information_request"
    )
    op.drop_table("claim_information_request")
    op.drop_index(op.f("ix_claim_head_claim_id"), table_name="claim_head")
    op.drop_table("claim_head")
    op.drop_index(op.f("ix_claim_document_claimant_id"), table_name="claim_document")
    op.drop_index(op.f("ix_claim_document_claim_id"), table_name="claim_document")
    op.drop_table("claim_document")
    op.drop_index("ix_claim_queue", table_name="claim")
    op.drop_index(op.f("ix_claim_organisation_id"), table_name="claim")
    op.drop_index(op.f("ix_claim_claimant_id"), table_name="claim")
    op.drop_table("claim")
    op.drop_index(op.f("ix_claimant_organisation_id"), table_name="claimant")
    op.drop_table("claimant")
    op.drop_table("claims_reference_counter")
    op.execute("DROP FUNCTION claims_refuse_change()")

"""claims: an overpayment's steps are in the claim's history, and a waiver may cover part of it

Revision ID: 0025
Revises: 0024

Each step of an overpayment (found when the appeal's letter is issued, asked back, waived,
a waiver confirmed or sent back, a repayment) is a `claim_transition` like every other step,
with the amount it concerned; the claim's status does not change. A waiver above the threshold
keeps the amount it writes off (`overpayment_waiving`) until the second administrator decides:
all she owes, or part of it, the rest being asked back.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EVENTS_BEFORE = (
    "'submit', 'start_review', 'request_information', 'answer_information', 'assess', 'decide', "
    "'decide_above_threshold', 'confirm', 'send_back', 'issue_letter', 'pay_in_part', "
    "'pay_in_full', 'close', 'withdraw', 'appeal'"
)
_EVENTS_AFTER = _EVENTS_BEFORE + (
    ", 'overpayment_recorded', 'overpayment_recover', 'overpayment_waive', "
    "'overpayment_waiver_proposed', 'overpayment_waiver_confirm', "
    "'overpayment_waiver_send_back', 'overpayment_repayment'"
)
_MONEY = sa.Numeric(20, 2)


def _events(events: str) -> None:
    op.drop_constraint(op.f("ck_claim_transition_event_known"), "claim_transition")
    op.create_check_constraint(
        op.f("ck_claim_transition_event_known"), "claim_transition", f"event IN ({events})"
    )


def upgrade() -> None:
    _events(_EVENTS_AFTER)
    op.add_column("claim_transition", sa.Column("amount", _MONEY, nullable=True))
    op.add_column("claim", sa.Column("overpayment_waiving", _MONEY, nullable=True))
    op.create_check_constraint(
        op.f("ck_claim_overpayment_waiving_positive"),
        "claim",
        "overpayment_waiving IS NULL OR overpayment_waiving > 0",
    )
    # A waiver that waits for its second administrator waived all she owed (none was partial).
    op.execute(
        "UPDATE claim SET overpayment_waiving = overpayment_owed "
        "WHERE overpayment_decision = 'waive' AND overpayment_owed > 0"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_claim_overpayment_waiving_positive"), "claim", type_="check")
    op.drop_column("claim", "overpayment_waiving")
    # The history keeps its facts: downgrading drops the overpayment steps' amounts and lines.
    op.execute("ALTER TABLE claim_transition DISABLE TRIGGER USER")
    op.execute("DELETE FROM claim_transition WHERE event LIKE 'overpayment_%'")
    op.execute("ALTER TABLE claim_transition ENABLE TRIGGER USER")
    op.drop_column("claim_transition", "amount")
    _events(_EVENTS_BEFORE)

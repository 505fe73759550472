"""privacy versions: erasure requests and legal holds carry a version (their ETag)

Revision ID: 0018
Revises: 0016

Confirming or cancelling an erasure request and lifting a hold are changes like a claim's
steps: they need the version the person read as If-Match (428 without, 412 when stale), so two
administrators acting on the same request at once cannot both believe they decided it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("erasure_request", "legal_hold")


def upgrade() -> None:
    for table in _TABLES:
        op.add_column(table, sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    for table in _TABLES:
        op.drop_column(table, "version")

"""delete after: the date each event is deleted, set by its facilitators

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-02 13:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        # Null: the instance's default (LENSWALK_RETENTION_DAYS after closing).
        batch_op.add_column(sa.Column("delete_after", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("delete_after")

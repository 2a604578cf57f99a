"""sign out ends every copy of a session

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 14:14:42.347011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("facilitator", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("facilitator", schema=None) as batch_op:
        batch_op.drop_column("session_version")

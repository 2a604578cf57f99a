"""board link for the venue PC

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 13:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("board_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("board_link_version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_unique_constraint("uq_event_board_token_hash", ["board_token_hash"])


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_constraint("uq_event_board_token_hash", type_="unique")
        batch_op.drop_column("board_link_version")
        batch_op.drop_column("board_token_hash")

"""own vignettes: a facilitator's vignettes can be archived (hidden from choice lists, kept for
the events that use them) and restored

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-02 17:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("vignette", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("vignette", schema=None) as batch_op:
        batch_op.drop_column("archived")

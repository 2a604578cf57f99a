"""progress: an event's public "You said, we did" page (its short code, whether it is published,
and which priorities and actions it shows)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "progress_page",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("improvement_ids", sa.JSON(), nullable=False),
        sa.Column("action_ids", sa.JSON(), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_progress_page_event_id_event"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_progress_page")),
        sa.UniqueConstraint("code", name=op.f("uq_progress_page_code")),
    )


def downgrade() -> None:
    op.drop_table("progress_page")

"""reviews: an event's review schedule, the reviews held (who took part, by role only), each
action's status history, and "dropped" as an action status

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("not_started", "in_progress", "done", "stuck")
AFTER = (*BEFORE, "dropped")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _postgres():
        op.execute("ALTER TYPE actionstatus ADD VALUE IF NOT EXISTS 'dropped'")
    op.create_table(
        "review_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("interval_weeks", sa.Integer(), nullable=False),
        sa.Column("first_review", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_event_id"), ["event_id"], unique=False)
    op.create_table(
        "status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        # The action's own status type, already made by 0005.
        sa.Column("status", postgresql.ENUM(*AFTER, name="actionstatus", create_type=False), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("evidence_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["action.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("status_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_change_action_id"), ["action_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_status_change_review_id"), ["review_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_change_review_id"))
        batch_op.drop_index(batch_op.f("ix_status_change_action_id"))
    op.drop_table("status_change")
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_event_id"))
    op.drop_table("review")
    op.drop_table("review_schedule")
    # A dropped action goes back to "stuck", the nearest status the older schema knows.
    op.execute("UPDATE action SET status = 'stuck' WHERE status = 'dropped'")
    if _postgres():
        # PostgreSQL cannot take a value out of an enum type: make the type again without it.
        op.execute("ALTER TYPE actionstatus RENAME TO actionstatus_old")
        op.execute("CREATE TYPE actionstatus AS ENUM (" + ", ".join(f"'{v}'" for v in BEFORE) + ")")
        op.execute(
            "ALTER TABLE action ALTER COLUMN status TYPE actionstatus USING status::text::actionstatus"
        )
        op.execute("DROP TYPE actionstatus_old")

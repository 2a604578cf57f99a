"""improvements voting and the action plan

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:31:56.000431
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "improvement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column(
            "driver",
            sa.Enum(
                "organisational_culture",
                "leadership",
                "workforce_wellbeing",
                "power_sharing",
                "workforce_knowledge",
                "data_and_feedback",
                "policies_and_processes",
                "budgets",
                "service_design_and_delivery",
                name="driver",
            ),
            nullable=False,
        ),
        sa.Column("effort", sa.Enum("low", "medium", "high", name="effort"), nullable=True),
        sa.Column("cost", sa.Enum("none", "some", "needs_funding", name="cost"), nullable=True),
        sa.Column(
            "horizon",
            sa.Enum("quick_win", "one_to_two_years", "three_to_five_years", "longer", name="horizon"),
            nullable=True,
        ),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("improvement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_improvement_event_id"), ["event_id"], unique=False)

    op.create_table(
        "action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("what", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column(
            "driver",
            sa.Enum(
                "organisational_culture",
                "leadership",
                "workforce_wellbeing",
                "power_sharing",
                "workforce_knowledge",
                "data_and_feedback",
                "policies_and_processes",
                "budgets",
                "service_design_and_delivery",
                name="driver",
            ),
            nullable=False,
        ),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("review", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("not_started", "in_progress", "done", "stuck", name="actionstatus"),
            nullable=False,
        ),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["improvement_id"], ["improvement.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_improvement_id"), ["improvement_id"], unique=False)

    op.create_table(
        "vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("dots", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["improvement_id"], ["improvement.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("improvement_id", "participant_id"),
    )
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vote_improvement_id"), ["improvement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vote_participant_id"), ["participant_id"], unique=False)

    op.create_table(
        "improvement_annotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("annotation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["annotation_id"], ["annotation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["improvement_id"], ["improvement.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("improvement_id", "annotation_id"),
    )
    with op.batch_alter_table("improvement_annotation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_improvement_annotation_annotation_id"), ["annotation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_improvement_annotation_improvement_id"), ["improvement_id"], unique=False
        )

    votingstatus = sa.Enum("not_open", "open", "closed", name="votingstatus")
    votingstatus.create(op.get_bind(), checkfirst=True)
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("max_dots_per_improvement", sa.Integer(), nullable=False, server_default="2")
        )
        batch_op.add_column(
            sa.Column("voting_status", votingstatus, nullable=False, server_default="not_open")
        )
        batch_op.add_column(
            sa.Column("votes_revealed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("participants_may_group", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("participants_may_group")
        batch_op.drop_column("votes_revealed")
        batch_op.drop_column("voting_status")
        batch_op.drop_column("max_dots_per_improvement")

    with op.batch_alter_table("improvement_annotation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_improvement_annotation_improvement_id"))
        batch_op.drop_index(batch_op.f("ix_improvement_annotation_annotation_id"))

    op.drop_table("improvement_annotation")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vote_participant_id"))
        batch_op.drop_index(batch_op.f("ix_vote_improvement_id"))
        batch_op.drop_index(batch_op.f("ix_vote_event_id"))

    op.drop_table("vote")
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_improvement_id"))
        batch_op.drop_index(batch_op.f("ix_action_event_id"))

    op.drop_table("action")
    with op.batch_alter_table("improvement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_improvement_event_id"))

    op.drop_table("improvement")
    for name in ("votingstatus", "actionstatus", "horizon", "cost", "effort", "driver"):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)

"""room phases, timer, spotlight, board view, private writing and readiness

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:58:20.807452
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here: the migration must not change when the app's default agenda does.
DEFAULT_AGENDA = [
    ("welcome", "Welcome and check-in", 15),
    ("principles", "The five principles", 15),
    ("journey_mapping", "Journey mapping", 45),
    ("lens_walk", "Lens walk", 60),
    ("prioritise", "Prioritise", 20),
    ("vote", "Vote", 20),
    ("action_plan", "Action plan", 25),
    ("close", "Close", 10),
]


def upgrade() -> None:
    phase = op.create_table(
        "phase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("private_writing", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "slug"),
    )
    with op.batch_alter_table("phase", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phase_event_id"), ["event_id"], unique=False)

    op.create_table(
        "readiness",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["phase_id"], ["phase.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("phase_id", "participant_id"),
    )
    with op.batch_alter_table("readiness", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_readiness_phase_id"), ["phase_id"], unique=False)

    with op.batch_alter_table("annotation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("private", sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timer_started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("timer_remaining_seconds", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("timer_running", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("spotlight_stage_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("spotlight_touchpoint_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "board_view",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=False,
                server_default="journey",
            )
        )
        batch_op.add_column(
            sa.Column("board_filter", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True)
        )
        batch_op.create_foreign_key(
            "fk_event_spotlight_stage_id_stage", "stage", ["spotlight_stage_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            "fk_event_spotlight_touchpoint_id_touchpoint",
            "touchpoint",
            ["spotlight_touchpoint_id"],
            ["id"],
            ondelete="SET NULL",
        )

    # Events made before agendas existed get the default one.
    event_ids = [row[0] for row in op.get_bind().execute(sa.text("SELECT id FROM event"))]
    rows = [
        {
            "event_id": event_id,
            "slug": slug,
            "name": name,
            "duration_minutes": minutes,
            "position": position,
            "skipped": False,
            "private_writing": False,
        }
        for event_id in event_ids
        for position, (slug, name, minutes) in enumerate(DEFAULT_AGENDA)
    ]
    if rows:
        op.bulk_insert(phase, rows)


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_constraint("fk_event_spotlight_touchpoint_id_touchpoint", type_="foreignkey")
        batch_op.drop_constraint("fk_event_spotlight_stage_id_stage", type_="foreignkey")
        batch_op.drop_column("board_filter")
        batch_op.drop_column("board_view")
        batch_op.drop_column("spotlight_touchpoint_id")
        batch_op.drop_column("spotlight_stage_id")
        batch_op.drop_column("timer_running")
        batch_op.drop_column("timer_remaining_seconds")
        batch_op.drop_column("timer_started_at")

    with op.batch_alter_table("annotation", schema=None) as batch_op:
        batch_op.drop_column("private")

    with op.batch_alter_table("readiness", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_readiness_phase_id"))
    op.drop_table("readiness")
    with op.batch_alter_table("phase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phase_event_id"))
    op.drop_table("phase")

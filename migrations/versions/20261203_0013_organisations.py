"""organisations: accounts belong to organisations in roles (organiser, facilitator, implementation
group member), join by one-time invitation links, and every event belongs to one organisation.

Everything already here moves into one organisation for the instance, with no change in who can do
what: every account becomes its organiser and a facilitator, and every event belongs to it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROLES = ("organiser", "facilitator", "implementation")
_ROLE = sa.Enum(*_ROLES, name="role")
# PostgreSQL has the type once the first table made it.
_ROLE_AGAIN = sa.Enum(*_ROLES, name="role").with_variant(
    postgresql.ENUM(*_ROLES, name="role", create_type=False), "postgresql"
)


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
    )
    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=False),
        sa.Column("role", _ROLE, nullable=False),
        sa.ForeignKeyConstraint(
            ["facilitator_id"],
            ["facilitator.id"],
            name=op.f("fk_membership_facilitator_id_facilitator"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_membership_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
        sa.UniqueConstraint(
            "organisation_id",
            "facilitator_id",
            "role",
            name=op.f("uq_membership_organisation_id_facilitator_id_role"),
        ),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_facilitator_id"), ["facilitator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_membership_organisation_id"), ["organisation_id"], unique=False)
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("role", _ROLE_AGAIN, nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_invitation_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitation_token_hash")),
    )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitation_organisation_id"), ["organisation_id"], unique=False)
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_event_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_event_organisation_id_organisation"), "organisation", ["organisation_id"], ["id"]
        )

    # One organisation for the instance, holding everything that is here already.
    organisation = sa.table(
        "organisation",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("is_default", sa.Boolean),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime),
    )
    op.execute(
        organisation.insert().values(
            name="Our organisation", is_default=True, created_at=sa.func.current_timestamp()
        )
    )
    default_id = sa.select(organisation.c.id).where(organisation.c.is_default.is_(True)).scalar_subquery()
    # Every account so far is its organiser and a facilitator: nobody can do less than before.
    role = "CAST(:role AS role)" if op.get_bind().dialect.name == "postgresql" else ":role"
    for name in ("organiser", "facilitator"):
        op.execute(
            sa.text(
                "INSERT INTO membership (organisation_id, facilitator_id, role) SELECT "  # noqa: S608
                f"(SELECT id FROM organisation WHERE is_default), id, {role} FROM facilitator"
            ).bindparams(role=name)
        )
    event = sa.table("event", sa.column("organisation_id", sa.Integer))
    op.execute(event.update().values(organisation_id=default_id))


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_event_organisation_id_organisation"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_event_organisation_id"))
        batch_op.drop_column("organisation_id")
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitation_organisation_id"))
    op.drop_table("invitation")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_membership_facilitator_id"))
    op.drop_table("membership")
    op.drop_table("organisation")
    sa.Enum(name="role").drop(op.get_bind(), checkfirst=True)

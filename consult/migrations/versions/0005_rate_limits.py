"""rate limit events

Revision ID: 0005_rate_limits
Revises: 0004_search
Create Date: 2026-11-25
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import consult.sqltypes

revision = "0005_rate_limits"
down_revision = "0004_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("at", consult.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rate_events", schema=None) as batch_op:
        batch_op.create_index("ix_rate_events_key_at", ["key", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rate_events", schema=None) as batch_op:
        batch_op.drop_index("ix_rate_events_key_at")
    op.drop_table("rate_events")

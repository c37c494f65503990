"""comments by consultation and clause

Revision ID: 0006_comment_clause_index
Revises: 0005_rate_limits
Create Date: 2026-11-25

A consultation's outline counts its comments per clause and a clause page lists one clause's
comments. With an index on the consultation alone, both read every comment of the
consultation (20,000 rows for one clause's 200); this index reads only the clause's.
"""

from alembic import op

revision = "0006_comment_clause_index"
down_revision = "0005_rate_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comments_consultation_clause", ["consultation_id", "clause_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_consultation_clause")

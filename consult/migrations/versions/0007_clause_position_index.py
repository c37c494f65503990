"""clauses by draft and position

Revision ID: 0007_clause_position_index
Revises: 0006_comment_clause_index
Create Date: 2026-11-25

The response log lists a consultation's comments in clause order, fifty at a time. Without
this index every comment of the consultation (20,000) was joined to its clause and sorted for
each page; with it the database walks the draft's clauses in order and stops after fifty
comments.
"""

from alembic import op

revision = "0007_clause_position_index"
down_revision = "0006_comment_clause_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clauses", schema=None) as batch_op:
        batch_op.create_index("ix_clauses_draft_position", ["draft_id", "position"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("clauses", schema=None) as batch_op:
        batch_op.drop_index("ix_clauses_draft_position")

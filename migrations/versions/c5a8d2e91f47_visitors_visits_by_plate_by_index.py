"""visitors: a plate's latest visits found by an index (not by walking a million visits)

Revision ID: c5a8d2e91f47
Revises: fd85f1d53301
Create Date: 2026-12-03 19:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c5a8d2e91f47'
down_revision = 'fd85f1d53301'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visitor_entry', schema=None) as batch_op:
        batch_op.create_index('ix_visitor_entry_plate_checked_in', ['plate', 'checked_in_at'], unique=False)


def downgrade():
    with op.batch_alter_table('visitor_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_visitor_entry_plate_checked_in')

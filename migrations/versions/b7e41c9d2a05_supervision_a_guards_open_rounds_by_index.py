"""supervision: a guard's open rounds found by an index (not by walking ten years of rounds)

Revision ID: b7e41c9d2a05
Revises: 7d3e5a9c2b14
Create Date: 2026-12-03 18:55:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7e41c9d2a05'
down_revision = '7d3e5a9c2b14'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('supervision_patrol_round', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_patrol_round_guard_open', ['guard_id', 'ended_at'], unique=False)


def downgrade():
    with op.batch_alter_table('supervision_patrol_round', schema=None) as batch_op:
        batch_op.drop_index('ix_supervision_patrol_round_guard_open')

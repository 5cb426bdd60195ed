"""equipment: a plan can be stopped (with the day and the reason)

Revision ID: dd225b1001dc
Revises: 0b7c4e1d9a23
Create Date: 2026-12-03 11:58:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dd225b1001dc'
down_revision = '0b7c4e1d9a23'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('equipment_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stopped_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('stop_reason', sa.String(length=200), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('equipment_plan', schema=None) as batch_op:
        batch_op.drop_column('stop_reason')
        batch_op.drop_column('stopped_on')

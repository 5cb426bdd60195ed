"""equipment: the plan sums each item's maintenance costs by year from an index (done_on, asset_id, cost), which also serves done_on alone

Revision ID: 5b0e7c3a91d4
Revises: 8d3a41f3dc37
Create Date: 2026-12-03 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '5b0e7c3a91d4'
down_revision = '8d3a41f3dc37'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('equipment_maintenance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_maintenance_done_on'))
        batch_op.create_index('ix_equipment_maintenance_done_on_asset_cost', ['done_on', 'asset_id', 'cost'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('equipment_maintenance', schema=None) as batch_op:
        batch_op.drop_index('ix_equipment_maintenance_done_on_asset_cost')
        batch_op.create_index(batch_op.f('ix_equipment_maintenance_done_on'), ['done_on'], unique=False)

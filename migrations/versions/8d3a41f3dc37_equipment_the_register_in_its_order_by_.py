"""equipment: the register in its order by an index (category, code), which also serves the category alone

Revision ID: 8d3a41f3dc37
Revises: 67187a15e869
Create Date: 2026-12-03 18:22:35.992582

"""
from alembic import op
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '8d3a41f3dc37'
down_revision = '67187a15e869'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('equipment_asset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_asset_category'))
        batch_op.create_index('ix_equipment_asset_category_code', ['category', 'code'], unique=False)


def downgrade():
    with op.batch_alter_table('equipment_asset', schema=None) as batch_op:
        batch_op.drop_index('ix_equipment_asset_category_code')
        batch_op.create_index(batch_op.f('ix_equipment_asset_category'), ['category'], unique=False)

"""equipment: plans by counters (running hours, trips) and the items' counter readings

Revision ID: 67187a15e869
Revises: dd225b1001dc
Create Date: 2026-12-03 12:11:16.877495

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = '67187a15e869'
down_revision = 'dd225b1001dc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('equipment_counter_reading',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('read_on', sa.Date(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('replaced', sa.Boolean(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', portal.db.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_equipment_counter_reading_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['asset_id'], ['equipment_asset.id'], name=op.f('fk_equipment_counter_reading_asset_id_equipment_asset'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_counter_reading'))
    )
    with op.batch_alter_table('equipment_counter_reading', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_counter_reading_asset_id'), ['asset_id'], unique=False)

    with op.batch_alter_table('equipment_asset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counter_total', sa.BigInteger(), nullable=True))

    with op.batch_alter_table('equipment_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_reading', sa.BigInteger(), nullable=True))
        batch_op.alter_column('next_due',
               existing_type=sa.DATE(),
               nullable=True)



def downgrade():
    op.execute("UPDATE equipment_plan SET next_due = anchor WHERE next_due IS NULL")
    with op.batch_alter_table('equipment_plan', schema=None) as batch_op:
        batch_op.alter_column('next_due',
               existing_type=sa.DATE(),
               nullable=False)
        batch_op.drop_column('due_reading')

    with op.batch_alter_table('equipment_asset', schema=None) as batch_op:
        batch_op.drop_column('counter_total')

    with op.batch_alter_table('equipment_counter_reading', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_counter_reading_asset_id'))

    op.drop_table('equipment_counter_reading')

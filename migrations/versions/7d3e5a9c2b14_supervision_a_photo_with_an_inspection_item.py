"""supervision: a photo with an inspection item (on the core file store)

Revision ID: 7d3e5a9c2b14
Revises: c34e2a341920
Create Date: 2026-12-03 12:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d3e5a9c2b14'
down_revision = 'c34e2a341920'
branch_labels = None
depends_on = '520ed4cbcc61'  # core: stored files


def upgrade():
    with op.batch_alter_table('supervision_inspection_result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_supervision_inspection_result_photo_id'), ['photo_id'])
        batch_op.create_foreign_key(batch_op.f('fk_supervision_inspection_result_photo_id_stored_file'), 'stored_file',
                                    ['photo_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('supervision_inspection_result', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_supervision_inspection_result_photo_id_stored_file'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_supervision_inspection_result_photo_id'), type_='unique')
        batch_op.drop_column('photo_id')

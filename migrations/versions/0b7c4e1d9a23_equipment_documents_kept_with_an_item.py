"""equipment: documents kept with an item (manuals, certificates)

Revision ID: 0b7c4e1d9a23
Revises: 520ed4cbcc61
Create Date: 2026-12-03 11:31:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0b7c4e1d9a23'
down_revision = '520ed4cbcc61'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('equipment_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('manual', 'certificate', 'drawing', 'contract', 'other', name='documentkind', native_enum=False, length=20), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['equipment_asset.id'], name=op.f('fk_equipment_document_asset_id_equipment_asset'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], name=op.f('fk_equipment_document_file_id_stored_file'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_document')),
    sa.UniqueConstraint('file_id', name=op.f('uq_equipment_document_file_id'))
    )
    with op.batch_alter_table('equipment_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_document_asset_id'), ['asset_id'], unique=False)


def downgrade():
    with op.batch_alter_table('equipment_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_document_asset_id'))
    op.drop_table('equipment_document')

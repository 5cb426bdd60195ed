"""directory: editable synonyms, search key change log

Revision ID: a8e8b2cc6f27
Revises: c3e8a1f2b7d4
Create Date: 2026-12-02 23:33:54.948956

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = 'a8e8b2cc6f27'
down_revision = 'c3e8a1f2b7d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('directory_search_key_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_search_key_change'))
    )
    op.create_table('directory_synonym',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=40), nullable=False),
    sa.Column('targets', sa.String(length=400), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', portal.db.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_directory_synonym_unit_id_unit'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_directory_synonym_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_synonym')),
    sa.UniqueConstraint('word', name=op.f('uq_directory_synonym_word'))
    )
    with op.batch_alter_table('directory_synonym', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_synonym_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('directory_search_key_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('epoch', sa.String(length=32), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('directory_search_key_version', schema=None) as batch_op:
        batch_op.drop_column('epoch')

    with op.batch_alter_table('directory_synonym', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_synonym_unit_id'))

    op.drop_table('directory_synonym')
    op.drop_table('directory_search_key_change')

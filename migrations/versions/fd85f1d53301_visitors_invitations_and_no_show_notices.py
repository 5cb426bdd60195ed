"""visitors: invitations and no-show notices

Revision ID: fd85f1d53301
Revises: 79d88ec1515e
Create Date: 2026-12-02 21:05:23.569674

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = 'fd85f1d53301'
down_revision = '79d88ec1515e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visitor_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('pass_code', sa.String(length=12), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('host_name', sa.String(length=50), nullable=False),
    sa.Column('room', sa.String(length=30), nullable=False),
    sa.Column('purpose', sa.String(length=100), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('window_start', sa.Time(), nullable=False),
    sa.Column('window_end', sa.Time(), nullable=False),
    sa.Column('max_companions', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', portal.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', portal.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('registered_at', portal.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('visitor_name', sa.String(length=50), nullable=False),
    sa.Column('id_type', sa.Enum('resident_id', 'passport', 'hk_macao_taiwan', 'other', name='idtype', native_enum=False, length=20), nullable=True),
    sa.Column('id_masked', sa.String(length=40), nullable=False),
    sa.Column('id_encrypted', sa.Text(), nullable=True),
    sa.Column('id_digest', sa.String(length=64), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('plate', sa.String(length=10), nullable=False),
    sa.Column('companions', sa.Integer(), nullable=False),
    sa.Column('no_show_told_at', portal.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('anonymized_at', portal.db.AwareDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_visitor_invitation_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_visitor_invitation_unit_id_unit'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visitor_invitation')),
    sa.UniqueConstraint('pass_code', name=op.f('uq_visitor_invitation_pass_code')),
    sa.UniqueConstraint('token', name=op.f('uq_visitor_invitation_token'))
    )
    with op.batch_alter_table('visitor_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visitor_invitation_created_by_id'), ['created_by_id'], unique=False)

    with op.batch_alter_table('visitor_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_visitor_entry_invitation_id'), ['invitation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_visitor_entry_invitation_id_visitor_invitation'), 'visitor_invitation', ['invitation_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('visitor_preregistration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_show_told_at', portal.db.AwareDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('visitor_preregistration', schema=None) as batch_op:
        batch_op.drop_column('no_show_told_at')

    with op.batch_alter_table('visitor_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_visitor_entry_invitation_id_visitor_invitation'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_visitor_entry_invitation_id'))
        batch_op.drop_column('invitation_id')

    with op.batch_alter_table('visitor_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visitor_invitation_created_by_id'))

    op.drop_table('visitor_invitation')

"""supervision: security patrol routes and rounds

Revision ID: 1c5102a7d983
Revises: f64d5bc4fc89
Create Date: 2026-12-03 11:30:38

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = '1c5102a7d983'
down_revision = 'f64d5bc4fc89'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('supervision_patrol_route',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('checkpoints', sa.Text(), nullable=False),
    sa.Column('times', sa.String(length=400), nullable=False),
    sa.Column('tolerance_minutes', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('retired_at', portal.db.AwareDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_patrol_route'))
    )
    op.create_table('supervision_patrol_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('guard_id', sa.Integer(), nullable=True),
    sa.Column('started_at', portal.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', portal.db.AwareDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['guard_id'], ['user.id'], name=op.f('fk_supervision_patrol_round_guard_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['route_id'], ['supervision_patrol_route.id'], name=op.f('fk_supervision_patrol_round_route_id_supervision_patrol_route'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_patrol_round'))
    )
    with op.batch_alter_table('supervision_patrol_round', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_patrol_round_route_started', ['route_id', 'started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_patrol_round_started_at'), ['started_at'], unique=False)

    op.create_table('supervision_patrol_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('checkpoint', sa.String(length=80), nullable=False),
    sa.Column('checked', sa.Boolean(), nullable=False),
    sa.Column('finding', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['supervision_patrol_round.id'], name=op.f('fk_supervision_patrol_check_round_id_supervision_patrol_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_patrol_check'))
    )
    with op.batch_alter_table('supervision_patrol_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_patrol_check_round_id'), ['round_id'], unique=False)

    with op.batch_alter_table('supervision_rectification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('patrol_round_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_supervision_rectification_patrol_round_id'), ['patrol_round_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_supervision_rectification_patrol_round_id_supervision_patrol_round'), 'supervision_patrol_round', ['patrol_round_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('supervision_rectification', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_supervision_rectification_patrol_round_id_supervision_patrol_round'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_supervision_rectification_patrol_round_id'))
        batch_op.drop_column('patrol_round_id')

    with op.batch_alter_table('supervision_patrol_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_patrol_check_round_id'))

    op.drop_table('supervision_patrol_check')
    with op.batch_alter_table('supervision_patrol_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_patrol_round_started_at'))
        batch_op.drop_index('ix_supervision_patrol_round_route_started')

    op.drop_table('supervision_patrol_round')
    op.drop_table('supervision_patrol_route')

"""supervision: the half-monthly meeting and its decisions

Revision ID: c34e2a341920
Revises: 1c5102a7d983
Create Date: 2026-12-03 11:57:49

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = 'c34e2a341920'
down_revision = '1c5102a7d983'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('supervision_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('attendees', sa.Text(), nullable=False),
    sa.Column('created_at', portal.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_supervision_meeting_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_meeting'))
    )
    with op.batch_alter_table('supervision_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_meeting_held_on'), ['held_on'], unique=False)

    op.create_table('supervision_meeting_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('item_kind', sa.Enum('suggestion', 'rectification', name='meetingitem', native_enum=False, length=20), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=80), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['supervision_meeting.id'], name=op.f('fk_supervision_meeting_decision_meeting_id_supervision_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_meeting_decision')),
    sa.UniqueConstraint('meeting_id', 'item_kind', 'item_id', name=op.f('uq_supervision_meeting_decision_meeting_id_item_kind_item_id'))
    )
    with op.batch_alter_table('supervision_meeting_decision', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_meeting_decision_item', ['item_kind', 'item_id'], unique=False)



def downgrade():
    with op.batch_alter_table('supervision_meeting_decision', schema=None) as batch_op:
        batch_op.drop_index('ix_supervision_meeting_decision_item')

    op.drop_table('supervision_meeting_decision')
    with op.batch_alter_table('supervision_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_meeting_held_on'))

    op.drop_table('supervision_meeting')

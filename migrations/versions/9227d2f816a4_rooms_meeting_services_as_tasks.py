"""rooms: meeting services as tasks (state and assignee per item), the day a sheet was printed,
and when a booking's arrangements last changed

Revision ID: 9227d2f816a4
Revises: 6b62b640d8f7
Create Date: 2026-12-02 23:21:17.698931

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = '9227d2f816a4'
down_revision = '6b62b640d8f7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('arrangement_print',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('printed_at', portal.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('printed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['printed_by_id'], ['user.id'], name=op.f('fk_arrangement_print_printed_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_arrangement_print'))
    )
    op.create_table('arrangement_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.Enum('tea', 'audio', 'projector', 'banner', 'name_cards', 'welcome', name='arrangementitem', native_enum=False, length=20), nullable=False),
    sa.Column('state', sa.Enum('to_prepare', 'ready', 'done', name='taskstate', native_enum=False, length=20), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', portal.db.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['user.id'], name=op.f('fk_arrangement_task_assignee_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_arrangement_task_booking_id_booking'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_arrangement_task_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_arrangement_task')),
    sa.UniqueConstraint('booking_id', 'item', name='uq_arrangement_task_item')
    )
    with op.batch_alter_table('arrangement_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_arrangement_task_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_arrangement_task_booking_id'), ['booking_id'], unique=False)

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('arrangements_changed_at', portal.db.AwareDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('arrangements_changed_at')

    with op.batch_alter_table('arrangement_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_arrangement_task_booking_id'))
        batch_op.drop_index(batch_op.f('ix_arrangement_task_assignee_id'))

    op.drop_table('arrangement_task')
    op.drop_table('arrangement_print')

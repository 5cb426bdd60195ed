"""rooms: VIP room rules: who may request a room, a second approval, a required reason

Revision ID: 2799fd715b21
Revises: 9227d2f816a4
Create Date: 2026-12-02 23:53:49.356890

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = '2799fd715b21'
down_revision = '9227d2f816a4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_reason', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('first_approved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('first_approved_at', portal.db.AwareDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_booking_first_approved_by_id_user'), 'user', ['first_approved_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('room_policy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allowed_roles', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('allowed_unit_ids', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('second_approval', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('reason_required', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade():
    with op.batch_alter_table('room_policy', schema=None) as batch_op:
        batch_op.drop_column('reason_required')
        batch_op.drop_column('second_approval')
        batch_op.drop_column('allowed_unit_ids')
        batch_op.drop_column('allowed_roles')

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_booking_first_approved_by_id_user'), type_='foreignkey')
        batch_op.drop_column('first_approved_at')
        batch_op.drop_column('first_approved_by_id')
        batch_op.drop_column('request_reason')


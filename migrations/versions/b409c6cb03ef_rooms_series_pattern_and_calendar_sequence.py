"""rooms: series pattern and calendar sequence

A series keeps its planned room and period (existing ones take their first meeting's); bookings and
series count their changes for iCalendar's SEQUENCE.

Revision ID: b409c6cb03ef
Revises: 1e3fd0b3e68b
Create Date: 2026-12-03 11:44:44.577525

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = 'b409c6cb03ef'
down_revision = '1e3fd0b3e68b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('booking_series', schema=None) as batch_op:
        batch_op.add_column(sa.Column('room_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('start_at', portal.db.AwareDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('end_at', portal.db.AwareDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sequence', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_booking_series_room_id_room'), 'room', ['room_id'], ['id'], ondelete='SET NULL')
    first = "(SELECT b.{} FROM booking b WHERE b.series_id = booking_series.id ORDER BY b.start_at LIMIT 1)"
    op.execute(f"UPDATE booking_series SET room_id = {first.format('room_id')}, start_at = {first.format('start_at')}, "
               f"end_at = {first.format('end_at')}")


def downgrade():
    with op.batch_alter_table('booking_series', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_booking_series_room_id_room'), type_='foreignkey')
        batch_op.drop_column('sequence')
        batch_op.drop_column('end_at')
        batch_op.drop_column('start_at')
        batch_op.drop_column('room_id')

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('sequence')

"""offices: office space ledger

Revision ID: 1633e0c5e338
Revises: 9538d3056918
Create Date: 2026-12-02 23:50:32.717414

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = '1633e0c5e338'
down_revision = '9538d3056918'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('office_standard',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('area_m2', portal.db.ScaledDecimal(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_standard')),
    sa.UniqueConstraint('name', name=op.f('uq_office_standard_name'))
    )
    op.create_table('office_exception',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('approved_by', sa.String(length=120), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('recorded_at', portal.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_office_exception_recorded_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_office_exception_room_id_room'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_exception'))
    )
    with op.batch_alter_table('office_exception', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_exception_room_id'), ['room_id'], unique=False)

    op.create_table('office_publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('published_at', portal.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_office_publication_published_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_publication')),
    sa.UniqueConstraint('year', name=op.f('uq_office_publication_year'))
    )
    op.create_table('office_room_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('use', sa.Enum('office', 'archives', 'equipment', 'meeting', 'service', 'vacant', name='roomuse', native_enum=False, length=20), nullable=False),
    sa.Column('area_m2', portal.db.ScaledDecimal(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('recorded_at', portal.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_office_room_entry_recorded_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_office_room_entry_room_id_room'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_office_room_entry_unit_id_unit'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_room_entry')),
    sa.UniqueConstraint('room_id', 'valid_from', name=op.f('uq_office_room_entry_room_id_valid_from'))
    )
    with op.batch_alter_table('office_room_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_room_entry_room_id'), ['room_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_office_room_entry_unit_id'), ['unit_id'], unique=False)

    op.create_table('office_seat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=200), nullable=False),
    sa.Column('flagged_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_office_seat_room_id_room'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['standard_id'], ['office_standard.id'], name=op.f('fk_office_seat_standard_id_office_standard'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_office_seat_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_seat'))
    )
    with op.batch_alter_table('office_seat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_seat_room_id'), ['room_id'], unique=False)
        batch_op.create_index('ix_office_seat_user_dates', ['user_id', 'start_date'], unique=False)

    op.create_table('office_stock_take',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', portal.db.AwareDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['started_by_id'], ['user.id'], name=op.f('fk_office_stock_take_started_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_stock_take'))
    )
    op.create_table('office_stock_take_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stock_take_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('found_area', portal.db.ScaledDecimal(), nullable=True),
    sa.Column('found_people', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('differs', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', portal.db.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_office_stock_take_line_room_id_room'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stock_take_id'], ['office_stock_take.id'], name=op.f('fk_office_stock_take_line_stock_take_id_office_stock_take'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_stock_take_line')),
    sa.UniqueConstraint('stock_take_id', 'room_id', name=op.f('uq_office_stock_take_line_stock_take_id_room_id'))
    )
    with op.batch_alter_table('office_stock_take_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_stock_take_line_stock_take_id'), ['stock_take_id'], unique=False)



def downgrade():
    with op.batch_alter_table('office_stock_take_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_office_stock_take_line_stock_take_id'))

    op.drop_table('office_stock_take_line')
    op.drop_table('office_stock_take')
    with op.batch_alter_table('office_seat', schema=None) as batch_op:
        batch_op.drop_index('ix_office_seat_user_dates')
        batch_op.drop_index(batch_op.f('ix_office_seat_room_id'))

    op.drop_table('office_seat')
    with op.batch_alter_table('office_room_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_office_room_entry_unit_id'))
        batch_op.drop_index(batch_op.f('ix_office_room_entry_room_id'))

    op.drop_table('office_room_entry')
    op.drop_table('office_publication')
    with op.batch_alter_table('office_exception', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_office_exception_room_id'))

    op.drop_table('office_exception')
    op.drop_table('office_standard')

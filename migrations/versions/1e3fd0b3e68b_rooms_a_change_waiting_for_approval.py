"""rooms: a change of a booking waiting for approval (a proposal row that holds the new slot)

A proposal (status 'proposed', change_of_id its booking) takes part in the
exclusion constraint, which lets it overlap only the booking it changes.

Revision ID: 1e3fd0b3e68b
Revises: f64d5bc4fc89
Create Date: 2026-12-03 11:32:51.785207

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = '1e3fd0b3e68b'
down_revision = 'f64d5bc4fc89'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_of_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_booking_change_of_id'), ['change_of_id'])
        batch_op.create_foreign_key(batch_op.f('fk_booking_change_of_id_booking'), 'booking', ['change_of_id'], ['id'], ondelete='CASCADE')
    _overlap_constraint(
        "(room_id WITH =, tstzrange(start_at, end_at) WITH &&, coalesce(change_of_id, id) WITH <>) "
        "WHERE (status IN ('pending', 'approved', 'proposed'))"
    )
    # SQLite rebuilt the table and dropped its planner statistics: without them the
    # day grid's queries scan ten years of bookings (8x slower), so gather them again.
    op.execute("ANALYZE booking")


def _overlap_constraint(definition: str) -> None:
    """PostgreSQL: replace booking_no_overlap (SQLite serializes writes instead)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE booking DROP CONSTRAINT booking_no_overlap")
        op.execute(f"ALTER TABLE booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist {definition}")


def downgrade():
    op.execute("DELETE FROM booking WHERE status = 'proposed'")
    _overlap_constraint("(room_id WITH =, tstzrange(start_at, end_at) WITH &&) WHERE (status IN ('pending', 'approved'))")
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_booking_change_of_id_booking'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_booking_change_of_id'), type_='unique')
        batch_op.drop_column('change_of_id')

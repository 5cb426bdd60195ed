"""repairs: visits with their own costs, hold reason, event details

Each finished round of work is a visit with its own costs (a reopened repair no
longer loses the first visit's cost); existing finished repairs get one visit
holding the costs they have. Events get ``details`` (codes and amounts, worded
in the reader's language); requests a ``hold_reason``.

Revision ID: 428c6ace1178
Revises: 4c7e2a9d1b05
Create Date: 2026-12-02 19:51:08.786155

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = '428c6ace1178'
down_revision = '4c7e2a9d1b05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('repair_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('finished_at', portal.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('handler_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('parts_cost', portal.db.ScaledDecimal(), nullable=False),
    sa.Column('labour_cost', portal.db.ScaledDecimal(), nullable=False),
    sa.ForeignKeyConstraint(['handler_id'], ['user.id'], name=op.f('fk_repair_visit_handler_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['repair_request.id'], name=op.f('fk_repair_visit_request_id_repair_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repair_visit')),
    sa.UniqueConstraint('request_id', 'number', name=op.f('uq_repair_visit_request_id_number'))
    )
    with op.batch_alter_table('repair_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repair_visit_request_id'), ['request_id'], unique=False)

    with op.batch_alter_table('repair_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('details', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))

    with op.batch_alter_table('repair_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hold_reason', sa.Enum('parts', 'contractor', 'cannot_fix', 'access', 'other', name='repairholdreason', native_enum=False, length=20), nullable=True))

    # The costs a finished repair has so far become its first visit.
    op.execute(
        "INSERT INTO repair_visit (request_id, number, finished_at, handler_id, resolution, parts_cost, labour_cost) "
        "SELECT id, 1, COALESCE(done_at, confirmed_at, started_at, reported_at), handler_id, resolution, "
        "COALESCE(parts_cost, 0), COALESCE(labour_cost, 0) FROM repair_request "
        "WHERE parts_cost IS NOT NULL OR labour_cost IS NOT NULL"
    )



def downgrade():
    with op.batch_alter_table('repair_request', schema=None) as batch_op:
        batch_op.drop_column('hold_reason')

    with op.batch_alter_table('repair_event', schema=None) as batch_op:
        batch_op.drop_column('details')

    with op.batch_alter_table('repair_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repair_visit_request_id'))

    op.drop_table('repair_visit')

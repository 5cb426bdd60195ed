"""guide: guide items (办事事项) get their own name: table guide_service becomes guide_item

"Service" means the service layer; the guide's 事项 are guide items. The rows
move to a new table with the same columns (ids kept), and their search keys
change kind from "service" to "guide".

Revision ID: c3e8a1f2b7d4
Revises: 4c7e2a9d1b05
Create Date: 2026-12-02 20:10:00

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = 'c3e8a1f2b7d4'
down_revision = '4c7e2a9d1b05'
branch_labels = None
depends_on = None

COLUMNS = (
    "id, name, category, unit_id, room_id, \"window\", materials, steps, hours, fee, fee_note, legal_days, "
    "promised_days, phone, notes, keywords, created_at, updated_at"
)


def _create(table):
    op.create_table(table,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=True),
    sa.Column('window', sa.String(length=30), nullable=False),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('hours', sa.String(length=120), nullable=False),
    sa.Column('fee', portal.db.ScaledDecimal(), nullable=True),
    sa.Column('fee_note', sa.String(length=200), nullable=False),
    sa.Column('legal_days', sa.Integer(), nullable=True),
    sa.Column('promised_days', sa.Integer(), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('keywords', sa.String(length=200), nullable=False),
    sa.Column('created_at', portal.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f(f'fk_{table}_room_id_room'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f(f'fk_{table}_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    sa.UniqueConstraint('unit_id', 'name', name=op.f(f'uq_{table}_unit_id_name'))
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{table}_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f(f'ix_{table}_room_id'), ['room_id'], unique=False)
        batch_op.create_index(batch_op.f(f'ix_{table}_unit_id'), ['unit_id'], unique=False)


def _drop(table):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f'ix_{table}_unit_id'))
        batch_op.drop_index(batch_op.f(f'ix_{table}_room_id'))
        batch_op.drop_index(batch_op.f(f'ix_{table}_category'))
    op.drop_table(table)


def _move(source, target, old_kind, new_kind):
    _create(target)
    op.execute(f"INSERT INTO {target} ({COLUMNS}) SELECT {COLUMNS} FROM {source}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"SELECT setval(pg_get_serial_sequence('{target}', 'id'), COALESCE((SELECT MAX(id) FROM {target}), 0) + 1, false)")
    _drop(source)
    op.execute(f"UPDATE directory_search_key SET kind = '{new_kind}' WHERE kind = '{old_kind}'")


def upgrade():
    _move("guide_service", "guide_item", "service", "guide")


def downgrade():
    _move("guide_item", "guide_service", "guide", "service")

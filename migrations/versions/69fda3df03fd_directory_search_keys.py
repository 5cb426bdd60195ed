"""directory: search keys for units, floors, rooms, services and staff, and their version

Revision ID: 69fda3df03fd
Revises: a58d1fc53753
Create Date: 2026-11-25 05:45:00.000000

After upgrading a database that already holds units, rooms and staff, run
``flask --app portal directory reindex`` once to compute their search keys
(``flask seed-demo`` does it for the demo data).
"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '69fda3df03fd'
down_revision = 'a58d1fc53753'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('directory_search_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=160), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('pinyin', sa.Text(), nullable=False),
    sa.Column('initials', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_search_key')),
    sa.UniqueConstraint('kind', 'object_id', name=op.f('uq_directory_search_key_kind_object_id'))
    )
    version = op.create_table('directory_search_key_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_search_key_version'))
    )
    # The one row the listener updates (inserting it only if it is missing).
    op.bulk_insert(version, [{'id': 1, 'token': secrets.token_hex(8)}])


def downgrade():
    op.drop_table('directory_search_key_version')
    op.drop_table('directory_search_key')

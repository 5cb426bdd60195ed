"""core: data versions (a token per area of data, for the per-process page cache)

Revision ID: 4c7e2a9d1b05
Revises: 69fda3df03fd
Create Date: 2026-11-30 09:00:00.000000

Rows appear with the first change to an area's data made through the portal;
until then the cache does not keep that area's pages.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c7e2a9d1b05'
down_revision = '69fda3df03fd'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_version',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_data_version'))
    )


def downgrade():
    op.drop_table('data_version')

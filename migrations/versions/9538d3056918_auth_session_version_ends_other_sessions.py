"""auth: a session version per account, so logout and password, role or activation changes end every session

Revision ID: 9538d3056918
Revises: 4c7e2a9d1b05
Create Date: 2026-12-02 19:48:05.980342

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9538d3056918"
down_revision = "4c7e2a9d1b05"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("session_version")

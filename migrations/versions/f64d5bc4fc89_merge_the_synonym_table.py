"""merge the synonym table

Revision ID: f64d5bc4fc89
Revises: a8e8b2cc6f27, a935bcc1e939
Create Date: 2026-12-03 00:41:41.686362

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = 'f64d5bc4fc89'
down_revision = ('a8e8b2cc6f27', 'a935bcc1e939')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

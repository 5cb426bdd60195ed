"""merge the capabilities' migrations

Revision ID: a935bcc1e939
Revises: 1633e0c5e338, 1dc4c3d6459f, 2799fd715b21, 371822340e13, 7e6890450d92, 8f0b9e2aecc7, c3e8a1f2b7d4, f3037b1fb62b
Create Date: 2026-12-03 00:25:46.808249

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = 'a935bcc1e939'
down_revision = ('1633e0c5e338', '1dc4c3d6459f', '2799fd715b21', '371822340e13', '7e6890450d92', '8f0b9e2aecc7', 'c3e8a1f2b7d4', 'f3037b1fb62b')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

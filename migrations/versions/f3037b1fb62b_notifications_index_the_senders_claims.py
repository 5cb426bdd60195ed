"""notifications: index the senders' claims (a sender reads back the rows it claimed by its token)

Revision ID: f3037b1fb62b
Revises: fd85f1d53301
Create Date: 2026-12-02 23:30:14.677133

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = 'f3037b1fb62b'
down_revision = 'fd85f1d53301'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_claimed_by'), ['claimed_by'], unique=False)

    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_delivery_claimed_by'), ['claimed_by'], unique=False)


def downgrade():
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_delivery_claimed_by'))

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_claimed_by'))

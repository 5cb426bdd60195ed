"""notifications: the inbox newest first, the unread notices and the open to-dos indexed

Revision ID: 963674c0ca0f
Revises: f3037b1fb62b
Create Date: 2026-12-03 18:30:57.344085

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = '963674c0ca0f'
down_revision = 'f3037b1fb62b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_inbox')  # (recipient, done, read): the header's count read every year of notices
        batch_op.create_index('ix_notification_newest', ['recipient_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_notification_open_todo', ['recipient_id', 'todo', 'done_at'], unique=False)
        batch_op.create_index('ix_notification_unread', ['recipient_id', 'read_at', 'done_at', 'todo'], unique=False)


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_unread')
        batch_op.drop_index('ix_notification_open_todo')
        batch_op.drop_index('ix_notification_newest')
        batch_op.create_index('ix_notification_inbox', ['recipient_id', 'done_at', 'read_at'], unique=False)

"""vehicles: driven trips found by their actual departure (fuel by month, not a walk over ten years of trips)

Revision ID: e4b19c7a3f52
Revises: 8f0b9e2aecc7
Create Date: 2026-12-03 22:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e4b19c7a3f52'
down_revision = '8f0b9e2aecc7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vehicle_trip', schema=None) as batch_op:
        batch_op.create_index('ix_vehicle_trip_status_actual_depart', ['status', 'actual_depart_at', 'vehicle_id', 'fuel_amount'], unique=False)


def downgrade():
    with op.batch_alter_table('vehicle_trip', schema=None) as batch_op:
        batch_op.drop_index('ix_vehicle_trip_status_actual_depart')

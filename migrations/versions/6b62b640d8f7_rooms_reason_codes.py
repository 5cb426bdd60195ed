"""rooms: store reason codes (and arguments), not text in the actor's language

Approval reasons become a JSON list of codes; a cancellation by a closure
becomes ``decision_code='room_closed'`` with ``{"reason": …}``. Existing text is
converted where it is one of the sentences the portal wrote (in Chinese or
English, or the demo's wording). A typed rejection reason stays as typed; an
approval sentence that cannot be read is dropped (the request still waits, and
is re-evaluated when the workday calendar changes).

Revision ID: 6b62b640d8f7
Revises: 4c7e2a9d1b05
Create Date: 2026-12-02 19:51:49.452902

"""
import json

from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = '6b62b640d8f7'
down_revision = '4c7e2a9d1b05'
branch_labels = None
depends_on = None

APPROVAL_TEXTS = {
    "vip_room": ("The VIP reception room is approved by the logistics center.", "贵宾接待室须经后勤管理中心审批。",
                 "贵宾接待室须后勤管理中心审批"),
    "room_setting": ("This room needs approval.", "该会议室须审批。", "该会议室须审批"),
    "non_workday": ("Bookings on non-workdays need approval.", "非工作日的预订须审批。"),
    "calendar_unknown": ("The workday calendar does not know this date yet.", "工作日历中还没有该日期的安排。"),
}
CLOSED_PREFIXES = ("Room closed: ", "会议室停用：")
APPROVAL_MESSAGES = {
    "vip_room": "The VIP reception room is approved by the logistics center.",
    "room_setting": "This room needs approval.",
    "non_workday": "Bookings on non-workdays need approval.",
    "calendar_unknown": "The workday calendar does not know this date yet.",
}


def _codes(text):
    codes = []
    for part in (text or "").split("；"):
        part = part.strip()
        for code, sentences in APPROVAL_TEXTS.items():
            if part in sentences:
                codes.append(code)
                break
    return codes


def upgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approval_codes', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('decision_code', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('decision_args', sa.JSON(), nullable=True))

    booking = sa.table(
        'booking', sa.column('id', sa.Integer), sa.column('approval_reason', sa.String), sa.column('decision_reason', sa.String),
        sa.column('approval_codes', sa.JSON), sa.column('decision_code', sa.String), sa.column('decision_args', sa.JSON),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(booking.c.id, booking.c.approval_reason, booking.c.decision_reason).where(
        sa.or_(booking.c.approval_reason != "", booking.c.decision_reason != "")
    )).all()
    for row in rows:
        values = {}
        if row.approval_reason:
            values["approval_codes"] = _codes(row.approval_reason)
        for prefix in CLOSED_PREFIXES:
            if (row.decision_reason or "").startswith(prefix):
                values.update(decision_code="room_closed", decision_args={"reason": row.decision_reason[len(prefix):]},
                              decision_reason="")
        if values:
            connection.execute(sa.update(booking).where(booking.c.id == row.id).values(**values))

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('approval_reason')


def downgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approval_reason', sa.VARCHAR(length=200), nullable=False, server_default=''))

    booking = sa.table(
        'booking', sa.column('id', sa.Integer), sa.column('approval_reason', sa.String), sa.column('decision_reason', sa.String),
        sa.column('approval_codes', sa.JSON), sa.column('decision_code', sa.String), sa.column('decision_args', sa.JSON),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(booking.c.id, booking.c.approval_codes, booking.c.decision_code, booking.c.decision_args)).all()
    for row in rows:
        codes = row.approval_codes if isinstance(row.approval_codes, list) else json.loads(row.approval_codes or "[]")
        values = {}
        if codes:
            values["approval_reason"] = "；".join(APPROVAL_MESSAGES.get(c, c) for c in codes)[:200]
        if row.decision_code == "room_closed":
            args = row.decision_args if isinstance(row.decision_args, dict) else json.loads(row.decision_args or "{}")
            values["decision_reason"] = ("Room closed: " + str(args.get("reason", "")))[:300]
        if values:
            connection.execute(sa.update(booking).where(booking.c.id == row.id).values(**values))

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('decision_args')
        batch_op.drop_column('decision_code')
        batch_op.drop_column('approval_codes')

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal.blueprints.notices.models import BODY_MAX, TITLE_MAX, Audience
from portal.blueprints.notices.services import AUDIENCE_LABELS, clean_text, window_errors
from portal.timeutil import LOCAL_TZ

# The first format is what <input type=datetime-local> sends; browsers without
# that input type show a text box, where people type "2026-03-01 09:00".
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def _strip(value: str | None) -> str | None:
    return clean_text(value) if value is not None else None


class NoticeForm(FlaskForm):
    title = StringField(_l("Notice title"), filters=[_strip], validators=[DataRequired(), Length(max=TITLE_MAX)])
    body = TextAreaField(
        _l("Notice text"),
        filters=[_strip],
        description=_l("Plain text. Blank lines start a new paragraph; web addresses become links."),
        validators=[DataRequired(), Length(max=BODY_MAX)],
    )
    audience = RadioField(
        _l("Who may read it"),
        choices=[SelectChoice(a.value, label) for a, label in AUDIENCE_LABELS.items()],
        default=Audience.PUBLIC.value,
        validators=[InputRequired()],
    )
    publish_at = DateTimeLocalField(
        _l("Publish at"), format=DATETIME_FORMATS, tz=LOCAL_TZ, validators=[InputRequired()],
        invalid_value_message=_l("Enter a date and time such as 2026-03-01 09:00."),
    )
    expires_at = DateTimeLocalField(
        _l("Expires at"), format=DATETIME_FORMATS, tz=LOCAL_TZ, validators=[InputRequired()],
        description=_l("The notice disappears from the portal and the lobby display at this time."),
        invalid_value_message=_l("Enter a date and time such as 2026-03-01 09:00."),
    )
    pinned = BooleanField(_l("Pin to the top"))
    unit_id = SelectField(_l("Published by (unit)"), coerce=int, validators=[InputRequired()])

    def validate_publish_at(self, field) -> None:
        for message in window_errors(field.data, None).get("publish_at", []):
            raise ValidationError(str(message))

    def validate_expires_at(self, field) -> None:
        publish_at = self.publish_at.data if not self.publish_at.errors else None
        for message in window_errors(publish_at, field.data).get("expires_at", []):
            raise ValidationError(str(message))

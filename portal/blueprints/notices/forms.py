from __future__ import annotations

from wtforms import BooleanField, DateTimeLocalField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal.blueprints.notices.models import BODY_MAX, TITLE_MAX, Audience
from portal.blueprints.notices.services import NoticeDraft, window_errors
from portal.forms import Form
from portal.i18n import lazy_gettext as _l
from portal.timeutil import LOCAL_TZ

# The first format is what <input type=datetime-local> sends; browsers without
# that input type show a text box, where people type "2026-03-01 09:00".
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class NoticeForm(Form):
    """Text fields are cleaned by ``portal.forms.Form`` (controls removed, trimmed)."""

    title = StringField(_l("Notice title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    body = TextAreaField(
        _l("Notice text"),
        description=_l("Plain text. Blank lines start a new paragraph; web addresses become links."),
        validators=[DataRequired(), Length(max=BODY_MAX)],
    )
    audience = RadioField(
        _l("Who may read it"),
        choices=[SelectChoice(value, label) for value, label in Audience.choices()],
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

    def to_draft(self, *, unit_id: int | None, pinned_now: bool = False) -> NoticeDraft:
        """The notice as typed. Without the unit and pin fields (a unit administrator's
        form), ``unit_id`` and the current pin state are used."""
        return NoticeDraft(
            title=self.title.data or "",
            body=self.body.data or "",
            audience=Audience(self.audience.data),
            publish_at=self.publish_at.data,
            expires_at=self.expires_at.data,
            pinned=bool(self.pinned.data) if "pinned" in self else pinned_now,
            unit_id=self.unit_id.data if "unit_id" in self else unit_id,
        )

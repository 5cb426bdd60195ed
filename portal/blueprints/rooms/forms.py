from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Form,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from portal.blueprints.rooms.labels import EQUIPMENT_LABELS, RECURRENCE_LABELS
from portal.blueprints.rooms.services import MAX_OCCURRENCES, slot_times
from portal.forms import MultiCheckboxField

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value: str | None) -> str | None:
    """Strip surrounding space and control characters (PostgreSQL refuses NUL)."""
    return _CONTROL.sub("", value).strip() if isinstance(value, str) else value


def reasonable_date(form, field) -> None:
    if field.data is not None and not (date(2000, 1, 1) <= field.data <= date(2100, 12, 31)):
        raise ValidationError(_l("Enter a date between 2000 and 2100."))


def time_choices(*, starts: bool) -> list[SelectChoice]:
    times = slot_times()
    times = times[:-1] if starts else times[1:]
    return [SelectChoice(t.strftime("%H:%M"), t.strftime("%H:%M")) for t in times]


def equipment_choices() -> list[SelectChoice]:
    return [SelectChoice(code, label) for code, label in EQUIPMENT_LABELS.items()]


class RoomFilterForm(Form):
    """The free-room search (GET; nothing changes, so no CSRF)."""

    date = DateField(_l("Date"), validators=[Optional(), reasonable_date])
    start = SelectField(_l("From"), validators=[Optional()])
    end = SelectField(_l("To"), validators=[Optional()])
    attendees = IntegerField(_l("Attendees"), validators=[Optional(), NumberRange(min=1, max=1000)])
    equipment = MultiCheckboxField(_l("Equipment"), validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.start.choices = [SelectChoice("", "—"), *time_choices(starts=True)]
        self.end.choices = [SelectChoice("", "—"), *time_choices(starts=False)]
        self.equipment.choices = equipment_choices()


class BookingForm(FlaskForm):
    room_id = SelectField(_l("Meeting room"), coerce=int, validators=[InputRequired()])
    day = DateField(_l("Date"), validators=[InputRequired(), reasonable_date])
    start = SelectField(_l("Start"), validators=[InputRequired()])
    end = SelectField(_l("End"), validators=[InputRequired()])
    title = StringField(_l("Meeting title"), filters=[clean], validators=[InputRequired(), Length(max=100)])
    unit_id = SelectField(_l("Organizing unit"), coerce=int, validators=[Optional()])
    contact_name = StringField(_l("Contact person"), filters=[clean], validators=[InputRequired(), Length(max=40)])
    contact_phone = StringField(
        _l("Contact phone"),
        filters=[clean],
        validators=[
            InputRequired(),
            Length(max=30),
            Regexp(r"^[0-9+()\- 转]{3,30}$", message=_l("Enter a phone number or extension (digits, +, -, spaces).")),
        ],
    )
    attendees = IntegerField(_l("Attendees"), validators=[InputRequired(), NumberRange(min=1, max=1000)])
    is_public = BooleanField(
        _l("Public meeting: the title may be shown on the lobby screen and the door sign"), default=True
    )
    tea_count = IntegerField(_l("Tea for (people)"), default=0, validators=[Optional(), NumberRange(min=0, max=1000)])
    needs_audio = BooleanField(_l("Sound system"))
    needs_projector = BooleanField(_l("Projector"))
    banner_text = StringField(_l("Banner text"), filters=[clean], validators=[Optional(), Length(max=200)])
    name_cards = TextAreaField(_l("Name cards (one name per line)"), filters=[clean], validators=[Optional(), Length(max=2000)])
    welcome_text = StringField(_l("Welcome screen text"), filters=[clean], validators=[Optional(), Length(max=200)])
    notes = TextAreaField(_l("Notes"), filters=[clean], validators=[Optional(), Length(max=1000)])
    repeat = SelectField(_l("Repeat"), default="", validators=[Optional()])
    repeat_until = DateField(_l("Repeat until"), validators=[Optional(), reasonable_date])
    repeat_count = IntegerField(
        _l("Number of meetings"), validators=[Optional(), NumberRange(min=2, max=MAX_OCCURRENCES)]
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.start.choices = time_choices(starts=True)
        self.end.choices = time_choices(starts=False)
        self.repeat.choices = [SelectChoice("", _l("Does not repeat"))] + [
            SelectChoice(rule.value, label) for rule, label in RECURRENCE_LABELS.items()
        ]


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), filters=[clean], validators=[InputRequired(), Length(max=300)])


class CancelForm(FlaskForm):
    scope = SelectField(
        _l("Cancel"),
        default="one",
        choices=[SelectChoice("one", _l("Only this meeting")), SelectChoice("rest", _l("This and all later meetings of the series"))],
    )


class ClosureForm(FlaskForm):
    room_id = SelectField(_l("Meeting room"), coerce=int, validators=[Optional()])
    start_day = DateField(_l("From date"), validators=[InputRequired(), reasonable_date])
    start = SelectField(_l("From time"), default="08:00", validators=[InputRequired()])
    end_day = DateField(_l("To date"), validators=[InputRequired(), reasonable_date])
    end = SelectField(_l("To time"), default="21:00", validators=[InputRequired()])
    reason = StringField(_l("Reason"), filters=[clean], validators=[InputRequired(), Length(max=200)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.start.choices = time_choices(starts=True)
        self.end.choices = time_choices(starts=False)


class RoomPolicyForm(FlaskForm):
    requires_approval = BooleanField(_l("Bookings need approval by the logistics center"))
    release_no_shows = BooleanField(_l("Release the room when a meeting is not checked in"), default=True)
    no_show_grace_minutes = IntegerField(
        _l("Grace time (minutes after the start)"), default=15, validators=[Optional(), NumberRange(min=5, max=120)]
    )

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from .models import ExceptionKind, NoticeKind, ServicePattern
from .services import PATTERN_LABELS

TIME_FORMATS = ["%H:%M", "%H:%M:%S"]  # browsers send seconds when the field has a step

EXCEPTION_LABELS = {
    ExceptionKind.NO_SERVICE: _l("No service"),
    ExceptionKind.EXTRA_SERVICE: _l("Extra service"),
    ExceptionKind.CHANGED: _l("One-off change (time or vehicle)"),
}
NOTICE_LABELS = {
    NoticeKind.BREAKDOWN: _l("Breakdown"),
    NoticeKind.CHANGED_TIME: _l("Changed time"),
    NoticeKind.OTHER: _l("Other"),
}


def optional_int(value: object) -> int | None:
    """Coerce for selects with an empty "choose…" entry."""
    if value in (None, ""):
        return None
    return int(value)  # type: ignore[arg-type]


class StopForm(FlaskForm):
    name = StringField(_l("Stop name"), validators=[InputRequired(), Length(max=60)])
    description = StringField(
        _l("Where exactly"), description=_l("E.g. the side of the road or a landmark."),
        validators=[Optional(), Length(max=200)],
    )
    latitude = DecimalField(
        _l("Latitude"), places=6, description=_l("WGS84 decimal degrees, e.g. 30.528361."),
        validators=[InputRequired(), NumberRange(min=-90, max=90)],
    )
    longitude = DecimalField(
        _l("Longitude"), places=6, description=_l("WGS84 decimal degrees, e.g. 105.573412."),
        validators=[InputRequired(), NumberRange(min=-180, max=180)],
    )


class RouteForm(FlaskForm):
    code = StringField(_l("Code"), description=_l("Short name, e.g. 1路."), validators=[InputRequired(), Length(max=20)])
    name = StringField(_l("Route name"), validators=[InputRequired(), Length(max=80)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    sort_order = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(min=0, max=999)])
    active = BooleanField(_l("In service"), default=True)


class PatternRowForm(Form):
    stop_id = SelectField(_l("Stop"), coerce=optional_int, validators=[Optional()])
    minutes = IntegerField(_l("Minutes after the first stop"), validators=[Optional(), NumberRange(min=0, max=600)])


class PatternForm(FlaskForm):
    rows = FieldList(FormField(PatternRowForm), min_entries=0)


class VehicleForm(FlaskForm):
    plate = StringField(_l("Licence plate"), validators=[InputRequired(), Length(max=20)])
    label = StringField(_l("Label"), description=_l("E.g. 1号车."), validators=[Optional(), Length(max=30)])
    seats = IntegerField(_l("Seats"), validators=[InputRequired(), NumberRange(min=1, max=80)])
    driver_name = StringField(_l("Driver"), validators=[Optional(), Length(max=30)])
    driver_phone = StringField(
        _l("Driver's phone"),
        description=_l("Shown only to people who are logged in, never to visitors."),
        validators=[
            Optional(),
            Length(max=30),
            Regexp(r"^[0-9+\- ]+$", message=_l("Use digits, spaces, + and - only.")),
        ],
    )
    active = BooleanField(_l("In service"), default=True)


class TripForm(FlaskForm):
    line = SelectField(_l("Route and direction"), validators=[InputRequired(message=_l("Choose a route and direction."))])
    departs_at = TimeField(_l("Departure from the first stop"), format=TIME_FORMATS, validators=[InputRequired()])
    vehicle_id = SelectField(
        _l("Vehicle"), coerce=optional_int, validators=[InputRequired(message=_l("Every trip needs a vehicle."))]
    )
    pattern = SelectField(
        _l("Runs on"),
        choices=[SelectChoice(p.value, label) for p, label in PATTERN_LABELS.items()],
        default=ServicePattern.WORKDAYS.value,
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=80)])


class ExceptionForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired()])
    scope = SelectField(_l("Applies to"), validators=[InputRequired()])
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(k.value, label) for k, label in EXCEPTION_LABELS.items()]
    )
    departs_at = TimeField(
        _l("Changed departure"), format=TIME_FORMATS, description=_l("One-off change only."), validators=[Optional()]
    )
    vehicle_id = SelectField(
        _l("Changed vehicle"), coerce=optional_int, description=_l("One-off change only."), validators=[Optional()]
    )
    note = StringField(
        _l("Reason"), description=_l("Shown to passengers, e.g. 县运动会，下午停运."),
        validators=[InputRequired(), Length(max=120)],
    )


class NoticeForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, label) for k, label in NOTICE_LABELS.items()])
    message = StringField(_l("Notice"), validators=[InputRequired(), Length(max=200)])
    scope = SelectField(_l("Applies to"), validators=[InputRequired()])
    starts_on = DateField(_l("Valid from"), validators=[InputRequired()])
    ends_on = DateField(_l("Until"), validators=[InputRequired()])

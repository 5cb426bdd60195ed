from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms import Form as SubForm
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.forms import Form, IdentifierField
from portal.i18n import lazy_gettext as _l

from .admin_services import (
    ExceptionDraft,
    NoticeDraft,
    RouteDraft,
    StopDraft,
    TripDraft,
    VehicleDraft,
    parse_scope,
)
from .models import Direction, ExceptionKind, NoticeKind, ServicePattern


def _choices(kind) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in kind.choices()]

TIME_FORMATS = ["%H:%M", "%H:%M:%S"]  # browsers send seconds when the field has a step


def optional_int(value: object) -> int | None:
    """Coerce for selects with an empty "choose…" entry."""
    if value in (None, ""):
        return None
    return int(value)  # type: ignore[arg-type]


class StopForm(Form):
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

    def to_draft(self) -> StopDraft:
        return StopDraft(self.name.data, self.description.data or "", self.latitude.data, self.longitude.data)


class RouteForm(Form):
    code = StringField(_l("Code"), description=_l("Short name, e.g. 1路."), validators=[InputRequired(), Length(max=20)])
    name = StringField(_l("Route name"), validators=[InputRequired(), Length(max=80)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    sort_order = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(min=0, max=999)])
    active = BooleanField(_l("In service"), default=True)

    def to_draft(self) -> RouteDraft:
        return RouteDraft(self.code.data, self.name.data, self.description.data or "", self.sort_order.data or 0,
                          self.active.data)


class PatternRowForm(SubForm):
    stop_id = SelectField(_l("Stop"), coerce=optional_int, validators=[Optional()])
    minutes = IntegerField(_l("Minutes after the first stop"), validators=[Optional(), NumberRange(min=0, max=600)])


class PatternForm(Form):
    rows = FieldList(FormField(PatternRowForm), min_entries=0)

    def to_rows(self) -> list[tuple[int | None, int | None]]:
        return [(row.form.stop_id.data, row.form.minutes.data) for row in self.rows]


class VehicleForm(Form):
    plate = IdentifierField(_l("Licence plate"), upper=True, validators=[InputRequired(), Length(max=20)])
    label = StringField(_l("Label"), description=_l("E.g. 1号车."), validators=[Optional(), Length(max=30)])
    seats = IntegerField(_l("Seats"), validators=[InputRequired(), NumberRange(min=1, max=80)])
    driver_name = StringField(_l("Driver"), validators=[Optional(), Length(max=30)])
    driver_phone = IdentifierField(
        _l("Driver's phone"),
        description=_l("Shown only to people who are logged in, never to visitors."),
        validators=[Optional(), Length(max=30)],
    )
    active = BooleanField(_l("In service"), default=True)

    def to_draft(self) -> VehicleDraft:
        return VehicleDraft(self.plate.data, self.label.data or "", self.seats.data, self.driver_name.data or "",
                            self.driver_phone.data or "", self.active.data)


class TripForm(Form):
    line = SelectField(_l("Route and direction"), validators=[InputRequired(message=_l("Choose a route and direction."))])
    departs_at = TimeField(_l("Departure from the first stop"), format=TIME_FORMATS, validators=[InputRequired()])
    vehicle_id = SelectField(
        _l("Vehicle"), coerce=optional_int, validators=[InputRequired(message=_l("Every trip needs a vehicle."))]
    )
    pattern = SelectField(
        _l("Runs on"),
        choices=_choices(ServicePattern),
        default=ServicePattern.WORKDAYS.value,
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=80)])

    def to_draft(self) -> TripDraft:
        route_id, way = self.line.data.split(":", 1)  # checked against the choices
        return TripDraft(int(route_id), Direction(way), self.departs_at.data, self.vehicle_id.data,
                         ServicePattern(self.pattern.data), self.note.data or "")


class ExceptionForm(Form):
    day = DateField(_l("Date"), validators=[InputRequired()])
    scope = SelectField(_l("Applies to"), validators=[InputRequired()])
    kind = SelectField(
        _l("Kind"), choices=_choices(ExceptionKind)
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

    def to_draft(self) -> ExceptionDraft:
        route_id, trip_id = parse_scope(self.scope.data)
        return ExceptionDraft(self.day.data, ExceptionKind(self.kind.data), route_id, trip_id, self.departs_at.data,
                              self.vehicle_id.data, self.note.data)


class NoticeForm(Form):
    kind = SelectField(_l("Kind"), choices=_choices(NoticeKind))
    message = StringField(_l("Notice"), validators=[InputRequired(), Length(max=200)])
    scope = SelectField(_l("Applies to"), validators=[InputRequired()])
    starts_on = DateField(_l("Valid from"), validators=[InputRequired()])
    ends_on = DateField(_l("Until"), validators=[InputRequired()])

    def to_draft(self) -> NoticeDraft:
        route_id, trip_id = parse_scope(self.scope.data)
        return NoticeDraft(NoticeKind(self.kind.data), self.message.data, route_id, trip_id, self.starts_on.data,
                           self.ends_on.data)

from __future__ import annotations

import re
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from portal import timeutil
from portal.blueprints.visitors.models import WatchAction
from portal.blueprints.visitors.services import MAX_HISTORY_DAYS, UnitOption, resolve_unit
from portal.blueprints.visitors.validation import (
    IdType,
    InvalidInput,
    validate_document,
    validate_phone,
    validate_plate,
)

ID_TYPE_LABELS = {
    IdType.RESIDENT_ID: _l("Resident ID card"),
    IdType.PASSPORT: _l("Passport"),
    IdType.HK_MACAO_TAIWAN: _l("HK / Macao / Taiwan travel permit"),
    IdType.OTHER: _l("Other document"),
}
WATCH_ACTION_LABELS = {
    WatchAction.REFUSE: _l("Refuse entry"),
    WatchAction.ESCALATE: _l("Call the duty supervisor"),
}
PURPOSES = (_l("Official business"), _l("Meeting"), _l("Delivering documents"), _l("Service hall"),
            _l("Maintenance work"), _l("Interview"), _l("Courtesy visit"))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _id_type_choices() -> list[SelectChoice]:
    return [SelectChoice(t.value, label) for t, label in ID_TYPE_LABELS.items()]


class _UnitPickerMixin:
    """A text input resolved to a unit on the server (name, short name or pinyin)."""

    unit_options: list[UnitOption] = []
    resolved_unit: UnitOption | None = None

    def validate_unit(self, field) -> None:
        if not field.data:
            return
        try:
            self.resolved_unit = resolve_unit(field.data, self.unit_options)
        except InvalidInput as error:
            raise ValidationError(str(error.message)) from None
        field.data = self.resolved_unit.name


def _check(function, field) -> None:
    """Run a plain validator; put its normalized value back in the field."""
    if not field.data:
        return
    try:
        field.data = function(field.data)
    except InvalidInput as error:
        raise ValidationError(str(error.message)) from None


class CheckInForm(_UnitPickerMixin, FlaskForm):
    name = StringField(_l("Visitor's name"), [InputRequired(), Length(max=50)], filters=[_strip])
    id_type = SelectField(_l("Document"), choices=_id_type_choices(), default=IdType.RESIDENT_ID.value)
    # Never rendered back into the page: the guard retypes it if the form comes back.
    id_number = StringField(_l("Document number"), [InputRequired(message=_l("Enter the document number."))])
    id_checked = BooleanField(_l("Document sighted (已核验证件)"))
    phone = StringField(_l("Phone"), [Optional(), Length(max=40)], filters=[_strip])
    unit = StringField(
        _l("Unit visited"),
        [InputRequired(message=_l("Enter the unit visited.")), Length(max=80)],
        filters=[_strip],
        description=_l("Type the name or pinyin initials, e.g. 人社 or rsj."),
    )
    host_name = StringField(_l("Host"), [Optional(), Length(max=50)], filters=[_strip])
    purpose = StringField(_l("Purpose"), [Optional(), Length(max=100)], filters=[_strip])
    organization = StringField(_l("Visitor's organization"), [Optional(), Length(max=80)], filters=[_strip])
    companions = IntegerField(_l("Companions"), [Optional(), NumberRange(min=0, max=50)], default=0)
    plate = StringField(_l("Vehicle plate"), [Optional(), Length(max=16)], filters=[_strip])
    badge = StringField(_l("Badge number"), [Optional(), Length(max=10)], filters=[_strip])
    submission_token = HiddenField()
    expected_id = HiddenField()

    document_number: str = ""

    def validate_id_number(self, field) -> None:
        try:
            id_type = IdType(self.id_type.data)
        except ValueError:
            return  # the select reports it
        try:
            self.document_number = validate_document(id_type, field.data or "", today=timeutil.today())
        except InvalidInput as error:
            raise ValidationError(str(error.message)) from None

    def validate_phone(self, field) -> None:
        _check(validate_phone, field)

    def validate_plate(self, field) -> None:
        _check(validate_plate, field)

    def validate_submission_token(self, field) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", field.data or ""):
            raise ValidationError(_l("This form has expired; reload the page and enter the visitor again."))

    def validate_expected_id(self, field) -> None:
        if field.data and not field.data.isdigit():
            field.data = ""


class BadgeCheckOutForm(FlaskForm):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "out")  # the desk has two badge fields; their ids must not clash
        super().__init__(*args, **kwargs)

    badge = StringField(_l("Badge number"), [InputRequired(message=_l("Enter the badge number.")), Length(max=10)],
                        filters=[_strip])


class PreregistrationForm(_UnitPickerMixin, FlaskForm):
    visitor_name = StringField(_l("Visitor's name"), [InputRequired(), Length(max=50)], filters=[_strip])
    id_type = SelectField(_l("Document they will bring"), choices=_id_type_choices(), default=IdType.RESIDENT_ID.value)
    phone = StringField(_l("Phone"), [Optional(), Length(max=40)], filters=[_strip])
    organization = StringField(_l("Visitor's organization"), [Optional(), Length(max=80)], filters=[_strip])
    unit = StringField(_l("Unit visited"), [InputRequired(message=_l("Enter the unit visited.")), Length(max=80)],
                       filters=[_strip])
    host_name = StringField(_l("Host"), [InputRequired(), Length(max=50)], filters=[_strip])
    purpose = StringField(_l("Purpose"), [Optional(), Length(max=100)], filters=[_strip])
    companions = IntegerField(_l("Companions"), [Optional(), NumberRange(min=0, max=50)], default=0)
    plate = StringField(_l("Vehicle plate"), [Optional(), Length(max=16)], filters=[_strip],
                        description=_l("For a parking place; leave empty if they come on foot."))
    visit_date = DateField(_l("Date"), [InputRequired()])
    window_start = TimeField(_l("From"), [InputRequired()])
    window_end = TimeField(_l("Until"), [InputRequired()])

    def validate_phone(self, field) -> None:
        _check(validate_phone, field)

    def validate_plate(self, field) -> None:
        _check(validate_plate, field)


class WatchlistForm(FlaskForm):
    name = StringField(_l("Name"), [Optional(), Length(max=50)], filters=[_strip])
    id_type = SelectField(_l("Document"), choices=_id_type_choices(), default=IdType.RESIDENT_ID.value)
    id_number = StringField(_l("Document number"), [Optional()],
                            description=_l("Optional. Only a keyed fingerprint and the masked number are kept."))
    plate = StringField(_l("Vehicle plate"), [Optional(), Length(max=16)], filters=[_strip])
    reason = StringField(_l("Reason"), [InputRequired(), Length(max=200)], filters=[_strip])
    action = SelectField(
        _l("What the guard does"),
        choices=[SelectChoice(a.value, label) for a, label in WATCH_ACTION_LABELS.items()],
        default=WatchAction.ESCALATE.value,
    )

    document_number: str = ""

    def validate_id_number(self, field) -> None:
        if not field.data:
            return
        try:
            self.document_number = validate_document(IdType(self.id_type.data), field.data, today=timeutil.today())
        except (InvalidInput, ValueError) as error:
            raise ValidationError(str(getattr(error, "message", error))) from None

    def validate_plate(self, field) -> None:
        _check(validate_plate, field)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not (self.name.data or self.id_number.data or self.plate.data):
            self.form_errors.append(_l("Give a name, a document number or a plate to watch for."))
            return False
        return valid


class HistoryFilterForm(_UnitPickerMixin, FlaskForm):
    """The history search: a GET form (pass ``formdata=request.args``), without CSRF token."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), [Optional()])
    end = DateField(_l("Until"), [Optional()])
    name = StringField(_l("Name"), [Optional(), Length(max=50)], filters=[_strip])
    unit = StringField(_l("Unit"), [Optional(), Length(max=80)], filters=[_strip])
    plate = StringField(_l("Plate"), [Optional(), Length(max=16)], filters=[lambda v: _strip(v).upper() if v else v])
    badge = StringField(_l("Badge"), [Optional(), Length(max=10)], filters=[_strip])

    def fill_defaults(self, today: date, days: int = 7) -> None:
        if not self.end.data:
            self.end.data = today
        if not self.start.data:
            self.start.data = self.end.data - timedelta(days=days - 1)

    def validate_end(self, field) -> None:
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError(_l("The end date is before the start date."))
            if (field.data - self.start.data).days >= MAX_HISTORY_DAYS:
                raise ValidationError(_l("Search at most %(days)s days at a time.", days=MAX_HISTORY_DAYS))


class StatisticsForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField(_l("From"), [Optional()])
    end = DateField(_l("Until"), [Optional()])

    def validate_end(self, field) -> None:
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(_l("The end date is before the start date."))

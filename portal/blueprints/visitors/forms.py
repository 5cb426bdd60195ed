from __future__ import annotations

import re
from datetime import date, timedelta

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
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal import timeutil
from portal.blueprints.visitors.models import WatchAction
from portal.blueprints.visitors.services import (
    MAX_HISTORY_DAYS,
    CheckIn,
    HistoryFilter,
    InvitationDraft,
    PreregistrationDraft,
    RegistrationDraft,
    UnitOption,
    WatchDraft,
    normalize_badge,
    resolve_unit,
)
from portal.blueprints.visitors.validation import IdType, validate_document
from portal.forms import Form, IdentifierField
from portal.i18n import lazy_gettext as _l
from portal.rules import RuleViolation
from portal.validators import validate_phone, validate_plate


def _choices(kind) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in kind.choices()]


PURPOSES = (_l("Official business"), _l("Meeting"), _l("Delivering documents"), _l("Service hall"),
            _l("Maintenance work"), _l("Interview"), _l("Courtesy visit"))


class _UnitPickerMixin:
    """A text input resolved to a unit on the server (name, short name or pinyin)."""

    unit_options: list[UnitOption] = []
    resolved_unit: UnitOption | None = None

    def validate_unit(self, field) -> None:
        if not field.data:
            return
        try:
            self.resolved_unit = resolve_unit(field.data, self.unit_options)
        except RuleViolation as error:
            raise ValidationError(str(error.message)) from None
        field.data = self.resolved_unit.name


def _check(function, field) -> None:
    """Run a plain validator; put its normalized value back in the field."""
    if not field.data:
        return
    try:
        field.data = function(field.data)
    except RuleViolation as error:
        raise ValidationError(str(error.message)) from None


class CheckInForm(_UnitPickerMixin, Form):
    name = StringField(_l("Visitor's name"), [InputRequired(), Length(max=50)])
    id_type = SelectField(_l("Document"), choices=_choices(IdType), default=IdType.RESIDENT_ID.value)
    # Shown again only when it is right (the guard need not retype it for another field's mistake).
    id_number = IdentifierField(_l("Document number"), [InputRequired(message=_l("Enter the document number."))],
                                upper=True)
    # The guard looks at every document: ticked unless they untick it.
    id_checked = BooleanField(_l("Document sighted (已核验证件)"), default=True)
    phone = IdentifierField(_l("Phone"), [Optional(), Length(max=40)])
    unit = StringField(
        _l("Unit visited"),
        [InputRequired(message=_l("Enter the unit visited.")), Length(max=80)],
        description=_l("Type the name or pinyin initials, e.g. 人社 or rsj."),
    )
    host_name = StringField(_l("Host"), [Optional(), Length(max=50)])
    purpose = StringField(_l("Purpose"), [Optional(), Length(max=100)])
    organization = StringField(_l("Visitor's organization"), [Optional(), Length(max=80)])
    companions = IntegerField(_l("Companions"), [Optional(), NumberRange(min=0, max=50)], default=0)
    plate = IdentifierField(_l("Vehicle plate"), [Optional(), Length(max=16)], upper=True)
    badge = IdentifierField(_l("Badge number"), [Optional(), Length(max=10)], upper=True)
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
        except RuleViolation as error:
            raise ValidationError(str(error.message)) from None
        field.data = self.document_number

    def validate_phone(self, field) -> None:
        _check(validate_phone, field)

    def validate_plate(self, field) -> None:
        _check(validate_plate, field)

    def validate_submission_token(self, field) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", field.data or ""):
            raise ValidationError(_l("This form has expired; reload the page and enter the visitor again."))

    def validate_expected_id(self, field) -> None:
        if field.data and not (field.data.isdigit() and len(field.data) <= 9):
            field.data = ""

    @property
    def number_to_show(self) -> str:
        """The document number to put back in the field: only a valid one."""
        return self.document_number if self.document_number and not self.id_number.errors else ""

    def to_draft(self, preregistration_id: int | None = None) -> CheckIn:
        return CheckIn(
            submission_token=self.submission_token.data,
            name=self.name.data,
            id_type=IdType(self.id_type.data),
            id_number=self.document_number,
            id_checked=bool(self.id_checked.data),
            unit_id=self.resolved_unit.id,
            phone=self.phone.data or "",
            organization=self.organization.data or "",
            host_name=self.host_name.data or "",
            purpose=self.purpose.data or "",
            companions=self.companions.data or 0,
            plate=self.plate.data or "",
            badge=normalize_badge(self.badge.data),
            preregistration_id=preregistration_id,
        )


class BadgeCheckOutForm(Form):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "out")  # the desk has two badge fields; their ids must not clash
        super().__init__(*args, **kwargs)

    badge = IdentifierField(_l("Badge number"), [InputRequired(message=_l("Enter the badge number.")), Length(max=10)],
                            upper=True)


class PreregistrationForm(_UnitPickerMixin, Form):
    visitor_name = StringField(_l("Visitor's name"), [InputRequired(), Length(max=50)])
    id_type = SelectField(_l("Document they will bring"), choices=_choices(IdType), default=IdType.RESIDENT_ID.value)
    phone = IdentifierField(_l("Phone"), [Optional(), Length(max=40)])
    organization = StringField(_l("Visitor's organization"), [Optional(), Length(max=80)])
    unit = StringField(_l("Unit visited"), [InputRequired(message=_l("Enter the unit visited.")), Length(max=80)])
    host_name = StringField(_l("Host"), [InputRequired(), Length(max=50)])
    purpose = StringField(_l("Purpose"), [Optional(), Length(max=100)])
    companions = IntegerField(_l("Companions"), [Optional(), NumberRange(min=0, max=50)], default=0)
    plate = IdentifierField(_l("Vehicle plate"), [Optional(), Length(max=16)], upper=True,
                            description=_l("For a parking place; leave empty if they come on foot."))
    visit_date = DateField(_l("Date"), [InputRequired()])
    window_start = TimeField(_l("From"), [InputRequired()])
    window_end = TimeField(_l("Until"), [InputRequired()])

    def validate_phone(self, field) -> None:
        _check(validate_phone, field)

    def validate_plate(self, field) -> None:
        _check(validate_plate, field)

    def to_draft(self) -> PreregistrationDraft:
        return PreregistrationDraft(
            unit_id=self.resolved_unit.id,
            host_name=self.host_name.data,
            visit_date=self.visit_date.data,
            window_start=self.window_start.data,
            window_end=self.window_end.data,
            visitor_name=self.visitor_name.data,
            id_type=IdType(self.id_type.data),
            phone=self.phone.data or "",
            organization=self.organization.data or "",
            purpose=self.purpose.data or "",
            companions=self.companions.data or 0,
            plate=self.plate.data or "",
        )


class WatchlistForm(Form):
    name = StringField(_l("Name"), [Optional(), Length(max=50)])
    id_type = SelectField(_l("Document"), choices=_choices(IdType), default=IdType.RESIDENT_ID.value)
    id_number = IdentifierField(_l("Document number"), [Optional()], upper=True,
                                description=_l("Optional. Only a keyed fingerprint and the masked number are kept."))
    plate = IdentifierField(_l("Vehicle plate"), [Optional(), Length(max=16)], upper=True)
    reason = StringField(_l("Reason"), [InputRequired(), Length(max=200)])
    action = SelectField(_l("What the guard does"), choices=_choices(WatchAction), default=WatchAction.ESCALATE.value)

    document_number: str = ""

    def validate_id_number(self, field) -> None:
        if not field.data:
            return
        try:
            self.document_number = validate_document(IdType(self.id_type.data), field.data, today=timeutil.today())
        except (RuleViolation, ValueError) as error:
            raise ValidationError(str(getattr(error, "message", error))) from None

    def validate_plate(self, field) -> None:
        _check(validate_plate, field)

    def to_draft(self) -> WatchDraft:
        return WatchDraft(
            name=self.name.data or "",
            id_type=IdType(self.id_type.data) if self.document_number else None,
            id_number=self.document_number,
            plate=self.plate.data or "",
            reason=self.reason.data,
            action=WatchAction(self.action.data),
        )


class HistoryFilterForm(_UnitPickerMixin, Form):
    """The history search: a GET form (pass ``formdata=request.args``), without CSRF token."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), [Optional()])
    end = DateField(_l("Until"), [Optional()])
    name = StringField(_l("Name"), [Optional(), Length(max=50)])
    unit = StringField(_l("Unit"), [Optional(), Length(max=80)])
    plate = IdentifierField(_l("Plate"), [Optional(), Length(max=16)], upper=True)
    badge = IdentifierField(_l("Badge"), [Optional(), Length(max=10)], upper=True)

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

    def to_filter(self) -> HistoryFilter:
        return HistoryFilter(
            start=self.start.data,
            end=self.end.data,
            name=self.name.data or "",
            unit_id=self.resolved_unit.id if self.resolved_unit else None,
            plate=self.plate.data or "",
            badge=normalize_badge(self.badge.data),
        )


class StatisticsForm(Form):
    class Meta:
        csrf = False

    start = DateField(_l("From"), [Optional()])
    end = DateField(_l("Until"), [Optional()])

    def validate_end(self, field) -> None:
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(_l("The end date is before the start date."))


class InvitationForm(_UnitPickerMixin, Form):
    unit = StringField(_l("Unit visited"), [InputRequired(message=_l("Enter the unit visited.")), Length(max=80)])
    host_name = StringField(_l("Host"), [InputRequired(), Length(max=50)])
    room = IdentifierField(_l("Room"), [Optional(), Length(max=30)], upper=True)
    purpose = StringField(_l("Purpose"), [Optional(), Length(max=100)])
    first_day = DateField(_l("First day"), [InputRequired()])
    last_day = DateField(_l("Last day"), [Optional()], description=_l("For a pass of several days; empty for one day."))
    window_start = TimeField(_l("From"), [InputRequired()])
    window_end = TimeField(_l("Until"), [InputRequired()])
    max_companions = IntegerField(_l("Companions allowed"), [Optional(), NumberRange(min=0, max=20)], default=0)

    def to_draft(self) -> InvitationDraft:
        return InvitationDraft(
            unit_id=self.resolved_unit.id,
            host_name=self.host_name.data,
            room=self.room.data or "",
            purpose=self.purpose.data or "",
            first_day=self.first_day.data,
            last_day=self.last_day.data or self.first_day.data,
            window_start=self.window_start.data,
            window_end=self.window_end.data,
            max_companions=self.max_companions.data or 0,
        )


class RegistrationForm(Form):
    """What a visitor fills in on their phone: the desk's rules for every field."""

    name = StringField(_l("Your name"), [InputRequired(), Length(max=50)])
    id_type = SelectField(_l("Document"), choices=_choices(IdType), default=IdType.RESIDENT_ID.value)
    id_number = IdentifierField(_l("Document number"), [InputRequired(message=_l("Enter the document number."))],
                                upper=True)
    phone = IdentifierField(_l("Mobile phone"), [Optional(), Length(max=40)])
    plate = IdentifierField(_l("Vehicle plate"), [Optional(), Length(max=16)], upper=True,
                            description=_l("Leave empty if you come on foot."))
    companions = IntegerField(_l("People with you"), [Optional(), NumberRange(min=0, max=20)], default=0)

    document_number: str = ""

    def validate_id_number(self, field) -> None:
        try:
            id_type = IdType(self.id_type.data)
        except ValueError:
            return
        try:
            self.document_number = validate_document(id_type, field.data or "", today=timeutil.today())
        except RuleViolation as error:
            raise ValidationError(str(error.message)) from None
        field.data = self.document_number

    def validate_phone(self, field) -> None:
        _check(validate_phone, field)

    def validate_plate(self, field) -> None:
        _check(validate_plate, field)

    def to_draft(self) -> RegistrationDraft:
        return RegistrationDraft(
            name=self.name.data,
            id_type=IdType(self.id_type.data),
            id_number=self.document_number,
            phone=self.phone.data or "",
            plate=self.plate.data or "",
            companions=self.companions.data or 0,
        )


class PassCodeForm(Form):
    """The desk's pass-code field: typed, or typed by a USB scanner, then Enter."""

    class Meta:
        csrf = False  # a GET search

    code = IdentifierField(_l("Pass code"), [InputRequired(message=_l("Enter the pass code.")), Length(max=20)],
                           upper=True)


class PassCheckInForm(Form):
    badge = IdentifierField(_l("Badge number"), [Optional(), Length(max=10)], upper=True)
    submission_token = HiddenField()
    decision = HiddenField()

    def validate_submission_token(self, field) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", field.data or ""):
            raise ValidationError(_l("This form has expired; reload the page and enter the visitor again."))

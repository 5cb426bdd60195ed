from decimal import Decimal

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from portal.blueprints.directory.services import RoomDraft, StaffDraft, UnitDraft
from portal.blueprints.directory.synonyms import SynonymDraft
from portal.forms import Form, IdentifierField, MultiCheckboxField
from portal.i18n import lazy_gettext as _l
from portal.models import RoomKind

PHONE = Regexp(r"^[0-9０-９ ()（）+\-—,，/、转]*$", message=_l("Use digits, spaces and dashes only."))


class UnitForm(Form):
    """Logistics administrators edit every field; a unit administrator gets the
    form without ``ADMIN_ONLY_FIELDS``."""

    ADMIN_ONLY_FIELDS = ("name", "short_name", "headcount", "sort_order")

    name = StringField(_l("Full name"), validators=[InputRequired(), Length(max=80)])
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=30)])
    phone = IdentifierField(_l("Public phone"), validators=[Optional(), Length(max=30), PHONE])
    office_hours = StringField(_l("Office hours"), validators=[Optional(), Length(max=120)])
    duties = TextAreaField(_l("Duties"), validators=[Optional(), Length(max=2000)])
    headcount = IntegerField(_l("Headcount"), default=0, validators=[Optional(), NumberRange(min=0, max=10000)])
    sort_order = IntegerField(_l("Sort order"), default=0, validators=[Optional(), NumberRange(min=0, max=100000)])

    def to_draft(self) -> UnitDraft:
        def given(name: str, empty):
            field = getattr(self, name, None)
            if field is None:
                return None  # not on a unit administrator's form: the service keeps it
            return empty if field.data is None else field.data

        return UnitDraft(
            phone=self.phone.data or "", office_hours=self.office_hours.data or "", duties=self.duties.data or "",
            name=given("name", ""), short_name=given("short_name", ""),
            headcount=given("headcount", 0), sort_order=given("sort_order", 0),
        )


def finite_number(form, field) -> None:
    """NaN and infinity parse as decimals but are no measurement (and break comparisons)."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(_l("Enter a number."))


class RoomForm(Form):
    """A room's details and who occupies it (logistics administrators)."""

    name = StringField(_l("Room name"), validators=[Optional(), Length(max=80)])
    kind = SelectField(_l("Kind"), validators=[InputRequired()])
    capacity = IntegerField(_l("Seats"), validators=[Optional(), NumberRange(min=1, max=5000)])
    area_m2 = DecimalField(_l("Area (m²)"), places=2, validators=[Optional(), finite_number, NumberRange(min=0, max=100000)])
    equipment = MultiCheckboxField(_l("Equipment"), validators=[Optional()])
    unit_id = SelectField(_l("Occupied by"), coerce=int, validators=[Optional()])

    def to_draft(self) -> RoomDraft:
        return RoomDraft(
            kind=RoomKind(self.kind.data), name=self.name.data or "", capacity=self.capacity.data,
            area_m2=self.area_m2.data, equipment=list(self.equipment.data or []), unit_id=self.unit_id.data or None,
        )

    def validate_area_m2(self, field) -> None:
        # After NumberRange, which already speaks for a huge number; stored to the hundredth.
        if field.data is not None and not field.errors and field.data != field.data.quantize(Decimal("0.01")):
            raise ValidationError(_l("At most two decimal places."))


class StaffForm(Form):
    """A staff directory entry. ``unit_id`` is for logistics administrators only;
    ``listed`` only for entries without a portal login."""

    display_name = StringField(_l("Name"), validators=[InputRequired(), Length(max=64)])
    unit_id = SelectField(_l("Unit"), coerce=int, validators=[InputRequired()])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=64)])
    office_room_id = SelectField(_l("Office"), coerce=int, validators=[Optional()])
    phone_ext = IdentifierField(_l("Extension"), validators=[Optional(), Length(max=30), PHONE])
    listed = BooleanField(_l("Listed in the staff directory"), default=True)

    def to_draft(self) -> StaffDraft:
        """Without the "listed" field (an account with a login) it stays as it is."""
        return StaffDraft(
            display_name=self.display_name.data or "", unit_id=self.unit_id.data or None, title=self.title.data or "",
            office_room_id=self.office_room_id.data or None, phone_ext=self.phone_ext.data or "",
            listed=self.listed.data if getattr(self, "listed", None) is not None else None,
        )


class ImportForm(Form):
    workbook = FileField(
        _l("Excel workbook (.xlsx)"),
        validators=[FileRequired(message=_l("Choose an .xlsx file to import."))],
    )


class SynonymForm(Form):
    """An everyday word and what it means. ``unit_id`` (the owner) is for logistics
    administrators only; a unit administrator's entries belong to their unit."""

    word = StringField(_l("Word people type"), validators=[InputRequired(), Length(max=40)])
    targets = TextAreaField(
        _l("Search for instead"),
        description=_l("Official names or keywords, separated by commas or 、 (e.g. 不动产转移登记)."),
        validators=[InputRequired(), Length(max=400)],
    )
    unit_id = SelectField(_l("Kept by"), coerce=int, validators=[Optional()])

    def to_draft(self) -> SynonymDraft:
        return SynonymDraft(
            word=self.word.data or "", targets=self.targets.data or "",
            unit_id=(self.unit_id.data or None) if "unit_id" in self else None,
        )

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.blueprints.offices.models import RoomUse
from portal.blueprints.offices.services import (
    EntryDraft,
    ExceptionDraft,
    FindingDraft,
    HandBackDraft,
    MoveDraft,
    PublishDraft,
    SeatDraft,
    StandardDraft,
    StockTakeDraft,
)
from portal.forms import Form
from portal.i18n import lazy_gettext as _l


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class EntryForm(Form):
    unit_id = SelectField(_l("Unit"), validators=[Optional()])
    use = SelectField(_l("Room use"), choices=[SelectChoice(v, label) for v, label in RoomUse.choices()], validators=[InputRequired()])
    area_m2 = DecimalField(_l("Use area (m²)"), places=2, validators=[InputRequired()],
                           description=_l("使用面积, as measured inside the walls."))
    valid_from = DateField(_l("Since"), validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])

    def to_draft(self) -> EntryDraft:
        return EntryDraft(unit_id=_int(self.unit_id.data), use=self.use.data, area_m2=self.area_m2.data,
                          valid_from=self.valid_from.data, note=self.note.data or "")


class SeatForm(Form):
    user_id = SelectField(_l("Person"), validators=[InputRequired()])
    standard_id = SelectField(_l("Rank for the standard"), validators=[InputRequired()])
    start_date = DateField(_l("Since"), validators=[InputRequired()])

    def to_draft(self) -> SeatDraft:
        return SeatDraft(user_id=_int(self.user_id.data), standard_id=_int(self.standard_id.data),
                         start_date=self.start_date.data)


class MoveForm(Form):
    room_id = SelectField(_l("To office"), validators=[InputRequired()])
    standard_id = SelectField(_l("Rank for the standard"), validators=[InputRequired()])
    on = DateField(_l("Since"), validators=[InputRequired()])

    def to_draft(self) -> MoveDraft:
        return MoveDraft(room_id=_int(self.room_id.data), standard_id=_int(self.standard_id.data), on=self.on.data)


class HandBackForm(Form):
    on = DateField(_l("Handed back on"), validators=[InputRequired()])
    reason = StringField(_l("Why"), validators=[InputRequired(), Length(max=200)],
                         description=_l("e.g. transferred to another unit, retired"))

    def to_draft(self) -> HandBackDraft:
        return HandBackDraft(on=self.on.data, reason=self.reason.data or "")


class ExceptionForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(), Length(max=500)], render_kw={"rows": 3})
    approved_by = StringField(_l("Approved by"), validators=[InputRequired(), Length(max=120)],
                              description=_l("Who approved it, with the document number."))
    valid_from = DateField(_l("Since"), validators=[InputRequired()])
    valid_to = DateField(_l("Valid until"), validators=[Optional()])

    def to_draft(self) -> ExceptionDraft:
        return ExceptionDraft(reason=self.reason.data or "", approved_by=self.approved_by.data or "",
                              valid_from=self.valid_from.data, valid_to=self.valid_to.data)


class StandardForm(Form):
    name = StringField(_l("Rank"), validators=[InputRequired(), Length(max=60)])
    area_m2 = DecimalField(_l("Office area per person (m²)"), places=2, validators=[InputRequired()])
    sort_order = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(min=0, max=1000)])

    def to_draft(self) -> StandardDraft:
        return StandardDraft(name=self.name.data or "", area_m2=self.area_m2.data, sort_order=self.sort_order.data)


class PublishForm(Form):
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2199)])
    as_of = DateField(_l("Allocation as of"), validators=[InputRequired()])

    def to_draft(self) -> PublishDraft:
        return PublishDraft(year=self.year.data, as_of=self.as_of.data)


class StockTakeForm(Form):
    on = DateField(_l("Stock-take day"), validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])

    def to_draft(self) -> StockTakeDraft:
        return StockTakeDraft(on=self.on.data, note=self.note.data or "")


class FindingForm(Form):
    found_people = IntegerField(_l("People working here"), validators=[InputRequired(), NumberRange(min=0, max=500)])
    found_area = DecimalField(_l("Use area measured (m²)"), places=2, validators=[Optional()],
                              description=_l("Leave empty when the room was not measured."))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])

    def to_draft(self) -> FindingDraft:
        return FindingDraft(found_area=self.found_area.data, found_people=self.found_people.data,
                            note=self.note.data or "")


class LedgerImportForm(Form):
    workbook = FileField(_l("Excel workbook (.xlsx)"),
                         validators=[FileRequired(message=_l("Choose an .xlsx file to import."))])
    valid_from = DateField(_l("Changes apply from"), validators=[InputRequired()])

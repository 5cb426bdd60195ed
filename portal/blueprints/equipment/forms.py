from __future__ import annotations

from datetime import date

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.blueprints.equipment.models import (
    AssetCategory,
    Condition,
    DocumentKind,
    IntervalUnit,
    PlanKind,
)
from portal.blueprints.equipment.services import FEN, MAX_COST, AssetDraft, PlanDraft
from portal.forms import Form, IdentifierField
from portal.i18n import lazy_gettext as _l


def _optional_int(value):
    if value in (None, ""):
        return None
    return int(value)


def sane_date(form, field) -> None:
    if field.data is not None and not date(1900, 1, 1) <= field.data <= date(2199, 12, 31):
        raise ValidationError(_l("Enter a date between 1900 and 2199."))


def yuan_amount(form, field) -> None:
    value = field.data
    if value is None:
        return
    if not value.is_finite() or value < 0 or value > MAX_COST or value != value.quantize(FEN):
        raise ValidationError(_l("An amount is between 0 and 99,999,999.99 yuan, to the fen."))


def _choices(enum_cls, blank: bool = True) -> list[SelectChoice]:
    head = [SelectChoice("", _l("— choose —"))] if blank else []
    return head + [SelectChoice(v, label) for v, label in enum_cls.choices()]


class AssetForm(Form):
    code = IdentifierField(_l("Code"), upper=True, validators=[InputRequired(), Length(max=30)],
                           description=_l("As on the label, e.g. DT-ZL-01; spaces and full-width characters are ignored."))
    name = StringField(_l("Item name"), validators=[InputRequired(), Length(max=80)])
    category = SelectField(_l("Category"), choices=_choices(AssetCategory), validators=[InputRequired()])
    floor_id = SelectField(_l("Building and floor"), coerce=_optional_int, validators=[InputRequired()])
    room_id = SelectField(_l("Room"), coerce=_optional_int, validators=[Optional()],
                          description=_l("Optional: only for items inside a room."))
    zone = StringField(_l("Zone or spot"), validators=[Optional(), Length(max=80)],
                       description=_l("E.g. “地下水泵房”, “东侧竖井”, “屋顶”."))
    install_date = DateField(_l("Installed on"), validators=[InputRequired(), sane_date])
    expected_life_years = IntegerField(_l("Expected life (years)"),
                                       validators=[InputRequired(), NumberRange(min=1, max=100)])
    replacement_cost = DecimalField(_l("Replacement cost (yuan)"), places=2, validators=[InputRequired(), yuan_amount])
    supplier = StringField(_l("Supplier"), validators=[Optional(), Length(max=80)])
    maintainer = StringField(_l("Maintained by"), validators=[Optional(), Length(max=80)])
    contract_end = DateField(_l("Maintenance contract ends"), validators=[Optional(), sane_date])
    warranty_end = DateField(_l("Warranty ends"), validators=[Optional(), sane_date])
    condition = SelectField(_l("Condition"), choices=_choices(Condition, blank=False), validators=[InputRequired()])
    condition_date = DateField(_l("Condition assessed on"), validators=[Optional(), sane_date])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3})

    def to_draft(self) -> AssetDraft:
        return AssetDraft(
            code=self.code.data or "", name=self.name.data or "", category=self.category.data or "",
            floor_id=self.floor_id.data, room_id=self.room_id.data, zone=self.zone.data or "",
            install_date=self.install_date.data, expected_life_years=self.expected_life_years.data,
            replacement_cost=self.replacement_cost.data, supplier=self.supplier.data or "",
            maintainer=self.maintainer.data or "", contract_end=self.contract_end.data,
            warranty_end=self.warranty_end.data, condition=self.condition.data or "",
            condition_date=self.condition_date.data, notes=self.notes.data or "",
        )


class PlanForm(Form):
    title = StringField(_l("What is done"), validators=[InputRequired(), Length(max=80)],
                        description=_l("E.g. “月度保养”, “年度特种设备定期检验”."))
    kind = SelectField(_l("Kind"), choices=_choices(PlanKind, blank=False), validators=[InputRequired()])
    every = IntegerField(_l("Every"), validators=[InputRequired(), NumberRange(min=1, max=1_000_000)],
                         description=_l("Days, weeks or months: 1 to 366. Running hours or runs: up to 1,000,000."))
    unit = SelectField(_l("Interval"), choices=_choices(IntervalUnit, blank=False), validators=[InputRequired()],
                       description=_l("By running hours or runs, the work is due when the item's counter reading "
                                      "reaches the last time it was done plus the interval."))
    first_due = DateField(_l("Next due"), validators=[Optional(), sane_date],
                          description=_l("Not needed for a plan by running hours or runs."))
    remind_days = IntegerField(_l("Remind days before"), default=14, validators=[Optional(), NumberRange(min=0, max=90)])

    def to_draft(self) -> PlanDraft:
        return PlanDraft(title=self.title.data or "", kind=self.kind.data or "", every=self.every.data,
                         unit=self.unit.data or "", first_due=self.first_due.data, remind_days=self.remind_days.data)


class StopPlanForm(Form):
    stopped_on = DateField(_l("Stops on"), validators=[InputRequired(), sane_date],
                           description=_l("Work due before this day is still owed; later dates are cancelled."))
    reason = StringField(_l("Why it stops"), validators=[InputRequired(), Length(min=2, max=200)],
                         description=_l("E.g. “设备已更换”, “改由供电公司维护”."))


class ResumePlanForm(Form):
    next_due = DateField(_l("Next due"), validators=[InputRequired(), sane_date])


class ReadingForm(Form):
    read_on = DateField(_l("Read on"), validators=[InputRequired(), sane_date])
    value = IntegerField(_l("Counter reading"), validators=[InputRequired(), NumberRange(min=0, max=10**12 - 1)])
    replaced = BooleanField(_l("The counter was replaced (the new one starts lower)"))


class DoneForm(Form):
    done_on = DateField(_l("Done on"), validators=[InputRequired(), sane_date])
    cost = DecimalField(_l("Cost (yuan)"), places=2, validators=[InputRequired(), yuan_amount])
    note = TextAreaField(_l("What was done"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 2})


class DocumentForm(Form):
    kind = SelectField(_l("Kind of document"), choices=_choices(DocumentKind, blank=False), validators=[InputRequired()])
    title = StringField(_l("Document title"), validators=[Optional(), Length(max=80)],
                        description=_l("Optional, e.g. “2026年度电梯定期检验报告”; the file's name otherwise."))
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file."))],
                     description=_l("PDF, JPG, PNG, Word or Excel, at most 10 MB."))


class LinkRepairForm(Form):
    repair_id = IntegerField(_l("Repair report no."), validators=[InputRequired(), NumberRange(min=1, max=2**31 - 1)])


class StartRoundForm(Form):
    category = SelectField(_l("Category"), choices=_choices(AssetCategory), validators=[InputRequired()])
    building = SelectField(_l("Building"), coerce=_optional_int, validators=[InputRequired()])



class ImportForm(Form):
    workbook = FileField(_l("Excel workbook (.xlsx)"), validators=[FileRequired(message=_l("Choose an .xlsx file to import."))],
                         description=_l("The columns of the register's Excel download; new codes are added, known codes updated."))


class PublicReportForm(Form):
    name = StringField(_l("Your name"), validators=[InputRequired(), Length(max=30)])
    phone = IdentifierField(_l("Your phone"), validators=[InputRequired(), Length(max=20)])
    description = TextAreaField(_l("What is wrong"), validators=[InputRequired(), Length(min=4, max=900)],
                                render_kw={"rows": 4, "maxlength": 900})
    website = StringField(_l("Leave this empty"), validators=[Optional(), Length(max=200)])  # a trap for robots

    def to_draft(self):
        from portal.blueprints.equipment.public import PublicDraft

        return PublicDraft(self.name.data or "", self.phone.data or "", self.description.data or "")

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, Field, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, StopValidation
from wtforms.widgets import TextInput

from portal.blueprints.utilities.models import AllocationKey, CommonArea, MeterKind, Supply
from portal.blueprints.utilities.services import Replacement
from portal.forms import Form, IdentifierField
from portal.i18n import lazy_gettext as _l

TOO_LARGE = Decimal("1e15")  # beyond any meter or invoice; keeps quantize() within Decimal's precision
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")


class ExactDecimalField(Field):
    """A decimal typed as text, kept exact: no floats, no NaN, at most ``places`` decimals."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, places: int = 2, **kwargs) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.places = places

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()  # "Enter a number." says it all

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        if not valuelist:
            return
        text = valuelist[0].strip().translate(_FULL_WIDTH).replace(",", "").replace(" ", "")
        if not text:
            return
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(_l("Enter a number.")) from None
        if not value.is_finite():
            raise ValueError(_l("Enter a number."))
        if abs(value) >= TOO_LARGE:
            raise ValueError(_l("The number is too large."))
        quantum = Decimal(1).scaleb(-self.places)
        if value != value.quantize(quantum):
            raise ValueError(_l("Use at most %(places)s decimal places.", places=self.places))
        self.data = value.quantize(quantum) + 0  # + 0 turns -0.00 into 0.00


def _choices(kind) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in kind.choices()]


MAX_MONEY = Decimal("99999999.99")
MAX_QUANTITY = Decimal("9999999999.99")


class MeterForm(Form):
    code = IdentifierField(
        _l("Meter code"),
        description=_l("As painted on the meter box, e.g. E-ZL-301."),
        validators=[InputRequired(), Length(max=30), Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Use letters, digits, dot, dash or underscore only."))],
    )
    name = StringField(_l("Meter name"), validators=[InputRequired(), Length(max=80)])
    serial_no = StringField(_l("Serial number"), validators=[Optional(), Length(max=40)])
    supply = SelectField(_l("Supply"), choices=_choices(Supply))
    kind = SelectField(_l("Kind"), choices=_choices(MeterKind))
    parent_id = SelectField(_l("Parent meter"), coerce=int, description=_l("Sub-meters sit under the main meter of their supply."))
    unit_id = SelectField(_l("Unit"), coerce=int, description=_l("For a unit sub-meter."))
    area = SelectField(_l("Common area"), choices=[SelectChoice("", "—"), *_choices(CommonArea)], description=_l("For a common-area meter."))
    multiplier = IntegerField(
        _l("Multiplier"),
        default=1,
        description=_l("Current-transformer ratio, e.g. 40 for 200/5 A; 1 for direct meters."),
        validators=[InputRequired(), NumberRange(min=1, max=100000)],
    )
    rollover_at = ExactDecimalField(
        _l("Register rolls over at"),
        default=Decimal("100000"),
        description=_l("A five-digit register shows up to 99999.99 and rolls over at 100000."),
        validators=[InputRequired(), NumberRange(min=Decimal("1"), max=Decimal("1000000000000"))],
    )
    installed_on = DateField(_l("In service from"), validators=[InputRequired()])
    initial_reading = ExactDecimalField(
        _l("Initial reading"), default=Decimal("0"), validators=[InputRequired(), NumberRange(min=Decimal(0))]
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class ReplaceMeterForm(Form):
    def to_draft(self) -> Replacement:
        return Replacement(
            removed_on=self.removed_on.data,
            final_reading=self.final_reading.data,
            code=self.code.data,
            serial_no=self.serial_no.data or "",
            multiplier=self.multiplier.data,
            rollover_at=self.rollover_at.data,
            initial_reading=self.initial_reading.data,
        )

    removed_on = DateField(_l("Replaced on"), validators=[InputRequired()])
    final_reading = ExactDecimalField(
        _l("Final reading of the old meter"), validators=[InputRequired(), NumberRange(min=Decimal(0))]
    )
    code = IdentifierField(
        _l("Code of the new meter"),
        validators=[InputRequired(), Length(max=30), Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Use letters, digits, dot, dash or underscore only."))],
    )
    serial_no = StringField(_l("Serial number of the new meter"), validators=[Optional(), Length(max=40)])
    multiplier = IntegerField(_l("Multiplier of the new meter"), validators=[InputRequired(), NumberRange(min=1, max=100000)])
    rollover_at = ExactDecimalField(
        _l("Register of the new meter rolls over at"),
        validators=[InputRequired(), NumberRange(min=Decimal("1"), max=Decimal("1000000000000"))],
    )
    initial_reading = ExactDecimalField(
        _l("Initial reading of the new meter"), default=Decimal("0"), validators=[InputRequired(), NumberRange(min=Decimal(0))]
    )


class InvoiceForm(Form):
    invoice_no = StringField(_l("Invoice number"), validators=[Optional(), Length(max=40)])
    amount = ExactDecimalField(
        _l("Amount (yuan)"), validators=[InputRequired(), NumberRange(min=Decimal(0), max=MAX_MONEY)]
    )
    consumption = ExactDecimalField(
        _l("Invoiced consumption"),
        validators=[InputRequired(), NumberRange(min=Decimal("0.01"), max=MAX_QUANTITY)],
    )
    allocation_key = SelectField(
        _l("Share common areas and loss by"),
        choices=_choices(AllocationKey),
        description=_l("Floor area comes from the rooms each unit occupies, headcount from the unit records."),
    )


class CloseMonthForm(Form):
    confirm_warnings = BooleanField(_l("I have checked the flagged readings; they are correct."))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class AdjustmentForm(Form):
    supply = SelectField(_l("Supply"), choices=_choices(Supply))
    amount = ExactDecimalField(
        _l("Amount (yuan)"),
        description=_l("Positive: the unit pays more; negative: the unit is credited."),
        validators=[InputRequired(), NumberRange(min=-MAX_MONEY, max=MAX_MONEY)],
    )
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(), Length(max=2000)])


class ImportForm(Form):
    workbook = FileField(
        _l("Excel file (.xlsx)"),
        validators=[FileRequired(message=_l("Choose a file.")), FileAllowed(["xlsx"], _l("Only .xlsx files can be imported."))],
    )


class CorrectReplacementForm(Form):
    final_reading = ExactDecimalField(
        _l("Final reading of the old meter"), validators=[InputRequired(), NumberRange(min=Decimal(0))]
    )
    initial_reading = ExactDecimalField(
        _l("Initial reading of the new meter"), validators=[InputRequired(), NumberRange(min=Decimal(0))]
    )

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, Field, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, StopValidation
from wtforms.widgets import TextInput

from portal.blueprints.utilities.models import (
    ALLOCATION_KEY_LABELS,
    COMMON_AREA_LABELS,
    METER_KIND_LABELS,
    SUPPLY_LABELS,
)

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


def without_control_characters(text: str | None) -> str | None:
    """Drop NUL and other control characters (PostgreSQL refuses NUL in text); keep line breaks and tabs."""
    if not text:
        return text
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


CLEAN = [without_control_characters]


def _choices(labels) -> list[SelectChoice]:
    return [SelectChoice(key.value, label) for key, label in labels.items()]


MAX_MONEY = Decimal("99999999.99")
MAX_QUANTITY = Decimal("9999999999.99")


class MeterForm(FlaskForm):
    code = StringField(
        _l("Meter code"),
        description=_l("As painted on the meter box, e.g. E-ZL-301."),
        validators=[InputRequired(), Length(max=30), Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Use letters, digits, dot, dash or underscore only."))],
    )
    name = StringField(_l("Meter name"), filters=CLEAN, validators=[InputRequired(), Length(max=80)])
    serial_no = StringField(_l("Serial number"), filters=CLEAN, validators=[Optional(), Length(max=40)])
    supply = SelectField(_l("Supply"), choices=_choices(SUPPLY_LABELS))
    kind = SelectField(_l("Kind"), choices=_choices(METER_KIND_LABELS))
    parent_id = SelectField(_l("Parent meter"), coerce=int, description=_l("Sub-meters sit under the main meter of their supply."))
    unit_id = SelectField(_l("Unit"), coerce=int, description=_l("For a unit sub-meter."))
    area = SelectField(_l("Common area"), choices=[SelectChoice("", "—")] + _choices(COMMON_AREA_LABELS), description=_l("For a common-area meter."))
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
    note = TextAreaField(_l("Note"), filters=CLEAN, validators=[Optional(), Length(max=2000)])


class ReplaceMeterForm(FlaskForm):
    removed_on = DateField(_l("Replaced on"), validators=[InputRequired()])
    final_reading = ExactDecimalField(
        _l("Final reading of the old meter"), validators=[InputRequired(), NumberRange(min=Decimal(0))]
    )
    code = StringField(
        _l("Code of the new meter"),
        validators=[InputRequired(), Length(max=30), Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Use letters, digits, dot, dash or underscore only."))],
    )
    serial_no = StringField(_l("Serial number of the new meter"), filters=CLEAN, validators=[Optional(), Length(max=40)])
    multiplier = IntegerField(_l("Multiplier of the new meter"), validators=[InputRequired(), NumberRange(min=1, max=100000)])
    rollover_at = ExactDecimalField(
        _l("Register of the new meter rolls over at"),
        validators=[InputRequired(), NumberRange(min=Decimal("1"), max=Decimal("1000000000000"))],
    )
    initial_reading = ExactDecimalField(
        _l("Initial reading of the new meter"), default=Decimal("0"), validators=[InputRequired(), NumberRange(min=Decimal(0))]
    )


class InvoiceForm(FlaskForm):
    invoice_no = StringField(_l("Invoice number"), filters=CLEAN, validators=[Optional(), Length(max=40)])
    amount = ExactDecimalField(
        _l("Amount (yuan)"), validators=[InputRequired(), NumberRange(min=Decimal(0), max=MAX_MONEY)]
    )
    consumption = ExactDecimalField(
        _l("Invoiced consumption"),
        validators=[InputRequired(), NumberRange(min=Decimal("0.01"), max=MAX_QUANTITY)],
    )
    allocation_key = SelectField(
        _l("Share common areas and loss by"),
        choices=_choices(ALLOCATION_KEY_LABELS),
        description=_l("Floor area comes from the rooms each unit occupies, headcount from the unit records."),
    )


class CloseMonthForm(FlaskForm):
    confirm_warnings = BooleanField(_l("I have checked the flagged readings; they are correct."))
    note = TextAreaField(_l("Note"), filters=CLEAN, validators=[Optional(), Length(max=2000)])


class AdjustmentForm(FlaskForm):
    supply = SelectField(_l("Supply"), choices=_choices(SUPPLY_LABELS))
    amount = ExactDecimalField(
        _l("Amount (yuan)"),
        description=_l("Positive: the unit pays more; negative: the unit is credited."),
        validators=[InputRequired(), NumberRange(min=-MAX_MONEY, max=MAX_MONEY)],
    )
    reason = TextAreaField(_l("Reason"), filters=CLEAN, validators=[InputRequired(), Length(max=2000)])


class ImportForm(FlaskForm):
    workbook = FileField(
        _l("Excel file (.xlsx)"),
        validators=[FileRequired(message=_l("Choose a file.")), FileAllowed(["xlsx"], _l("Only .xlsx files can be imported."))],
    )

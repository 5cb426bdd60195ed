from decimal import Decimal

from wtforms import DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from portal.blueprints.guide.services import ItemDraft, split_lines
from portal.forms import Form, IdentifierField
from portal.i18n import lazy_gettext as _l

PHONE = Regexp(r"^[0-9０-９ ()（）+\-—,，/、转]*$", message=_l("Use digits, spaces and dashes only."))


def finite_amount(form, field) -> None:
    """NaN and infinity parse as decimals but are not amounts (and break comparisons)."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(_l("Write the fee in yuan as a number, such as 80 or 0 (free)."))


class GuideItemForm(Form):
    """A guide item's sheet. The service (``save_item``) holds the rules; these
    validators only give the same answers before a round trip."""

    name = StringField(_l("Service name"), validators=[InputRequired(), Length(max=120)])
    category = StringField(
        _l("Category"), validators=[InputRequired(), Length(max=30)], description=_l("For example 社会保障 or 婚姻家庭.")
    )
    unit_id = SelectField(_l("Handling unit"), coerce=int, validators=[InputRequired()])
    room_id = SelectField(_l("Where to go"), coerce=int, validators=[Optional()])
    window = StringField(_l("Window"), validators=[Optional(), Length(max=30)], description=_l("For example 3号窗口."))
    materials = TextAreaField(
        _l("Required materials"), validators=[Optional(), Length(max=5000)], description=_l("One per line.")
    )
    steps = TextAreaField(_l("Steps"), validators=[Optional(), Length(max=5000)], description=_l("One per line."))
    hours = StringField(
        _l("Hours"), validators=[Optional(), Length(max=120)], description=_l("Leave empty for the unit's office hours.")
    )
    fee = DecimalField(
        _l("Fee (yuan)"),
        places=2,
        validators=[Optional(), finite_amount, NumberRange(min=0, max=1000000)],
        description=_l("0 means free of charge; leave empty when there is no fixed amount and explain below."),
    )
    fee_note = StringField(_l("Fee details"), validators=[Optional(), Length(max=200)])
    legal_days = IntegerField(
        _l("Legal time limit (working days)"), validators=[Optional(), NumberRange(min=0, max=3650)]
    )
    promised_days = IntegerField(
        _l("Promised time limit (working days)"),
        validators=[Optional(), NumberRange(min=0, max=3650)],
        description=_l("0 means handled on the spot."),
    )
    phone = IdentifierField(
        _l("Enquiry phone"),
        validators=[Optional(), Length(max=30), PHONE],
        description=_l("Leave empty for the unit's public phone."),
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    keywords = StringField(
        _l("Search keywords"),
        validators=[Optional(), Length(max=200)],
        description=_l("Other words people search with, separated by spaces (for example 社会保障卡)."),
    )

    def validate_fee(self, field) -> None:
        # Runs after NumberRange: an amount out of range already has its message,
        # and a huge one exceeds the precision quantize() works in.
        if field.data is None or field.errors:
            return
        if field.data != field.data.quantize(Decimal("0.01")):
            raise ValidationError(_l("A fee has at most two decimal places (fen)."))

    def validate_promised_days(self, field) -> None:
        legal = self.legal_days.data
        if field.data is not None and legal is not None and field.data > legal:
            raise ValidationError(_l("The promised time limit cannot be longer than the legal one."))

    def to_draft(self) -> ItemDraft:
        return ItemDraft(
            name=self.name.data or "",
            category=self.category.data or "",
            unit_id=self.unit_id.data or None,
            room_id=self.room_id.data or None,
            window=self.window.data or "",
            materials=split_lines(self.materials.data),
            steps=split_lines(self.steps.data),
            hours=self.hours.data or "",
            fee=self.fee.data,
            fee_note=self.fee_note.data or "",
            legal_days=self.legal_days.data,
            promised_days=self.promised_days.data,
            phone=self.phone.data or "",
            notes=self.notes.data or "",
            keywords=self.keywords.data or "",
        )

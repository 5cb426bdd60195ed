from __future__ import annotations

from wtforms import DecimalField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.blueprints.repairs.models import Action, Category, HoldReason, Urgency
from portal.blueprints.repairs.services import FEN, MAX_COST, ReportDraft
from portal.forms import Form, IdentifierField
from portal.i18n import lazy_gettext as _l


def yuan_amount(form, field) -> None:
    """0 to 999,999.99 yuan, to the fen. (NumberRange would choke on a signalling NaN.)"""
    value = field.data
    if value is None:
        return
    if not value.is_finite() or value < 0 or value > MAX_COST or value != value.quantize(FEN):
        raise ValidationError(_l("Enter an amount between 0 and 999,999.99 yuan, to the fen."))


class ReportForm(Form):
    location = SelectField(
        _l("Where"),
        validators=[InputRequired(message=_l("Choose the room, or the floor for corridors and toilets."))],
        description=_l("A room, or a floor's common areas (corridors, toilets, stairs) for faults outside rooms."),
    )
    spot = StringField(
        _l("Exact spot"),
        validators=[Optional(), Length(max=80)],
        description=_l("Optional, e.g. “男卫生间”, “东侧走廊尽头”, “靠窗的空调”."),
    )
    category = SelectField(
        _l("Kind of fault"),
        choices=[SelectChoice("", _l("— choose —"))] + [SelectChoice(v, label) for v, label in Category.choices()],
        validators=[InputRequired(message=_l("Choose the kind of fault."))],
    )
    urgency = RadioField(
        _l("Urgency"),
        choices=[SelectChoice(v, label) for v, label in Urgency.choices()],
        default=Urgency.NORMAL.value,
        validators=[InputRequired()],
        description=_l("Urgent: water leaking, no power, someone stuck in the lift, a door that will not lock."),
    )
    description = TextAreaField(
        _l("What is wrong"),
        validators=[InputRequired(), Length(min=4, max=1000)],
        render_kw={"maxlength": 1000, "rows": 4},
    )
    contact = IdentifierField(
        _l("Contact phone"),
        validators=[Optional(), Length(max=30)],
        description=_l("So the repairer can call you."),
    )

    def to_draft(self) -> ReportDraft:
        return ReportDraft(
            location=self.location.data or "", category=self.category.data or "", urgency=self.urgency.data or "",
            description=self.description.data or "", spot=self.spot.data or "", contact=self.contact.data or "",
        )


class StepForm(Form):
    """One button of the status flow; the note is optional except when reopening."""

    action = SelectField(
        choices=[SelectChoice(a.value, a.value) for a in (Action.ACCEPT, Action.START, Action.RESUME, Action.CONFIRM,
                                                           Action.REOPEN)],
        validators=[InputRequired()],
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)], render_kw={"maxlength": 500, "rows": 2})


class HoldForm(Form):
    hold_reason = RadioField(
        _l("Why the work stops"),
        choices=[SelectChoice(v, label) for v, label in HoldReason.choices()],
        validators=[InputRequired(message=_l("Choose why the work is on hold."))],
    )
    hold_note = TextAreaField(  # not "note": the finish form on the same page has one
        _l("Details (which part, until when)"), validators=[Optional(), Length(max=500)],
        render_kw={"maxlength": 500, "rows": 2},
    )


class CostFields(Form):
    parts_cost = DecimalField(_l("Parts (yuan)"), places=2, validators=[InputRequired(), yuan_amount])
    labour_cost = DecimalField(_l("Labour (yuan)"), places=2, validators=[InputRequired(), yuan_amount])


class FinishForm(CostFields):
    resolution = TextAreaField(
        _l("What was done"),
        validators=[InputRequired(), Length(max=1000)],
        render_kw={"maxlength": 1000, "rows": 3},
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)], render_kw={"maxlength": 500, "rows": 2})


class CostCorrectionForm(CostFields):
    note = StringField(_l("Reason for the correction"), validators=[InputRequired(), Length(max=500)])

from __future__ import annotations

from datetime import date

from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.blueprints.energy import services, sources
from portal.blueprints.utilities.forms import ExactDecimalField
from portal.forms import Form
from portal.i18n import lazy_gettext as _l


def _month(text: str | None) -> date | None:
    if not text or len(text) != 7 or text[4] != "-" or not (text[:4].isdigit() and text[5:].isdigit()):
        return None
    year, month = int(text[:4]), int(text[5:])
    return date(year, month, 1) if 2000 <= year <= 2100 and 1 <= month <= 12 else None


class MonthField(StringField):
    """A month typed as ``2026-04`` (``<input type="month">`` where the browser has it)."""

    def __init__(self, label=None, validators=None, **kwargs) -> None:
        kwargs.setdefault("render_kw", {"type": "month", "autocomplete": "off"})
        kwargs.setdefault("description", _l("As 2026-04."))
        super().__init__(label, validators, **kwargs)

    @property
    def month(self) -> date | None:
        return _month((self.data or "").strip())

    def post_validate(self, form, validation_stopped) -> None:
        if not validation_stopped and (self.data or "").strip() and self.month is None:
            self.errors.append(_l("Enter a month as 2026-04."))


def unit_choices(blank: str | None = None) -> list[tuple[str, str]]:
    first = [("", blank)] if blank is not None else []
    return first + [(str(u.id), u.name) for u in services.units()]


def _unit_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


class BasisForm(Form):
    floor_area = ExactDecimalField(_l("Office floor area (m²)"), [InputRequired()])
    headcount = IntegerField(_l("People working there"), [InputRequired(), NumberRange(min=0, max=100000)],
                             description=_l("Contract staff included."))

    def to_draft(self) -> services.BasisDraft:
        return services.BasisDraft(self.floor_area.data, self.headcount.data)


class QuantityForm(Form):
    period = MonthField(_l("Month"), [InputRequired()])
    source = SelectField(_l("Energy"), [InputRequired()])
    unit_id = SelectField(_l("Unit"), [Optional()])
    quantity = ExactDecimalField(_l("Quantity"), [InputRequired()])
    cost = ExactDecimalField(_l("Cost (yuan)"), [Optional()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.source.choices = [(s.code, f"{s.label} ({s.unit_symbol})") for s in sources.entered_sources()]
        self.unit_id.choices = unit_choices(str(_l("The building (no unit)")))

    def to_draft(self) -> services.QuantityDraft:
        return services.QuantityDraft(self.period.month, self.source.data or "", _unit_id(self.unit_id.data),
                                      self.quantity.data, self.cost.data)


class QuotaForm(Form):
    unit_id = SelectField(_l("Unit"), [InputRequired()])
    source = SelectField(_l("Source"), [InputRequired()])
    quantity = ExactDecimalField(_l("Quota for the year"), [Optional()], description=_l("Empty: no quota."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.unit_id.choices = unit_choices()
        self.source.choices = [(s.code, f"{s.label} ({s.unit_symbol})") for s in sources.sources()]

    def to_draft(self) -> services.QuotaDraft:
        return services.QuotaDraft(_unit_id(self.unit_id.data), self.source.data or "", self.quantity.data)


class MeasureForm(Form):
    title = StringField(_l("Measure"), [InputRequired(), Length(max=120)])
    source = SelectField(_l("What it saves"), [InputRequired()])
    started = MonthField(_l("Took effect in"), [InputRequired()])
    cost = ExactDecimalField(_l("Cost (yuan)"), [Optional()])
    note = TextAreaField(_l("Note"), [Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.source.choices = [(s.code, str(s.label)) for s in sources.sources()]

    def to_draft(self) -> services.MeasureDraft:
        return services.MeasureDraft(self.title.data or "", self.source.data or "", self.started.month,
                                     self.cost.data, self.note.data or "")

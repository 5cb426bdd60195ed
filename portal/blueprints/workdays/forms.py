from __future__ import annotations

from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import Form
from portal.i18n import lazy_gettext as _l

from .services import DayDraft


class CalendarDayForm(Form):
    day = DateField(_l("Date"), validators=[InputRequired()])
    is_workday = SelectField(
        _l("The day is"),
        choices=[SelectChoice("1", _l("a workday (buses run)")), SelectChoice("0", _l("a day off (no workday buses)"))],
    )
    note = StringField(
        _l("Note"), description=_l("E.g. 元旦 or 县城运动会停止办公."), validators=[Optional(), Length(max=80)]
    )

    def fill(self, draft: DayDraft) -> None:
        self.day.data = draft.day
        self.is_workday.data = "1" if draft.is_workday else "0"
        self.note.data = draft.note

    def to_draft(self) -> DayDraft:
        return DayDraft(self.day.data, self.is_workday.data == "1", self.note.data or "")

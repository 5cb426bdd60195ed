from __future__ import annotations

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.blueprints.regulations.services import RegulationDraft, VersionDraft
from portal.forms import Form
from portal.i18n import lazy_gettext as _l
from portal.requestargs import parse_int


class VersionFields(Form):
    text = TextAreaField(_l("Full text"), validators=[InputRequired(message=_l("Enter the text of the rule.")), Length(max=50_000)],
                         render_kw={"rows": 16})
    effective_from = DateField(_l("In force from"), validators=[InputRequired(message=_l("Give the date it takes effect."))])
    note = StringField(_l("What changed"), validators=[Optional(), Length(max=300)], render_kw={"maxlength": 300})

    def version_draft(self) -> VersionDraft:
        return VersionDraft(text=self.text.data or "", effective_from=self.effective_from.data, note=self.note.data or "")


class RegulationForm(VersionFields):
    title = StringField(_l("Title of the rule"), validators=[InputRequired(message=_l("Give the rule a title.")), Length(max=120)],
                        description=_l("e.g. “行政中心机关后勤管理规定”."), render_kw={"maxlength": 120})
    summary = StringField(_l("In one sentence"), validators=[Optional(), Length(max=300)], render_kw={"maxlength": 300})
    unit_id = SelectField(_l("Unit responsible"), validators=[Optional()], validate_choice=False)

    def to_draft(self) -> RegulationDraft:
        unit_id = parse_int(self.unit_id.data, name="unit_id") if (self.unit_id.data or "").strip() else None
        return RegulationDraft(title=self.title.data or "", summary=self.summary.data or "", unit_id=unit_id,
                               first=self.version_draft())


class ReviseForm(VersionFields):
    pass

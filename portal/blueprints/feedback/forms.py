from __future__ import annotations

from wtforms import BooleanField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.blueprints.feedback.models import Kind, Topic
from portal.blueprints.feedback.services import FeedbackDraft
from portal.forms import Form
from portal.i18n import lazy_gettext as _l


class FeedbackForm(Form):
    kind = RadioField(_l("Kind"), choices=[SelectChoice(v, label) for v, label in Kind.choices()],
                      default=Kind.SUGGESTION.value,
                      validators=[InputRequired(message=_l("Choose complaint, praise or suggestion."))])
    topic = SelectField(_l("About"), choices=[SelectChoice("", _l("— choose —"))] + [SelectChoice(v, label) for v, label in Topic.choices()],
                        validators=[InputRequired(message=_l("Choose what it is about."))])
    text = TextAreaField(_l("Your feedback"), validators=[InputRequired(message=_l("Write at least a few words.")), Length(min=4, max=2000)],
                         render_kw={"rows": 5, "maxlength": 2000})
    anonymous = BooleanField(_l("Send anonymously"),
                             description=_l("Your name and account are not stored at all. You follow it with the receipt code shown next, and cannot be told when it is answered."))

    def to_draft(self) -> FeedbackDraft:
        return FeedbackDraft(kind=self.kind.data or "", topic=self.topic.data or "", text=self.text.data or "",
                             anonymous=bool(self.anonymous.data))


class InHandForm(Form):
    topic = SelectField(_l("About"), choices=[SelectChoice(v, label) for v, label in Topic.choices()],
                        validators=[InputRequired()])
    note = TextAreaField(_l("Note for the sender"), validators=[Optional(), Length(max=500)], render_kw={"rows": 2, "maxlength": 500},
                         description=_l("e.g. “已转物业公司处理”."))


class AnswerForm(Form):
    answer = TextAreaField(_l("Answer"), validators=[InputRequired(message=_l("Write the answer.")), Length(max=2000)],
                           render_kw={"rows": 4, "maxlength": 2000})
    publish = BooleanField(_l("Publish the feedback and the answer to all staff"),
                           description=_l("The sender is never shown."))


class ReceiptForm(Form):
    code = StringField(_l("Receipt code"), validators=[InputRequired(), Length(max=40)])

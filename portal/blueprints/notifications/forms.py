from __future__ import annotations

from wtforms import BooleanField, SelectChoice, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal import events
from portal.blueprints.notifications.services import ProfileDraft, TargetDraft
from portal.forms import Form, MultiCheckboxField
from portal.i18n import lazy_gettext as _l
from portal.models import Role

EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an e-mail address such as zhangwei@example.gov.cn."))


LANGUAGES = [SelectChoice("zh_CN", "中文"), SelectChoice("en", "English")]


def kind_choices() -> list[SelectChoice]:
    return [SelectChoice(k.code, k.label) for k in events.registered_kinds()]


class ProfileForm(Form):
    email = StringField(_l("E-mail address"), validators=[Optional(), Length(max=254), EMAIL],
                        description=_l("Leave empty to receive messages in the portal only."))
    locale = SelectField(_l("Language of e-mails"), choices=LANGUAGES)
    email_kinds = MultiCheckboxField(_l("Send me e-mail about"), choices=[])
    quiet_from = TimeField(_l("Quiet hours from"), validators=[Optional()])
    quiet_until = TimeField(_l("Quiet hours until"), validators=[Optional()],
                            description=_l("No e-mail is sent in between; it waits until the quiet hours end."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.email_kinds.choices = kind_choices()

    def to_draft(self) -> ProfileDraft:
        return ProfileDraft(email=self.email.data or "", locale=self.locale.data, email_kinds=list(self.email_kinds.data or []),
                            quiet_from=self.quiet_from.data, quiet_until=self.quiet_until.data)


class WebhookForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    url = StringField(_l("Robot address (webhook URL)"), validators=[DataRequired(), Length(max=500)])
    secret = StringField(_l("Signing secret (DingTalk 加签)"), validators=[Optional(), Length(max=200)],
                         description=_l("Only for DingTalk robots with signing; leave empty otherwise."))
    unit_id = SelectField(_l("Messages for the staff of unit"), coerce=int, choices=[])
    role = SelectField(_l("or messages for everyone with role"), choices=[])
    kinds = MultiCheckboxField(_l("Kinds of message"), choices=[],
                               description=_l("None ticked: every kind."))
    locale = SelectField(_l("Language"), choices=LANGUAGES)
    active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_id.choices = [SelectChoice(0, "—")] + [SelectChoice(u.id, u.name) for u in units]
        self.role.choices = [SelectChoice("", "—")] + [SelectChoice(r.value, r.value) for r in Role]
        self.kinds.choices = kind_choices()

    def to_draft(self) -> TargetDraft:
        return TargetDraft(
            name=self.name.data, url=self.url.data, secret=self.secret.data or "",
            unit_id=self.unit_id.data or None, role=Role(self.role.data) if self.role.data else None,
            kinds=list(self.kinds.data or []), locale=self.locale.data, active=self.active.data,
        )

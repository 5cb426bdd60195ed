from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import InputRequired, Length, Optional, Regexp

from portal.blueprints.admin.services import UserDraft
from portal.forms import Form, IdentifierField, MultiCheckboxField
from portal.i18n import lazy_gettext as _l
from portal.models import Role


class UserForm(Form):
    username = StringField(
        _l("Username"),
        validators=[
            InputRequired(),
            Length(max=64),
            Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Use letters, digits, dot, dash or underscore only.")),
        ],
    )
    display_name = StringField(_l("Name"), validators=[InputRequired(), Length(max=64)])
    unit_id = SelectField(_l("Unit"), coerce=int, validators=[Optional()])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=64)])
    phone_ext = IdentifierField(_l("Extension"), validators=[Optional(), Length(max=30)])
    roles = MultiCheckboxField(_l("Roles"), choices=[SelectChoice(value, text) for value, text in Role.choices()])
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(
        _l("New password"),
        description=_l(
            "At least 10 characters, not easy to guess, without the username. "
            "Leave empty to keep the current password."
        ),
        validators=[Optional(), Length(min=10, max=128)],
    )

    def to_draft(self) -> UserDraft:
        return UserDraft(
            username=self.username.data,
            display_name=self.display_name.data,
            unit_id=self.unit_id.data or None,
            title=self.title.data or "",
            phone_ext=self.phone_ext.data or "",
            active=bool(self.active.data),
            roles=frozenset(Role(r) for r in self.roles.data or ()),
            password=self.password.data or "",
        )


class ThrottleClearForm(Form):
    address = HiddenField(validators=[InputRequired(), Length(max=64)])
    username = HiddenField(validators=[Optional(), Length(max=64)])


from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from portal.forms import MultiCheckboxField
from portal.models import Role

ROLE_LABELS = {
    Role.EMPLOYEE: _l("Employee"),
    Role.UNIT_ADMIN: _l("Unit administrator"),
    Role.SECURITY: _l("Security staff"),
    Role.PROPERTY: _l("Property company"),
    Role.LOGISTICS_ADMIN: _l("Logistics center"),
    Role.SYSADMIN: _l("System administrator"),
}


class UserForm(FlaskForm):
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
    phone_ext = StringField(_l("Extension"), validators=[Optional(), Length(max=30)])
    roles = MultiCheckboxField(_l("Roles"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()])
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(
        _l("New password"),
        description=_l("At least 10 characters. Leave empty to keep the current password."),
        validators=[Optional(), Length(min=10, max=128)],
    )

from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from portal.forms import Form
from portal.i18n import lazy_gettext as _l


class LoginForm(Form):
    username = StringField(_l("Username"), validators=[InputRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=128)])


class PasswordChangeForm(Form):
    current = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=128)])
    password = PasswordField(
        _l("New password"),
        description=_l("At least 10 characters; a phrase of several unrelated words is easy to remember."),
        validators=[InputRequired(), Length(max=128)],
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("password", message=_l("The two new passwords differ."))],
    )

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length


class SignupForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[InputRequired(), Length(max=120)])
    login = StringField(_l("Mobile number or e-mail"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(min=8, max=200)])
    confirm = PasswordField(_l("Password again"),
                            validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))])


class LoginForm(FlaskForm):
    login = StringField(_l("Mobile number or e-mail"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this phone"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[InputRequired()])
    new = PasswordField(_l("New password"), validators=[InputRequired(), Length(min=8, max=200)])
    confirm = PasswordField(_l("New password again"),
                            validators=[InputRequired(), EqualTo("new", message=_l("The passwords differ."))])


class CodeRequestForm(FlaskForm):
    login = StringField(_l("Mobile number or e-mail"), validators=[InputRequired(), Length(max=254)])


class CodeLoginForm(FlaskForm):
    login = StringField(_l("Mobile number or e-mail"), validators=[InputRequired(), Length(max=254)])
    code = StringField(_l("The 6-digit code"), validators=[InputRequired(), Length(max=12)])


class PasswordResetForm(FlaskForm):
    new = PasswordField(_l("New password"), validators=[InputRequired(), Length(min=8, max=200)])
    confirm = PasswordField(_l("New password again"),
                            validators=[InputRequired(), EqualTo("new", message=_l("The passwords differ."))])

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length


def _at_most(n: int) -> Length:
    return Length(max=n, message=_l("Please keep this under %(max)d characters."))


class ActionForm(FlaskForm):
    """A button with a CSRF token."""


class PaidForm(FlaskForm):
    reference = StringField(_l("Bank reference of the transfer"), validators=[_at_most(60)])


class CancelBatchForm(FlaskForm):
    reason = TextAreaField(_l("Why is the batch cancelled?"), validators=[_at_most(500)])


class RefundForm(FlaskForm):
    amount = StringField(_l("Amount to refund (₹)"), validators=[_at_most(20)])

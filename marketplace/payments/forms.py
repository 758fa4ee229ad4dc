from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import InputRequired, Regexp


class CardForm(FlaskForm):
    """The card itself never reaches Haat: Stripe.js turns it into a token in the browser."""

    stripe_token = HiddenField(validators=[
        InputRequired(message=_l("Please enter your card details. Card payment needs JavaScript switched on.")),
        Regexp(r"^tok_[A-Za-z0-9_]{4,96}$", message=_l("Please enter your card details again.")),
    ])

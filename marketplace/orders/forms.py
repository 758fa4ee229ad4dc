from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from marketplace.i18n import localized
from marketplace.orders import india


def _at_most(n: int) -> Length:
    return Length(max=n, message=_l("Please keep this under %(max)d characters."))


class AddressForm(FlaskForm):
    """Collects the fields; the rules (mobile, PIN code against the state) live in orders.services."""

    name = StringField(_l("Name of the receiver"), validators=[_at_most(120)])
    mobile = StringField(_l("Mobile number"), validators=[_at_most(20)])
    line1 = StringField(_l("House, street, village or locality"), validators=[_at_most(200)])
    landmark = StringField(_l("Landmark (optional)"), validators=[_at_most(120)])
    district = StringField(_l("District"), validators=[_at_most(80)])
    state_code = SelectField(_l("State"), validate_choice=False)
    pin_code = StringField(_l("PIN code"), validators=[_at_most(10)])
    next = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.state_code.choices = [("", _l("Choose…"))] + sorted(
            ((s.code, localized(s, "name")) for s in india.STATES), key=lambda choice: choice[1])


class CheckoutForm(FlaskForm):
    address_id = RadioField(_l("Deliver to"), validate_choice=False,
                            validators=[InputRequired(message=_l("Choose where to deliver."))])
    method = RadioField(_l("How will you pay?"), validate_choice=False,
                        validators=[InputRequired(message=_l("Choose how you will pay."))])
    token = HiddenField()
    quoted_total = HiddenField()


class CancelForm(FlaskForm):
    part_id = HiddenField()
    reason = TextAreaField(_l("Why are you cancelling? (optional)"), validators=[_at_most(500)])


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Why can you not make this order?"),
                           validators=[InputRequired(message=_l("Please write the reason, so the customer "
                                                                "understands.")), _at_most(500)])


class ActionForm(FlaskForm):
    """Accept / ready: a button with a CSRF token."""


class ReviewDecisionForm(FlaskForm):
    """An admin's decision on an order in review (approve, or refund and cancel): the reason is required."""

    reason = TextAreaField(_l("Reason (the customer sees it)"),
                           validators=[InputRequired(message=_l("Please write the reason for this decision.")),
                                       _at_most(500)])

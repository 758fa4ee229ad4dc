"""Forms of the operator's pages. The per-line inputs (received, pass/fail, quantities in a parcel) are named
after the order line (`received-<id>`, `qc-<id>`, `reason-<id>`, `qty-<id>`) and read by the services, which
hold the rules; these classes carry the CSRF token and the fixed fields."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length


def _at_most(n: int) -> Length:
    return Length(max=n, message=_l("Please keep this under %(max)d characters."))


class ActionForm(FlaskForm):
    """A button (or the per-line inputs) with a CSRF token."""


class FindForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search, changes nothing

    number = StringField(_l("Order number"), validators=[_at_most(40)])


class ParcelForm(FlaskForm):
    weight_g = StringField(_l("Weight (grams)"), validators=[_at_most(6)])
    length_cm = StringField(_l("Length (cm)"), validators=[_at_most(3)])
    width_cm = StringField(_l("Width (cm)"), validators=[_at_most(3)])
    height_cm = StringField(_l("Height (cm)"), validators=[_at_most(3)])


class DispatchForm(FlaskForm):
    courier = StringField(_l("Courier"), validators=[_at_most(60)])
    tracking_number = StringField(_l("Tracking number"), validators=[_at_most(60)])


class DeliveredForm(FlaskForm):
    cash = StringField(_l("Cash collected (₹)"), validators=[_at_most(20)])


class ReturnedForm(FlaskForm):
    reason = TextAreaField(_l("Why did it come back?"), validators=[_at_most(300)])

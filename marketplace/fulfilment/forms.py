"""Forms of the operator's pages. The per-line inputs (received, pass/fail, quantities in a parcel) are named
after the order line (`received-<id>`, `qc-<id>`, `reason-<id>`, `qty-<id>`) and read by the services, which
hold the rules; these classes carry the CSRF token and the fixed fields."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
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


# ---------------------------------------------------------------- the admin's packaging-house pages

def _block_id(value):
    """A block id from the form, bounded (a huge number is "choose one", not a driver error)."""
    from marketplace.core.params import MAX_ID

    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) <= 10 and int(text) <= MAX_ID else None


class HouseForm(FlaskForm):
    """Carries the fields; houses.save_house holds the rules and names each wrong field."""

    name_hi = StringField(_l("Name in Hindi"), render_kw={"maxlength": 120, "lang": "hi"})
    name_en = StringField(_l("Name in English"), render_kw={"maxlength": 120, "lang": "en"})
    block_id = SelectField(_l("Block where it stands"), coerce=_block_id, validate_choice=False)
    address_line = TextAreaField(_l("Address (building, road or landmark, village or town)"),
                                 render_kw={"maxlength": 200, "rows": 2})
    pin_code = StringField(_l("PIN code"), render_kw={"inputmode": "numeric", "maxlength": 7,
                                                       "autocomplete": "postal-code"})
    phone = StringField(_l("Phone"), render_kw={"inputmode": "tel", "maxlength": 16, "autocomplete": "tel"})
    serves = SelectMultipleField(_l("Also serves these blocks"), coerce=_block_id, validate_choice=False,
                                 render_kw={"size": 6})
    active = BooleanField(_l("Open (takes handovers)"), default=True)

    def values(self) -> dict:
        return {name: self[name].data for name in ("name_hi", "name_en", "block_id", "address_line", "pin_code",
                                                   "phone", "serves", "active")}


class OperatorForm(FlaskForm):
    login = StringField(_l("Mobile number or e-mail"), render_kw={"maxlength": 254, "autocomplete": "off"})
    name = StringField(_l("Name (for a new account)"), render_kw={"maxlength": 120})
    password = PasswordField(_l("First password (for a new account)"), render_kw={"autocomplete": "new-password"})

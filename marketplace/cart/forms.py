from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired, ValidationError

from marketplace.core.params import MAX_ID

MAX_QUANTITY_DIGITS = 12  # anything longer is a typing mistake; stock bounds the rest


def whole_number(text: str | None) -> int | None:
    """'3' -> 3; '-2' -> -2; anything else (1.5, 1e3, abc, huge) -> None."""
    text = (text or "").strip()
    digits = text[1:] if text.startswith("-") else text
    if not digits.isascii() or not digits.isdigit() or len(digits) > MAX_QUANTITY_DIGITS:
        return None
    return int(text)


def _quantity(form, field) -> None:
    value = whole_number(field.data)
    if value is None:
        raise ValidationError(_l("Enter the quantity as a whole number, like 1 or 2."))
    if value < 1:
        raise ValidationError(_l("Enter a quantity of at least %(n)d.", n=1))


def _is_id(text) -> bool:
    number = whole_number(text)
    return number is not None and 1 <= number <= MAX_ID  # no row has a larger id (PostgreSQL's INTEGER)


def _id(form, field) -> None:
    if not _is_id(field.data):
        raise ValidationError(_l("We could not find that product."))


def _optional_id(form, field) -> None:
    if field.data and not _is_id(field.data):
        raise ValidationError(_l("Please choose a size or colour first."))


class LineForm(FlaskForm):
    """Which cart line (product and, for products with sizes or colours, the variant)."""

    product_id = HiddenField(validators=[InputRequired(message=_l("We could not find that product.")), _id])
    variant_id = StringField(_l("Size or colour"), validators=[_optional_id])

    @property
    def key(self) -> tuple[int, int | None]:
        return int(self.product_id.data), int(self.variant_id.data) if self.variant_id.data else None


class QuantityForm(LineForm):
    quantity = StringField(_l("Quantity"), default="1",
                           validators=[InputRequired(message=_l("Enter the quantity.")), _quantity])
    next = HiddenField()

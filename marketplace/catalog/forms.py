"""Seller and moderation forms. They only turn typed text into values (rupees -> paise, digits -> int) with a
clear message when that is impossible; the rules (ranges, MRP >= price, GST rates …) live in services, and
their messages come back onto the same field names."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField

from marketplace.catalog import services
from marketplace.core.formatting import parse_rupees
from marketplace.core.params import MAX_ID
from marketplace.i18n import localized

UNIT_LABELS = {
    "piece": _l("piece"), "kg": _l("kg"), "g": _l("gram"), "litre": _l("litre"), "ml": _l("ml"),
    "pack": _l("pack"), "metre": _l("metre"), "pair": _l("pair"), "set": _l("set"),
}
_MAX_DIGITS = 12  # int() of a longer string is never a sensible quantity


def paise_to_text(paise: int | None) -> str:
    """For an input box: 125050 -> '1250.50', 125000 -> '1250' (no grouping, easy to edit on a phone)."""
    if paise is None:
        return ""
    rupees, rest = divmod(paise, 100)
    return f"{rupees}.{rest:02d}" if rest else str(rupees)


class RupeesField(StringField):
    """Typed in rupees ('1,250.50', '₹ 99'); `data` is paise, or None when left empty."""

    def process_data(self, value):
        self.data = value

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        if text.lstrip("₹ ").startswith("-"):
            raise ValueError(_l("The amount cannot be negative."))
        try:
            self.data = parse_rupees(text)
        except ValueError:
            raise ValueError(_l("Enter an amount in rupees, for example 250 or 1,250.50.")) from None

    def _value(self):
        return self.raw_data[0] if self.raw_data else paise_to_text(self.data)


class WholeNumberField(StringField):
    """Digits only (Devanagari digits too, commas allowed as separators); `data` is an int, or None if empty."""

    def process_data(self, value):
        self.data = value

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip().replace(",", "").replace(" ", "")
        if not text:
            return
        if re.fullmatch(r"-\d+(\.\d*)?", text):
            raise ValueError(_l("The number cannot be negative."))
        if re.fullmatch(r"\d*\.\d+|\d+\.", text):
            raise ValueError(_l("Enter a whole number, without a decimal point (12, not 12.5)."))
        if not text.isdigit():
            raise ValueError(_l("Enter a number using digits only, for example 12."))
        if len(text) > _MAX_DIGITS:
            raise ValueError(_l("That number is far too large."))
        self.data = int(text)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


def _int_or_none(value):
    if value is None or value == "":
        return None
    number = int(value)
    if not 0 <= number <= MAX_ID:  # an id no row can have: "choose one from the list", not a driver error
        raise ValueError(_INVALID)
    return number


_INVALID = _l("Choose one from the list.")


def _select(label, **kwargs) -> SelectField:
    # Choice checks happen in services, with their own messages; these only turn text into ints.
    return SelectField(label, validate_choice=False, invalid_value_message=_INVALID, **kwargs)


class _ServiceForm(FlaskForm):
    """A form whose fields are named like a service's fields (`FIELDS`), so values go in and messages come back
    by name."""

    FIELDS: tuple[str, ...] = ()

    def values(self, *, skip=()) -> dict:
        return {name: self[name].data for name in self.FIELDS if name not in skip}

    def show_errors(self, errors: dict) -> None:
        """Messages from services (CatalogError.errors), each next to its field."""
        for name, message in errors.items():
            self[name].errors.append(message)


class ProductForm(_ServiceForm):
    title_hi = StringField(_l("Name in Hindi"), render_kw={"maxlength": services.TITLE_MAX, "lang": "hi"})
    title_en = StringField(_l("Name in English"), render_kw={"maxlength": services.TITLE_MAX, "lang": "en"})
    description_hi = TextAreaField(_l("Description in Hindi"), render_kw={"rows": 4, "lang": "hi"})
    description_en = TextAreaField(_l("Description in English"), render_kw={"rows": 4, "lang": "en"})
    category_id = _select(_l("Category"), coerce=_int_or_none)
    price_paise = RupeesField(_l("Selling price (₹)"), render_kw={"inputmode": "decimal"})
    mrp_paise = RupeesField(_l("MRP (₹)"), render_kw={"inputmode": "decimal"})
    unit = _select(_l("Sold by"), default="piece")
    pack_size = WholeNumberField(_l("How many in one pack"), default=1, render_kw={"inputmode": "numeric"})
    min_order_qty = WholeNumberField(_l("Smallest order"), default=1, render_kw={"inputmode": "numeric"})
    stock = WholeNumberField(_l("In stock now"), default=0, render_kw={"inputmode": "numeric"})
    lead_time_days = WholeNumberField(_l("Made to order: days needed"), render_kw={"inputmode": "numeric"})
    hsn_code = StringField(_l("HSN code"), render_kw={"inputmode": "numeric", "maxlength": 10})
    gst_rate_bp = _select(_l("GST rate"), coerce=_int_or_none, default=0)
    weight_grams = WholeNumberField(_l("Weight with packing (grams)"), render_kw={"inputmode": "numeric"})
    tags = StringField(_l("Tags"), render_kw={"maxlength": services.TAGS_MAX})

    FIELDS = tuple(services.PRODUCT_FIELDS)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = category_choices(categories)
        self.unit.choices = [SelectChoice(u, label) for u, label in UNIT_LABELS.items()]
        self.gst_rate_bp.choices = [SelectChoice(bp, f"{bp // 100} %") for bp in services.GST_RATES_BP]


def category_choices(tree) -> list[SelectChoice]:
    """A placeholder, then each top-level category as an option group of its children."""
    choices = [SelectChoice("", _l("Choose a category"))]
    for top, children in tree:
        group = localized(top, "name")
        choices += [SelectChoice(c.id, localized(c, "name"), optgroup=group) for c in children or [top]]
    return choices


class VariantForm(_ServiceForm):
    sku = StringField(_l("Code (SKU)"), render_kw={"maxlength": 40, "autocapitalize": "characters"})
    size = StringField(_l("Size"), render_kw={"maxlength": 30})
    colour = StringField(_l("Colour"), render_kw={"maxlength": 30})
    price_paise = RupeesField(_l("Selling price (₹)"), render_kw={"inputmode": "decimal"})
    stock = WholeNumberField(_l("In stock now"), default=0, render_kw={"inputmode": "numeric"})

    FIELDS = tuple(services.VARIANT_FIELDS)


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason, shown to the seller"), render_kw={"rows": 3, "maxlength": services.REASON_MAX})


def stock_form(products):
    """One form for the quick stock page: a number box per product without variants and per variant, and a
    hidden copy of the figure shown, so only the rows the seller changed are written."""

    class StockForm(FlaskForm):
        pass

    rows = []
    for product in products:
        title = localized(product, "title")
        items = [("variant", v, f"{title} — {' / '.join(filter(None, (v.size, v.colour)))}") for v in product.variants]
        for kind, item, label in items or [("product", product, title)]:
            name = f"{kind[0]}{item.id}"
            setattr(StockForm, name, WholeNumberField(label, default=item.stock, render_kw={"inputmode": "numeric"}))
            setattr(StockForm, f"was_{name}", HiddenField(default=item.stock))
            rows.append((product, name, (kind, item.id)))
    form = StockForm()
    form.rows = rows
    return form


def stock_values(form) -> tuple[dict, dict]:
    """(new figures, figures shown) keyed as services.set_stocks wants them."""
    quantities, shown = {}, {}
    for _product, name, key in form.rows:
        quantities[key] = form[name].data
        was = form[f"was_{name}"].data
        if isinstance(was, str) and was.isdigit():
            shown[key] = int(was)
    return quantities, shown


class QuickProductForm(_ServiceForm):
    """Adding a product alone, on a phone: name, price, pack and how many are ready up front; everything else
    under "more details". The name and description go into the language the seller is reading."""

    title = StringField(_l("Name of the product"), render_kw={"maxlength": services.TITLE_MAX})
    price_paise = RupeesField(_l("Price for one pack (₹)"), render_kw={"inputmode": "decimal"})
    unit = _select(_l("Sold by"), default="piece")
    pack_size = WholeNumberField(_l("How much in one pack"), default=1, render_kw={"inputmode": "numeric"})
    stock = WholeNumberField(_l("How many packs are ready now?"), render_kw={"inputmode": "numeric"})
    mrp_paise = RupeesField(_l("MRP (₹)"), render_kw={"inputmode": "decimal"})
    hsn_code = StringField(_l("HSN code"), render_kw={"inputmode": "numeric", "maxlength": 10})
    gst_rate_bp = _select(_l("GST rate"), coerce=_int_or_none, default=0)
    weight_grams = WholeNumberField(_l("Weight with packing (grams)"), render_kw={"inputmode": "numeric"})
    lead_time_days = WholeNumberField(_l("Made to order: days needed"), render_kw={"inputmode": "numeric"})
    tags = StringField(_l("Tags"), render_kw={"maxlength": services.TAGS_MAX})
    description = TextAreaField(_l("Description"), render_kw={"rows": 3})

    FIELDS = ("price_paise", "unit", "pack_size", "stock", "mrp_paise", "hsn_code", "gst_rate_bp", "weight_grams",
              "lead_time_days", "tags")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit.choices = [SelectChoice(u, label) for u, label in UNIT_LABELS.items()]
        self.gst_rate_bp.choices = [SelectChoice(bp, f"{bp // 100} %") for bp in services.GST_RATES_BP]

    def product_values(self, lang: str, category_id: int) -> dict:
        suffix = "hi" if lang == "hi" else "en"
        return {**self.values(), "category_id": category_id, f"title_{suffix}": self.title.data,
                f"description_{suffix}": self.description.data}

    def show_errors(self, errors: dict) -> None:
        for name, message in errors.items():
            field = "title" if name.startswith("title_") else "description" if name.startswith("description_") \
                else name
            self._fields.get(field, self.title).errors.append(message)

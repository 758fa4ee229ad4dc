"""The search form: a GET form (bookmarkable, works without JavaScript, changes nothing, so no CSRF token).
Anything malformed in the URL falls back to its default instead of failing: a search page always answers."""

from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectChoice, SelectField, StringField

from marketplace.search.base import PRICE_BAND_KEYS, SELLER_KINDS, SORTS, Filters

SORT_LABELS = {
    "relevance": _l("Best match"),
    "price_asc": _l("Price: low to high"),
    "price_desc": _l("Price: high to low"),
    "newest": _l("Newest first"),
}


class SearchForm(Form):
    q = StringField()  # the input itself is the header's search box
    sort = SelectField(_l("Sort by"), choices=[SelectChoice(k, label) for k, label in SORT_LABELS.items()],
                       default="relevance")


def _positive_int(value: str | None, default: int | None = None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and 0 < len(value) <= 9 and int(value) > 0 else default


def parse(args) -> tuple[SearchForm, Filters, int]:
    """The form (for re-rendering), the filters and the page number from a request's query string."""
    form = SearchForm(args)
    if form.sort.data not in SORTS:
        form.sort.data = "relevance"
    form.q.data = (form.q.data or "").strip()
    kind, price = args.get("kind"), args.get("price")
    filters = Filters(
        category=_positive_int(args.get("category")),
        district=_positive_int(args.get("district")),
        kind=kind if kind in SELLER_KINDS else None,
        price=price if price in PRICE_BAND_KEYS else None,
        in_stock=args.get("in_stock") == "1",
    )
    return form, filters, _positive_int(args.get("page"), 1)

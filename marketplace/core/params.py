"""Integers taken from a request, bounded in one place.

Every id in a URL (`<int:...>`) and every integer in a query string goes through here, so a value such as
99999999999999999999 is a 404 (path) or 422 (query) rather than an OverflowError deep in a driver.
PostgreSQL's INTEGER is 32-bit, so that is the bound for ids.
"""

from flask import abort, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """The `int` converter, but never above MAX_ID (larger ids match no route: 404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def arg_int(name: str, default: int | None = None, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """An integer query argument: `default` when absent or empty, 422 when it is not a whole number in range."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 12 or not minimum <= int(raw) <= maximum:
        abort(422)
    return int(raw)


def arg_int_or(name: str, default: int, *, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """The forgiving kind, for public pages that always answer (a storefront page number): `default` when the
    argument is absent, malformed or out of range."""
    raw = request.args.get(name, "").strip()
    if not raw.isdigit() or len(raw) > 12 or not minimum <= int(raw) <= maximum:
        return default
    return int(raw)


def form_int(text: str | None, *, maximum: int = MAX_ID) -> int | None:
    """A whole number typed or posted in a form (an id, a total): None when it is not one or out of range."""
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) <= 18 and int(text) <= maximum else None


def coerce_id(value) -> int:
    """A form field's `coerce` for ids and small numbers: ValueError (the field's "invalid choice") beyond MAX_ID."""
    number = int(value)
    if not 0 <= number <= MAX_ID:
        raise ValueError("out of range")
    return number


def init_app(app) -> None:
    app.url_map.converters["int"] = BoundedIntConverter

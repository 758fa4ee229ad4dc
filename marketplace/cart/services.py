"""The cart: keys (product, variant) and quantities, bounded by stock and minimum order quantity.

Anonymous visitors' carts live in the signed session cookie (no rows for crawlers and one-time visitors);
a customer's cart lives in `cart_items` and is merged from the session at login (`user_logged_in`).
Prices are never kept here: the checkout reads them from the catalogue every time.
"""

from flask import g, session
from flask_babel import lazy_gettext as _l
from flask_login import user_logged_in
from sqlalchemy import bindparam, delete, func, insert, select, tuple_, update

from marketplace.cart.models import CartItem
from marketplace.catalog import stock
from marketplace.core.commits import commit_without_waiting_for_disk
from marketplace.core.errors import DomainError
from marketplace.extensions import db

Key = tuple[int, int | None]
SESSION_KEY = "cart"
MAX_LINES = 50  # also keeps the session cookie well under 4 kB


class CartError(DomainError):
    pass


def _is_customer(user) -> bool:
    return user is not None and user.is_authenticated


# ---------------------------------------------------------------- storage

def _session_lines() -> dict[Key, int]:
    lines = {}
    for entry in session.get(SESSION_KEY, []):
        try:
            pid, vid, qty = (int(entry[0]), None if entry[1] is None else int(entry[1]), int(entry[2]))
        except (TypeError, ValueError, IndexError):
            continue  # an old or damaged cookie: drop the line rather than fail the page
        if qty > 0:
            lines[(pid, vid)] = lines.get((pid, vid), 0) + qty
    return lines


def _save_session(lines: dict[Key, int]) -> None:
    session[SESSION_KEY] = [[pid, vid, qty] for (pid, vid), qty in lines.items()]


_ROWS = (select(CartItem.id, CartItem.product_id, CartItem.variant_id, CartItem.quantity)
         .where(CartItem.user_id == bindparam("user_id")).order_by(CartItem.id))


_CART = CartItem.__table__
_DELETE_ROWS = delete(_CART).where(_CART.c.id.in_(bindparam("ids", expanding=True)))
_SET_QUANTITY = update(_CART).where(_CART.c.id == bindparam("row_id")).values(quantity=bindparam("quantity"))
_INSERT_ROW = insert(_CART)
_DELETE_ORDERED = delete(_CART).where(  # variant ids start at 1: 0 stands for "no variant"
    _CART.c.user_id == bindparam("user_id"),
    tuple_(_CART.c.product_id, func.coalesce(_CART.c.variant_id, 0)).in_(bindparam("keys", expanding=True)))


def _rows(user_id: int) -> list:
    """The customer's cart rows as (id, product_id, variant_id, quantity), oldest first."""
    return db.session.execute(_ROWS, {"user_id": user_id}).all()


def _summed(rows) -> dict[Key, int]:
    found: dict[Key, int] = {}
    for _id, pid, vid, qty in rows:
        found[(pid, vid)] = found.get((pid, vid), 0) + qty
    return found


def lines(user) -> dict[Key, int]:
    """(product id, variant id or None) -> quantity, in the order they were added."""
    if not _is_customer(user):
        return _session_lines()
    return _summed(_rows(user.id))


def _store(user, key: Key, quantity: int, rows: list | None = None) -> None:
    """Set one line (0 removes it) and commit. `rows`: the customer's cart rows, when the caller just read them."""
    if not _is_customer(user):
        current = _session_lines()
        if quantity:
            current[key] = quantity  # an existing line keeps its place in the cart
        else:
            current.pop(key, None)
        _save_session(current)
        return
    _forget_units()
    ids = [r[0] for r in (_rows(user.id) if rows is None else rows) if (r[1], r[2]) == key]
    gone = ids[1:] if quantity else ids
    if gone:
        db.session.execute(_DELETE_ROWS, {"ids": gone})
    kept = db.session.execute(_SET_QUANTITY, {"row_id": ids[0], "quantity": quantity}).rowcount \
        if quantity and ids else 0
    if quantity and not kept:  # a new line (or its row went meanwhile, e.g. ordered from another tab)
        db.session.execute(_INSERT_ROW, {"user_id": user.id, "product_id": key[0], "variant_id": key[1],
                                         "quantity": quantity})
    commit_without_waiting_for_disk()  # a cart line lost in a crash harms nobody; orders wait for the disk


def units_of(user_id_column):
    """The units in a customer's cart as a column: the statement that loads the logged-in user for a request
    (accounts.services.user_loader, wired in the app factory) reads the header's count with her."""
    return select(func.coalesce(func.sum(CartItem.quantity), 0)).where(
        CartItem.user_id == user_id_column).scalar_subquery()


_UNITS = select(units_of(bindparam("user_id")))


def read_with_user(user, units: int) -> None:
    """What `units_of` read with the user, for this request's count(): every write to the cart forgets it."""
    g.cart_units = (user.id, units)


def _forget_units() -> None:
    g.pop("cart_units", None)


def count(user) -> int:
    """Units in the cart, for the header of every page: read with the user, else one aggregate."""
    if not _is_customer(user):
        return sum(_session_lines().values())
    known = g.get("cart_units")
    if known is not None and known[0] == user.id:
        return known[1]
    # Core, and a statement built once: a quarter of the cost of session.scalar(select(...)) on every page
    return db.session.connection().execute(_UNITS, {"user_id": user.id}).scalar()


# ---------------------------------------------------------------- rules

def check_quantity(item: stock.Item | None, quantity: int) -> None:
    """CartError unless `quantity` of `item` can be bought now."""
    if item is None:
        raise CartError(_l("We could not find that product."), status=404)
    if not item.sellable:
        raise CartError(_l("This product is not on sale at the moment."), status=409)
    if item.has_variants and item.variant_id is None:
        raise CartError(_l("Please choose a size or colour first."))
    if quantity < item.min_order_qty:
        raise CartError(_l("Enter a quantity of at least %(n)d.", n=item.min_order_qty))
    if item.stock <= 0:
        raise CartError(_l("Sorry, this product is sold out."), status=409)
    if quantity > item.stock:
        raise CartError(_l("Only %(n)d left. Please enter %(n)d or fewer.", n=item.stock))


def item(key: Key) -> stock.Item | None:
    """What the catalogue says about one line now."""
    return stock.items([key]).get(key)


def add(user, product_id: int, variant_id: int | None, quantity: int) -> int:
    """Add `quantity` to the line (product, variant); returns the line's new quantity."""
    if quantity < 1:
        raise CartError(_l("Enter a quantity of at least %(n)d.", n=1))
    key = (product_id, variant_id)
    rows = _rows(user.id) if _is_customer(user) else None
    current = _session_lines() if rows is None else _summed(rows)
    if key not in current and len(current) >= MAX_LINES:
        raise CartError(_l("Your cart is full. Please check out or remove something first."))
    new_quantity = current.get(key, 0) + quantity
    check_quantity(item(key), new_quantity)
    _store(user, key, new_quantity, rows)
    return new_quantity


def set_quantity(user, product_id: int, variant_id: int | None, quantity: int) -> None:
    key = (product_id, variant_id)
    if key not in lines(user):
        raise CartError(_l("That item is no longer in your cart."), status=404)
    check_quantity(item(key), quantity)
    _store(user, key, quantity)


def remove(user, product_id: int, variant_id: int | None) -> None:
    _store(user, (product_id, variant_id), 0)


def remove_ordered(user_id: int, keys: list[Key]) -> None:
    """Called by the checkout inside its own transaction (no commit here): the ordered lines leave the cart, in
    one statement."""
    if keys:
        _forget_units()
        db.session.execute(_DELETE_ORDERED, {"user_id": user_id, "keys": [(pid, vid or 0) for pid, vid in keys]})


# ---------------------------------------------------------------- login

def merge_session_cart(user) -> None:
    """Move the anonymous cart into the customer's saved cart; quantities add up, capped at the stock."""
    incoming = _session_lines()
    session.pop(SESSION_KEY, None)
    if not incoming:
        return
    saved = lines(user)
    facts = stock.items(set(incoming) | set(saved))
    for key, qty in incoming.items():
        item = facts.get(key)
        wanted = min(saved.get(key, 0) + qty, item.stock if item else 0)
        try:
            check_quantity(item, wanted)
        except CartError:
            continue  # sold out or withdrawn meanwhile: the saved cart keeps what it had
        _store(user, key, wanted)


def _on_login(_app, user) -> None:
    merge_session_cart(user)


user_logged_in.connect(_on_login)

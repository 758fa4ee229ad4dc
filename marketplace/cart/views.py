from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from marketplace.cart import services
from marketplace.cart.forms import LineForm, QuantityForm
from marketplace.extensions import db
from marketplace.orders import services as orders

bp = Blueprint("cart", __name__)


def _count() -> int:
    try:
        return services.count(current_user)
    except SQLAlchemyError:  # an error page after a failed transaction must still render
        db.session.rollback()
        return 0


def _badge() -> Markup:
    """The header's count after "Cart" (nothing for an empty cart)."""
    units = _count()
    return Markup(' <span class="count">({})</span>').format(units) if units else Markup("")


@bp.app_context_processor
def _header_count():
    return {"cart_badge": _badge}


def _same_site(target: str | None) -> str | None:
    parts = urlsplit(target or "")
    if target and target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return None


def _page(error=None, status: int = 200, key=None, back: str | None = None):
    quote = orders.quote_for(current_user)
    return render_template("cart/view.html", quote=quote, error=error, error_key=key, back=back), status


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


@bp.get("/cart")
def view():
    return _page()


@bp.get("/cart/add")
def confirm_add():
    """Pages cached for logged-out visitors cannot carry a CSRF token: their form lands here first."""
    form = QuantityForm(formdata=request.args, meta={"csrf": False})
    if not form.validate():
        return _page(_first_error(form), 422, back=_same_site(form.next.data))
    item = services.item(form.key)
    if item is None or not item.sellable:
        abort(404)
    return render_template("cart/confirm.html", form=QuantityForm(formdata=request.args), item=item)


@bp.post("/cart/add")
def add():
    form = QuantityForm()
    back = _same_site(form.next.data)
    if not form.validate():
        return _page(_first_error(form), 422, back=back)
    try:
        services.add(current_user, *form.key, int(form.quantity.data))
    except services.CartError as exc:
        if exc.status == 404:
            abort(404)
        return _page(exc.message, exc.status, form.key, back=back)
    flash(_("Added to your cart."), "success")
    return redirect(back or url_for("cart.view"))


@bp.post("/cart/update")
def update():
    form = QuantityForm()
    if not form.validate():
        key = form.key if not (form.product_id.errors or form.variant_id.errors) else None
        return _page(_first_error(form), 422, key)
    try:
        services.set_quantity(current_user, *form.key, int(form.quantity.data))
    except services.CartError as exc:
        if exc.status == 404:
            abort(404)
        return _page(exc.message, exc.status, form.key)
    flash(_("Your cart has been updated."), "success")
    return redirect(url_for("cart.view"))


@bp.post("/cart/remove")
def remove():
    form = LineForm()
    if not form.validate():
        abort(404)
    services.remove(current_user, *form.key)
    flash(_("Removed from your cart."), "info")
    return redirect(url_for("cart.view"))

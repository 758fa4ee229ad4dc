"""Seller pages: incoming orders of a group, and accept / reject (with a reason) / ready for handover."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from marketplace.accounts.access import login_required, require_seller_access
from marketplace.core.pagination import page_number
from marketplace.core.params import arg_int
from marketplace.core.states import IllegalTransition
from marketplace.orders import lifecycle, services
from marketplace.orders.errors import NotFound, OrderError
from marketplace.orders.forms import ActionForm, RejectForm
from marketplace.orders.models import SellerOrderStatus
from marketplace.sellers import services as sellers

bp = Blueprint("seller_orders", __name__, url_prefix="/seller/orders")

TABS = {
    "new": (_l("New"), (SellerOrderStatus.PLACED,)),
    "accepted": (_l("Accepted"), (SellerOrderStatus.ACCEPTED,)),
    "ready": (_l("Ready for handover"), (SellerOrderStatus.READY,)),
    "sent": (_l("Handed over"), (SellerOrderStatus.HANDED_OVER, SellerOrderStatus.DELIVERED,
                                 SellerOrderStatus.RETURNED)),
    "closed": (_l("Rejected or cancelled"), (SellerOrderStatus.REJECTED, SellerOrderStatus.CANCELLED)),
}


@bp.get("/")
@login_required
def incoming():
    groups = sellers.sellers_of_user(current_user)
    seller_id = arg_int("seller") or (groups[0].id if groups else None)
    if seller_id is None:
        abort(403)
    require_seller_access(seller_id)
    tab = request.args.get("show") if request.args.get("show") in TABS else "new"
    page = services.incoming_for_seller(seller_id, TABS[tab][1], page_number())
    return render_template("orders/seller_list.html", seller=sellers.get_seller(seller_id), groups=groups,
                           tabs=TABS, tab=tab, page=page)


def _part(part_id: int):
    try:
        part = services.seller_part(part_id)
    except NotFound:
        abort(404)
    require_seller_access(part.seller_id)
    return part


def _qr_svg(text: str) -> Markup:
    """The order number as a QR code drawn inline (no printer, no request): the packaging house scans it from
    the seller's phone, or reads the number written on the packet."""
    import segno

    return Markup(segno.make(text, error="m", micro=False).svg_inline(scale=5, title=text, svgclass="qr"))


def _page(part, error=None, status: int = 200, reject_form: RejectForm | None = None):
    shown = part.status in (SellerOrderStatus.ACCEPTED, SellerOrderStatus.READY, SellerOrderStatus.HANDED_OVER)
    return render_template("orders/seller_detail.html", part=part, error=error, form=ActionForm(),
                           reject_form=reject_form or RejectForm(), qr=_qr_svg(part.number) if shown else None), \
        status


@bp.get("/<int:part_id>")
@login_required
def detail(part_id: int):
    return _page(_part(part_id))


def _act(part_id: int, action, done_message: str, form=None):
    part = _part(part_id)
    form = form or ActionForm()
    if not form.validate():
        return _page(part, next(iter(form.errors.values()))[0], 422, form if isinstance(form, RejectForm) else None)
    try:
        action(part)
    except OrderError as exc:
        return _page(services.seller_part(part_id), exc.message, exc.status,
                     form if isinstance(form, RejectForm) else None)
    except IllegalTransition:
        return _page(services.seller_part(part_id), _("This order has already moved on."), 409)
    flash(done_message, "success")
    return redirect(url_for("seller_orders.detail", part_id=part_id))


@bp.post("/<int:part_id>/accept")
@login_required
def accept(part_id: int):
    return _act(part_id, lambda part: lifecycle.accept(current_user, part), _("Accepted. Please start packing."))


@bp.post("/<int:part_id>/ready")
@login_required
def ready(part_id: int):
    return _act(part_id, lambda part: lifecycle.mark_ready(current_user, part),
                _("Marked ready for handover to the packaging house."))


@bp.post("/<int:part_id>/reject")
@login_required
def reject(part_id: int):
    form = RejectForm()
    return _act(part_id, lambda part: lifecycle.reject(current_user, part, form.reason.data),
                _("Rejected. The customer has been told, and paid money goes back."), form)

"""Admin pages for orders in review: the list, one order with its payment's history, and the two decisions."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import role_required
from marketplace.accounts.models import Role
from marketplace.core.types import utcnow
from marketplace.orders import review
from marketplace.orders.errors import NotFound, OrderError
from marketplace.orders.forms import ReviewDecisionForm
from marketplace.payments import services as payments

bp = Blueprint("orders_admin", __name__, url_prefix="/admin/orders")

DECISIONS = {"approve": review.approve, "refund": review.refund_and_cancel}


def _order(number: str):
    try:
        return review.order_in_review(number)
    except NotFound:
        abort(404)


@bp.get("/review")
@role_required(Role.ADMIN)
def review_list():
    return render_template("orders/admin/review_list.html", entries=review.orders_in_review(), now=utcnow())


def _detail_page(order, forms: dict | None = None, error=None, status: int = 200):
    """`forms`: the submitted form (with its errors) by decision; the other decision gets a blank one."""
    forms = {name: (forms or {}).get(name) or ReviewDecisionForm(prefix=name) for name in DECISIONS}
    payment = payments.payment_of(order.id)
    return render_template("orders/admin/review_detail.html", order=order, payment=payment, forms=forms,
                           payment_events=payments.events_of(payment) if payment else [], error=error), status


@bp.get("/review/<number>")
@role_required(Role.ADMIN)
def review_detail(number: str):
    return _detail_page(_order(number))


@bp.post("/review/<number>/<any(approve, refund):decision>")
@role_required(Role.ADMIN)
def decide(number: str, decision: str):
    order = _order(number)
    form = ReviewDecisionForm(prefix=decision)
    if not form.validate():
        return _detail_page(order, {decision: form}, status=422)
    try:
        DECISIONS[decision](current_user, order, form.reason.data)
    except OrderError as exc:
        if exc.field == "reason":
            form.reason.errors.append(exc.message)
        return _detail_page(_order(number), {decision: form}, exc.message, exc.status)
    flash(_("Order %(number)s approved: the sellers have been told.", number=number) if decision == "approve"
          else _("Order %(number)s cancelled: the money goes back to the customer.", number=number), "success")
    return redirect(url_for("orders_admin.review_list"))

"""The payment page (Stripe.js card element), the card submission, the return page that reconciles with
Stripe, and the webhook endpoint."""

import os

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import login_required
from marketplace.extensions import csrf
from marketplace.orders import lifecycle
from marketplace.orders import services as orders
from marketplace.orders.errors import NotFound, StaleState
from marketplace.orders.models import OrderStatus
from marketplace.payments import services
from marketplace.payments.forms import CardForm
from marketplace.payments.gateway import Gateway, GatewayError, gateway, webhook_secret
from marketplace.payments.models import PaymentStatus

bp = Blueprint("payments", __name__, url_prefix="/payments")


@bp.record_once
def _configure(state) -> None:
    # STRIPE_API_BASE points at localstripe in development; real keys (config.py) take precedence over it.
    for name in ("STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET"):
        state.app.config.setdefault(name, os.environ.get(name))


@bp.app_template_global()
def payment_label(status: str) -> str:
    return services.LABELS.get(status, status)


def _order(number: str):
    try:
        return orders.order_for_customer(current_user, number)
    except NotFound:
        abort(404)


def _page(order, payment, *, error=None, status: int = 200, action: bool = False):
    return render_template("payments/pay.html", order=order, payment=payment, gateway=gateway(), form=CardForm(),
                           error=error, action=action), status


def _unavailable(order, payment):
    return _page(order, payment, status=503,
                 error=_("Card payments are not working right now. Please try again in a few minutes."))


@bp.get("/<number>")
@login_required
def pay(number: str):
    order = _order(number)
    if order.status != OrderStatus.PENDING_PAYMENT:
        return redirect(url_for("orders.detail", number=number))
    payment = services.payment_of(order.id)
    if gateway() is None:
        return _unavailable(order, payment)
    try:
        services.ensure_intent(payment)
    except GatewayError:
        return _unavailable(order, payment)
    failed = payment.status == PaymentStatus.FAILED
    return _page(order, payment, error=services.decline_message(payment.failure_message) if failed else None)


@bp.post("/<number>/card")
@login_required
def card(number: str):
    order = _order(number)
    payment = services.payment_of(order.id)
    if order.status != OrderStatus.PENDING_PAYMENT:
        return redirect(url_for("orders.detail", number=number))
    form = CardForm()
    if not form.validate():
        return _page(order, payment, error=next(iter(form.errors.values()))[0], status=422)
    if gateway() is None:
        return _unavailable(order, payment)
    try:
        state = services.pay_with_token(payment, form.stripe_token.data)
    except services.PaymentFailed as exc:
        return _page(order, payment, error=exc.message, status=402)
    if state.status == "requires_action":
        return _page(order, payment, action=True)  # Stripe.js finishes 3-D Secure, then goes to the return page
    return redirect(url_for("payments.returned", number=number))


@bp.get("/<number>/return")
@login_required
def returned(number: str):
    """Where the customer lands after paying: ask Stripe and settle, so a lost webhook loses no payment."""
    order = _order(number)
    try:
        lifecycle.refresh_payment(order, "return")
    except GatewayError:
        return _unavailable(order, services.payment_of(order.id))
    order = orders.order_for_customer(current_user, number)
    if order.status == OrderStatus.CONFIRMED:
        return redirect(url_for("orders.detail", number=number, placed=1))
    if order.status == OrderStatus.PENDING_PAYMENT:
        return redirect(url_for("payments.pay", number=number))
    return redirect(url_for("orders.detail", number=number))


@bp.post("/stripe/webhook")
@csrf.exempt
def webhook():
    """Stripe's events: signature checked, each event id handled once, in whatever order they come."""
    secret = webhook_secret()
    if not secret:
        abort(404)
    try:
        event = Gateway.verify_event(request.get_data(), request.headers.get("Stripe-Signature"), secret)
    except GatewayError:
        return jsonify(error="bad signature"), 400
    try:
        outcome = lifecycle.handle_stripe_event(event)
    except (StaleState, services.StaleState):
        return jsonify(outcome="busy, send again"), 409
    except (KeyError, TypeError, ValueError):
        return jsonify(error="unexpected event"), 400
    return jsonify(outcome=outcome)

"""Customer pages: checkout, addresses, order history and detail (with the timeline), cancellation."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import login_required
from marketplace.core.pagination import page_number
from marketplace.core.params import form_int
from marketplace.core.states import IllegalTransition
from marketplace.orders import events, lifecycle, pricing, progress, services
from marketplace.orders.errors import NotFound, OrderError
from marketplace.orders.forms import AddressForm, CancelForm, CheckoutForm
from marketplace.orders.models import OrderStatus, PaymentMethod
from marketplace.payments import services as payments

bp = Blueprint("orders", __name__)
bp.record_once(lambda state: pricing.configure(state.app))


@bp.app_template_global()
def state_name(code: str) -> str:
    return services.state_name(code)


@bp.app_template_global()
def order_label(status: str) -> str:
    return events.ORDER_LABELS.get(status, status)


@bp.app_template_global()
def delivery_terms() -> tuple[int, int]:
    """(charge per parcel, goods value from one packaging house above which delivery is free), in paise."""
    return pricing.setting("DELIVERY_CHARGE_PAISE"), pricing.setting("FREE_DELIVERY_ABOVE_PAISE")


@bp.app_template_global()
def progress_label(code: str) -> str:
    return str(progress.STEP_LABELS[code])


@bp.app_template_global()
def part_label(status: str) -> str:
    return events.PART_LABELS.get(status, status)


def _same_site(target: str | None, default: str) -> str:
    parts = urlsplit(target or "")
    if target and target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return default


def _order(number: str):
    try:
        return services.order_for_customer(current_user, number)
    except NotFound:
        abort(404)


# ---------------------------------------------------------------- checkout

def _blank_address_form(next_page: str) -> AddressForm:
    """A new address form filled with what the account knows already (the receiver is usually the buyer)."""
    return AddressForm(formdata=None, next=next_page, name=current_user.name, mobile=current_user.mobile or "")


def _checkout_page(form: CheckoutForm, quote, error=None, status: int = 200):
    addresses = services.addresses_of(current_user)
    form.address_id.choices = [(str(a.id), a.name) for a in addresses]
    return render_template("orders/checkout.html", form=form, quote=quote, addresses=addresses, error=error,
                           methods=services.payment_methods(quote), address_form=_blank_address_form(request.path),
                           cod_limit=pricing.setting("COD_LIMIT_PAISE")), status


@bp.get("/checkout")
@login_required
def checkout():
    quote = services.quote_for(current_user)
    if quote.is_empty or quote.problems:
        return redirect(url_for("cart.view"))
    addresses = services.addresses_of(current_user)
    methods = services.payment_methods(quote)
    default_method = PaymentMethod.CARD if methods[PaymentMethod.CARD] else PaymentMethod.COD
    form = CheckoutForm(token=services.new_checkout_token(), quoted_total=str(quote.total_paise),
                        address_id=str(addresses[0].id) if addresses else None, method=default_method)
    return _checkout_page(form, quote)


@bp.post("/checkout")
@login_required
def place():
    form = CheckoutForm()
    if not form.validate():
        return _checkout_page(form, services.quote_for(current_user), status=422)
    try:
        order = services.place_order(
            current_user, address_id=form_int(form.address_id.data), method=form.method.data, token=form.token.data,
            quoted_total=form_int(form.quoted_total.data, maximum=10**15))
    except NotFound:
        abort(404)
    except OrderError as exc:
        if exc.field in form:
            form[exc.field].errors.append(exc.message)
        quote = services.quote_for(current_user)  # place_order priced the cart itself: this is for the page
        form.quoted_total.data = str(quote.total_paise)  # what the page shows now
        return _checkout_page(form, quote, error=exc.message, status=exc.status)
    if order.status == OrderStatus.PENDING_PAYMENT:
        return redirect(url_for("payments.pay", number=order.number))
    return redirect(url_for("orders.detail", number=order.number, placed=1))


# ---------------------------------------------------------------- addresses

@bp.get("/account/addresses")
@login_required
def addresses():
    return render_template("orders/addresses.html", addresses=services.addresses_of(current_user))


def _address_page(form: AddressForm, address=None, status: int = 200):
    return render_template("orders/address_form.html", form=form, address=address), status


def _save_address(form: AddressForm, address=None):
    if form.validate_on_submit():
        try:
            services.save_address(current_user, form.data, address)
        except services.AddressError as exc:
            for name, message in exc.errors.items():
                form[name].errors.append(message)
        except OrderError as exc:
            flash(str(exc.message), "error")
            return _address_page(form, address, status=exc.status)
        else:
            flash(_("The address has been saved."), "success")
            return redirect(_same_site(form.next.data, url_for("orders.addresses")))
    return _address_page(form, address, status=422 if form.errors else 200)


@bp.route("/account/addresses/new", methods=["GET", "POST"])
@login_required
def new_address():
    next_page = request.args.get("next", "")
    form = AddressForm() if request.method == "POST" else _blank_address_form(next_page)
    if request.method == "POST" and not form.next.data:
        form.next.data = next_page
    return _save_address(form)


def _own_address(address_id: int):
    try:
        return services.get_address(current_user, address_id)
    except NotFound:
        abort(404)


@bp.route("/account/addresses/<int:address_id>/edit", methods=["GET", "POST"])
@login_required
def edit_address(address_id: int):
    address = _own_address(address_id)
    form = AddressForm(obj=address, next=request.args.get("next", ""))
    return _save_address(form, address)


@bp.post("/account/addresses/<int:address_id>/delete")
@login_required
def delete_address(address_id: int):
    form = CancelForm()  # a CSRF-checked form; its fields are not used here
    if not form.validate():
        abort(400)
    _own_address(address_id)
    services.delete_address(current_user, address_id)
    flash(_("The address has been deleted."), "info")
    return redirect(url_for("orders.addresses"))


# ---------------------------------------------------------------- orders

@bp.get("/orders")
@login_required
def history():
    from marketplace.fulfilment import services as fulfilment

    page = services.orders_of(current_user, page_number())
    shipped = fulfilment.shipment_status_by_part(*(o.id for o in page.items))
    return render_template("orders/history.html", page=page,
                           progress={o.id: progress.derive(o, shipped) for o in page.items})


def _progress(order) -> progress.Progress:
    from marketplace.fulfilment import services as fulfilment  # fulfilment builds on orders

    return progress.derive(order, fulfilment.shipment_status_by_part(order.id))


def _detail_page(order, error=None, status: int = 200, form: CancelForm | None = None):
    now = _progress(order)
    return render_template("orders/detail.html", order=order, timeline=services.timeline(order),
                           payment=payments.payment_of(order.id), placed=request.args.get("placed") == "1",
                           progress=now, stages=progress.STAGES, form=form or CancelForm(), error=error,
                           can_cancel=now.can_cancel_all), status


@bp.get("/orders/<number>")
@login_required
def detail(number: str):
    return _detail_page(_order(number))


@bp.post("/orders/<number>/cancel")
@login_required
def cancel(number: str):
    order = _order(number)
    form = CancelForm()
    if not form.validate():
        return _detail_page(order, next(iter(form.errors.values()))[0], 422, form)
    part_id = form_int(form.part_id.data)  # a part given but no such number cancels nothing, never all
    part_ids = None if not (form.part_id.data or "").strip() else ({part_id} if part_id is not None else set())
    try:
        lifecycle.cancel_by_customer(current_user, order, part_ids, form.reason.data)
    except OrderError as exc:
        return _detail_page(services.order_for_customer(current_user, number), exc.message, exc.status, form)
    except IllegalTransition:
        return _detail_page(services.order_for_customer(current_user, number),
                            _("This order cannot be cancelled any more."), 409, form)
    flash(_("Cancelled. If you paid online, the money goes back to your card."), "success")
    return redirect(url_for("orders.detail", number=number))

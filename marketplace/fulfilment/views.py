"""Operator pages (queues, handover, quality check, packing, dispatch, delivery), label and packing-list PDFs,
and the seller's packing slip. Every house page checks `operates_house` (403 for another house's things)."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import login_required, operates_house, require_seller_access
from marketplace.core.formatting import format_inr
from marketplace.core.params import arg_int
from marketplace.core.states import IllegalTransition
from marketplace.core.types import utcnow
from marketplace.fulfilment import documents, houses, services
from marketplace.fulfilment import queues as work
from marketplace.fulfilment.errors import FulfilmentError, NotHere
from marketplace.fulfilment.forms import ActionForm, DeliveredForm, DispatchForm, FindForm, ParcelForm, ReturnedForm
from marketplace.invoices import services as invoices
from marketplace.orders import handover as parts
from marketplace.orders.errors import OrderError
from marketplace.orders.models import SellerOrderStatus

bp = Blueprint("fulfilment", __name__)


@bp.app_template_filter("waited")
def waited(since) -> str:
    """How long something has waited, in the reader's language ("3 hours")."""
    return format_timedelta(utcnow() - since, threshold=1.1) if since else ""


@bp.app_template_global()
def shipments_for(order) -> list:
    return services.shipments_of_order(order.id)


@bp.app_template_global()
def invoices_for(order) -> dict:
    return invoices.invoices_of_order(order.id)


@bp.app_template_global()
def tracking_url(shipment) -> str | None:
    return services.tracking_url(shipment.courier, shipment.tracking_number)


@bp.app_template_global()
def shipment_label(status: str) -> str:
    return services.SHIPMENT_LABELS.get(status, status)


def _house(house_id: int):
    house = houses.get_house(house_id)
    if house is None:
        abort(404)
    if not operates_house(current_user, house.id):
        abort(403)
    return house


def _own(obj):
    """A handover, shipment or parcel of a house the user works at (403 otherwise)."""
    if obj is None:
        abort(404)
    if not operates_house(current_user, obj.house_id):
        abort(403)
    return obj


def _pdf(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "private"})


def _failed(exc: Exception):
    """The message and status of a refused step."""
    if isinstance(exc, IllegalTransition):
        return _("This step is not possible now. Please look at the page again."), 409
    return exc.message, exc.status


# ---------------------------------------------------------------- queues

@bp.get("/house/")
@login_required
def queues():
    mine = houses.houses_for(current_user)
    if not mine:
        abort(403)
    house = _house(arg_int("house") or mine[0].id)
    stage = request.args.get("stage") if request.args.get("stage") in work.STAGES else "handover"
    return render_template("fulfilment/queues.html", house=house, houses=mine, stage=stage, stages=work.STAGES,
                           counts=work.counts(house), items=work.items(house, stage), find=FindForm())


@bp.get("/house/<int:house_id>/find")
@login_required
def find(house_id: int):
    house = _house(house_id)
    form = FindForm(request.args)
    try:
        part = services.find_part(house, form.number.data)
    except NotHere as exc:
        form.number.errors = [exc.message]
        return render_template("fulfilment/queues.html", house=house, houses=houses.houses_for(current_user),
                               stage="handover", stages=work.STAGES, counts=work.counts(house),
                               items=work.items(house, "handover"), find=form), 404
    record = services.handover_of(part.id)
    if record is not None and record.house_id == house.id and record.status == "received":
        return redirect(url_for("fulfilment.check_page", handover_id=record.id))
    return redirect(url_for("fulfilment.receive_page", house_id=house.id, part_id=part.id))


# ---------------------------------------------------------------- handover and quality check

def _part(house, part_id: int):
    try:
        return services.part_for_house(house, part_id)
    except NotHere:
        abort(404)


def _receive_page(house, part, error=None, errors=None, status: int = 200):
    return render_template("fulfilment/receive.html", house=house, part=part, record=services.handover_of(part.id),
                           form=ActionForm(), error=error, errors=errors or {}, values=request.form), status


@bp.get("/house/<int:house_id>/orders/<int:part_id>")
@login_required
def receive_page(house_id: int, part_id: int):
    house = _house(house_id)
    return _receive_page(house, _part(house, part_id))


@bp.post("/house/<int:house_id>/orders/<int:part_id>")
@login_required
def receive(house_id: int, part_id: int):
    house = _house(house_id)
    part = _part(house, part_id)
    if not ActionForm().validate():
        abort(400)
    try:
        record = services.receive(current_user, house, part, request.form)
    except (FulfilmentError, OrderError, IllegalTransition) as exc:
        message, status = _failed(exc)
        return _receive_page(house, _part(house, part_id), message, getattr(exc, "errors", None), status)
    flash(_("Received. Now check the quality of each item."), "success")
    return redirect(url_for("fulfilment.check_page", handover_id=record.id))


def _check_page(record, error=None, errors=None, status: int = 200):
    return render_template("fulfilment/check.html", record=record, part=record.part, form=ActionForm(),
                           error=error, errors=errors or {}, values=request.form), status


@bp.get("/house/checks/<int:handover_id>")
@login_required
def check_page(handover_id: int):
    return _check_page(_own(services.get_handover(handover_id)))


@bp.post("/house/checks/<int:handover_id>")
@login_required
def check(handover_id: int):
    record = _own(services.get_handover(handover_id))
    if not ActionForm().validate():
        abort(400)
    try:
        given_back = services.check(current_user, record, request.form)
    except (FulfilmentError, OrderError, IllegalTransition) as exc:
        message, status = _failed(exc)
        return _check_page(services.get_handover(handover_id), message, getattr(exc, "errors", None), status)
    record = services.get_handover(handover_id)
    if given_back:
        flash(_("Checked. The customer gets %(amount)s back for what is not sent; the group has been told.",
                amount=format_inr(given_back)), "info")
    else:
        flash(_("Checked: everything passed."), "success")
    if record.shipment_id:
        return redirect(url_for("fulfilment.shipment", shipment_id=record.shipment_id))
    return redirect(url_for("fulfilment.queues", house=record.house_id, stage="check"))


# ---------------------------------------------------------------- packing and shipping

def _shipment_page(shipment, error=None, errors=None, status: int = 200, **forms):
    forms = {"parcel_form": ParcelForm(formdata=None), "dispatch_form": DispatchForm(formdata=None),
             "delivered_form": DeliveredForm(formdata=None), "returned_form": ReturnedForm(formdata=None),
             **forms}
    for form in forms.values():
        for name, message in (errors or {}).items():
            if name in form:
                form[name].errors = [message]
    return render_template("fulfilment/shipment.html", shipment=shipment, rows=services.pack_rows(shipment),
                           parcels=services.live_parcels(shipment), handovers=services.parts_of(shipment),
                           cash_due=services.cash_due(shipment), form=ActionForm(), error=error,
                           errors=errors or {}, values=request.form, **forms), status


@bp.get("/house/shipments/<int:shipment_id>")
@login_required
def shipment(shipment_id: int):
    return _shipment_page(_own(services.get_shipment(shipment_id)))


def _shipment_step(shipment_id: int, step, done: str, form_class=ActionForm, form_name: str | None = None):
    shipment = _own(services.get_shipment(shipment_id))
    form = form_class()
    if not form.validate():
        errors = {name: messages[0] for name, messages in form.errors.items()}
        if "csrf_token" in errors:
            abort(400)
        return _shipment_page(shipment, _("Please correct the marked fields."), errors, 422,
                              **({form_name: form} if form_name else {}))
    try:
        step(shipment, form)
    except (FulfilmentError, OrderError, IllegalTransition) as exc:
        message, status = _failed(exc)
        return _shipment_page(services.get_shipment(shipment_id), message, getattr(exc, "errors", None), status,
                              **({form_name: form} if form_name else {}))
    flash(done, "success")
    return redirect(url_for("fulfilment.shipment", shipment_id=shipment_id))


@bp.post("/house/shipments/<int:shipment_id>/parcels")
@login_required
def add_parcel(shipment_id: int):
    return _shipment_step(shipment_id, lambda s, f: services.add_parcel(current_user, s, request.form),
                          _("Parcel packed. Print its label."), ParcelForm, "parcel_form")


@bp.post("/house/parcels/<int:parcel_id>/unpack")
@login_required
def unpack(parcel_id: int):
    parcel = _own(services.get_parcel(parcel_id))
    return _shipment_step(parcel.shipment_id, lambda s, f: services.unpack(current_user, parcel),
                          _("Parcel opened again; its items can be packed anew."))


@bp.post("/house/shipments/<int:shipment_id>/packed")
@login_required
def packed(shipment_id: int):
    return _shipment_step(shipment_id, lambda s, f: services.finish_packing(current_user, s),
                          _("Packed. It waits for the courier."))


@bp.post("/house/shipments/<int:shipment_id>/dispatch")
@login_required
def dispatch(shipment_id: int):
    return _shipment_step(shipment_id, lambda s, f: services.dispatch(current_user, s, f.courier.data,
                                                                      f.tracking_number.data),
                          _("Dispatched. The customer has the tracking number."), DispatchForm, "dispatch_form")


@bp.post("/house/shipments/<int:shipment_id>/delivered")
@login_required
def delivered(shipment_id: int):
    return _shipment_step(shipment_id, lambda s, f: services.deliver(current_user, s, f.cash.data),
                          _("Delivered. The groups are paid for it."), DeliveredForm, "delivered_form")


@bp.post("/house/shipments/<int:shipment_id>/returned")
@login_required
def returned(shipment_id: int):
    return _shipment_step(shipment_id, lambda s, f: services.mark_returned(current_user, s, f.reason.data),
                          _("Marked as returned."), ReturnedForm, "returned_form")


@bp.get("/house/parcels/<int:parcel_id>/label.pdf")
@login_required
def label(parcel_id: int):
    parcel = _own(services.get_parcel(parcel_id))
    problem = houses.address_problem(parcel.shipment.house)  # no label with a return address that is not real
    if problem is not None:
        return _shipment_page(parcel.shipment, problem, None, 409)
    return _pdf(documents.label_pdf(parcel), f"label-{parcel.number}.pdf")


@bp.get("/house/shipments/<int:shipment_id>/packing-list.pdf")
@login_required
def packing_list(shipment_id: int):
    shipment = _own(services.get_shipment(shipment_id))
    return _pdf(documents.packing_list_pdf(shipment), f"packing-list-{shipment.number}.pdf")


# ---------------------------------------------------------------- the seller's packing slip

@bp.get("/seller/orders/<int:part_id>/slip.pdf")
@login_required
def packing_slip(part_id: int):
    part = parts.ready_part(part_id)
    if part is None:
        abort(404)
    require_seller_access(part.seller_id)
    if part.status not in (SellerOrderStatus.READY, SellerOrderStatus.HANDED_OVER):
        abort(404)  # there is nothing to hand over
    return _pdf(documents.packing_slip_pdf(part), f"slip-{part.number}.pdf")

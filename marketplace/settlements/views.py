"""A seller's balance and statement; the admin's payout batches and refunds after delivery."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.accounts.access import login_required, require_seller_access, role_required
from marketplace.accounts.models import Role
from marketplace.core.formatting import format_inr
from marketplace.core.pagination import page_number
from marketplace.core.params import arg_int
from marketplace.core.states import IllegalTransition
from marketplace.sellers import services as sellers
from marketplace.settlements import services
from marketplace.settlements.forms import ActionForm, CancelBatchForm, PaidForm, RefundForm
from marketplace.settlements.models import EntryKind, PayoutStatus

bp = Blueprint("settlements", __name__)

KIND_LABELS = {
    EntryKind.SALE: _l("Sale delivered"),
    EntryKind.COMMISSION: _l("Haat commission"),
    EntryKind.PACKAGING_FEE: _l("Packaging fee"),
    EntryKind.REFUND: _l("Refund to the customer"),
    EntryKind.COMMISSION_BACK: _l("Commission given back"),
    EntryKind.PAYOUT: _l("Paid to your bank account"),
    EntryKind.PAYOUT_CANCELLED: _l("Payout cancelled, amount back"),
}


PAYOUT_LABELS = {
    PayoutStatus.OPEN: _l("Waiting for the bank"),
    PayoutStatus.PAID: _l("Paid"),
    PayoutStatus.CANCELLED: _l("Cancelled"),
}


@bp.app_template_global()
def entry_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


@bp.app_template_global()
def payout_label(status: str) -> str:
    return PAYOUT_LABELS.get(status, status)


@bp.get("/seller/money")
@login_required
def balance():
    groups = sellers.sellers_of_user(current_user)
    seller_id = arg_int("seller") or (groups[0].id if groups else None)
    if seller_id is None:
        abort(403)
    require_seller_access(seller_id)
    return render_template("settlements/balance.html", seller=sellers.get_seller(seller_id), groups=groups,
                           balance=services.balance(seller_id), totals=services.totals(seller_id),
                           page=services.statement(seller_id, page_number()))


# ---------------------------------------------------------------- admin: payouts

def _payouts_page(error=None, status: int = 200):
    return render_template("settlements/payouts.html", balances=services.seller_balances(),
                           batches=services.batches(page_number()), minimum=services.setting("PAYOUT_MINIMUM_PAISE"),
                           form=ActionForm(), error=error), status


@bp.get("/admin/payouts")
@role_required(Role.ADMIN)
def payouts():
    return _payouts_page()


@bp.post("/admin/payouts")
@role_required(Role.ADMIN)
def make_batch():
    if not ActionForm().validate():
        abort(400)
    try:
        batch = services.make_batch(current_user)
    except services.SettlementError as exc:
        return _payouts_page(exc.message, exc.status)
    flash(_("Payout batch made. Download the file for the bank."), "success")
    return redirect(url_for("settlements.batch", batch_id=batch.id))


def _batch(batch_id: int):
    batch = services.get_batch(batch_id)
    if batch is None:
        abort(404)
    return batch


def _batch_page(batch, error=None, status: int = 200, paid_form=None, cancel_form=None):
    return render_template("settlements/batch.html", batch=batch, error=error, paid_form=paid_form or PaidForm(),
                           cancel_form=cancel_form or CancelBatchForm()), status


@bp.get("/admin/payouts/<int:batch_id>")
@role_required(Role.ADMIN)
def batch(batch_id: int):
    return _batch_page(_batch(batch_id))


@bp.get("/admin/payouts/<int:batch_id>.csv")
@role_required(Role.ADMIN)
def batch_csv(batch_id: int):
    batch = _batch(batch_id)
    return Response(services.batch_csv(batch), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="haat-payout-{batch.id}.csv"',
                             "Cache-Control": "private"})


def _batch_step(batch_id: int, form, step, done: str, form_name: str):
    batch = _batch(batch_id)
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        return _batch_page(batch, _("Please correct the marked fields."), 422, **{form_name: form})
    try:
        step(batch, form)
    except services.SettlementError as exc:
        if exc.field in form:
            form[exc.field].errors = [exc.message]
        return _batch_page(_batch(batch_id), exc.message, exc.status, **{form_name: form})
    except IllegalTransition:
        return _batch_page(_batch(batch_id), _("This batch is already closed."), 409)
    flash(done, "success")
    return redirect(url_for("settlements.batch", batch_id=batch_id))


@bp.post("/admin/payouts/<int:batch_id>/paid")
@role_required(Role.ADMIN)
def mark_paid(batch_id: int):
    return _batch_step(batch_id, PaidForm(), lambda b, f: services.mark_paid(current_user, b, f.reference.data),
                       _("Marked as paid."), "paid_form")


@bp.post("/admin/payouts/<int:batch_id>/cancel")
@role_required(Role.ADMIN)
def cancel(batch_id: int):
    return _batch_step(batch_id, CancelBatchForm(),
                       lambda b, f: services.cancel_batch(current_user, b, f.reason.data),
                       _("Cancelled. The amounts are back on the sellers' balances."), "cancel_form")


# ---------------------------------------------------------------- admin: refunds after delivery

def _refund_page(part, form, error=None, status: int = 200):
    return render_template("settlements/refund.html", part=part, form=form, error=error,
                           most=services.credited_sale(part.id)), status


@bp.route("/admin/refunds/<int:part_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def refund(part_id: int):
    part = services.delivered_part(part_id)
    if part is None:
        abort(404)
    form = RefundForm()
    if request.method == "GET":
        return _refund_page(part, form)
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        return _refund_page(part, form, _("Please correct the marked fields."), 422)
    try:
        amount = services.refund_delivered(current_user, part, form.amount.data)
    except services.SettlementError as exc:
        if exc.field in form:
            form.amount.errors = [exc.message]
        return _refund_page(part, form, exc.message, exc.status)
    flash(_("%(amount)s refunded and taken off the group's balance.", amount=format_inr(amount)), "success")
    return redirect(url_for("settlements.refund", part_id=part_id))

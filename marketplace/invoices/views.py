"""Invoice PDFs (for the supplier's members, the customer and admins) and a seller's list of invoices."""

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user

from marketplace.accounts.access import login_required, require_seller_access
from marketplace.core.pagination import page_number
from marketplace.core.params import arg_int
from marketplace.invoices import services
from marketplace.invoices.render import invoice_pdf
from marketplace.sellers import services as sellers

bp = Blueprint("invoices", __name__)


@bp.get("/invoices/<int:invoice_id>.pdf")
@login_required
def pdf(invoice_id: int):
    invoice = services.get_invoice(invoice_id)
    if invoice is None:
        abort(404)
    if not services.may_see(current_user, invoice):
        abort(403)
    filename = invoice.number.replace("/", "-")  # numbers carry slashes, file names cannot
    return Response(invoice_pdf(invoice), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="invoice-{filename}.pdf"',
                             "Cache-Control": "private"})


@bp.get("/seller/invoices")
@login_required
def seller_list():
    groups = sellers.sellers_of_user(current_user)
    seller_id = arg_int("seller") or (groups[0].id if groups else None)
    if seller_id is None:
        abort(403)
    require_seller_access(seller_id)
    return render_template("invoices/seller_list.html", seller=sellers.get_seller(seller_id), groups=groups,
                           page=services.invoices_of_seller(seller_id, page_number()))

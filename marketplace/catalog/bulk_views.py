"""Bulk terms on a listing (the group's page) and an institution's made-to-order order from a listing."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import require_seller_access, role_required
from marketplace.accounts.models import Role
from marketplace.catalog import bulk, services
from marketplace.catalog.models import PriceBreak

bp = Blueprint("catalog_bulk", __name__)


@bp.app_template_global()
def bulk_terms(product):
    """Price breaks and the made-to-order limit of a listing, for its page. Breaks need a declared weekly capacity
    (bulk.set_terms), so an ordinary listing's page runs no extra query."""
    breaks = sorted(bulk.breaks_for([product.id]).get(product.id, [])) if product.weekly_capacity else []
    return {"breaks": breaks, "limit": bulk.made_to_order_limit(product), "weekly": product.weekly_capacity}


@bp.route("/seller/products/<int:product_id>/bulk", methods=["GET", "POST"])
@role_required(Role.SELLER)
def terms(product_id: int):
    product = services.get_product(product_id) or abort(404)
    require_seller_access(product.seller_id)
    errors, status = {}, 200
    if request.method == "POST":
        rows = [(request.form.get(f"qty-{i}", ""), request.form.get(f"price-{i}", "")) for i in range(bulk.MAX_BREAKS)]
        try:
            bulk.set_terms(product, request.form.get("weekly_capacity"), rows)
        except bulk.BulkTermsError as exc:
            errors, status = exc.errors, exc.status
        else:
            flash(_("Bulk prices saved."), "success")
            return redirect(url_for("catalog_bulk.terms", product_id=product.id)), 303
    from sqlalchemy import select

    from marketplace.extensions import db

    breaks = db.session.scalars(select(PriceBreak).where(PriceBreak.product_id == product.id)
                                .order_by(PriceBreak.min_quantity)).all()
    return render_template("catalog/seller/bulk.html", product=product, breaks=breaks, errors=errors,
                           form=request.form, max_breaks=bulk.MAX_BREAKS), status


@bp.route("/products/<int:product_id>/institution-order", methods=["GET", "POST"])
@role_required(Role.BUYER)
def institution_order(product_id: int):
    from marketplace.institutions import services as institutions
    from marketplace.requisitions import services as requisitions

    product = services.get_product(product_id) or abort(404)
    limit = bulk.made_to_order_limit(product)
    if limit is None or product.status != "live":
        abort(404)
    mine = [i for i in institutions.institutions_of_user(current_user) if i.is_approved]
    errors, status = {}, 200
    quantity = request.values.get("quantity", "").strip()
    wanted = int(quantity) if quantity.isdigit() and len(quantity) < 10 else None
    if request.method == "POST":
        inst_id = request.form.get("institution", "")
        inst = next((i for i in mine if str(i.id) == inst_id), None)
        if inst is None:
            abort(403)
        try:
            req = requisitions.order_listing(inst, current_user, product.id, quantity,
                                             request.form.get("point", "").strip() or inst.name)
        except requisitions.RequisitionError as exc:
            errors, status = exc.errors or {"quantity": exc.message}, exc.status
        else:
            flash(_("Ordered. The group is asked to confirm."), "success")
            return redirect(url_for("requisitions.show", req_id=req.id)), 303
    breaks = bulk.breaks_for([product.id]).get(product.id)
    price = bulk.unit_price(product.price_paise, breaks, wanted) if wanted else None
    promised = bulk.promised_date(product, wanted, requisitions.today_ist()) if wanted and wanted <= limit else None
    return render_template("catalog/institution_order.html", product=product, limit=limit, institutions=mine,
                           errors=errors, quantity=quantity, price=price, promised=promised), status

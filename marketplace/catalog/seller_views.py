"""The sellers' side of the catalogue (their listings, variants, stock, photos) and the moderation pages.

Every product route checks ownership with access.require_seller_access (403 for another group's product);
moderation routes check the official's scope with access.official_covers_block.
"""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import login_required, official_covers_block, require_seller_access, role_required
from marketplace.accounts.models import Role
from marketplace.catalog import services
from marketplace.catalog.forms import (
    ProductForm,
    ReasonForm,
    VariantForm,
    stock_form,
    stock_values,
)
from marketplace.catalog.models import ProductStatus
from marketplace.core.pagination import page_number
from marketplace.core.params import arg_int
from marketplace.extensions import csrf
from marketplace.media import services as media
from marketplace.sellers import services as sellers

bp = Blueprint("catalog_seller", __name__, url_prefix="/seller")
moderation_bp = Blueprint("catalog_moderation", __name__, url_prefix="/moderation")


def _actor():
    return current_user._get_current_object()


def _status(form, error=None) -> int:
    if error is not None:
        return error.status
    return 422 if any(f.errors for f in form) else 200


def _show(form, exc: services.CatalogError):
    """Messages about fields go next to them; one about nothing in particular is returned for the page top."""
    form.show_errors(exc.errors)
    return None if exc.errors else exc


def _own_product(product_id: int):
    product = services.get_product(product_id)
    if product is None:
        abort(404)
    require_seller_access(product.seller_id)
    return product


def _chosen_seller():
    """The group this page works for: ?seller=<id> (checked), else the user's first group, else None."""
    wanted = arg_int("seller")
    if wanted is not None:
        require_seller_access(wanted)
        seller = sellers.get_seller(wanted)
        if seller is None:
            abort(404)
        return seller
    groups = sellers.sellers_of_user(current_user)
    return groups[0] if groups else None


def _report_the_rest(form, product=None, skip=()) -> None:
    """The form could not read some fields: show what the services would say about the others too, so the
    seller corrects everything in one round."""
    unread = {f.name for f in form if f.errors}
    form.show_errors(services.product_errors(form.values(skip={*unread, *skip}), product, ignore=unread))


def _no_group():
    return render_template("catalog/seller/no_group.html"), 403


def _render(template: str, status: int = 200, **context):
    return render_template(template, labels=services.STATUS_LABELS, groups=sellers.sellers_of_user(current_user),
                           **context), status


# ---------------------------------------------------------------- listings

@bp.get("/products")
@login_required
def products():
    seller = _chosen_seller()
    if seller is None:
        return _no_group()
    status = request.args.get("status")
    status = status if status in tuple(ProductStatus) else None
    page = services.products_of_seller(seller.id, status, page_number())
    return _render("catalog/seller/list.html", seller=seller, page=page, status=status,
                   counts=services.status_counts(seller.id))


@bp.route("/products/new", methods=["GET", "POST"])
@login_required
def new_product():
    seller = _chosen_seller()
    if seller is None:
        return _no_group()
    form = ProductForm(categories=services.category_tree())
    if not form.is_submitted():
        form.stock.data = None  # asked, never assumed: the seller writes how many are ready
    error = None
    if form.validate_on_submit():
        try:
            product = services.create_product(seller, _actor(), **form.values())
        except services.CatalogError as exc:
            error = _show(form, exc)
        else:
            flash(_("Saved as a draft. Add photos, then put it on sale."), "success")
            return redirect(url_for(".photos", product_id=product.id))
    elif form.is_submitted():
        _report_the_rest(form)
    return _render("catalog/seller/form.html", _status(form, error), form=form, seller=seller, product=None,
                   error=error)


def _edit_page(product, form=None, status: int = 200, error=None):
    form = form or ProductForm(obj=product, categories=services.category_tree())
    return _render("catalog/seller/form.html", status, form=form, seller=product.seller, product=product,
                   error=error)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@login_required
def edit_product(product_id: int):
    product = _own_product(product_id)
    if request.method == "GET" and request.args.get("added") == "1" and product.status == ProductStatus.DRAFT:
        return _render("catalog/seller/added.html", product=product)  # just listed: one look, one button
    form = ProductForm(obj=product, categories=services.category_tree())
    if request.method == "GET" and product.tags:
        form.tags.data = product.tags.replace(",", ", ")
    skip = ("stock",) if product.variants else ()  # with variants the stock is theirs; the box is not shown
    error = None
    if form.validate_on_submit():
        try:
            services.update_product(product, _actor(), **form.values(skip=skip))
        except services.CatalogError as exc:
            error = _show(form, exc)
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for(".edit_product", product_id=product.id))
    elif form.is_submitted():
        _report_the_rest(form, product, skip)
    return _edit_page(product, form, _status(form, error), error)


def _status_action(product_id: int, action, done_message: str):
    product = _own_product(product_id)
    try:
        action(product, _actor())
    except services.CatalogError as exc:
        return _edit_page(product, status=exc.status, error=exc)
    flash(done_message, "success")
    back = request.form.get("next", "")
    # Only back to a page of this blueprint (the list), never to another site.
    return redirect(back if back.startswith("/seller/") else url_for(".edit_product", product_id=product.id))


@bp.post("/products/<int:product_id>/publish")
@login_required
def publish(product_id: int):
    return _status_action(product_id, services.publish, _("It is on sale now."))


@bp.post("/products/<int:product_id>/pause")
@login_required
def pause(product_id: int):
    return _status_action(product_id, services.pause, _("Paused: customers cannot see it until you put it on sale."))


@bp.post("/products/<int:product_id>/duplicate")
@login_required
def duplicate(product_id: int):
    product = _own_product(product_id)
    try:
        copy = services.duplicate(product, _actor())
    except services.CatalogError as exc:
        return _edit_page(product, status=exc.status, error=exc)
    flash(_("A copy was made as a draft, with stock 0. Change what differs, then put it on sale."), "success")
    return redirect(url_for(".edit_product", product_id=copy.id))


# ---------------------------------------------------------------- variants

@bp.route("/products/<int:product_id>/variants/new", methods=["GET", "POST"])
@login_required
def new_variant(product_id: int):
    product = _own_product(product_id)
    form = VariantForm(data={"price_paise": product.price_paise})
    error = None
    if form.validate_on_submit():
        try:
            services.add_variant(product, _actor(), **form.values())
        except services.CatalogError as exc:
            error = _show(form, exc)
        else:
            flash(_("Size or colour added."), "success")
            return redirect(url_for(".edit_product", product_id=product.id, _anchor="variants"))
    return _render("catalog/seller/variant.html", _status(form, error), form=form, product=product, variant=None,
                   error=error)


@bp.route("/products/<int:product_id>/variants/<int:variant_id>", methods=["GET", "POST"])
@login_required
def edit_variant(product_id: int, variant_id: int):
    product = _own_product(product_id)
    variant = services.get_variant(product, variant_id)
    if variant is None:
        abort(404)
    form = VariantForm(obj=variant)
    error = None
    if form.validate_on_submit():
        try:
            services.update_variant(variant, _actor(), **form.values())
        except services.CatalogError as exc:
            error = _show(form, exc)
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for(".edit_product", product_id=product.id, _anchor="variants"))
    return _render("catalog/seller/variant.html", _status(form, error), form=form, product=product,
                   variant=variant, error=error)


@bp.post("/products/<int:product_id>/variants/<int:variant_id>/delete")
@login_required
def delete_variant(product_id: int, variant_id: int):
    product = _own_product(product_id)
    variant = services.get_variant(product, variant_id)
    if variant is None:
        abort(404)
    services.delete_variant(variant, _actor())
    flash(_("Size or colour deleted."), "success")
    return redirect(url_for(".edit_product", product_id=product.id, _anchor="variants"))


# ---------------------------------------------------------------- photos

def _photos_page(product, status: int = 200, error=None):
    return _render("catalog/seller/photos.html", status, product=product, error=error,
                   max_photos=services.MAX_PHOTOS)


@bp.get("/products/<int:product_id>/photos")
@login_required
def photos(product_id: int):
    return _photos_page(_own_product(product_id))


@bp.post("/products/<int:product_id>/photos")
@csrf.exempt  # checked below, after the size check: an oversized upload is refused before its body is read
@login_required
def upload_photos(product_id: int):
    product = _own_product(product_id)
    if (request.content_length or 0) > current_app.config["MAX_UPLOAD_BYTES"]:
        return _photos_page(product, 413, _("The photos are too large together: at most 15 MB at a time. "
                                            "Send fewer photos at once."))
    csrf.protect()
    files = [f for f in request.files.getlist("photo") if f and f.filename]
    if not files:
        return _photos_page(product, 422, _("Choose a photo, or take one with the camera."))
    try:
        added = services.add_uploaded_photos(product, [media.read_upload(f) for f in files], _actor())
    except (media.ImageRejected, services.CatalogError) as exc:  # both carry a user message and a status
        return _photos_page(product, exc.status, exc.message)
    flash(_("Photo added.") if len(added) == 1 else _("%(n)d photos added.", n=len(added)), "success")
    return redirect(url_for(".photos", product_id=product.id))


def _own_photo(product_id: int, photo_id: int):
    product = _own_product(product_id)
    photo = services.get_photo(product, photo_id)
    if photo is None:
        abort(404)
    return product, photo


@bp.post("/products/<int:product_id>/photos/<int:photo_id>/primary")
@login_required
def primary_photo(product_id: int, photo_id: int):
    product, photo = _own_photo(product_id, photo_id)
    services.set_primary_photo(photo, _actor())
    return redirect(url_for(".photos", product_id=product.id))


@bp.post("/products/<int:product_id>/photos/<int:photo_id>/move")
@login_required
def move_photo(product_id: int, photo_id: int):
    product, photo = _own_photo(product_id, photo_id)
    offset = -1 if request.form.get("offset") == "-1" else 1
    services.move_photo(photo, offset, _actor())
    return redirect(url_for(".photos", product_id=product.id))


@bp.post("/products/<int:product_id>/photos/<int:photo_id>/delete")
@login_required
def delete_photo(product_id: int, photo_id: int):
    product, photo = _own_photo(product_id, photo_id)
    services.delete_photo(photo, _actor())
    flash(_("Photo deleted."), "success")
    return redirect(url_for(".photos", product_id=product.id))


# ---------------------------------------------------------------- quick stock

@bp.route("/stock", methods=["GET", "POST"])
@login_required
def stock():
    seller = _chosen_seller()
    if seller is None:
        return _no_group()
    page = services.stock_items(seller.id, page_number())
    form = stock_form(page.items)
    status = 200
    if form.validate_on_submit():
        quantities, shown = stock_values(form)
        try:
            changed = services.set_stocks(seller, quantities, _actor(), shown)
        except services.CatalogError as exc:
            for _product, name, key in form.rows:
                if key in exc.errors:
                    form[name].errors.append(exc.errors[key])
            status = exc.status
        else:
            flash(_("Stock saved (%(n)d changed).", n=changed), "success")
            return redirect(request.full_path.rstrip("?"))
    return _render("catalog/seller/stock.html", max(status, _status(form)), form=form, seller=seller, page=page)


# ---------------------------------------------------------------- moderation

def _moderated_product(product_id: int):
    product = services.get_product(product_id)
    if product is None:
        abort(404)
    if not official_covers_block(current_user, product.seller.block):
        abort(403)
    return product


@moderation_bp.get("/products")
@role_required(Role.OFFICIAL)
def moderation_list():
    status = request.args.get("status")
    status = status if status in tuple(ProductStatus) else None
    page = services.products_for_moderation(_actor(), status, page_number())
    return render_template("catalog/moderation/list.html", page=page, status=status, labels=services.STATUS_LABELS)


def _review_page(product, form=None, status: int = 200, error=None):
    return render_template("catalog/moderation/review.html", product=product, form=form or ReasonForm(),
                           labels=services.STATUS_LABELS, error=error), status


@moderation_bp.get("/products/<int:product_id>")
@role_required(Role.OFFICIAL)
def review(product_id: int):
    return _review_page(_moderated_product(product_id))


@moderation_bp.post("/products/<int:product_id>/remove")
@role_required(Role.OFFICIAL)
def remove(product_id: int):
    product = _moderated_product(product_id)
    form = ReasonForm()
    try:
        services.remove(product, _actor(), form.reason.data)
    except services.CatalogError as exc:
        form.reason.errors = [*form.reason.errors, *exc.errors.values()]
        return _review_page(product, form, exc.status, None if exc.errors else exc)
    flash(_("The listing is hidden. The seller sees your reason."), "success")
    return redirect(url_for(".review", product_id=product.id))


@moderation_bp.post("/products/<int:product_id>/restore")
@role_required(Role.OFFICIAL)
def restore(product_id: int):
    product = _moderated_product(product_id)
    try:
        services.restore(product, _actor())
    except services.CatalogError as exc:
        return _review_page(product, status=exc.status, error=exc)
    flash(_("The listing is back as a draft; the seller can put it on sale again."), "success")
    return redirect(url_for(".review", product_id=product.id))

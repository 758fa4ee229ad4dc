"""Adding a product alone on a phone, a step per screen: photo (camera first) → kind → sub-kind → name, price,
pack and how many are ready (the rest under "more details", HSN and GST filled from the category) → saved as
a draft with its photos → put on sale. Photos taken before the first save wait in the session (image ids only:
the images themselves are stored, named by their content)."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import login_required, require_seller_access
from marketplace.catalog import categories, queries, services
from marketplace.catalog.forms import QuickProductForm
from marketplace.core.params import arg_int
from marketplace.extensions import csrf
from marketplace.media import services as media
from marketplace.sellers import services as sellers

bp = Blueprint("catalog_quick", __name__, url_prefix="/seller/add")
SESSION_KEY = "quick_add"


def _seller():
    """The group being listed for: ?seller=<id> (checked) or the one chosen at the start, else the first."""
    wanted = arg_int("seller", None, minimum=1) or session.get(SESSION_KEY, {}).get("seller")
    if wanted is None:
        groups = sellers.sellers_of_user(current_user)
        if not groups:
            abort(403)
        wanted = groups[0].id
    require_seller_access(wanted)
    seller = sellers.get_seller(wanted)
    if seller is None:
        abort(404)
    return seller


def _pending(seller) -> list[int]:
    state = session.get(SESSION_KEY) or {}
    return list(state.get("images", [])) if state.get("seller") == seller.id else []


def _keep(seller, image_ids: list[int]) -> None:
    session[SESSION_KEY] = {"seller": seller.id, "images": image_ids[:services.MAX_PHOTOS]}


def _photo_page(seller, status: int = 200, error: str | None = None):
    images = services.images_by_id(_pending(seller))
    return render_template("catalog/seller/add_photo.html", seller=seller, images=images, error=error,
                           max_photos=services.MAX_PHOTOS), status


@bp.get("")
@login_required
def start():
    seller = _seller()
    if request.args.get("again") == "1":
        session.pop(SESSION_KEY, None)
    if SESSION_KEY not in session or session[SESSION_KEY].get("seller") != seller.id:
        _keep(seller, [])
    return _photo_page(seller)


@bp.post("/photo")
@csrf.exempt  # checked below, after the size check: an oversized upload is refused before its body is read
@login_required
def photo():
    seller = _seller()
    if (request.content_length or 0) > current_app.config["MAX_UPLOAD_BYTES"]:
        return _photo_page(seller, 413, _("The photos are too large together: at most 15 MB at a time. "
                                          "Send fewer photos at once."))
    csrf.protect()
    files = [f for f in request.files.getlist("photo") if f and f.filename]
    if not files:
        return _photo_page(seller, 422, _("Choose a photo, or take one with the camera."))
    have = _pending(seller)
    if len(have) + len(files) > services.MAX_PHOTOS:
        return _photo_page(seller, 422, _("At most %(n)d photos per product.", n=services.MAX_PHOTOS))
    try:
        added = services.store_photos_before_saving([media.read_upload(f) for f in files])
    except (media.ImageRejected, services.CatalogError) as exc:
        return _photo_page(seller, exc.status, exc.message)
    _keep(seller, list(dict.fromkeys(have + added)))
    return redirect(url_for(".kind", seller=seller.id))


@bp.get("/kind")
@login_required
def kind():
    seller = _seller()
    tree = queries.category_tree()
    top = tree.by_id.get(arg_int("top", 0, minimum=0))
    if top is not None and top.parent_id is not None:
        top = None
    choices = tree.children(top) if top is not None else tree.roots
    return render_template("catalog/seller/add_kind.html", seller=seller, top=top, choices=choices,
                           pictures=queries.category_pictures(), has_children=lambda c: bool(tree.children(c)),
                           photos=len(_pending(seller)))


def _details_page(seller, form, category, status: int = 200, error=None):
    hint = categories.tax_hint(category)
    return render_template("catalog/seller/add_details.html", seller=seller, form=form, category=category,
                           hint=hint, images=services.images_by_id(_pending(seller)), error=error), status


@bp.route("/details", methods=["GET", "POST"])
@login_required
def details():
    seller = _seller()
    category = services.get_category(arg_int("category", 0, minimum=0))
    if category is None:
        return redirect(url_for(".kind", seller=seller.id))
    form = QuickProductForm()
    if not form.is_submitted():
        hsn, gst = categories.tax_hint(category) or (None, 0)
        form.hsn_code.data, form.gst_rate_bp.data = hsn, gst
        form.stock.data = None  # asked, never assumed
    error = None
    if form.validate_on_submit():
        try:
            product = services.create_product(seller, current_user._get_current_object(),
                                              images=services.images_by_id(_pending(seller)),
                                              **form.product_values(str(get_locale()), category.id))
        except services.CatalogError as exc:
            form.show_errors(exc.errors)
            error = None if exc.errors else exc
        else:
            session.pop(SESSION_KEY, None)
            flash(_("Saved. Check it, then press “Put on sale”."), "success")
            return redirect(url_for("catalog_seller.edit_product", product_id=product.id, added=1))
    status = error.status if error is not None else (422 if form.is_submitted() else 200)
    return _details_page(seller, form, category, status, error)


group_bp = Blueprint("catalog_group", __name__, url_prefix="/seller/group")


@group_bp.route("/<int:seller_id>/photo", methods=["GET", "POST"])
@csrf.exempt  # checked below, after the size check
@login_required
def group_photo(seller_id: int):
    """The group's own photo for its public page: office bearers only."""
    require_seller_access(seller_id)
    seller = sellers.get_seller(seller_id)
    if seller is None:
        abort(404)
    if not sellers.may(current_user, seller.id, sellers.OFFICE_BEARERS):
        abort(403)
    error, status = None, 200
    if request.method == "POST":
        if (request.content_length or 0) > current_app.config["MAX_UPLOAD_BYTES"]:
            error, status = _("The photo is too large: at most 15 MB."), 413
        else:
            csrf.protect()
            upload = request.files.get("photo")
            if not upload or not upload.filename:
                error, status = _("Choose a photo, or take one with the camera."), 422
            else:
                try:
                    services.set_group_photo(seller, media.read_upload(upload))
                except media.ImageRejected as exc:
                    error, status = exc.message, exc.status
                else:
                    flash(_("The group's photo is saved. Customers see it on the group's page."), "success")
                    return redirect(url_for("sellers.overview", seller_id=seller.id))
    return render_template("catalog/seller/group_photo.html", seller=seller, error=error), status

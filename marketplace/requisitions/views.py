"""Requisitions: the buyer writes one, the official splits it, groups answer and report daily (a phone page in
a few taps, no JavaScript), block coordinators enter a whole block's day, everyone in scope sees progress."""

from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.accounts.access import login_required, requisition_scope, role_required
from marketplace.accounts.models import Role
from marketplace.core.formatting import format_quantity, parse_rupees
from marketplace.core.pagination import page_number
from marketplace.core.params import arg_int, form_int
from marketplace.institutions import services as institutions
from marketplace.requisitions import progress as progress_mod
from marketplace.requisitions import services
from marketplace.requisitions.services import RequisitionError, today_ist

bp = Blueprint("requisitions", __name__)

STATUS_LABELS = {
    "draft": _l("Draft"), "submitted": _l("Submitted"), "approved": _l("Approved"), "allocating": _l("Allocating"),
    "in_production": _l("In production"), "partly_delivered": _l("Partly delivered"), "completed": _l("Completed"),
    "cancelled": _l("Cancelled"), "pending": _l("Waiting for approval"), "rejected": _l("Rejected"),
    "offered": _l("Offered"), "accepted": _l("Accepted"), "declined": _l("Declined"), "open": _l("Open"),
}


@bp.app_template_global()
def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def _load(req_id: int):
    req = services.get(req_id) or abort(404)
    scope = requisition_scope(current_user, req)
    if scope is None:
        abort(404)  # another institution's requisition: not even that it exists
    return req, scope


def _day(raw: str | None) -> date:
    try:
        return date.fromisoformat(raw) if raw else today_ist()
    except ValueError:
        abort(422)


# ---------------------------------------------------------------- lists and writing

@bp.get("/requisitions")
@login_required
def index():
    from marketplace.requisitions.queries import visible_requisitions

    return render_template("requisitions/index.html", page=visible_requisitions(current_user, page_number()),
                           institutions=institutions.institutions_of_user(current_user))


@bp.route("/requisitions/new", methods=["GET", "POST"])
@role_required(Role.BUYER)
def new():
    inst_id = arg_int("institution")
    mine = institutions.institutions_of_user(current_user)
    inst = next((i for i in mine if i.id == inst_id), mine[0] if mine and inst_id is None else None)
    if inst is None:
        abort(404 if inst_id else 403)
    errors, status, rows = {}, 200, []
    if request.method == "POST":
        form = request.form
        try:
            upload = request.files.get("points_csv")
            data = upload.read(services.MAX_CSV_BYTES + 1) if upload and upload.filename else b""
            points = services.parse_points_csv(data) if data else services.parse_points_text(form.get("points", ""))
            price = None
            if form.get("pricing") != "quote":
                try:
                    price = parse_rupees(form.get("price", ""))
                except ValueError:
                    raise RequisitionError(_l("Enter a price per unit above ₹0, or choose 'quote me'."),
                                           field="price") from None
            try:
                deadline = date.fromisoformat(form.get("deadline", ""))
            except ValueError:
                deadline = None
            image_id = None
            photo = request.files.get("sample_photo")
            if photo and photo.filename:  # the sample photo goes through the media pipeline (checked, resized)
                from marketplace.media import services as media

                try:
                    image_id = media.store_image(media.read_upload(photo)).id
                except media.ImageRejected as exc:
                    raise RequisitionError(exc.message, field="sample_photo", status=exc.status) from None
            category = form.get("category_id", "")
            req = services.create_requisition(
                inst, current_user, title=form.get("title", ""), quantity=form.get("quantity", ""), deadline=deadline,
                points=points, category_id=int(category) if category.isdigit() and len(category) < 10 else None,
                spec=form.get("spec"), price_paise=price if price is None or price > 0 else 0,
                quality_standard=form.get("quality_standard"), sample_image_id=image_id,
                run_by_buyer=form.get("run_by_buyer") == "1", po_number=form.get("po_number"))
        except RequisitionError as exc:
            errors, status = exc.errors or {"form": exc.message}, exc.status
            rows = errors.get("rows", [])
        else:
            if form.get("submit") == "1":
                services.submit(req.id, current_user)
            flash(_("Requisition saved."), "success")
            return redirect(url_for("requisitions.show", req_id=req.id)), 303
    from marketplace.catalog import services as catalog

    return render_template("requisitions/new.html", inst=inst, errors=errors, rows=rows, form=request.form,
                           categories=catalog.category_tree()), status


# ---------------------------------------------------------------- one requisition

@bp.get("/requisitions/<int:req_id>")
@login_required
def show(req_id: int):
    req, scope = _load(req_id)
    if not scope.sees_progress:
        return redirect(url_for("requisitions.share", req_id=req.id))
    prog = progress_mod.progress(req, scope_blocks=scope.blocks, page=page_number())
    quotes = services.quotes_of(req.id) if req.price_paise is None and scope.buyer else []
    from marketplace.requisitions import delivery

    money = scope.kind in ("admin", "buyer")
    return render_template("requisitions/show.html", req=req, scope=scope, prog=prog,
                           inst=institutions.get(req.institution_id), quotes=quotes,
                           lagging=len(services.lagging(req)) if scope.allocate else 0,
                           dispatches=delivery.open_dispatches(req.id) if money else [],
                           invoices=delivery.invoices_of(req.id, limit=50) if money else [],
                           paid=delivery.paid_total(req.id) if money else 0)


@bp.get("/requisitions/<int:req_id>/chart.svg")
@login_required
def chart(req_id: int):
    req, scope = _load(req_id)
    if not scope.sees_progress:
        abort(403)
    daily = progress_mod.daily_totals(req, scope.blocks)  # the chart needs only the days
    shell = progress_mod.Progress(req, progress_mod.Totals(), 0, daily=daily)
    svg = progress_mod.chart_svg(shell, _("Made and passed each day"), (_("Made"), _("Passed own check"), ""))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=60"})


@bp.post("/requisitions/<int:req_id>/state")
@login_required
def change_state(req_id: int):
    req, scope = _load(req_id)
    action = request.form.get("action")
    try:
        if action == "submit" and scope.buyer:
            services.submit(req.id, current_user)
        elif action == "approve" and scope.kind in ("admin", "official") and scope.approver:
            services.approve(req.id, current_user)
        elif action == "cancel" and (scope.approver or scope.kind == "admin"):
            services.cancel(req.id, current_user, request.form.get("reason", ""))
        else:
            abort(403)
    except RequisitionError as exc:
        flash(str(exc.message), "error")
    return redirect(url_for("requisitions.show", req_id=req.id)), 303


# ---------------------------------------------------------------- the split

@bp.route("/requisitions/<int:req_id>/split", methods=["GET", "POST"])
@login_required
def split(req_id: int):
    req, scope = _load(req_id)
    if not scope.allocate:
        abort(403)
    cap = arg_int("cap", None, minimum=1, maximum=services.MAX_QUANTITY)
    override = request.args.get("override") == "1"
    errors, status = {}, 200
    if request.method == "POST":
        shares = {}
        for key, value in request.form.items():
            if key.startswith("share-") and key[6:].isdigit() and len(key) < 20:
                value = value.strip().replace(",", "")
                if not value.isdigit() or len(value) > 10:
                    errors["shares"] = _("Each share must be a whole number.")
                    break
                shares[int(key[6:])] = int(value)
        version = request.form.get("version", "")
        if not errors:
            try:
                services.save_split(req.id, int(version) if version.isdigit() and len(version) < 10 else -1,
                                    shares, current_user)
            except RequisitionError as exc:
                errors, status = exc.errors or {"shares": exc.message}, exc.status
            else:
                flash(_("Split saved. The groups are asked to accept their shares."), "success")
                return redirect(url_for("requisitions.show", req_id=req.id)), 303
    proposal = []
    try:
        proposal = services.propose(req, cap=cap, override=override)
    except RequisitionError as exc:  # not enough capacity: the page says so and offers the cap and override
        errors.setdefault("cap", exc.message)
    return render_template("requisitions/split.html", req=req, proposal=proposal, cap=cap, override=override,
                           errors=errors, total=sum(p.share for p in proposal)), status


@bp.post("/requisitions/<int:req_id>/reoffer")
@login_required
def reoffer(req_id: int):
    req, scope = _load(req_id)
    if not scope.allocate:
        abort(403)
    version = request.form.get("version", "")
    try:
        n = services.reoffer(req.id, int(version) if version.isdigit() and len(version) < 10 else -1, current_user)
    except RequisitionError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("%(n)s units offered again.", n=format_quantity(n)), "success")
    return redirect(url_for("requisitions.show", req_id=req.id)), 303


@bp.post("/requisitions/quotes/<int:quote_id>/accept")
@role_required(Role.BUYER)
def accept_quote(quote_id: int):
    from marketplace.requisitions.queries import requisition_of_quote

    req = requisition_of_quote(quote_id) or abort(404)
    scope = requisition_scope(current_user, req)
    if scope is None:
        abort(404)
    if not scope.approver:
        abort(403)
    version = request.form.get("version", "")
    try:
        services.accept_quote(quote_id, int(version) if version.isdigit() and len(version) < 10 else -1, current_user)
    except RequisitionError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Quote accepted."), "success")
    return redirect(url_for("requisitions.show", req_id=req.id)), 303


# ---------------------------------------------------------------- a group's own share (phone pages)

def _group(scope) -> int:
    seller = arg_int("seller") or request.form.get("seller", type=int)
    if seller in scope.sellers:
        return seller
    if len(scope.sellers) == 1 and seller is None:
        return next(iter(scope.sellers))
    abort(403)


def _share_scope(req_id: int):
    req = services.get(req_id) or abort(404)
    scope = requisition_scope(current_user, req)
    if scope is None or scope.kind != "group":
        # a group quoting on a "quote me" requisition has no share yet: it may see the requisition to quote
        from marketplace.requisitions.queries import quotable_sellers

        sellers = quotable_sellers(current_user, req)
        if not sellers:
            abort(404)
        from marketplace.accounts.access import RequisitionScope

        scope = RequisitionScope("group", sellers=sellers)
    return req, scope


@bp.route("/requisitions/<int:req_id>/share", methods=["GET", "POST"])
@role_required(Role.SELLER)
def share(req_id: int):
    req, scope = _share_scope(req_id)
    seller_id = _group(scope)
    errors, status = {}, 200
    if request.method == "POST":
        try:
            action = request.form.get("action")
            if action == "quote":
                try:
                    price = parse_rupees(request.form.get("price", ""))
                except ValueError:
                    price = 0
                services.submit_quote(req.id, seller_id, price, request.form.get("quantity", ""),
                                      request.form.get("note"))
                flash(_("Your quote is sent."), "success")
            else:
                amount = None
                if action == "decline":
                    amount = 0
                elif action == "part":
                    raw = request.form.get("quantity", "").strip()
                    if not raw.isdigit() or len(raw) > 10:
                        raise RequisitionError(_l("Enter a whole number (digits only)."), field="quantity")
                    amount = int(raw)
                services.answer(req.id, seller_id, current_user, amount)
                flash(_("Thank you, your answer is saved."), "success")
            return redirect(url_for("requisitions.share", req_id=req.id, seller=seller_id)), 303
        except RequisitionError as exc:
            errors, status = exc.errors or {"form": exc.message}, exc.status
    from marketplace.requisitions import delivery
    from marketplace.requisitions.queries import own_share

    return render_template("requisitions/share.html", req=req, share=own_share(req.id, seller_id),
                           seller_id=seller_id, errors=errors, invoices=delivery.invoices_of(req.id, [seller_id], 20),
                           history=services.report_history(req.id, seller_id)), status


@bp.route("/requisitions/<int:req_id>/report", methods=["GET", "POST"])
@role_required(Role.SELLER)
def report(req_id: int):
    req, scope = _load(req_id)
    if scope.kind not in ("group", "admin"):
        abort(403)
    seller_id = _group(scope)
    errors, status = {}, 200
    day = _day(request.values.get("day"))
    if request.method == "POST":
        try:
            result = services.report_day(req.id, seller_id, day, request.form.get("made", ""),
                                         request.form.get("passed", ""), current_user, request.form.get("over_note"))
        except RequisitionError as exc:
            errors, status = exc.errors or {"form": exc.message}, exc.status
        else:
            flash({"saved": _("Saved. Thank you!"), "corrected": _("The day is corrected."),
                   "unchanged": _("Already saved.")}[result.outcome], "success")
            return redirect(url_for("requisitions.report", req_id=req.id, seller=seller_id, day=day.isoformat())), 303
    from marketplace.requisitions.queries import own_share

    days = [today_ist() - timedelta(days=n) for n in range(3)]
    return render_template("requisitions/report.html", req=req, share=own_share(req.id, seller_id), day=day,
                           days=days, seller_id=seller_id, errors=errors, form=request.form,
                           history=services.report_history(req.id, seller_id, 7)), status


# ---------------------------------------------------------------- a block coordinator's day

@bp.route("/requisitions/<int:req_id>/block/<int:block_id>", methods=["GET", "POST"])
@role_required(Role.OFFICIAL)
def block_day(req_id: int, block_id: int):
    req, scope = _load(req_id)
    if scope.blocks is not None and block_id not in scope.blocks:
        abort(403)
    day = _day(request.values.get("day"))
    grid = services.block_grid(req.id, block_id, day)
    errors, status = {}, 200
    if request.method == "POST":
        request.max_form_parts = 4 * len(grid) + 10  # two inputs a group: a big block has hundreds of groups
        allowed = {}
        for row in grid:
            allowed[str(row[0].seller_id)] = row[0].seller_id
            if row[3]:
                allowed[row[3]] = row[0].seller_id
        try:
            upload = request.files.get("csv")
            if upload and upload.filename:
                rows = services.parse_block_csv(upload.read(services.MAX_CSV_BYTES + 1), allowed)
            else:
                rows = []
                for key, sid in allowed.items():
                    made = request.form.get(f"made-{key}", "").strip()
                    if key != str(sid) or made == "":
                        continue
                    passed = request.form.get(f"passed-{key}", "").strip() or made
                    if not (made.isdigit() and passed.isdigit()) or len(made) > 10 or len(passed) > 10:
                        raise RequisitionError(_l("Made and passed must be whole numbers."), field="grid")
                    rows.append(services.BlockRow(sid, int(made), int(passed),
                                                  request.form.get(f"note-{key}") or None))
            outcome = services.report_block_day(req.id, day, rows, current_user)
        except RequisitionError as exc:
            errors, status = exc.errors or {"grid": exc.message}, exc.status
        else:
            flash(_("Saved: %(saved)d new, %(corrected)d corrected, %(same)d unchanged.", saved=outcome["saved"],
                    corrected=outcome["corrected"], same=outcome["unchanged"]), "success")
            return redirect(url_for("requisitions.block_day", req_id=req.id, block_id=block_id,
                                    day=day.isoformat())), 303
    return render_template("requisitions/block.html", req=req, grid=grid, day=day, block_id=block_id,
                           errors=errors), status


# ---------------------------------------------------------------- lots, dispatch, receipt, money

@bp.post("/requisitions/<int:req_id>/lots")
@role_required(Role.SELLER)
def hand_lot(req_id: int):
    from marketplace.requisitions import delivery

    req, scope = _load(req_id)
    if scope.kind != "group":
        abort(403)
    seller_id = _group(scope)
    try:
        lot = delivery.hand_lot(req.id, seller_id, request.form.get("quantity", ""), current_user)
    except RequisitionError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Lot %(n)d: take %(q)s units to the packaging house.", n=lot.id, q=format_quantity(lot.quantity)),
              "success")
    return redirect(url_for("requisitions.share", req_id=req.id, seller=seller_id)), 303


@bp.get("/requisitions/house/<int:house_id>")
@role_required(Role.OPERATOR)
def house_lots(house_id: int):
    from marketplace.accounts.access import operates_house
    from marketplace.fulfilment import houses
    from marketplace.requisitions import delivery

    house = houses.get_house(house_id) or abort(404)
    if not operates_house(current_user, house.id):
        abort(403)
    rows = delivery.lots_at_house(house.id)
    points = {rid: delivery.points_of(rid) for rid in {lot.requisition_id for lot, *_ in rows}}
    return render_template("requisitions/house.html", house=house, rows=rows, points=points)


def _lot_house(lot_id: int):
    from marketplace.accounts.access import operates_house
    from marketplace.extensions import db
    from marketplace.requisitions.models import Lot

    lot = db.session.get(Lot, lot_id) or abort(404)
    if lot.house_id is None or not operates_house(current_user, lot.house_id):
        abort(403)
    return lot


@bp.post("/requisitions/lots/<int:lot_id>/check")
@role_required(Role.OPERATOR)
def check_lot(lot_id: int):
    from marketplace.requisitions import delivery

    lot = _lot_house(lot_id)
    try:
        delivery.check_lot(lot.id, request.form.get("accepted", ""), request.form.get("rejected", "0") or "0",
                           request.form.get("reason"), current_user)
    except RequisitionError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Lot checked. The group's invoice is issued."), "success")
    return redirect(url_for("requisitions.house_lots", house_id=lot.house_id)), 303


@bp.post("/requisitions/lots/<int:lot_id>/dispatch")
@role_required(Role.OPERATOR)
def dispatch_lot(lot_id: int):
    from marketplace.requisitions import delivery

    lot = _lot_house(lot_id)
    point = request.form.get("point", "")
    try:
        delivery.dispatch(lot.id, form_int(point) or 0, request.form.get("quantity", ""), current_user)
    except RequisitionError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Dispatched."), "success")
    return redirect(url_for("requisitions.house_lots", house_id=lot.house_id)), 303


@bp.post("/requisitions/dispatches/<int:dispatch_id>/receive")
@role_required(Role.BUYER)
def receive(dispatch_id: int):
    from marketplace.extensions import db
    from marketplace.requisitions import delivery
    from marketplace.requisitions.models import Dispatch

    row = db.session.get(Dispatch, dispatch_id) or abort(404)
    req, scope = _load(row.requisition_id)
    if not scope.buyer and scope.kind != "admin":
        abort(403)
    try:
        delivery.receive(row.id, request.form.get("received", ""), current_user, request.form.get("note"))
    except RequisitionError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Receipt confirmed."), "success")
    return redirect(url_for("requisitions.show", req_id=req.id)), 303


@bp.post("/requisitions/<int:req_id>/payments")
@role_required(Role.ADMIN)
def record_payment(req_id: int):
    from marketplace.requisitions import delivery

    req, _scope = _load(req_id)
    try:
        amount = parse_rupees(request.form.get("amount", ""))
    except ValueError:
        amount = 0
    try:
        delivery.record_payment(req.id, amount, request.form.get("reference", ""), current_user)
    except RequisitionError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Payment recorded."), "success")
    return redirect(url_for("requisitions.show", req_id=req.id)), 303


@bp.get("/requisitions/invoices/<int:invoice_id>")
@login_required
def invoice(invoice_id: int):
    from marketplace.accounts.access import can_manage_seller
    from marketplace.requisitions import delivery

    inv = delivery.get_invoice(invoice_id) or abort(404)
    req = services.get(inv.requisition_id)
    scope = requisition_scope(current_user, req)
    allowed = scope is not None and (scope.kind in ("admin", "buyer") or (
        scope.kind == "group" and can_manage_seller(current_user, inv.seller_id)))
    if not allowed:
        abort(404)
    return render_template("requisitions/invoice.html", inv=inv)


@bp.get("/institutions/<int:institution_id>/statement")
@role_required(Role.BUYER)
def statement(institution_id: int):
    from marketplace.requisitions import delivery

    inst = institutions.get(institution_id) or abort(404)
    if current_user.role != Role.ADMIN and institutions.person_role(current_user, inst.id) is None:
        abort(404)
    return render_template("requisitions/statement.html", inst=inst,
                           rows=delivery.institution_statement(inst.id))

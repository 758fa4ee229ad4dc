"""The workers' directory (/workers): finding and booking a worker, the worker's answer link, her own pages,
the officials' pages and the admin's categories. Thin: every rule lives in services."""

import os
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from marketplace.accounts.access import login_required, role_required, worker_booking_role
from marketplace.accounts.models import Role
from marketplace.core.errors import DomainError
from marketplace.core.pagination import page_number
from marketplace.core.params import arg_int
from marketplace.extensions import limiter
from marketplace.geo import services as geo
from marketplace.workers import forms, services

bp = Blueprint("workers", __name__, url_prefix="/workers")


@bp.context_processor
def _labels():
    return {"slot_labels": forms.SLOT_LABELS, "status_labels": forms.STATUS_LABELS,
            "rate_unit_labels": forms.RATE_UNIT_LABELS, "language_labels": forms.LANGUAGE_LABELS,
            "weekday_labels": forms.WEEKDAY_LABELS}


@bp.errorhandler(DomainError)
def _domain_error(error):
    return render_template("workers/message.html", message=error.message, code=error.status), error.status


def _form_error(form, exc: DomainError) -> None:
    shown = False
    for name, message in (exc.errors or {}).items():
        if name in form:
            form[name].errors = [*form[name].errors, str(message)]
            shown = True
    if not shown:
        form.form_errors.append(str(exc.message))


def _status(form) -> int:
    return 422 if form.errors or form.form_errors else 200


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


# ---------------------------------------------------------------- finding a worker

@bp.get("/")
def directory():
    q = request.args.get("q", "").strip()[:200]
    pin = request.args.get("pin", "").strip()[:10]
    category_id = arg_int("category")
    block_id = arg_int("block")
    raw_date = request.args.get("date", "").strip()
    on_date = _parse_date(raw_date)
    page = page_number()
    searched = bool(q or pin or category_id or block_id or raw_date)
    error, result = None, None
    if raw_date and on_date is None:
        error = _("Enter a date.")
    elif searched:
        try:
            result = services.find_workers(services.WorkerSearch(q=q, category_id=category_id, pin=pin,
                                                                 block_id=block_id, on_date=on_date, page=page))
        except DomainError as exc:
            error = str(exc.message)
    cats = services.categories()
    status = 422 if error else 200
    return render_template("workers/directory.html", q=q, pin=pin, category_id=category_id, block_id=block_id,
                           raw_date=raw_date, on_date=on_date, categories=cats, by_id={c.id: c for c in cats},
                           blocks=geo.all_blocks(), result=result, error=error,
                           searched=searched), status


@bp.get("/<int:profile_id>")
def profile(profile_id: int):
    worker = services.public_profile(profile_id) or abort(404)
    if worker.paused and not services.may_edit(current_user, worker):
        abort(404)
    form = forms.BookingForm()
    _booking_choices(form, worker)
    on_date = _parse_date(request.args.get("date")) or services.today_in_india()
    if on_date < services.today_in_india():
        on_date = services.today_in_india()
    form.work_date.data = form.work_date.data or on_date
    form.pin_code.data = form.pin_code.data or request.args.get("pin", "")[:10]
    return render_template("workers/profile.html", worker=worker, form=form, on_date=on_date,
                           free=services.free_slots(worker, on_date), block=geo.get_block(worker.block_id),
                           can_edit=services.may_edit(current_user, worker))


def _booking_choices(form, worker) -> None:
    form.fill_choices(worker)


def _booking_limit() -> str:
    """Booking requests per household (not per IP: a village shares one mobile network address)."""
    return current_app.config.get("WORKER_BOOKING_RATE_LIMIT") or os.environ.get("WORKER_BOOKING_RATE_LIMIT",
                                                                                 "10 per hour")


def _household_key() -> str:
    return f"household:{current_user.id}" if current_user.is_authenticated else get_remote_address()


@bp.post("/<int:profile_id>/book")
@login_required
@limiter.limit(_booking_limit, key_func=_household_key)
def book(profile_id: int):
    worker = services.public_profile(profile_id) or abort(404)
    form = forms.BookingForm()
    _booking_choices(form, worker)
    if form.validate_on_submit():
        try:
            booking = services.request_booking(current_user, services.BookingRequest(
                worker_id=worker.id, category_id=form.category_id.data, work_date=form.work_date.data,
                slot=form.slot.data, address=form.address.data, pin_code=form.pin_code.data,
                description=form.description.data))
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            _form_error(form, exc)
            status = exc.status
        else:
            flash(_("Request sent. We will tell you when she answers."), "success")
            return redirect(url_for(".booking", booking_id=booking.id))
    else:
        status = 422
    on_date = form.work_date.data if isinstance(form.work_date.data, date) else services.today_in_india()
    return render_template("workers/profile.html", worker=worker, form=form, on_date=on_date,
                           free=services.free_slots(worker, max(on_date, services.today_in_india())),
                           block=geo.get_block(worker.block_id), can_edit=False), status


# ---------------------------------------------------------------- bookings

def _booking_for(booking_id: int):
    """The booking and the viewer's side of it ('household', 'worker', 'official'); 403 for anyone else."""
    booking = services.get_booking(booking_id) or abort(404)
    side = worker_booking_role(current_user, booking)
    if side is None:
        abort(403)
    return booking, side


@bp.get("/bookings")
@login_required
def my_bookings():
    return render_template("workers/bookings.html", page=services.household_bookings(current_user, page_number()))


@bp.get("/bookings/<int:booking_id>")
@login_required
def booking(booking_id: int):
    booking, side = _booking_for(booking_id)
    return _booking_page(booking, side)


def _booking_page(booking, side, token=None, status=200, rating_form=None, report_form=None):
    shown = services.numbers_visible(booking)
    household = services.household_of(booking)
    return render_template("workers/booking.html", booking=booking, side=side, token=token,
                           numbers_shown=shown, household=household,
                           worker_phone=booking.worker.contact_mobile if shown else None,
                           household_phone=(household.mobile or household.email) if shown else None,
                           rating=services.rating_of(booking), events=services.events_of(booking),
                           rating_form=rating_form or forms.RatingForm(), report_form=report_form or forms.ReportForm(),
                           slot_started=services.slot_start(booking.work_date, booking.slot) <= services.utcnow(),
                           block=geo.get_block(booking.block_id)), status


@bp.post("/bookings/<int:booking_id>/<any(accept,decline,cancel,done,noshow):action>")
@login_required
def booking_action(booking_id: int, action: str):
    booking, side = _booking_for(booking_id)
    if not forms.FlaskForm().validate_on_submit():
        abort(400)
    if action in ("accept", "decline"):
        if side != "worker":
            abort(403)
        services.answer(booking, action == "accept", current_user.id)
    elif action == "cancel":
        services.cancel(booking, current_user)
    else:
        services.finish(booking, current_user, no_show=action == "noshow")
    flash(_("Saved."), "success")
    return redirect(url_for(".booking", booking_id=booking.id))


@bp.post("/bookings/<int:booking_id>/rate")
@login_required
def rate(booking_id: int):
    booking, side = _booking_for(booking_id)
    form = forms.RatingForm()
    if form.validate_on_submit():
        try:
            services.rate(booking, current_user, form.stars.data, form.comment.data)
        except DomainError as exc:
            if exc.status == 403:
                raise
            _form_error(form, exc)
            return _booking_page(booking, side, status=exc.status, rating_form=form)
        flash(_("Thank you for rating the work."), "success")
        return redirect(url_for(".booking", booking_id=booking.id))
    return _booking_page(booking, side, status=422, rating_form=form)


@bp.post("/bookings/<int:booking_id>/report")
@login_required
def report(booking_id: int):
    booking, side = _booking_for(booking_id)
    form = forms.ReportForm()
    if form.validate_on_submit():
        try:
            services.report(booking, current_user, form.reason.data)
        except DomainError as exc:
            if exc.status == 403:
                raise
            _form_error(form, exc)
            return _booking_page(booking, side, status=exc.status, report_form=form)
        flash(_("Reported. An official of the block will look into it."), "success")
        return redirect(url_for(".booking", booking_id=booking.id))
    return _booking_page(booking, side, status=422, report_form=form)


# ---------------------------------------------------------------- the worker's link (no password)

@bp.route("/answer/<token>", methods=["GET", "POST"])
def answer(token: str):
    if len(token) > 300:
        abort(404)
    booking = services.booking_from_token(token)
    if request.method == "POST":
        if not forms.FlaskForm().validate_on_submit() or request.form.get("action") not in ("accept", "decline"):
            abort(400)
        services.answer(booking, request.form["action"] == "accept")
        flash(_("Thank you. The household has been told."), "success")
        return redirect(url_for(".answer", token=token))
    return _booking_page(booking, "worker", token=token)


# ---------------------------------------------------------------- the worker's own pages

def _profile_form(worker=None) -> forms.ProfileForm:
    form = forms.ProfileForm(data=vars(services.profile_data(worker)) if worker and request.method == "GET" else None)
    form.fill_choices(geo.all_blocks())
    if request.method == "GET" and worker is None:
        form.weekdays.data, form.languages.data = list(range(7)), ["hi"]
    return form


def _photo(form) -> bytes | None:
    from marketplace.media import services as media

    upload = form.photo.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    return media.read_upload(upload)


@bp.route("/register", methods=["GET", "POST"])
@login_required
def register():
    mine = services.own_profile(current_user)
    if mine is not None:
        return redirect(url_for(".mine"))
    form = _profile_form()
    if request.method == "GET":
        form.name.data = current_user.name
    if form.validate_on_submit():
        try:
            worker = services.register_self(current_user, form.data_object(), _photo(form))
        except DomainError as exc:
            _form_error(form, exc)
        else:
            flash(_("You are registered. Households near you can now find you."), "success")
            return redirect(url_for(".profile", profile_id=worker.id))
    return render_template("workers/register.html", form=form, for_other=False), _status(form)


@bp.route("/register-for", methods=["GET", "POST"])
@role_required(Role.OFFICIAL, Role.SELLER)
def register_for():
    form = _profile_form()
    if form.validate_on_submit():
        try:
            worker = services.register_for(current_user, form.data_object(), photo=_photo(form))
        except DomainError as exc:
            if exc.status == 403 and not exc.errors:
                raise
            _form_error(form, exc)
        else:
            flash(_("The worker is registered. Requests for her will come to the number given."), "success")
            return redirect(url_for(".profile", profile_id=worker.id))
    return render_template("workers/register.html", form=form, for_other=True), _status(form)


@bp.get("/mine")
@login_required
def mine():
    profiles = services.profiles_spoken_for(current_user)
    return render_template("workers/mine.html", profiles=profiles,
                           bookings=services.worker_bookings([p.id for p in profiles], page_number()))


def _editable(profile_id: int):
    worker = services.get_profile(profile_id) or abort(404)
    if not services.may_edit(current_user, worker):
        abort(403)
    return worker


@bp.route("/profile/<int:profile_id>/edit", methods=["GET", "POST"])
@login_required
def edit(profile_id: int):
    worker = _editable(profile_id)
    form = _profile_form(worker)
    if form.validate_on_submit():
        try:
            services.update_profile(worker, current_user, form.data_object(), _photo(form))
        except DomainError as exc:
            _form_error(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".profile", profile_id=worker.id))
    return render_template("workers/register.html", form=form, worker=worker, for_other=worker.user_id is None,
                           editing=True), _status(form)


@bp.post("/profile/<int:profile_id>/pause")
@login_required
def pause(profile_id: int):
    worker = _editable(profile_id)
    if not forms.FlaskForm().validate_on_submit():
        abort(400)
    services.set_paused(worker, current_user, request.form.get("paused") == "1")
    flash(_("Your profile is paused: households do not see it.") if worker.paused else
          _("Your profile is shown to households again."), "success")
    return redirect(url_for(".mine"))


# ---------------------------------------------------------------- officials

@bp.get("/official")
@role_required(Role.OFFICIAL)
def official():
    blocks = services.blocks_in_scope(current_user)
    block_id = arg_int("block")
    category_id = arg_int("category")
    cats = services.categories(active_only=False)
    return render_template("workers/official.html", blocks=blocks, block_names={b.id: b for b in blocks},
                           categories=cats, cat_names={c.id: c for c in cats},
                           counts=services.workers_by_category_and_block(current_user),
                           months=services.bookings_by_month(current_user),
                           workers=services.workers_in_scope(current_user, block_id, category_id, page_number()),
                           reports=services.reports_in_scope(current_user, page=page_number("reports")),
                           block_id=block_id, category_id=category_id, handle_form=forms.HandleReportForm())


@bp.post("/official/<int:profile_id>/identity")
@role_required(Role.OFFICIAL)
def check_identity(profile_id: int):
    worker = services.get_profile(profile_id) or abort(404)
    if not forms.FlaskForm().validate_on_submit():
        abort(400)
    services.check_identity(worker, current_user)
    flash(_("Identity marked as checked."), "success")
    return redirect(url_for(".official"))


@bp.post("/official/reports/<int:report_id>")
@role_required(Role.OFFICIAL)
def handle_report(report_id: int):
    form = forms.HandleReportForm()
    if not form.validate_on_submit():
        flash(_("Write what was done (at most 500 characters)."), "error")
        return redirect(url_for(".official"))
    services.handle_report(report_id, current_user, form.note.data)
    flash(_("Report marked as handled."), "success")
    return redirect(url_for(".official"))


# ---------------------------------------------------------------- admin: categories

@bp.get("/admin/categories")
@role_required(Role.ADMIN)
def admin_categories():
    return render_template("workers/categories.html", categories=services.categories(active_only=False))


@bp.route("/admin/categories/new", methods=["GET", "POST"], defaults={"category_id": None})
@bp.route("/admin/categories/<int:category_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_category(category_id: int | None):
    category = services.get_category(category_id) if category_id else None
    if category_id and category is None:
        abort(404)
    form = forms.CategoryForm(obj=category)
    form.icon.choices = forms._choices((name, name) for name in services.icon_names())
    if form.validate_on_submit():
        try:
            services.save_category(current_user, category, slug=form.slug.data, name_en=form.name_en.data,
                                   name_hi=form.name_hi.data, icon=form.icon.data, aliases=form.aliases.data,
                                   active=form.active.data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".admin_categories"))
    return render_template("workers/category_form.html", form=form, category=category), _status(form)

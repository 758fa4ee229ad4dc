"""Institutions: register one, see it, and (officials) approve or reject it."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import approves_institutions_in, role_required
from marketplace.accounts.models import Role
from marketplace.core.pagination import page_number
from marketplace.institutions import services
from marketplace.institutions.models import InstitutionKind
from marketplace.institutions.services import InstitutionError

bp = Blueprint("institutions", __name__)


def _kinds():
    from flask_babel import lazy_gettext as _l

    return {InstitutionKind.GOVERNMENT: _l("Government department"), InstitutionKind.PANCHAYAT: _l("Panchayat"),
            InstitutionKind.SCHOOL: _l("School"), InstitutionKind.HOSPITAL: _l("Hospital"),
            InstitutionKind.COMPANY: _l("Company"), InstitutionKind.NGO: _l("NGO")}


@bp.route("/institutions/new", methods=["GET", "POST"])
@role_required(Role.BUYER)
def new():
    errors, status = {}, 200
    if request.method == "POST":
        form = request.form
        try:
            district = form.get("district_id", "")
            inst = services.create_institution(current_user, name=form.get("name", ""), kind=form.get("kind", ""),
                                               billing_address=form.get("billing_address", ""),
                                               district_id=int(district) if district.isdigit() and len(district) < 10
                                               else 0, gstin=form.get("gstin"))
        except InstitutionError as exc:
            errors, status = exc.errors, exc.status
        else:
            flash(_("Registered. An official of the district will approve your institution."), "success")
            return redirect(url_for("institutions.show", institution_id=inst.id))
    return render_template("institutions/new.html", kinds=_kinds(), districts=services.districts(), errors=errors,
                           form=request.form), status


@bp.get("/institutions/<int:institution_id>")
@role_required(Role.BUYER, Role.OFFICIAL)
def show(institution_id: int):
    inst = services.get(institution_id) or abort(404)
    if services.person_role(current_user, inst.id) is None and not approves_institutions_in(current_user,
                                                                                           inst.district_id):
        abort(403)
    return render_template("institutions/show.html", inst=inst, kinds=_kinds(),
                           can_approve=approves_institutions_in(current_user, inst.district_id),
                           is_member=services.person_role(current_user, inst.id) is not None,
                           blocks=services.blocks_of(inst.district_id))


@bp.get("/institutions/pending")
@role_required(Role.OFFICIAL)
def pending():
    return render_template("institutions/pending.html", page=services.pending_for(current_user, page_number()),
                           kinds=_kinds())


@bp.post("/institutions/<int:institution_id>/decide")
@role_required(Role.OFFICIAL)
def decide(institution_id: int):
    inst = services.get(institution_id) or abort(404)
    if not approves_institutions_in(current_user, inst.district_id):
        abort(403)
    try:
        if request.form.get("action") == "approve":
            services.approve(inst.id, current_user)
        else:
            services.reject(inst.id, current_user, request.form.get("reason", "").strip()[:500])
    except InstitutionError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("institutions.show", institution_id=inst.id)), 303
    flash(_("Saved."), "success")
    return redirect(url_for("institutions.show", institution_id=inst.id)), 303


@bp.post("/institutions/<int:institution_id>/points")
@role_required(Role.BUYER)
def add_point(institution_id: int):
    inst = services.get(institution_id) or abort(404)
    if services.person_role(current_user, inst.id) is None and current_user.role != Role.ADMIN:
        abort(404)
    block = request.form.get("block_id", "")
    try:
        services.add_delivery_point(inst, request.form.get("name", ""),
                                    int(block) if block.isdigit() and len(block) < 10 else None,
                                    (request.form.get("address") or "").strip()[:300] or None)
    except InstitutionError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("institutions.show", institution_id=inst.id)), 303

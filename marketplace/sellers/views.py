"""Seller organisations: registration, the group's own pages (/shg/…) and the officials' verification pages."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, user_logged_in

from marketplace.accounts.access import official_covers_block, require_seller_access, role_required
from marketplace.accounts.models import Role
from marketplace.core.pagination import page_number
from marketplace.core.states import IllegalTransition
from marketplace.i18n import localized
from marketplace.sellers import forms, services
from marketplace.sellers.models import Verification

bp = Blueprint("sellers", __name__)


@user_logged_in.connect
def _claim_invites_on_login(_app, user, **_extra):
    """Invitations made to this mobile number become memberships (sign-up logs in too, so it is covered)."""
    services.claim_invites(user)


@bp.context_processor
def _labels():
    return {"kind_labels": forms.KIND_LABELS, "role_labels": forms.ROLE_LABELS,
            "status_labels": forms.STATUS_LABELS, "federation_labels": forms.FEDERATION_LABELS}


@bp.errorhandler(services.NotAllowed)
def _not_allowed(error):
    """A service's own role check (it repeats the view's, for callers other than these views)."""
    return render_template("errors/error.html", code=403, error=error), 403


def _form_error(form, exc: services.SellerError) -> None:
    field = form[exc.field] if exc.field and exc.field in form else None
    if field is not None:
        field.errors = [*field.errors, str(exc.message)]
    else:
        form.form_errors.append(str(exc.message))


def _status(form) -> int:
    return 422 if form.errors else 200


# ---------------------------------------------------------------- registration

@bp.route("/sellers/register", methods=["GET", "POST"])
@role_required(Role.CUSTOMER, Role.SELLER)
def register():
    form = forms.RegisterForm()
    if request.method == "GET":
        form.president_name.data = current_user.name
        form.president_mobile.data = current_user.mobile
    if form.validate_on_submit():
        try:
            seller = services.register_seller(current_user, form.details(), form.president_name.data,
                                              form.president_mobile.data)
        except services.SellerError as exc:
            _form_error(form, exc)
        else:
            flash(_("Your group is registered. A block official will verify it soon."), "success")
            return redirect(url_for(".overview", seller_id=seller.id))
    return render_template("sellers/register.html", form=form), _status(form)


# ---------------------------------------------------------------- the group's own pages

def _own_seller(seller_id: int):
    """The group, if the current user may see its pages (403 otherwise, 404 if there is no such group)."""
    require_seller_access(seller_id)
    return services.get_seller_page(seller_id) or abort(404)


def _allowed(seller, roles) -> bool:
    return services.may(current_user, seller.id, roles)


@bp.get("/shg")
@role_required(Role.SELLER)
def my_groups():
    return render_template("sellers/mine.html", sellers=services.sellers_of_user(current_user))


@bp.get("/shg/<int:seller_id>")
@role_required(Role.SELLER)
def overview(seller_id: int):
    seller = _own_seller(seller_id)
    return render_template("sellers/overview.html", seller=seller,
                           can_edit=_allowed(seller, services.OFFICE_BEARERS),
                           can_manage=_allowed(seller, services.MEMBER_MANAGERS))


@bp.route("/shg/<int:seller_id>/edit", methods=["GET", "POST"])
@role_required(Role.SELLER)
def edit(seller_id: int):
    seller = _own_seller(seller_id)
    if not _allowed(seller, services.OFFICE_BEARERS):
        abort(403)
    form = forms.SellerDetailsForm(obj=seller)
    if form.validate_on_submit():
        was_rejected = seller.status == Verification.REJECTED
        try:
            services.update_details(seller, current_user, form.details())
        except services.SellerError as exc:
            _form_error(form, exc)
        else:
            flash(_("Sent for verification again.") if was_rejected else _("Saved."), "success")
            return redirect(url_for(".overview", seller_id=seller.id))
    return render_template("sellers/edit.html", seller=seller, form=form), _status(form)


@bp.route("/shg/<int:seller_id>/members", methods=["GET", "POST"])
@role_required(Role.SELLER)
def members(seller_id: int):
    seller = _own_seller(seller_id)
    can_manage = _allowed(seller, services.MEMBER_MANAGERS)
    form = forms.InviteForm()
    if request.method == "POST":
        if not can_manage:
            abort(403)
        if form.validate():
            try:
                services.invite_member(seller, current_user, form.name.data, form.mobile.data, form.role.data)
            except services.SellerError as exc:
                _form_error(form, exc)
            else:
                flash(_("Invitation saved. The member joins when they log in with this mobile number."), "success")
                return redirect(url_for(".members", seller_id=seller.id))
    return _members_page(seller, can_manage, form)


def _members_page(seller, can_manage: bool, invite_form, error: str | None = None):
    status = 422 if invite_form.errors or error else 200
    return render_template("sellers/members.html", seller=seller, can_manage=can_manage, form=invite_form,
                           confirm_form=forms.ConfirmForm(), error=error,
                           contacts=services.message_contacts(seller)), status


def _manageable(seller_id: int):
    seller = _own_seller(seller_id)
    if not _allowed(seller, services.MEMBER_MANAGERS):
        abort(403)
    return seller


def _member_action(seller, action, error: str | None = None):
    """Run a change on a member; a broken rule re-shows the members page with the message."""
    try:
        if error is None:
            action()
    except LookupError:
        abort(404)
    except services.SellerError as exc:
        error = str(exc.message)
    if error is not None:
        return _members_page(seller, True, forms.InviteForm(formdata=None), error)
    flash(_("Saved."), "success")
    return redirect(url_for(".members", seller_id=seller.id))


@bp.post("/shg/<int:seller_id>/members/<int:member_id>/role")
@role_required(Role.SELLER)
def member_role(seller_id: int, member_id: int):
    seller = _manageable(seller_id)
    form = forms.RoleForm()
    return _member_action(seller, lambda: services.change_member_role(seller, current_user, member_id,
                                                                      form.role.data),
                          None if form.validate() else str(forms.CHOOSE))


@bp.post("/shg/<int:seller_id>/members/<int:member_id>/deactivate")
@role_required(Role.SELLER)
def member_deactivate(seller_id: int, member_id: int):
    seller = _manageable(seller_id)
    return _member_action(seller, lambda: services.deactivate_member(seller, current_user, member_id))


@bp.post("/shg/<int:seller_id>/members/<int:member_id>/messages")
@role_required(Role.SELLER)
def member_messages(seller_id: int, member_id: int):
    """Choose (or stop choosing) a member to receive the group's order messages."""
    seller = _manageable(seller_id)
    form = forms.ConfirmForm()
    on = request.form.get("on") == "1"
    return _member_action(seller, lambda: services.set_message_contact(seller, current_user, member_id, on),
                          None if form.validate() else _("Please try again."))


@bp.route("/shg/<int:seller_id>/bank", methods=["GET", "POST"])
@role_required(Role.SELLER)
def bank(seller_id: int):
    seller = _own_seller(seller_id)
    if not _allowed(seller, services.OFFICE_BEARERS):
        abort(403)
    account = seller.bank_account
    # The saved number is never sent back to the browser, not even into this form.
    form = forms.BankForm(data={"account_name": account.account_name, "ifsc": account.ifsc,
                                "bank_name": account.bank_name} if account else None)
    if form.validate_on_submit():
        try:
            services.save_bank_account(seller, current_user, form.account_name.data, form.account_number.data,
                                       form.confirm_number.data, form.ifsc.data, form.bank_name.data)
        except services.SellerError as exc:
            _form_error(form, exc)
        else:
            flash(_("Bank account saved."), "success")
            return redirect(url_for(".overview", seller_id=seller.id))
    return render_template("sellers/bank.html", seller=seller, form=form), _status(form)


# ---------------------------------------------------------------- officials

def _seller_for_official(seller_id: int):
    seller = services.get_seller_page(seller_id) or abort(404)
    if not official_covers_block(current_user, seller.block):
        abort(403)
    return seller


@bp.get("/officials/sellers")
@role_required(Role.OFFICIAL)
def official_list():
    status = request.args.get("status")
    status = status if status in tuple(Verification) else None
    return render_template("sellers/official_list.html", status=status,
                           page=services.sellers_in_scope(current_user, status, page_number()))


@bp.get("/officials/sellers/<int:seller_id>")
@role_required(Role.OFFICIAL)
def official_detail(seller_id: int):
    return _official_page(_seller_for_official(seller_id), forms.RejectForm(formdata=None))


def _official_page(seller, reject_form, error: str | None = None):
    status = 422 if reject_form.errors else 409 if error else 200
    return render_template("sellers/official_detail.html", seller=seller, reject_form=reject_form,
                           verify_form=forms.ConfirmForm(), error=error,
                           checklist=services.verification_checklist(seller)), status


def _decide(seller, action, reject_form, done: str):
    try:
        action()
    except IllegalTransition:
        return _official_page(seller, reject_form, _("This is not possible in the group's present state."))
    except services.SellerError as exc:
        return _official_page(seller, reject_form, str(exc.message))
    flash(done, "success")
    return redirect(url_for(".official_detail", seller_id=seller.id))


@bp.post("/officials/sellers/<int:seller_id>/verify")
@role_required(Role.OFFICIAL)
def official_verify(seller_id: int):
    seller = _seller_for_official(seller_id)
    name = localized(seller, "name")
    return _decide(seller, lambda: services.verify(seller, current_user), forms.RejectForm(formdata=None),
                   _("%(name)s is verified: its products can go on sale now, and the group has been told.",
                     name=name))


@bp.post("/officials/sellers/<int:seller_id>/reject")
@role_required(Role.OFFICIAL)
def official_reject(seller_id: int):
    seller = _seller_for_official(seller_id)
    form = forms.RejectForm()
    if not form.validate():
        return _official_page(seller, form)
    withdrawn = seller.status == Verification.VERIFIED
    name = localized(seller, "name")
    done = (_("Verification of %(name)s is withdrawn: its products are off sale, and the group has been told why.",
              name=name) if withdrawn else
            _("%(name)s is rejected. The group has been told why, and can correct its details and ask again.",
              name=name))
    return _decide(seller, lambda: services.reject(seller, current_user, form.reason.data), form, done)

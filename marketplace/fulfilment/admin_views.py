"""The admin's packaging-house pages (issue 9 #4): create and edit houses (address, PIN code, phone, blocks
served) and the operators who work at each. `flask fulfilment …` still does the same from a shell."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from marketplace.accounts.access import role_required
from marketplace.accounts.models import Role
from marketplace.core.pagination import page_number
from marketplace.fulfilment import houses
from marketplace.fulfilment.errors import FulfilmentError
from marketplace.fulfilment.forms import ActionForm, HouseForm, OperatorForm
from marketplace.geo import services as geo
from marketplace.i18n import localized

bp = Blueprint("houses_admin", __name__, url_prefix="/admin/houses")


def _house(house_id: int):
    house = houses.get_house(house_id)
    if house is None:
        abort(404)
    return house


def _with_choices(form: HouseForm) -> HouseForm:
    blocks = geo.all_blocks()
    form.block_id.choices = [("", _("Choose…"))] + [
        (b.id, f"{localized(b, 'name')} ({localized(b.district, 'name')}, {b.district.state.code})") for b in blocks]
    form.serves.choices = [(b.id, f"{localized(b, 'name')} ({localized(b.district, 'name')})") for b in blocks]
    return form


def _show(form, exc: FulfilmentError) -> None:
    for name, message in (exc.errors or {}).items():
        if name in form:
            form[name].errors = [message]


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    page = houses.houses_page(page_number())
    rows = [(house, houses.address_problem(house)) for house in page.items]
    return render_template("fulfilment/admin_houses.html", rows=rows, page=page)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new():
    form = _with_choices(HouseForm())
    status = 200
    if request.method == "POST":
        if not form.validate():
            abort(400)  # only the CSRF token can fail here; the service checks the fields
        try:
            house = houses.save_house(None, form.values())
        except FulfilmentError as exc:
            _show(form, exc)
            status = exc.status
        else:
            flash(_("Packaging house saved."), "success")
            return redirect(url_for("houses_admin.edit", house_id=house.id))
    return render_template("fulfilment/admin_house.html", form=form, house=None), status


@bp.route("/<int:house_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(house_id: int):
    house = _house(house_id)
    status = 200
    if request.method == "POST":
        form = _with_choices(HouseForm())
        if not form.validate():
            abort(400)
        try:
            houses.save_house(house, form.values())
        except FulfilmentError as exc:
            _show(form, exc)
            status = exc.status
        else:
            flash(_("Packaging house saved."), "success")
            return redirect(url_for("houses_admin.edit", house_id=house.id))
    else:
        form = _with_choices(HouseForm(obj=house, serves=[b for b in houses.served_block_ids(house.id)
                                                           if b != house.block_id]))
    return _edit_page(house, form, OperatorForm(formdata=None), status)


def _edit_page(house, form, operator_form, status: int = 200):
    return render_template("fulfilment/admin_house.html", form=form, house=house, operator_form=operator_form,
                           operators=houses.operators_of(house), problem=houses.address_problem(house),
                           action=ActionForm()), status


@bp.post("/<int:house_id>/operators")
@role_required(Role.ADMIN)
def add_operator(house_id: int):
    house = _house(house_id)
    operator_form = OperatorForm()
    if not operator_form.validate():
        abort(400)
    try:
        user = houses.add_operator_by_login(house, operator_form.login.data, operator_form.name.data,
                                            operator_form.password.data)
    except FulfilmentError as exc:
        _show(operator_form, exc)
        form = _with_choices(HouseForm(formdata=None, obj=house))
        return _edit_page(house, form, operator_form, exc.status)
    flash(_("%(name)s now works at this packaging house.", name=user.name), "success")
    return redirect(url_for("houses_admin.edit", house_id=house.id))


@bp.post("/<int:house_id>/operators/<int:user_id>/remove")
@role_required(Role.ADMIN)
def remove_operator(house_id: int, user_id: int):
    house = _house(house_id)
    if not ActionForm().validate():
        abort(400)
    if not houses.remove_operator(house, user_id):
        abort(404)
    flash(_("The operator no longer works at this packaging house."), "success")
    return redirect(url_for("houses_admin.edit", house_id=house.id))

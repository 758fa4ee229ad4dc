"""Officials' pages: the dashboard of a unit (with exports), targets, the village product survey."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import official_covers_unit, official_home_unit, role_required
from marketplace.accounts.models import Role
from marketplace.core import charts
from marketplace.core.params import arg_int
from marketplace.i18n import localized
from marketplace.officials import exports, metrics, survey, tables, targets
from marketplace.officials.periods import PeriodError, fy_months, fy_of, parse_period, today_ist
from marketplace.requisitions import services as requisitions
from marketplace.workers import services as workers

bp = Blueprint("officials", __name__, url_prefix="/officials")
LEVELS = "any(country, state, district, block)"


def _unit_or_403(level: str, unit_id: int) -> metrics.Unit:
    """The unit, if the current user's scope covers it: 403 outside her scope (also for ids that do not exist,
    so nobody learns which ids exist beyond her scope), 404 for an admin asking for a missing one."""
    if not official_covers_unit(current_user, level, unit_id):
        abort(403)
    unit = metrics.load_unit(level, unit_id)
    if unit is None:
        abort(404)
    return unit


@bp.get("/dashboard")
@role_required(Role.OFFICIAL)
def my_dashboard():
    home = official_home_unit(current_user)
    if home is None:
        abort(403)
    return redirect(url_for(".dashboard", level=home[0], unit_id=home[1], **request.args))


@bp.get(f"/dashboard/<{LEVELS}:level>/<int:unit_id>")
@role_required(Role.OFFICIAL)
def dashboard(level: str, unit_id: int):
    unit = _unit_or_403(level, unit_id)
    try:
        period = parse_period(request.args)
    except PeriodError as exc:
        return render_template("officials/dashboard.html", unit=unit, error=exc, dash=None,
                               today=today_ist()), exc.status
    dash = metrics.dashboard(unit, period)
    built = tables.build(dash)
    return render_template("officials/dashboard.html", unit=unit, dash=dash, tables=built, error=None,
                           charts=_charts(built), today=today_ist(), query=period.query(),
                           programmes=_programmes(unit, period))


def _programmes(unit, period) -> dict:
    """Requisitions in production and workers' days of work in the unit's blocks (their own domains' figures)."""
    blocks = metrics.block_ids(unit)
    month = period.last.replace(day=1)
    return {"requisitions": requisitions.progress_for_blocks(blocks), "month_label": format_date(month, "MMMM y"),
            "days_of_work": sum(workers.days_of_work_by_block(blocks, month).values()) if blocks else 0}


def _charts(built: dict) -> dict[str, str]:
    funnel = built["funnel"]
    units = built["units"]
    top = units.rows[:15]
    orders = [(tables.stage_label(stage), row[1]) for stage, row in zip(tables.ORDER_STAGES, built["fulfilment"].rows,
                                                                        strict=False)]
    return {
        "funnel": charts.data_uri(charts.bar(funnel.title, [r[0] for r in funnel.rows], [r[1] for r in funnel.rows])),
        "units": charts.data_uri(charts.bar(_("Value sold (₹)"), [r[1] for r in top],
                                            [round(r[9] / 100) for r in top])),
        "orders": charts.data_uri(charts.bar(_("Orders by stage"), [r[0] for r in orders], [r[1] for r in orders])),
    }


@bp.get(f"/dashboard/<{LEVELS}:level>/<int:unit_id>/<any(funnel, sales, fulfilment, odop, units):table>"
        ".<any(csv, xlsx):fmt>")
@role_required(Role.OFFICIAL)
def export(level: str, unit_id: int, table: str, fmt: str):
    unit = _unit_or_403(level, unit_id)
    try:
        period = parse_period(request.args)
    except PeriodError as exc:
        abort(exc.status)
    dash = metrics.dashboard(unit, period)
    chosen = tables.build(dash)[table]
    heading = f"{chosen.title} — {localized(unit, 'name')} — {period.label()}"
    name = f"haat-{level}-{unit_id}-{table}-{period.first.isoformat()}-{period.last.isoformat()}.{fmt}"
    return _download(chosen, heading, name, fmt)


# ---------------------------------------------------------------- targets (Mission 20-20)

def _target_args():
    measure = request.values.get("measure", "linked")
    if measure not in targets.MEASURES:
        measure = "linked"
    fy = arg_int("fy", fy_of(today_ist()), minimum=2015, maximum=fy_of(today_ist()) + 1)
    return measure, fy


def _render_targets(unit, measure, fy, *, error=None, typed=None, status=200):
    rows, milestone = targets.achievement(unit, measure, fy)
    names = {row.unit.id: localized(row.unit, "name") for row in rows}
    changes = [(names.get(h.unit_id, h.unit_id), h) for h in targets.history(unit, measure, fy)]
    table = tables.targets_table(rows, measure, fy)
    chart = charts.data_uri(charts.bars(
        _("%(measure)s: this year so far against target", measure=targets.measure_label(measure)),
        [names[r.unit.id] for r in rows[:15]],
        [(_("Achieved"), [r.year_achieved for r in rows[:15]]),
         (_("Target so far"), [r.to_date_target for r in rows[:15]])]))
    return render_template("officials/targets.html", unit=unit, rows=rows, measure=measure, fy=fy, table=table,
                           milestone=milestone, changes=changes, chart=chart, error=error, typed=typed or {},
                           may_set=unit.level != "block", measures=targets.MEASURES,
                           months=fy_months(fy), today=today_ist(),
                           measure_label=targets.measure_label, milestone_label=targets.milestone_label), status


@bp.get(f"/targets/<{LEVELS}:level>/<int:unit_id>")
@role_required(Role.OFFICIAL)
def targets_page(level: str, unit_id: int):
    unit = _unit_or_403(level, unit_id)
    measure, fy = _target_args()
    return _render_targets(unit, measure, fy)


@bp.post(f"/targets/<{LEVELS}:level>/<int:unit_id>")
@role_required(Role.OFFICIAL)
def set_targets(level: str, unit_id: int):
    unit = _unit_or_403(level, unit_id)
    measure = request.form.get("measure", "")
    typed = {key[2:]: value for key, value in request.form.items() if key.startswith("t-")}
    try:
        changed = targets.set_targets(current_user, unit, measure, request.form.get("month", ""), typed,
                                      through_march=request.form.get("through_march") == "1")
    except targets.TargetError as exc:
        month = request.form.get("month", "")
        fy = int(month[:4]) - (month[5:7] < "04") if len(month) == 7 and month[:4].isdigit() else None
        return _render_targets(unit, measure if measure in targets.MEASURES else "linked",
                               fy or _target_args()[1], error=exc, typed=typed, status=exc.status)
    flash(_("Targets saved: %(n)d.", n=changed), "success")
    month = targets.parse_month(request.form["month"])
    return redirect(url_for(".targets_page", level=level, unit_id=unit_id, measure=measure,
                            fy=month.year if month.month >= 4 else month.year - 1))


@bp.post(f"/targets/<{LEVELS}:level>/<int:unit_id>/linked")
@role_required(Role.OFFICIAL)
def set_linked(level: str, unit_id: int):
    unit = _unit_or_403(level, unit_id)
    if unit.level == "block":
        abort(403)
    try:
        targets.set_linked_milestone(current_user, unit, request.form.get("milestone", ""))
    except targets.TargetError as exc:
        measure, fy = _target_args()
        return _render_targets(unit, measure, fy, error=exc, status=exc.status)
    flash(_("Saved: what counts as linked to market."), "success")
    return redirect(url_for(".targets_page", level=level, unit_id=unit_id))


@bp.get(f"/targets/<{LEVELS}:level>/<int:unit_id>/targets.<any(csv, xlsx):fmt>")
@role_required(Role.OFFICIAL)
def targets_export(level: str, unit_id: int, fmt: str):
    unit = _unit_or_403(level, unit_id)
    measure, fy = _target_args()
    rows, _milestone = targets.achievement(unit, measure, fy)
    table = tables.targets_table(rows, measure, fy)
    return _download(table, f"{table.title} — {localized(unit, 'name')} — FY {fy}",
                     f"haat-targets-{level}-{unit_id}-{measure}-{fy}.{fmt}", fmt)


def _download(table, heading: str, name: str, fmt: str) -> Response:
    if fmt == "csv":
        body, mimetype = exports.to_csv(table, heading), "text/csv; charset=utf-8"
    else:
        body, mimetype = exports.to_xlsx(table, heading), exports.XLSX_TYPE
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ---------------------------------------------------------------- the village product survey

SURVEY_FIELDS = ("village_id", "product", "group_name", "groups_count", "households_count", "capacity_per_month",
                 "capacity_unit", "season", "raw_material", "contact_mobile", "surveyed_on")


def _block_or_403(block_id: int):
    from marketplace.geo.services import get_block

    if not official_covers_unit(current_user, "block", block_id):
        abort(403)
    return get_block(block_id) or abort(404)


@bp.route("/survey/block/<int:block_id>", methods=["GET", "POST"])
@role_required(Role.OFFICIAL)
def survey_block(block_id: int):
    block = _block_or_403(block_id)
    error, typed, status = None, {}, 200
    if request.method == "POST":
        typed = {name: request.form.get(name, "") for name in SURVEY_FIELDS}
        try:
            survey.record_entry(current_user, block, survey.EntryInput(**typed))
        except survey.SurveyError as exc:
            error, status = exc, exc.status
        else:
            flash(_("Saved: %(product)s.", product=typed["product"].strip()), "success")
            return redirect(url_for(".survey_block", block_id=block_id))
    return render_template("officials/survey.html", block=block, entries=survey.block_entries(block_id),
                           error=error, typed=typed, today=today_ist()), status


@bp.get("/survey/leads/<int:entry_id>")
@role_required(Role.OFFICIAL)
def lead(entry_id: int):
    entry = survey.get_entry(entry_id) or abort(404)
    block = _block_or_403(entry.block_id)
    return render_template("officials/lead.html", entry=entry, block=block,
                           candidates=survey.unlinked_sellers_of_village(entry),
                           register_url=url_for("sellers.register", _external=True))


@bp.post("/survey/leads/<int:entry_id>/link")
@role_required(Role.OFFICIAL)
def link_lead(entry_id: int):
    entry = survey.get_entry(entry_id) or abort(404)
    block = _block_or_403(entry.block_id)
    try:
        survey.link_lead(current_user, entry, request.form.get("seller_id", ""))
    except survey.SurveyError as exc:
        return render_template("officials/lead.html", entry=entry, block=block, error=exc,
                               candidates=survey.unlinked_sellers_of_village(entry),
                               register_url=url_for("sellers.register", _external=True)), exc.status
    flash(_("The survey line now points at the group on Haat."), "success")
    return redirect(url_for(".survey_block", block_id=entry.block_id))


@bp.get("/makers")
@role_required(Role.OFFICIAL)
def makers():
    """Who makes X near here, within the official's own area."""
    home = official_home_unit(current_user) or abort(403)
    query = (request.args.get("q") or "").strip()[:100]
    near = arg_int("block")
    if near is not None and not official_covers_unit(current_user, "block", near):
        abort(403)
    level, unit_id = home
    limits = {"state": {"state_id": unit_id}, "district": {"district_id": unit_id},
              "block": {"only_block_id": unit_id}}.get(level, {})
    found = survey.who_makes(query, near if near is not None else (unit_id if level == "block" else None),
                             **limits) if query else []
    return render_template("officials/makers.html", query=query, found=found, near=near, home=home)

"""Officials' pages: the dashboard of a unit (with exports), targets, the village product survey."""

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.access import official_covers_unit, official_home_unit, role_required
from marketplace.accounts.models import Role
from marketplace.i18n import localized
from marketplace.officials import charts, exports, metrics, tables
from marketplace.officials.periods import PeriodError, parse_period, today_ist

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
                           charts=_charts(built), today=today_ist(), query=period.query())


def _charts(built: dict) -> dict[str, str]:
    funnel = built["funnel"]
    units = built["units"]
    top = units.rows[:15]
    orders = [row for row in built["fulfilment"].rows[:8]]
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
    if fmt == "csv":
        body, mimetype = exports.to_csv(chosen, heading), "text/csv; charset=utf-8"
    else:
        body, mimetype = exports.to_xlsx(chosen, heading), exports.XLSX_TYPE
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})

"""The dashboard's tables (page, charts and exports all read these, so they always agree)."""

from types import SimpleNamespace

from flask import url_for
from flask_babel import gettext as _

from marketplace.i18n import localized
from marketplace.officials.exports import Column, Table
from marketplace.officials.metrics import Dashboard, funnel


def step_label(name: str) -> str:
    return {"surveyed": _("Found in the village survey"), "registered": _("Registered on Haat"),
            "verified": _("Verified"), "first_listing": _("First listing on sale"),
            "first_sale": _("First sale"), "active": _("Sold in the last 30 days")}[name]


def level_label(level: str) -> str:
    return {"country": _("Country"), "state": _("State"), "district": _("District"), "block": _("Block"),
            "group": _("Group")}[level]


def stage_label(status: str) -> str:
    return {"placed": _("New, waiting for the group"), "accepted": _("Accepted, being made or packed"),
            "ready_for_handover": _("Ready to hand over"), "handed_over": _("At the packaging house"),
            "delivered": _("Delivered"), "returned": _("Returned"), "rejected": _("Rejected by the group"),
            "cancelled": _("Cancelled"), "packed": _("Packed"), "unpacked": _("Opened again"),
            "dispatched": _("Dispatched")}.get(status, status)


ORDER_STAGES = ("placed", "accepted", "ready_for_handover", "handed_over", "delivered", "returned", "rejected",
                "cancelled")
PARCEL_STAGES = ("packed", "dispatched", "delivered", "returned")


def unit_url(level: str, unit_id: int, query: dict) -> str:
    if level == "group":
        return url_for("sellers.official_detail", seller_id=unit_id)
    return url_for("officials.dashboard", level=level, unit_id=unit_id, **query)


def build(dash: Dashboard) -> dict[str, Table]:
    t = dash.total
    q = dash.period.query()
    steps = Table("funnel", _("Path to market"), [Column(_("Step"), "text"), Column(_("Groups")),
                                                  Column(_("Share of the step before (%)"), "pct"),
                                                  Column(_("Reached in this period"))])
    new = {"surveyed": None, "registered": t["registered_new"], "verified": t["verified_new"],
           "first_listing": t["first_listing_new"], "first_sale": t["first_sale_new"], "active": None}
    for name, count, pct in funnel(t):
        steps.rows.append([step_label(name), count, pct, new[name]])

    sales = Table("sales", _("Sales in this period"), [Column(_("Figure"), "text"), Column(_("Count")),
                                                       Column(_("Amount"), "money")])
    sales.rows = [[_("Listings on sale now"), t["listings"], None], [_("Orders"), t["orders"], None],
                  [_("Units sold"), t["units"], None], [_("Value of goods sold"), None, t["value_paise"]],
                  [_("Groups that sold"), t["selling_groups"], None],
                  [_("Average sold per group that sold"), None, t["avg_value_paise"]],
                  [_("Money paid to groups"), None, t["paid_paise"]], [_("Groups paid"), t["paid_groups"], None],
                  [_("Average paid per group paid"), None, t["avg_paid_paise"]]]

    f = dash.fulfilment
    ful = Table("fulfilment", _("Fulfilment"), [Column(_("Stage"), "text"), Column(_("Count"))])
    for stage in ORDER_STAGES:
        ful.rows.append([_("Orders: %(stage)s", stage=stage_label(stage)), f["orders"].get(stage, 0)])
    for stage in PARCEL_STAGES:
        ful.rows.append([_("Parcels: %(stage)s", stage=stage_label(stage)), f["parcels"].get(stage, 0)])
    ful.rows.append([_("Orders past the promised dispatch time, not yet dispatched"), f["late"]])
    ful.rows.append([_("Orders dispatched (of this period's orders)"), f["dispatched"]])

    odop = Table("odop", _("One district, one product"), [
        Column(_("Item"), "text"), Column(_("District"), "text"), Column(_("Listings on sale")),
        Column(_("Units sold")), Column(_("Value sold"), "money")])
    for item in dash.odop:
        named = SimpleNamespace(**item)
        odop.rows.append([localized(named, "name"), localized(named, "district"), item["listings"], item["units"],
                          item["value_paise"]])

    child = dash.child_level
    units = Table("units", _("%(level)s ranked", level=level_label(child)), [
        Column(_("Rank")), Column(level_label(child), "text"), Column(_("Groups registered")),
        Column(_("Groups verified")),
        Column(_("Linked to market (first sale)")), Column(_("Sold in the last 30 days")),
        Column(_("Listings on sale")), Column(_("Orders")), Column(_("Units sold")),
        Column(_("Value sold"), "money"), Column(_("Paid to groups"), "money")])
    for row in dash.rows:
        fg = row.figures
        units.rows.append([row.rank, localized(row.unit, "name"), fg["registered"], fg["verified"],
                           fg["first_sale"], fg["active"], fg["listings"], fg["orders"], fg["units"],
                           fg["value_paise"], fg["paid_paise"]])
        units.links.append(unit_url(child, row.unit.id, q))
    return {table.key: table for table in (steps, sales, ful, odop, units)}



def targets_table(rows, measure: str, fy: int) -> Table:
    """Rank, unit, per month "achieved / target", year so far, annual target, % of target so far."""
    from flask_babel import format_date

    from marketplace.officials.periods import fy_months
    from marketplace.officials.targets import measure_label

    months = fy_months(fy)
    table = Table("targets", _("%(measure)s against target", measure=measure_label(measure)),
                  [Column(_("Rank")), Column(_("Unit"), "text")]
                  + [Column(format_date(m, "MMM yy"), "text") for m in months]
                  + [Column(_("Year so far")), Column(_("Annual target")), Column(_("Target so far")),
                     Column(_("Share of target so far (%)"), "pct")])
    for row in rows:
        cells = [f"{done} / {target}" if target is not None else f"{done} / –" for target, done in row.months]
        table.rows.append([row.rank, localized(row.unit, "name"), *cells, row.year_achieved, row.annual_target,
                           row.to_date_target, row.percent])
    return table

"""The dashboard's figures against a small world whose numbers are worked out by hand (tests/officials_world)."""

import io

import pytest
from openpyxl import load_workbook

from marketplace.officials import metrics
from marketplace.officials.periods import month_period

from . import factories as f
from . import officials_world
from .conftest import login

OCT = "period=month&month=2026-10&lang=en"


@pytest.fixture
def world(geo):
    return officials_world.build(geo)


def _district(world):
    unit = metrics.load_unit("district", world.kahara.district_id)
    return metrics.dashboard(unit, month_period(2026, 10))


def test_funnel_counts_and_conversion(world):
    dash = _district(world)
    t = dash.total
    # survey: 5 groups in Kahara + 1 named group in Mahishi by October (the November line is later)
    assert t["surveyed"] == 6 and t["leads"] == 1
    # registered by 31 October: A, B, C, D (E is in Muzaffarpur); verified: A, B, D
    assert (t["registered"], t["verified"], t["first_listing"], t["first_sale"]) == (4, 3, 3, 2)
    # A sold on 5 and 8 October, D on 15 October: both within 30 days of 1 November
    assert t["active"] == 2
    # reached within October: B, C registered; B verified; B's first listing; A's first sale (D sold in August)
    assert (t["registered_new"], t["verified_new"], t["first_listing_new"], t["first_sale_new"]) == (2, 1, 1, 1)
    assert metrics.funnel(t) == [("surveyed", 6, None), ("registered", 4, 66.7), ("verified", 3, 75.0),
                                 ("first_listing", 3, 100.0), ("first_sale", 2, 66.7), ("active", 2, 100.0)]


def test_sales_and_money(world):
    t = _district(world).total
    # A: 3×₹100 + 1×₹250, then 1×₹100; D: 5×₹40 (the cancelled 10×₹40 and E's sale do not count)
    assert (t["orders"], t["units"], t["value_paise"]) == (3, 10, 30000 + 25000 + 10000 + 20000)
    assert t["selling_groups"] == 2 and t["avg_value_paise"] == 85000 // 2
    assert (t["paid_paise"], t["paid_groups"], t["avg_paid_paise"]) == (50000, 2, 25000)
    # live listings: A's two, B's one, D's one
    assert t["listings"] == 4


def test_fulfilment(world):
    ful = _district(world).fulfilment
    assert ful["median_hours"] == (30 + 12) / 2 and ful["dispatched"] == 2
    assert ful["late"] == 1  # D's order of 15 October, still waiting
    assert ful["orders"] == {"delivered": 2, "placed": 1, "cancelled": 1}
    assert ful["parcels"] == {"delivered": 2}


def test_odop_item(world):
    (item,) = _district(world).odop
    assert (item["name_en"], item["listings"], item["units"], item["value_paise"]) == ("Cotton masks", 1, 3, 30000)


def test_blocks_ranked(world):
    dash = _district(world)
    top = [(r.rank, r.unit.name_en, r.figures["value_paise"]) for r in dash.rows[:3]]
    assert top[0] == (1, "Kahara", 65000) and top[1] == (2, "Sattar Kataiya", 20000)
    assert top[2][0] == 3 and top[2][2] == 0  # every other block shares third place
    assert {r.rank for r in dash.rows[2:]} == {3}
    assert len(dash.rows) == len(world.kahara.district.blocks)
    kahara = dash.rows[0].figures
    assert (kahara["registered"], kahara["surveyed"], kahara["first_sale"]) == (3, 5, 1)


def test_block_dashboard_lists_groups(world):
    unit = metrics.load_unit("block", world.kahara.id)
    dash = metrics.dashboard(unit, month_period(2026, 10))
    assert [(r.rank, r.unit.name_en) for r in dash.rows] == [(1, "Group A"), (2, "Group B"), (2, "Group C")]
    assert dash.total["surveyed"] == 5


def test_page_and_xlsx_show_the_same_numbers(app, world):
    official = f.official(world.kahara, "district")
    client = app.test_client()
    login(client, official.mobile)
    url = f"/officials/dashboard/district/{world.kahara.district_id}"
    page = client.get(f"{url}?{OCT}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "₹650" in html and "₹850" in html and "Kahara" in html
    assert "<script" not in html.split("<main", 1)[-1]
    xlsx = client.get(f"{url}/units.xlsx?{OCT}")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[1]
    kahara = next(r for r in rows[2:] if r[1] == "Kahara")
    assert kahara[header.index("Value sold (₹)")] == 650 and kahara[0] == 1
    assert kahara[header.index("Groups registered")] == 3
    funnel = load_workbook(io.BytesIO(client.get(f"{url}/funnel.xlsx?{OCT}").data)).active
    assert [r[1] for r in funnel.iter_rows(min_row=3, values_only=True)] == [6, 4, 3, 3, 2, 2]
    csv = client.get(f"{url}/sales.csv?{OCT}")
    assert csv.status_code == 200 and "850.0" in csv.data.decode("utf-8-sig")


@pytest.mark.parametrize("query, message", [
    ("period=custom&start=2026-10-10&end=2026-10-01", "ends before it starts"),
    ("period=custom&start=2026-13-01&end=2026-10-01", "year-month-day"),
    ("period=month&month=banana", "year-month"),
    ("period=fy&fy=1999", "financial year"),
    ("period=week", "Choose a month"),
])
def test_bad_period_is_a_clear_error(app, world, query, message):
    official = f.official(world.kahara, "district")
    client = app.test_client()
    login(client, official.mobile)
    response = client.get(f"/officials/dashboard/district/{world.kahara.district_id}?{query}&lang=en")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_custom_days_read_the_daily_rollup(world):
    from marketplace.officials.periods import Period

    unit = metrics.load_unit("district", world.kahara.district_id)
    from datetime import date

    dash = metrics.dashboard(unit, Period("custom", date(2026, 10, 5), date(2026, 10, 8)))
    # only A's orders of 5 and 8 October fall in these four days
    assert (dash.total["orders"], dash.total["units"], dash.total["value_paise"]) == (2, 5, 65000)
    assert dash.odop[0]["units"] == 3 and dash.fulfilment["median_hours"] == 21.0
    assert dash.fulfilment["late"] == 1  # as of the roll-up, whatever the period

"""Mission 20-20 targets: achievement by hand, history of changes, bad input refused with nothing saved."""

from datetime import date

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.officials import metrics, targets
from marketplace.officials.models import Target, TargetRevision

from . import factories as f
from . import officials_world
from .conftest import login, post


@pytest.fixture
def world(geo):
    return officials_world.build(geo)


@pytest.fixture
def district(world):
    return metrics.load_unit("district", world.kahara.district_id)


@pytest.fixture
def dpm(world):
    return f.official(world.kahara, "district")


def _row(rows, name):
    return next(r for r in rows if r.unit.name_en == name)


def test_achievement_and_ranking_by_hand(world, district, dpm):
    targets.set_targets(dpm, district, "linked", "2026-09", {str(world.kahara.id): "2"})
    targets.set_targets(dpm, district, "linked", "2026-10", {str(world.kahara.id): "2", str(world.sattar.id): "1"})
    rows, milestone = targets.achievement(district, "linked", 2026)
    assert milestone == "first_sale"
    kahara, sattar = _row(rows, "Kahara"), _row(rows, "Sattar Kataiya")
    # months run April..March: index 5 is September, 6 October, 4 August
    assert kahara.months[5] == (2, 0) and kahara.months[6] == (2, 1)  # A's first sale: 5 October
    assert sattar.months[4] == (None, 1) and sattar.months[6] == (1, 0)  # D's first sale: 10 August
    assert (kahara.year_achieved, kahara.annual_target, kahara.percent) == (1, 4, 25.0)
    assert (sattar.year_achieved, sattar.annual_target, sattar.percent) == (1, 1, 100.0)
    assert (sattar.rank, kahara.rank) == (1, 2)
    assert rows[0] is sattar and rows[1] is kahara

    # "linked" as first listing on sale: A listed 20 September, B 6 October; D 5 August
    targets.set_linked_milestone(dpm, district, "first_listing")
    rows, milestone = targets.achievement(district, "linked", 2026)
    assert milestone == "first_listing"
    kahara = _row(rows, "Kahara")
    assert kahara.months[5] == (2, 1) and kahara.months[6] == (2, 1) and kahara.percent == 50.0
    # the block's own page uses the district's definition too
    block_rows, block_milestone = targets.achievement(metrics.load_unit("block", world.kahara.id), "linked", 2026)
    assert block_milestone == "first_listing" and block_rows[0].year_achieved == 2


def test_registered_and_verified_measures(world, district, dpm):
    rows, _m = targets.achievement(district, "registered", 2026)
    kahara = _row(rows, "Kahara")
    assert kahara.months[5][1] == 1 and kahara.months[6][1] == 2  # A in September; B and C in October
    rows, _m = targets.achievement(district, "verified", 2026)
    assert _row(rows, "Kahara").year_achieved == 2  # A and B (C is pending)


def test_changing_a_target_keeps_history(world, district, dpm):
    k = str(world.kahara.id)
    targets.set_targets(dpm, district, "linked", "2026-10", {k: "2"})
    targets.set_targets(dpm, district, "linked", "2026-10", {k: "3"})
    assert targets.set_targets(dpm, district, "linked", "2026-10", {k: "3"}) == 0  # same value: no revision
    target = db.session.scalar(select(Target))
    assert target.value == 3
    assert [(r.old_value, r.new_value) for r in target.revisions] == [(None, 2), (2, 3)]
    assert [(h.old_value, h.new_value) for h in targets.history(district, "linked", 2026)] == [(2, 3), (None, 2)]


def test_through_march(world, district, dpm):
    assert targets.set_targets(dpm, district, "linked", "2027-01", {str(world.kahara.id): "20"},
                               through_march=True) == 3
    months = db.session.scalars(select(Target.month).order_by(Target.month)).all()
    assert months == [date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)]


@pytest.mark.parametrize("typed, message", [
    ("-1", "cannot be below zero"), ("2.5", "whole number"), ("twenty", "whole number"),
    ("100001", "not believable"),
])
def test_bad_targets_save_nothing(app, world, dpm, typed, message):
    client = app.test_client()
    login(client, dpm.mobile)
    url = f"/officials/targets/district/{world.kahara.district_id}?lang=en"
    response = post(client, url, {"measure": "linked", "month": "2026-10", f"t-{world.sattar.id}": "5",
                                  f"t-{world.kahara.id}": typed})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Target.id))) == 0
    assert db.session.scalar(select(func.count(TargetRevision.id))) == 0


def test_out_of_scope_units_refused(app, world, dpm):
    client = app.test_client()
    login(client, dpm.mobile)
    url = f"/officials/targets/district/{world.kahara.district_id}"
    response = post(client, url, {"measure": "linked", "month": "2026-10", f"t-{world.kahara.id}": "5",
                                  f"t-{world.musahari.id}": "5"})  # Musahari is in Muzaffarpur
    assert response.status_code == 403
    # another district's page, and a block official setting targets at all
    other = post(client, f"/officials/targets/district/{world.musahari.district_id}",
                 {"measure": "linked", "month": "2026-10", f"t-{world.musahari.id}": "5"})
    assert other.status_code == 403
    bpm = f.official(world.kahara, "block")
    block_client = app.test_client()
    login(block_client, bpm.mobile)
    assert post(block_client, url, {"measure": "linked", "month": "2026-10",
                                    f"t-{world.kahara.id}": "5"}).status_code == 403
    assert post(block_client, f"/officials/targets/block/{world.kahara.id}",
                {"measure": "linked", "month": "2026-10", f"t-{world.kahara.id}": "5"}).status_code == 403
    assert db.session.scalar(select(func.count(Target.id))) == 0
    assert block_client.get(f"/officials/targets/block/{world.kahara.id}").status_code == 200


def test_targets_page_and_export(app, world, dpm):
    client = app.test_client()
    login(client, dpm.mobile)
    url = f"/officials/targets/district/{world.kahara.district_id}"
    response = post(client, url, {"measure": "linked", "month": "2026-10", f"t-{world.kahara.id}": "20"})
    assert response.status_code == 302
    page = client.get(f"{url}?fy=2026&lang=en").get_data(as_text=True)
    assert "1 / 20" in page and "set to 20" in page
    import io

    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(client.get(f"{url}/targets.xlsx?fy=2026&lang=en").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    kahara = next(r for r in rows[2:] if r[1] == "Kahara")
    header = rows[1]
    assert kahara[header.index("Annual target")] == 20 and kahara[header.index("Year so far")] == 1
    assert kahara[header.index("Share of target so far (%)")] == 5.0


@pytest.mark.parametrize("month", ["1999-04", "3000-01", "2026-13", "soon", ""])
def test_bad_month_saves_nothing(app, world, dpm, month):
    client = app.test_client()
    login(client, dpm.mobile)
    response = post(client, f"/officials/targets/district/{world.kahara.district_id}?lang=en",
                    {"measure": "linked", "month": month, f"t-{world.kahara.id}": "5"})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Target.id))) == 0

"""The village product survey: recording, refusing out-of-area villages and bad figures, leads, and the
"who makes X near here" lookup across Hindi, English and Hinglish."""

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.officials import survey
from marketplace.officials.models import SurveyEntry

from . import factories as f
from .conftest import login, post


def _entry(actor, block, product, **kw):
    data = survey.EntryInput(village_id=block.villages[0].id, product=product, **kw)
    return survey.record_entry(actor, block, data)


def test_record_and_lead_flow(app, geo):
    kahara = geo["Kahara"]
    bpm = f.official(kahara, "block")
    client = app.test_client()
    login(client, bpm.mobile)
    url = f"/officials/survey/block/{kahara.id}?lang=en"
    response = post(client, url, {"village_id": kahara.villages[0].id, "product": "सूती मास्क",
                                  "group_name": "Sita Jeevika SHG", "households_count": "12",
                                  "capacity_per_month": "3000", "capacity_unit": "pieces", "season": "all year",
                                  "raw_material": "cotton cloth", "contact_mobile": "9811000123"})
    assert response.status_code == 302
    entry = db.session.scalar(select(SurveyEntry))
    assert (entry.groups_count, entry.households_count, entry.contact_mobile) == (1, 12, "+919811000123")
    page = client.get(url).get_data(as_text=True)
    assert "Register this group" in page and "सूती मास्क" in page
    lead = client.get(f"/officials/survey/leads/{entry.id}?lang=en")
    assert lead.status_code == 200 and "/sellers/register" in lead.get_data(as_text=True)
    org = f.seller(kahara, name="Sita Jeevika SHG")
    other_block = f.seller(geo["Mahishi"])
    assert post(client, f"/officials/survey/leads/{entry.id}/link", {"seller_id": other_block.id}).status_code == 422
    assert post(client, f"/officials/survey/leads/{entry.id}/link", {"seller_id": org.id}).status_code == 302
    db.session.expire_all()
    assert db.session.get(SurveyEntry, entry.id).seller_id == org.id


@pytest.mark.parametrize("fields, field, status", [
    ({"product": ""}, "product", 422),
    ({"groups_count": "-2"}, "groups_count", 422),
    ({"groups_count": "2.5"}, "groups_count", 422),
    ({"groups_count": "0", "households_count": "0"}, "groups_count", 422),
    ({"capacity_per_month": "lots"}, "capacity_per_month", 422),
    ({"contact_mobile": "12345"}, "contact_mobile", 422),
    ({"surveyed_on": "2999-01-01"}, "surveyed_on", 422),
])
def test_bad_survey_lines_save_nothing(app, geo, fields, field, status):
    kahara = geo["Kahara"]
    bpm = f.official(kahara, "block")
    client = app.test_client()
    login(client, bpm.mobile)
    data = {"village_id": kahara.villages[0].id, "product": "Masks", "groups_count": "3", **fields}
    response = post(client, f"/officials/survey/block/{kahara.id}?lang=en", data)
    assert response.status_code == status
    assert f'id="e-{field}"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SurveyEntry.id))) == 0


def test_village_outside_scope_refused(app, geo):
    kahara, sattar = geo["Kahara"], geo["Sattar Kataiya"]
    bpm = f.official(kahara, "block")
    client = app.test_client()
    login(client, bpm.mobile)
    # a village of another block, posted to her own block's page
    response = post(client, f"/officials/survey/block/{kahara.id}?lang=en",
                    {"village_id": sattar.villages[0].id, "product": "Masks", "groups_count": "3"})
    assert response.status_code == 403 and "outside your area" in response.get_data(as_text=True)
    # another block's page altogether
    assert post(client, f"/officials/survey/block/{sattar.id}",
                {"village_id": sattar.villages[0].id, "product": "Masks", "groups_count": "3"}).status_code == 403
    # a district official: a village of another block of her district posted to Kahara's page
    dpm = f.official(kahara, "district")
    client = app.test_client()
    login(client, dpm.mobile)
    response = post(client, f"/officials/survey/block/{kahara.id}?lang=en",
                    {"village_id": sattar.villages[0].id, "product": "Masks", "groups_count": "3"})
    assert response.status_code == 422 and "village of this block" in response.get_data(as_text=True)
    assert post(client, f"/officials/survey/block/{kahara.id}",
                {"village_id": "99999999999", "product": "Masks", "groups_count": "3"}).status_code == 422
    assert db.session.scalar(select(func.count(SurveyEntry.id))) == 0


def test_who_makes_across_scripts_nearest_first(geo):
    kahara, sattar, musahari, nadaun = geo["Kahara"], geo["Sattar Kataiya"], geo["Musahari"], geo["Nadaun"]
    admin = f.user("admin")
    far = _entry(admin, nadaun, "Cotton masks", groups_count="9", capacity_per_month="9000")
    state = _entry(admin, musahari, "मास्क", groups_count="2")
    district = _entry(admin, sattar, "kapde ka mask", groups_count="1", capacity_per_month="100")
    same = _entry(admin, kahara, "Masks for schools", group_name="Durga SHG")
    _entry(admin, kahara, "बाँस की टोकरी", groups_count="4")
    found = survey.who_makes("मास्क", kahara.id)
    assert [m.entry_id for m in found] == [same.id, district.id, state.id, far.id]
    assert [m.distance for m in found] == [0, 1, 2, 3]
    assert found[0].is_lead
    assert [m.entry_id for m in survey.who_makes("masks", kahara.id, state_id=kahara.district.state_id)] == [
        same.id, district.id, state.id]
    for hinglish_or_english in ("bans ki tokri", "bamboo basket"):
        assert [m.product for m in survey.who_makes(hinglish_or_english, kahara.id)] == ["बाँस की टोकरी"]
    assert survey.who_makes("", kahara.id) == [] and survey.who_makes("tractor", kahara.id) == []


def test_makers_page_stays_in_scope(app, geo):
    kahara, sattar = geo["Kahara"], geo["Sattar Kataiya"]
    admin = f.user("admin")
    _entry(admin, kahara, "Masks", groups_count="1")
    _entry(admin, sattar, "Masks", group_name="Far Group")
    bpm = f.official(kahara, "block")
    client = app.test_client()
    login(client, bpm.mobile)
    page = client.get("/officials/makers?q=mask&lang=en").get_data(as_text=True)
    assert "Far Group" not in page and "Kahara" in page
    assert client.get(f"/officials/makers?q=mask&block={sattar.id}").status_code == 403
    dpm = f.official(kahara, "district")
    client = app.test_client()
    login(client, dpm.mobile)
    assert "Far Group" in client.get(f"/officials/makers?q=mask&block={kahara.id}").get_data(as_text=True)

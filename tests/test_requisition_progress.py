"""Progress page: totals, forecast, groups behind, the daily summary, and statements constant in the number of
groups."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.notifications.models import Message
from marketplace.requisitions import services, summary
from marketplace.requisitions.models import Requisition
from marketplace.requisitions.progress import progress, progress_for_blocks
from marketplace.requisitions.services import today_ist

from . import factories as f
from . import req_factories as rf
from .conftest import login
from .test_query_counts import counting


def _running(geo, n_groups: int):
    kahara, sattar = geo["Kahara"], geo["Sattar Kataiya"]
    inst, buyer = rf.institution(kahara)
    made, category = rf.groups([kahara, sattar], n_groups, weekly=700)
    req = rf.requisition(inst, buyer, category, [("Bangaon", kahara, 100 * n_groups), ("Sattar", sattar,
                                                                                       100 * n_groups)])
    services.save_split(req.id, req.version, {g.id: 100 for g, _ in made}, None)
    for g, _ in made:
        services.answer(req.id, g.id, None, None)
    start = today_ist() - timedelta(days=5)
    db.session.execute(Requisition.__table__.update().where(Requisition.id == req.id).values(started_on=start))
    db.session.commit()
    for i, (g, _) in enumerate(made):
        for d in range(5):
            services.report_day(req.id, g.id, start + timedelta(days=d), 10 if i else 1, 9 if i else 1, None)
    return services.get(req.id), buyer, made


def test_progress_figures(geo):
    req, _buyer, made = _running(geo, 3)
    prog = progress(req)
    assert prog.target == 600 and prog.totals.made == 5 * (1 + 50) and prog.totals.groups == 6
    assert len(prog.daily) == 5 and sum(m for _d, m, _p in prog.daily) == prog.totals.made
    assert prog.rate == prog.totals.made // 7
    assert prog.forecast == today_ist() + timedelta(days=-(-(600 - prog.totals.made) // prog.rate))
    assert [row[0].seller_id for row in prog.behind] == [made[0][0].id]  # the one making 1 a day
    kahara_only = progress(req, scope_blocks={geo["Kahara"].id})
    assert kahara_only.totals.groups == 3 and kahara_only.target == 300
    rows = progress_for_blocks([geo["Kahara"].id])
    assert rows[0]["id"] == req.id and rows[0]["target"] == 600 and rows[0]["block_committed"] == 300
    assert progress_for_blocks([geo["Kanti"].id]) == []


def test_daily_summary_goes_once(geo):
    req, buyer, _ = _running(geo, 1)
    dpm = f.official(geo["Kahara"], "district")
    f.official(geo["Kanti"], "district")  # another district: not told
    sent = summary.send_summary(req.id)
    assert sent == 2  # the buyer (SMS) and the DPM (SMS)
    assert summary.send_summary(req.id) == 0
    to = {m.user_id for m in db.session.scalars(select(Message).where(Message.kind == "requisition_summary"))}
    assert to == {buyer.id, dpm.id}


@pytest.mark.parametrize("who", ["buyer"])
def test_progress_page_statements_do_not_grow_with_groups(app, geo, who):
    counts = []
    for n in (2, 12):
        req, buyer, _ = _running(geo, n)
        client = app.test_client()
        login(client, buyer.login_name)
        url = f"/requisitions/{req.id}"
        assert client.get(url).status_code == 200
        with counting() as statements:
            html = client.get(url).get_data(as_text=True)
        assert "chart.svg" in html
        counts.append(len(statements))
        assert client.get(f"{url}/chart.svg").data.startswith(b"<?xml")
    assert counts[0] == counts[1], counts


def test_list_and_block_grid_statements_do_not_grow(app, geo):
    counts = []
    for n in (2, 12):
        req, buyer, made = _running(geo, n)
        official = f.official(geo["Kahara"], "district")
        client = app.test_client()
        login(client, official.login_name)
        pages = [f"/requisitions/{req.id}/block/{geo['Kahara'].id}", "/requisitions"]
        row = []
        for url in pages:
            assert client.get(url).status_code == 200
            with counting() as statements:
                assert client.get(url).status_code == 200
            row.append(len(statements))
        counts.append(row)
    assert counts[0] == counts[1], counts


def test_chart_leaves_no_import_hook_behind():
    """pygal's map-plugin import hook would turn every later import into an ImportWarning (errors in tests)."""
    import sys

    from marketplace.core import charts

    charts.bar("x", ["a"], [1])
    assert not any(type(f).__name__ == "PluginImportFixer" for f in sys.meta_path)

"""The dashboard runs the same number of SQL statements however many units, groups and orders it covers."""

from marketplace.accounts.models import Role
from marketplace.extensions import cache
from marketplace.officials import rollup

from . import factories as f
from . import officials_world
from .conftest import login
from .test_query_counts import counting

MAX_DASHBOARD = 22


def _count(client, url):
    """Statements of a first view after the roll-up (its figures not in the cache yet)."""
    client.get(url)
    cache.clear()
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_dashboard_statements_do_not_grow(app, geo):
    admin = f.user(Role.ADMIN)
    client = app.test_client()
    login(client, admin.mobile)
    pages = [
        "/officials/dashboard/country/0",
        f"/officials/dashboard/state/{geo['Kahara'].district.state_id}",
        f"/officials/dashboard/district/{geo['Kahara'].district_id}",
        f"/officials/dashboard/block/{geo['Kahara'].id}",
    ]
    query = "?period=month&month=2026-10"
    rollup.rebuild()
    before = {p: _count(client, p + query) for p in pages}
    world = officials_world.build(geo)
    for block in ("Mahishi", "Nauhatta", "Musahari", "Kanti"):
        for i in range(3):
            org = officials_world.group(
                geo[block], officials_world.ist(2026, 10, 2 + i), verified=officials_world.ist(2026, 10, 3 + i)
            )
            item = f.make_product(org, world.masks, published_at=officials_world.ist(2026, 10, 4 + i))
            officials_world.sale(
                org, officials_world.ist(2026, 10, 9 + i), [(item, 2, 5000)], customer=f.user(Role.CUSTOMER)
            )
    rollup.rebuild()
    after = {p: _count(client, p + query) for p in pages}
    assert before == after
    assert max(after.values()) <= MAX_DASHBOARD


def test_targets_survey_and_makers_pages_do_not_grow(app, geo):
    from marketplace.officials import metrics, survey, targets

    admin = f.user(Role.ADMIN)
    client = app.test_client()
    login(client, admin.mobile)
    kahara = geo["Kahara"]
    pages = [f"/officials/targets/district/{kahara.district_id}?fy=2026", f"/officials/survey/block/{kahara.id}",
             f"/officials/makers?q=mask&block={kahara.id}"]
    before = {p: _count(client, p) for p in pages}
    district = metrics.load_unit("district", kahara.district_id)
    for block in kahara.district.blocks[:4]:
        targets.set_targets(admin, district, "linked", "2026-10", {str(block.id): "20"}, through_march=True)
        for village in block.villages:
            for product in ("Masks", "मास्क", "Bamboo baskets"):
                survey.record_entry(admin, block, survey.EntryInput(village_id=village.id, product=product,
                                                                    group_name="A group", groups_count="1"))
    rollup.rebuild()
    after = {p: _count(client, p) for p in pages}
    assert before == after


def test_a_second_view_reads_the_rollup_figures_from_the_cache(app, geo):
    admin = f.user(Role.ADMIN)
    client = app.test_client()
    login(client, admin.mobile)
    officials_world.build(geo)
    url = f"/officials/dashboard/district/{geo['Kahara'].district_id}?period=month&month=2026-10&lang=en"
    first = _count(client, url)
    with counting() as statements:
        page = client.get(url).get_data(as_text=True)
    assert len(statements) < first and "₹850" in page
    rollup.rebuild()  # a new roll-up: new figures, read afresh
    with counting() as statements:
        client.get(url)
    assert len(statements) == first

"""Who may use which workers' route, and that a phone number never reaches a household before the worker
accepts. Every route of the workers' blueprint is listed here (a test checks none is missing)."""

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.workers import services
from marketplace.workers.models import Booking, BookingStatus, WorkerProfile

from . import factories
from .conftest import login, post
from .workers_helpers import accepted, request, worker


@dataclass
class World:
    a: WorkerProfile  # Nadaun, self-registered
    b: WorkerProfile  # Kahara
    a_user: Any
    b_user: Any
    h1: Any  # household that booked A
    h2: Any  # household that booked B
    b1: int  # H1's request to A (requested)
    b2: int  # H2's booking of B (accepted)
    off_nadaun: Any
    off_kahara: Any
    admin: Any
    report: int


@pytest.fixture
def world(geo) -> World:
    services.seed_categories()
    a, a_user = worker(geo, block="Nadaun")
    b, b_user = worker(geo, block="Kahara", pins="852201")
    h1, h2 = factories.user(Role.CUSTOMER, name="H1"), factories.user(Role.CUSTOMER, name="H2")
    b1 = request(h1, a)
    b2 = accepted(h2, b, pin="852201", address="Ward 3, Kahara")
    rep = services.report(b2, h2, "Did not finish the wiring")
    off_n, off_k = factories.official(geo["Nadaun"]), factories.official(geo["Kahara"])
    admin = factories.user(Role.ADMIN, login="admin@haat.test")
    return World(a, b, a_user, b_user, h1, h2, b1.id, b2.id, off_n, off_k, admin, rep.id)


def _client(app, who):
    c = app.test_client()
    if who is not None:
        login(c, who.login_name)
    return c


ACTORS = ["anon", "a_user", "b_user", "h1", "h2", "off_nadaun", "off_kahara", "admin"]


def _status(world, path, values):
    db.session.expire_all()
    return db.session.get(Booking, values).status


# (method, path, {actor: expected status}); actors not listed get `default`.
OK, LOGIN = 200, 302
ROUTES = [
    ("GET", "/workers/", {}, OK),
    ("GET", "/workers/{a}", {}, OK),
    ("GET", "/workers/bookings", {"anon": LOGIN}, OK),
    ("GET", "/workers/bookings/{b1}", {"h1": OK, "a_user": OK, "off_nadaun": OK, "admin": OK, "anon": LOGIN}, 403),
    ("GET", "/workers/bookings/{b2}", {"h2": OK, "b_user": OK, "off_kahara": OK, "admin": OK, "anon": LOGIN}, 403),
    ("GET", "/workers/mine", {"anon": LOGIN}, OK),
    ("GET", "/workers/register", {"anon": LOGIN, "a_user": 302, "b_user": 302}, OK),
    ("GET", "/workers/register-for", {"anon": LOGIN, "off_nadaun": OK, "off_kahara": OK, "admin": OK}, 403),
    ("GET", "/workers/profile/{a}/edit", {"a_user": OK, "off_nadaun": OK, "admin": OK, "anon": LOGIN}, 403),
    ("GET", "/workers/official", {"off_nadaun": OK, "off_kahara": OK, "admin": OK, "anon": LOGIN}, 403),
    ("GET", "/workers/admin/categories", {"admin": OK, "anon": LOGIN}, 403),
    ("GET", "/workers/admin/categories/new", {"admin": OK, "anon": LOGIN}, 403),
    ("GET", "/workers/admin/categories/{cat}", {"admin": OK, "anon": LOGIN}, 403),
]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_get_matrix(app, world, route):
    method, path, expected, default = route
    url = path.format(a=world.a.id, b1=world.b1, b2=world.b2, cat=services.category_by_slug("plumber").id)
    for actor in ACTORS:
        who = None if actor == "anon" else getattr(world, actor)
        r = _client(app, who).get(url)
        want = expected.get(actor, default)
        assert r.status_code == want, (actor, url, r.status_code)
        if want == LOGIN and actor == "anon":
            assert "/login" in r.headers["Location"]


def _post(app, who, url, data=None):
    return post(_client(app, who), url, data or {})


def test_only_the_worker_answers_her_requests(app, world):
    url = f"/workers/bookings/{world.b1}/accept"
    for who in (world.h1, world.h2, world.b_user, world.off_kahara):
        assert _post(app, who, url).status_code == 403
    assert _post(app, None, url).status_code == 302  # to the login page
    assert _status(world, None, world.b1) == BookingStatus.REQUESTED
    assert _post(app, world.a_user, url).status_code == 302
    assert _status(world, None, world.b1) == BookingStatus.ACCEPTED


def test_only_the_sides_cancel_or_finish(app, world):
    for action in ("cancel", "done", "noshow"):
        for who in (world.h1, world.a_user, world.off_kahara):
            assert _post(app, who, f"/workers/bookings/{world.b2}/{action}").status_code == 403
    assert _status(world, None, world.b2) == BookingStatus.ACCEPTED
    assert _post(app, world.h2, f"/workers/bookings/{world.b2}/cancel").status_code == 302
    assert _status(world, None, world.b2) == BookingStatus.CANCELLED


def test_rate_and_report_only_by_the_sides(app, world):
    for who in (world.h1, world.a_user, world.off_kahara):
        assert _post(app, who, f"/workers/bookings/{world.b2}/report", {"reason": "Not mine"}).status_code == 403
        assert _post(app, who, f"/workers/bookings/{world.b2}/rate", {"stars": "5"}).status_code == 403


def test_profile_edit_pause_scope(app, world, geo):
    for who in (world.b_user, world.h1, world.off_kahara):
        assert _post(app, who, f"/workers/profile/{world.a.id}/pause", {"paused": "1"}).status_code == 403
        assert _post(app, who, f"/workers/profile/{world.a.id}/edit", {"name": "Hacked"}).status_code == 403
    db.session.expire_all()
    a = db.session.get(WorkerProfile, world.a.id)
    assert not a.paused and a.name != "Hacked"
    assert _post(app, world.a_user, f"/workers/profile/{world.a.id}/pause", {"paused": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(WorkerProfile, world.a.id).paused


def test_identity_and_reports_only_in_the_officials_block(app, world):
    assert _post(app, world.off_kahara, f"/workers/official/{world.a.id}/identity").status_code == 403
    assert _post(app, world.h1, f"/workers/official/{world.a.id}/identity").status_code == 403
    assert _post(app, world.off_nadaun, f"/workers/official/reports/{world.report}",
                 {"note": "Looked"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(WorkerProfile, world.a.id).identity_checked_at is None
    assert _post(app, world.off_kahara, f"/workers/official/reports/{world.report}",
                 {"note": "Called both"}).status_code == 302


def test_lists_show_only_ones_own(app, world):
    h1 = _client(app, world.h1).get("/workers/bookings?lang=en").get_data(as_text=True)
    assert f"/workers/bookings/{world.b1}" in h1 and f"/workers/bookings/{world.b2}" not in h1
    a = _client(app, world.a_user).get("/workers/mine?lang=en").get_data(as_text=True)
    assert f"/workers/bookings/{world.b1}" in a and f"/workers/bookings/{world.b2}" not in a
    nadaun = _client(app, world.off_nadaun).get("/workers/official?lang=en").get_data(as_text=True)
    assert world.a.name in nadaun and world.b.name not in nadaun and "Did not finish the wiring" not in nadaun
    kahara = _client(app, world.off_kahara).get("/workers/official?lang=en").get_data(as_text=True)
    assert world.b.name in kahara and world.a.name not in kahara and "Did not finish the wiring" in kahara


def test_every_workers_route_is_in_the_matrix(app):
    listed = {path.split("{")[0].rstrip("/") for _m, path, *_ in ROUTES}
    posted = {"/workers/bookings/", "/workers/profile/", "/workers/official/", "/workers/answer/",
              "/workers/admin/categories/"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("workers."):
            stem = rule.rule.split("<")[0].rstrip("/")
            assert stem in listed or any(rule.rule.startswith(p) for p in posted) or \
                rule.rule == "/workers/<int:profile_id>/book", rule.rule


# ---------------------------------------------------------------- phone numbers

def _phone_forms(mobile: str) -> list[str]:
    digits = mobile[3:]
    return [mobile, digits, f"{digits[:5]} {digits[5:]}", f"91{digits}"]


def _household_pages(world) -> list[str]:
    a = world.a.id
    return ["/", "/workers/", "/workers/?q=nal+mistri", "/workers/?q=plumber&pin=177033",
            f"/workers/?category={services.category_by_slug('plumber').id}", f"/workers/{a}",
            f"/workers/{a}?date={services.today_in_india().isoformat()}", "/workers/bookings",
            f"/workers/bookings/{world.b1}", "/workers/mine", "/workers/register", "/me", "/workers/?lang=en",
            f"/workers/{a}?lang=en", f"/workers/bookings/{world.b1}?lang=en"]


def _assert_no_phone(html: str, mobile: str, where: str) -> None:
    for form in _phone_forms(mobile):
        assert form not in html, (where, form)


def test_no_phone_number_before_acceptance_on_any_household_page(app, world, geo):
    # a worker without a phone: requests go to the SHG member who registered her; that number is private too
    member = factories.user(Role.SELLER)
    factories.seller(geo["Nadaun"], members=[member])
    kamla = services.register_for(member, services.ProfileData(
        name="Kamla", block_id=geo["Nadaun"].id, pin_codes="177033",
        category_ids=[services.category_by_slug("plumber").id]))
    kb = request(world.h1, kamla, slot="afternoon")
    household, anon = _client(app, world.h1), app.test_client()
    pages = _household_pages(world) + [f"/workers/{kamla.id}", f"/workers/bookings/{kb.id}"]
    for client_ in (household, anon):
        for url in pages:
            r = client_.get(url)
            html = r.get_data(as_text=True)
            _assert_no_phone(html, world.a_user.mobile, url)
            _assert_no_phone(html, member.mobile, url)
    # the page answering a refused booking request (422) shows no number either
    r = post(household, f"/workers/{world.a.id}/book", {"work_date": "2000-01-01", "slot": "morning",
                                                         "address": "x", "pin_code": "999999", "description": ""})
    assert r.status_code == 422
    _assert_no_phone(r.get_data(as_text=True), world.a_user.mobile, "book 422")
    # a second request for the taken slot (409) neither
    r = post(household, f"/workers/{world.a.id}/book", {
        "work_date": db.session.get(Booking, world.b1).work_date.isoformat(), "slot": "morning",
        "address": "House 12, Nadaun", "pin_code": "177033", "description": "Again"})
    assert r.status_code in (409, 422)
    _assert_no_phone(r.get_data(as_text=True), world.a_user.mobile, "book again")
    # declined: still no numbers
    services.answer(db.session.get(Booking, kb.id), False)
    _assert_no_phone(household.get(f"/workers/bookings/{kb.id}").get_data(as_text=True), member.mobile, "declined")
    # once she accepts, both see the numbers on the booking page (and nowhere public)
    services.answer(db.session.get(Booking, world.b1), True)
    html = household.get(f"/workers/bookings/{world.b1}").get_data(as_text=True)
    assert world.a_user.mobile in html
    worker_view = _client(app, world.a_user).get(f"/workers/bookings/{world.b1}").get_data(as_text=True)
    assert world.h1.mobile in worker_view
    for url in ("/workers/", f"/workers/{world.a.id}", "/workers/?q=plumber"):
        _assert_no_phone(household.get(url).get_data(as_text=True), world.a_user.mobile, url)
    assert db.session.scalar(select(Booking.status).where(Booking.id == world.b1)) == BookingStatus.ACCEPTED


def test_district_and_state_officials_see_their_whole_area(app, world, geo):
    hamirpur, _ = worker(geo, block="Hamirpur", pins="177001")
    district = factories.official(geo["Nadaun"], "district")  # Hamirpur district
    state = factories.official(geo["Kahara"], "state")  # Bihar
    names = {w.id for w in services.workers_in_scope(district).items}
    assert names == {world.a.id, hamirpur.id}
    assert {w.id for w in services.workers_in_scope(state).items} == {world.b.id}
    assert [r.id for r in services.reports_in_scope(state).items] == [world.report]
    assert services.reports_in_scope(district).items == []
    days = services.days_of_work_by_block([b.id for b in services.blocks_in_scope(district)],
                                          services.today_in_india())
    assert set(days) == {b.id for b in services.blocks_in_scope(district)} and geo["Kahara"].id not in days

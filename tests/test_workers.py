"""Workers' directory: categories, profiles, search, bookings, the worker's link, ratings, reports, officials."""

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role, User
from marketplace.core.errors import DomainError
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.notifications.models import Message
from marketplace.workers import services
from marketplace.workers.models import Booking, BookingEvent, BookingStatus, Rating, Report, WorkerProfile

from . import factories
from .conftest import login, post
from .workers_helpers import NADAUN_PIN, accepted, category, done, future_day, request, worker


@pytest.fixture
def cats(geo):
    services.seed_categories()
    return geo


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _link(booking) -> str:
    body = db.session.scalars(select(Message.body).where(Message.kind == "worker_booking_request")
                              .order_by(Message.id.desc())).first()
    return re.search(r"https?://\S+/workers/answer/\S+", body).group(0).split("haat.test")[-1]


# ---------------------------------------------------------------- categories

def test_26_categories_bilingual_with_icons_idempotent(cats, client):
    assert services.seed_categories() == 0
    all_ = services.categories()
    assert len(all_) == 26
    icons = set(services.icon_names())
    for c in all_:
        assert c.name_en and c.name_hi and c.icon in icons
        assert re.search("[\u0900-\u097f]", c.name_hi)
        r = client.get(f"/static/workers/icons/{c.icon}.svg")
        assert r.status_code == 200 and r.get_data().startswith(b"<svg")
        r.close()
    html = client.get("/workers/?lang=hi").get_data(as_text=True)
    assert "प्लंबर" in html and "workers/icons/plumber.svg" in html


def test_admin_adds_and_edits_a_category(cats, client):
    factories.user(Role.ADMIN, login="admin@haat.test")
    login(client, "admin@haat.test")
    r = post(client, "/workers/admin/categories/new", {"slug": "well-digger", "name_en": "Well digger",
                                                       "name_hi": "कुआँ खोदने वाला", "icon": "labourer",
                                                       "aliases": "kuan;कुआँ", "active": "y"})
    assert r.status_code == 302
    new = services.category_by_slug("well-digger")
    assert new.name_hi == "कुआँ खोदने वाला"
    assert services.categories_for_query("kuan") == [new.id]
    r = post(client, f"/workers/admin/categories/{new.id}", {"slug": "well-digger", "name_en": "Well digger",
                                                             "name_hi": "कुआँ मिस्त्री", "icon": "nope"})
    assert r.status_code == 422
    db.session.expire_all()
    assert services.category_by_slug("well-digger").name_hi == "कुआँ खोदने वाला"  # nothing saved
    other = factories.user(Role.CUSTOMER)
    client2 = client.application.test_client()
    login(client2, other.mobile)
    assert client2.get("/workers/admin/categories").status_code == 403


# ---------------------------------------------------------------- profiles

def _profile_form(geo, **changes) -> dict:
    data = {"name": "Sunita Devi", "category_ids": [str(category("plumber").id)], "experience_years": "4",
            "rate_rupees": "600", "rate_unit": "day", "block_id": str(geo["Nadaun"].id), "villages": "Jalari",
            "pin_codes": NADAUN_PIN, "weekdays": ["0", "1", "2", "3", "4", "5"], "start_hour": "8",
            "end_hour": "18", "languages": ["hi", "pahari"], "about": "Taps and pipes"}
    data.update(changes)
    return data


def test_self_registration_and_pause(cats, client):
    user = factories.user(Role.CUSTOMER, name="Sunita")
    login(client, user.mobile)
    r = post(client, "/workers/register", _profile_form(cats))
    assert r.status_code == 302, r.get_data(as_text=True)
    w = services.own_profile(user)
    assert w.contact_mobile == user.mobile and w.weekdays == "012345" and w.languages == "hi,pahari"
    assert {(a.block_id, a.pin_code) for a in w.areas} == {(cats["Nadaun"].id, None), (cats["Nadaun"].id, NADAUN_PIN)}
    assert services.find_workers(services.WorkerSearch(q="plumber")).total == 1
    post(client, f"/workers/profile/{w.id}/pause", {"paused": "1"})
    db.session.expire_all()
    assert services.get_profile(w.id).paused
    assert services.find_workers(services.WorkerSearch(q="plumber")).total == 0
    assert client.application.test_client().get(f"/workers/{w.id}").status_code == 404  # hidden from others


@pytest.mark.parametrize("changes, field, en, hi", [
    ({"pin_codes": "999999"}, "pin_codes", "does not exist", "मौजूद नहीं"),
    ({"pin_codes": "12ab"}, "pin_codes", "6-digit PIN code", "6 अंकों"),
    ({"about": "x" * 501}, "about", "at most 500", "500"),
    ({"category_ids": []}, "category_ids", "at least one kind of work", "कम से कम एक"),
    ({"end_hour": "6"}, "end_hour", "must end after it starts", "शुरू होने के बाद"),
])
def test_bad_profile_input_is_refused_in_both_languages(cats, client, changes, field, en, hi):
    user = factories.user(Role.CUSTOMER)
    login(client, user.mobile)
    for lang, text in (("en", en), ("hi", hi)):
        r = post(client, f"/workers/register?lang={lang}", _profile_form(cats, **changes))
        assert r.status_code == 422
        assert text in r.get_data(as_text=True)
    assert _count(WorkerProfile) == 0


def test_html_in_a_profile_is_escaped(cats, client):
    user = factories.user(Role.CUSTOMER)
    login(client, user.mobile)
    post(client, "/workers/register", _profile_form(cats, name="<b>Asha</b>", about="<script>alert(1)</script>"))
    w = services.own_profile(user)
    html = client.get(f"/workers/{w.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<b>Asha</b>" not in html and "&lt;b&gt;Asha&lt;/b&gt;" in html


def test_official_or_shg_registers_a_worker_without_a_phone(cats, client):
    official = factories.official(cats["Nadaun"])
    login(client, official.login_name)
    r = post(client, "/workers/register-for", _profile_form(cats, name="Kamla", contact_mobile="9812345670"))
    assert r.status_code == 302
    w = db.session.scalar(select(WorkerProfile).where(WorkerProfile.name == "Kamla"))
    assert w.user_id is None and w.registered_by_id == official.id and w.contact_mobile == "+919812345670"
    # outside his block: refused, nothing saved
    r = post(client, "/workers/register-for", _profile_form(cats, name="Far", block_id=str(cats["Kahara"].id),
                                                            pin_codes="852201", contact_mobile="9812345671"))
    assert r.status_code == 422 or r.status_code == 403
    assert db.session.scalar(select(WorkerProfile).where(WorkerProfile.name == "Far")) is None
    # an SHG member: requests come to her number when none is given
    member = factories.user(Role.SELLER)
    group = factories.seller(cats["Nadaun"], members=[member])
    c2 = client.application.test_client()
    login(c2, member.mobile)
    assert post(c2, "/workers/register-for", _profile_form(cats, name="Meena")).status_code == 302
    meena = db.session.scalar(select(WorkerProfile).where(WorkerProfile.name == "Meena"))
    assert meena.contact_mobile == member.mobile and meena.seller_id == group.id
    # a customer may not register others
    c3 = client.application.test_client()
    login(c3, factories.user(Role.CUSTOMER).mobile)
    assert post(c3, "/workers/register-for", _profile_form(cats, name="X")).status_code == 403


def test_identity_checked_only_by_an_official_of_her_block(cats, client):
    w, _ = worker(cats)
    other = factories.official(cats["Kahara"])
    login(client, other.login_name)
    assert post(client, f"/workers/official/{w.id}/identity").status_code == 403
    mine = factories.official(cats["Nadaun"])
    c2 = client.application.test_client()
    login(c2, mine.login_name)
    assert post(c2, f"/workers/official/{w.id}/identity").status_code == 302
    db.session.expire_all()
    assert services.get_profile(w.id).identity_checked_by_id == mine.id


# ---------------------------------------------------------------- finding

@pytest.mark.parametrize("query", ["nal mistri", "प्लंबर", "plumbr", "Plumber", "नल मिस्त्री", "nal"])
def test_queries_find_plumbers(cats, query):
    plumber, _ = worker(cats, slugs=("plumber",))
    worker(cats, slugs=("mason",))
    worker(cats, slugs=("electrician",))
    found = services.find_workers(services.WorkerSearch(q=query))
    assert [w.id for w in found.workers] == [plumber.id]


@pytest.mark.parametrize("query, slug", [("bijli mistri", "electrician"), ("राजमिस्त्री", "mason"),
                                         ("darzi", "tailor"), ("दर्जी", "tailor"), ("electrican", "electrician"),
                                         ("khet", "farm-labour"), ("माली", "gardener")])
def test_other_categories_understood(cats, query, slug):
    assert category(slug).id in services.categories_for_query(query)


def test_search_by_place_and_date(cats):
    near, _ = worker(cats, block="Nadaun", pins=NADAUN_PIN)
    far, _ = worker(cats, block="Kahara", pins="852201")
    weekend, _ = worker(cats, block="Nadaun", pins="", weekdays=[5, 6])
    by_pin = services.find_workers(services.WorkerSearch(q="plumber", pin="177033"))
    assert {w.id for w in by_pin.workers} == {near.id, weekend.id}  # weekend serves the whole block
    by_block = services.find_workers(services.WorkerSearch(q="plumber", block_id=cats["Kahara"].id))
    assert [w.id for w in by_block.workers] == [far.id]
    day = services.today_in_india() + timedelta(days=1)
    while day.weekday() != 0:
        day += timedelta(days=1)
    monday = services.find_workers(services.WorkerSearch(q="plumber", block_id=cats["Nadaun"].id, on_date=day))
    assert [w.id for w in monday.workers] == [near.id]
    with pytest.raises(DomainError):
        services.find_workers(services.WorkerSearch(q="plumber", pin="999999"))
    with pytest.raises(services.WorkerError):
        services.find_workers(services.WorkerSearch(q="plumber", on_date=services.today_in_india() - timedelta(days=1)))


def test_results_show_rating_jobs_identity_never_phone(cats, client):
    w, user = worker(cats)
    household = factories.user(Role.CUSTOMER)
    done(household, w)
    services.rate(services.get_booking(1) or db.session.scalar(select(Booking)), household, 4, "good")
    services.check_identity(w, factories.official(cats["Nadaun"]))
    html = client.get("/workers/?q=nal+mistri&pin=177033&lang=en").get_data(as_text=True)
    assert "★ 4.0" in html and "1 job done" in html and "Identity checked" in html
    assert user.mobile[3:] not in html


# ---------------------------------------------------------------- bookings

def test_booking_flow_with_the_signed_link(cats, client):
    w, worker_user = worker(cats)
    household = factories.user(Role.CUSTOMER, name="Ananya")
    login(client, household.mobile)
    day = future_day()
    r = post(client, f"/workers/{w.id}/book", {"work_date": day.isoformat(), "slot": "morning",
                                              "address": "House 12, Nadaun", "pin_code": "177033",
                                              "description": "Kitchen tap leaks"})
    assert r.status_code == 302, r.get_data(as_text=True)
    booking = db.session.scalar(select(Booking))
    assert booking.status == BookingStatus.REQUESTED
    sent = list(db.session.scalars(select(Message).where(Message.kind == "worker_booking_request")))
    assert {m.channel for m in sent} == {"sms", "whatsapp"} and all(m.to == w.contact_mobile for m in sent)
    link = _link(booking)
    page = client.get(f"/workers/bookings/{booking.id}").get_data(as_text=True)
    assert worker_user.mobile not in page and worker_user.mobile[3:] not in page
    anon = client.application.test_client()  # the worker's phone: no login
    html = anon.get(link).get_data(as_text=True)
    assert "Kitchen tap leaks" in html and household.mobile[3:] not in html
    assert post(anon, link, {"action": "accept"}).status_code == 302
    db.session.expire_all()
    assert services.get_booking(booking.id).status == BookingStatus.ACCEPTED
    assert household.mobile in anon.get(link).get_data(as_text=True)
    assert worker_user.mobile in client.get(f"/workers/bookings/{booking.id}").get_data(as_text=True)
    assert db.session.scalar(select(Message).where(Message.kind == "household_booking_answer",
                                                   Message.to == household.mobile)) is not None
    # replaying the link changes nothing
    assert post(anon, link, {"action": "decline"}).status_code == 409
    db.session.expire_all()
    assert services.get_booking(booking.id).status == BookingStatus.ACCEPTED
    events = [(e.from_state, e.to_state) for e in services.events_of(booking)]
    assert events == [(None, "requested"), ("requested", "accepted")]


def test_tampered_and_expired_links_do_nothing(cats, client, app, monkeypatch):
    w, _ = worker(cats)
    household = factories.user(Role.CUSTOMER)
    booking = request(household, w)
    link = _link(booking)
    token = link.rsplit("/", 1)[1]
    anon = client
    # tampered: another booking id under the same signature, or a changed signature
    other = services._serializer().dumps({"b": booking.id + 1, "w": w.id})
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for bad in (forged, other, "x" * 40, "x" * 400):
        assert post(anon, f"/workers/answer/{bad}", {"action": "accept"}).status_code in (404, 400)
    # expired: the link's age is past REQUEST_TTL
    import time

    from itsdangerous.timed import TimestampSigner

    with monkeypatch.context() as m:  # a link signed longer ago than REQUEST_TTL
        m.setattr(TimestampSigner, "get_timestamp",
                  lambda self: int(time.time() - services.REQUEST_TTL.total_seconds() - 60))
        old = services.answer_token(booking)
    r = post(anon, f"/workers/answer/{old}", {"action": "accept"})
    assert r.status_code == 410 and "लिंक समाप्त" in r.get_data(as_text=True)
    db.session.expire_all()
    assert services.get_booking(booking.id).status == BookingStatus.REQUESTED
    assert _count(BookingEvent) == 1


def test_expiry_frees_the_slot(cats):
    w, _ = worker(cats)
    household = factories.user(Role.CUSTOMER)
    b = request(household, w)
    assert services.expire_stale() == 0
    assert services.expire_stale(utcnow() + services.REQUEST_TTL + timedelta(minutes=1)) == 1
    db.session.expire_all()
    b = services.get_booking(b.id)
    assert b.status == BookingStatus.EXPIRED and b.slot_key is None
    with pytest.raises(services.WorkerError):
        services.answer(b, True)
    again = request(factories.user(Role.CUSTOMER), w, day=b.work_date, slot=b.slot)
    assert again.status == BookingStatus.REQUESTED


def test_expire_cli(cats, app):
    result = app.test_cli_runner().invoke(args=["workers", "expire"])
    assert "requests expired: 0" in result.output


def test_no_double_booking_of_a_slot(cats):
    w, _ = worker(cats)
    a, b = factories.user(Role.CUSTOMER), factories.user(Role.CUSTOMER)
    first = request(a, w)
    with pytest.raises(services.WorkerError) as exc:
        request(b, w, day=first.work_date, slot=first.slot)
    assert exc.value.status in (409, 422)
    request(b, w, day=first.work_date, slot="afternoon")  # another slot is free


def test_double_booking_refused_when_two_households_race(cats, app):
    w, _ = worker(cats)
    households = [factories.user(Role.CUSTOMER).id for _ in range(6)]
    day = future_day(3)
    barrier = threading.Barrier(len(households))
    outcomes = []

    # skip the friendly pre-check so every thread reaches the INSERT: the unique slot key must decide
    real_free = services.free_slots

    def run(household_id):
        with app.app_context():
            try:
                household = db.session.get(User, household_id)
                barrier.wait(timeout=10)
                request(household, db.session.get(WorkerProfile, w.id), day=day)
                outcomes.append("ok")
            except services.WorkerError as exc:
                outcomes.append(exc.status)
            finally:
                db.session.remove()

    services.free_slots = lambda worker, d: ["morning", "afternoon", "evening"]
    try:
        threads = [threading.Thread(target=run, args=(h,)) for h in households]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    finally:
        services.free_slots = real_free
    assert outcomes.count("ok") == 1 and outcomes.count(409) == len(households) - 1, outcomes
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Booking).where(Booking.work_date == day)) == 1


@pytest.mark.parametrize("changes, field, en, hi", [
    ({"pin_code": "999999"}, "pin_code", "does not exist", "मौजूद नहीं"),
    ({"work_date": "past"}, "work_date", "already passed", "बीत चुका"),
    ({"description": "x" * 501}, "description", "at most 500", "500"),
    ({"pin_code": "852201"}, "pin_code", "does not work at this PIN code", "इस पिन कोड"),
])
def test_bad_booking_input_nothing_saved(cats, client, changes, field, en, hi):
    w, _ = worker(cats)
    household = factories.user(Role.CUSTOMER)
    login(client, household.mobile)
    data = {"work_date": future_day().isoformat(), "slot": "morning", "address": "House 12, Nadaun",
            "pin_code": "177033", "description": "Tap"}
    data.update(changes)
    if data["work_date"] == "past":
        data["work_date"] = (services.today_in_india() - timedelta(days=1)).isoformat()
    for lang, text in (("en", en), ("hi", hi)):
        r = post(client, f"/workers/{w.id}/book?lang={lang}", data)
        assert r.status_code == 422
        assert text in r.get_data(as_text=True)
    assert _count(Booking) == 0 and _count(Message) == 0


def test_html_in_a_booking_is_escaped(cats, client):
    w, _ = worker(cats)
    household = factories.user(Role.CUSTOMER)
    b = request(household, w, description="<img src=x onerror=alert(1)>")
    login(client, household.mobile)
    html = client.get(f"/workers/bookings/{b.id}").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_booking_requests_are_rate_limited_per_household(cats, client, app):
    w, _ = worker(cats)
    household = factories.user(Role.CUSTOMER)
    login(client, household.mobile)
    app.config["WORKER_BOOKING_RATE_LIMIT"] = "3 per hour"
    try:
        codes = [post(client, f"/workers/{w.id}/book", {"work_date": future_day(i + 1).isoformat(),
                                                       "slot": "evening", "address": "House 12, Nadaun",
                                                       "pin_code": "177033", "description": "Tap"}).status_code
                 for i in range(4)]
        # another household is not limited by the first one's requests
        other = client.application.test_client()
        login(other, factories.user(Role.CUSTOMER).mobile)
        other_code = post(other, f"/workers/{w.id}/book", {"work_date": future_day(9).isoformat(), "slot": "evening",
                                                          "address": "House 1, Nadaun", "pin_code": "177033",
                                                          "description": "Tap"}).status_code
    finally:
        app.config.pop("WORKER_BOOKING_RATE_LIMIT")
    assert codes == [302, 302, 302, 429] and other_code == 302
    assert _count(Booking) == 4


def test_one_rating_per_booking(cats, client):
    w, _ = worker(cats)
    household = factories.user(Role.CUSTOMER)
    b = done(household, w)
    login(client, household.mobile)
    assert post(client, f"/workers/bookings/{b.id}/rate", {"stars": "9"}).status_code == 422
    assert post(client, f"/workers/bookings/{b.id}/rate", {"stars": "5", "comment": "Fixed it fast"}).status_code == 302
    assert post(client, f"/workers/bookings/{b.id}/rate", {"stars": "1"}).status_code == 409
    db.session.expire_all()
    assert _count(Rating) == 1
    w = services.get_profile(w.id)
    assert (w.rating_count, w.rating_sum, w.jobs_done) == (1, 5, 1)
    stranger = client.application.test_client()
    login(stranger, factories.user(Role.CUSTOMER).mobile)
    assert post(stranger, f"/workers/bookings/{b.id}/rate", {"stars": "5"}).status_code == 403


def test_rating_before_done_refused(cats):
    w, _ = worker(cats)
    household = factories.user(Role.CUSTOMER)
    b = accepted(household, w)
    with pytest.raises(services.WorkerError):
        services.rate(b, household, 5, "")
    with pytest.raises(services.WorkerError):
        services.finish(b, household)  # the slot has not started


def test_reports_from_either_side_reach_the_block_official(cats, client):
    w, worker_user = worker(cats)
    household = factories.user(Role.CUSTOMER)
    b = accepted(household, w)
    services.report(b, household, "Came late and rude")
    services.report(b, worker_user, "Household asked for extra work unpaid")
    nadaun, kahara = factories.official(cats["Nadaun"]), factories.official(cats["Kahara"])
    assert len(services.reports_in_scope(nadaun).items) == 2
    assert services.reports_in_scope(kahara).items == []
    report_id = services.reports_in_scope(nadaun).items[0].id
    login(client, kahara.login_name)
    assert post(client, f"/workers/official/reports/{report_id}", {"note": "x"}).status_code == 403
    other = client.application.test_client()
    login(other, nadaun.login_name)
    assert post(other, f"/workers/official/reports/{report_id}", {"note": "Spoke to both"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Report, report_id).status == "handled"
    stranger = factories.user(Role.CUSTOMER)
    with pytest.raises(services.WorkerError):
        services.report(b, stranger, "I was not there")


def test_days_of_work_by_block(cats):
    w1, _ = worker(cats, block="Nadaun")
    w2, _ = worker(cats, block="Hamirpur", pins="177001")
    h = factories.user(Role.CUSTOMER)
    b1 = done(h, w1, slot="morning")
    done(h, w1, slot="afternoon")  # same worker, same day: one day of work
    accepted(h, w2, pin="177001")
    month = services.today_in_india().replace(day=1)
    got = services.days_of_work_by_block([cats["Nadaun"].id, cats["Hamirpur"].id, cats["Kahara"].id], b1.work_date)
    assert got[cats["Nadaun"].id] == 1 and got[cats["Kahara"].id] == 0
    assert services.days_of_work_by_block([cats["Hamirpur"].id], future_day())[cats["Hamirpur"].id] == 1
    assert month  # the officials' page shows the same figure per month


def test_demo_workers_cover_every_kind_idempotently(geo):
    from collections import Counter as Count

    from marketplace.demo import workers as demo
    from marketplace.demo.loader import Summary

    factories.user(Role.CUSTOMER, login=demo.DEMO_HOUSEHOLD_LOGIN)
    first = Summary()
    demo.load(first)
    assert first.created["workers"] > 26 and first.created["worker ratings"] > 0
    again = Summary()
    demo.load(again)
    assert not any(again.created.values())
    nadaun = services.workers_in_scope(factories.official(geo["Nadaun"]), per_page=200).items
    assert {c.slug for w in nadaun for c in w.categories} == {c.slug for c in services.categories()}
    everyone = services.workers_in_scope(factories.user(Role.ADMIN), per_page=1000).items
    assert len(Count(c.id for w in everyone for c in w.categories)) == 26
    found = services.find_workers(services.WorkerSearch(q="nal mistri", pin=NADAUN_PIN))
    assert found.total >= 1 and found.workers[0].rating_count >= 0
    assert services.own_profile(db.session.scalar(select(User).where(User.mobile == demo.DEMO_WORKER_LOGIN)))


def test_profile_photo_shown_and_a_bad_file_refused(cats, client):
    from io import BytesIO

    user = factories.user(Role.CUSTOMER)
    login(client, user.mobile)
    bad = post(client, "/workers/register?lang=en",
               {**_profile_form(cats), "photo": (BytesIO(b"not a photo"), "x.jpg")}, content_type="multipart/form-data")
    assert bad.status_code in (413, 415, 422) and _count(WorkerProfile) == 0
    good = post(client, "/workers/register",
                {**_profile_form(cats), "photo": (BytesIO(factories.png_bytes()), "me.png")},
                content_type="multipart/form-data")
    assert good.status_code == 302
    w = services.own_profile(user)
    assert w.photo_id is not None
    assert "wk-photo-big" in client.get(f"/workers/{w.id}").get_data(as_text=True)
    assert "wk-photo" in client.get("/workers/?q=plumber").get_data(as_text=True)


def test_directory_refuses_an_unknown_pin_in_both_languages(cats, client):
    for lang, text in (("en", "does not exist"), ("hi", "मौजूद नहीं")):
        r = client.get(f"/workers/?q=plumber&pin=999999&lang={lang}")
        assert r.status_code == 422 and text in r.get_data(as_text=True)
    assert client.get("/workers/?date=31-02-2026").status_code == 422
    assert client.get("/workers/?category=99999999999999").status_code == 422


def test_seed_cli(cats, app):
    result = app.test_cli_runner().invoke(args=["workers", "seed"])
    assert "categories added: 0" in result.output


def test_accept_and_cancel_racing_leave_one_outcome(cats, app):
    """The worker accepts while the household withdraws: compare-and-set lets exactly one through."""
    w, _ = worker(cats)
    household = factories.user(Role.CUSTOMER)
    booking_id, household_id = request(household, w).id, household.id
    barrier = threading.Barrier(2)
    outcomes = {}

    def run(kind):
        with app.app_context():
            try:
                b = db.session.get(Booking, booking_id)
                user = db.session.get(User, household_id)
                barrier.wait(timeout=10)
                services.answer(b, True) if kind == "accept" else services.cancel(b, user)
                outcomes[kind] = "ok"
            except services.WorkerError as exc:
                outcomes[kind] = exc.status
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(k,)) for k in ("accept", "cancel")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(map(str, outcomes.values())) == ["409", "ok"], outcomes
    db.session.expire_all()
    final = db.session.get(Booking, booking_id)
    winner = next(k for k, v in outcomes.items() if v == "ok")
    assert final.status == (BookingStatus.ACCEPTED if winner == "accept" else BookingStatus.CANCELLED)
    assert [e.to_state for e in services.events_of(final)] == ["requested", final.status]


def test_junk_in_choices_gets_a_clear_message(cats, client):
    user = factories.user(Role.CUSTOMER)
    login(client, user.mobile)
    r = post(client, "/workers/register?lang=hi", _profile_form(cats, weekdays=["x"], block_id="junk"))
    assert r.status_code == 422 and "विकल्पों में से एक चुनें" in r.get_data(as_text=True)
    assert _count(WorkerProfile) == 0

"""Demo workers (issue 12): every kind of work in Hamirpur's Nadaun block, a handful of workers in every other
demo block, all 26 kinds covered, some finished jobs with ratings and some open requests. Bulk inserts,
keyed by the demo contact numbers (+91 71 BBB WW NN…), so a second run adds nothing.

Demo login of a worker with her own account: +917100000002 (Nadaun's plumber), password DEMO_PASSWORD."""

from datetime import timedelta

from sqlalchemy import func, insert, select

from marketplace.accounts.models import Role, User
from marketplace.core.types import utcnow
from marketplace.demo.data import DEMO_PASSWORD
from marketplace.extensions import db
from marketplace.geo.models import Block, District
from marketplace.workers import services
from marketplace.workers.models import (
    Booking,
    BookingEvent,
    BookingStatus,
    Rating,
    WorkCategory,
    WorkerArea,
    WorkerCategory,
    WorkerProfile,
)
from marketplace.workers.places import pin_table

DEMO_WORKER_LOGIN = "+917100000002"  # Nadaun's plumber: block 0, third kind of work
DEMO_HOUSEHOLD_LOGIN = "+919811000001"  # Ananya Sharma, the demo customer
PER_OTHER_BLOCK = 4

FIRST = {"HP": ["Sunita", "Rajesh", "Kamla", "Vijay", "Anita", "Sanjay", "Reena", "Ashok", "Pooja", "Naresh",
                "Meena", "Suresh", "Kiran", "Ramesh"],
         "BR": ["Rinku", "Sita", "Manoj", "Guddi", "Pappu", "Rekha", "Sunil", "Munni", "Dilip", "Savitri",
                "Ajay", "Phoolmati", "Santosh", "Lalita"],
         "CG": ["Sukhdai", "Ramlal", "Budhni", "Mohan", "Sonmati", "Jagat", "Phulo", "Bhagat", "Kosa", "Dhanmati"]}
LAST = {"HP": ["Thakur", "Sharma", "Kumar", "Devi", "Rana", "Chauhan", "Katoch"],
        "BR": ["Kumar", "Devi", "Yadav", "Paswan", "Mandal", "Sada", "Mukhiya"],
        "CG": ["Netam", "Markam", "Sori", "Kashyap", "Mandavi", "Dhruw"]}
COMMENTS = ["Came on time and finished the work neatly.", "समय पर आईं, काम अच्छा किया।", "Good work, fair rate.",
            "काम ठीक था, थोड़ी देर से आए।", "Very polite. Will call again."]


def _blocks() -> list[tuple[Block, str, list[str]]]:
    """(block, state code, its PIN codes) for every block with a PIN code; Nadaun first."""
    pins: dict[tuple[str, str], list[str]] = {}
    for p in pin_table().values():
        pins.setdefault((p.district_en, p.block_en), []).append(p.pin)
    rows = db.session.execute(select(Block, District.name_en).join(District)).all()
    found = [(b, d, sorted(pins[(d, b.name_en)])) for b, d in rows if (d, b.name_en) in pins]
    codes = {p.district_en: p.state_code for p in pin_table().values()}
    found.sort(key=lambda x: (x[0].name_en != "Nadaun", x[1], x[0].name_en))
    return [(b, codes[d], p) for b, d, p in found]


def load(summary) -> None:
    services.seed_categories()
    cats = list(db.session.scalars(select(WorkCategory).order_by(WorkCategory.position).limit(26)))
    have = set(db.session.scalars(select(WorkerProfile.contact_mobile).where(
        WorkerProfile.contact_mobile.like("+9171%"))))
    now = utcnow()
    officials = dict(db.session.execute(select(User.scope_block_id, User.id).where(
        User.role == Role.OFFICIAL, User.scope_block_id.is_not(None))).all())
    profiles, n = [], 0
    for bi, (block, state, pins) in enumerate(_blocks()):
        kinds = cats if block.name_en == "Nadaun" else [cats[(bi * PER_OTHER_BLOCK + k) % len(cats)]
                                                        for k in range(PER_OTHER_BLOCK)]
        for wi, cat in enumerate(kinds):
            mobile = f"+9171{bi:03d}{wi:05d}"
            n += 1
            if mobile in have:
                continue
            first, last = FIRST.get(state, FIRST["BR"]), LAST.get(state, LAST["BR"])
            profiles.append({
                "name": f"{first[(bi + wi) % len(first)]} {last[(bi * 3 + wi) % len(last)]}", "contact_mobile": mobile,
                "block_id": block.id, "villages": "", "experience_years": 1 + (bi + wi) % 15,
                "rate_paise": (400 + 50 * ((bi + wi) % 9)) * 100, "rate_unit": "day" if wi % 3 else "job",
                "weekdays": "0123456" if wi % 4 else "012345", "start_hour": 8, "end_hour": 18,
                "languages": "hi,pahari" if state == "HP" else "hi", "about": "", "paused": False,
                "identity_checked_at": now if wi % 3 != 2 else None,
                "identity_checked_by_id": officials.get(block.id) if wi % 3 != 2 else None,
                "registered_by_id": officials.get(block.id), "created_at": now, "updated_at": now,
                "jobs_done": 0, "rating_sum": 0, "rating_count": 0,
                "_cat": cat.id, "_pins": pins[:1 + wi % 2]})
    if not profiles:
        return
    ids = db.session.scalars(insert(WorkerProfile).returning(WorkerProfile.id, sort_by_parameter_order=True),
                             [{k: v for k, v in p.items() if not k.startswith("_")} for p in profiles]).all()
    db.session.execute(insert(WorkerCategory), [{"worker_id": i, "category_id": p["_cat"]}
                                                for i, p in zip(ids, profiles, strict=True)])
    db.session.execute(insert(WorkerArea), [
        {"worker_id": i, "block_id": p["block_id"], "pin_code": pin}
        for i, p in zip(ids, profiles, strict=True) for pin in (None, *p["_pins"])])
    summary.created["workers"] += len(ids)
    _worker_account(ids, profiles, summary)
    _bookings(ids, profiles, summary)
    db.session.commit()


def _worker_account(ids, profiles, summary) -> None:
    """Nadaun's plumber has her own account (log in to answer requests)."""
    for wid, p in zip(ids, profiles, strict=True):
        if p["contact_mobile"] == DEMO_WORKER_LOGIN:
            user = db.session.scalar(select(User).where(User.mobile == DEMO_WORKER_LOGIN))
            if user is None:
                user = User(name=p["name"], mobile=DEMO_WORKER_LOGIN, role=Role.CUSTOMER, locale="hi")
                user.set_password(DEMO_PASSWORD)
                db.session.add(user)
                db.session.flush()
                summary.created["users"] += 1
            db.session.get(WorkerProfile, wid).user_id = user.id


def _bookings(ids, profiles, summary) -> None:
    """Finished jobs with ratings over the last three months for two of every three workers, and an open
    request for every fifth, all from the demo household."""
    household = db.session.scalar(select(User.id).where(User.mobile == DEMO_HOUSEHOLD_LOGIN))
    if household is None:
        return
    today = services.today_in_india()
    now = utcnow()
    bookings, ratings, sums = [], [], {}
    for k, (wid, p) in enumerate(zip(ids, profiles, strict=True)):
        jobs = 0 if k % 3 == 2 else 1 + k % 3
        pin = p["_pins"][0]
        for j in range(jobs):
            day = today - timedelta(days=3 + (k * 7 + j * 11) % 85)
            stars = 3 + (k + j) % 3
            bookings.append({"worker_id": wid, "household_id": household, "category_id": p["_cat"], "work_date": day,
                             "slot": "morning", "slot_key": f"{wid}:{day.isoformat()}:morning",
                             "status": BookingStatus.DONE, "address": "Demo house, main road", "pin_code": pin,
                             "block_id": p["block_id"], "description": "Demo job", "expires_at": now,
                             "answered_at": now, "created_at": now, "updated_at": now, "_stars": stars,
                             "_comment": COMMENTS[(k + j) % len(COMMENTS)]})
            s = sums.setdefault(wid, [0, 0])
            s[0] += stars
            s[1] += 1
        if k % 5 == 0:
            day = today + timedelta(days=2 + k % 10)
            bookings.append({"worker_id": wid, "household_id": household, "category_id": p["_cat"], "work_date": day,
                             "slot": "afternoon", "slot_key": f"{wid}:{day.isoformat()}:afternoon",
                             "status": BookingStatus.REQUESTED, "address": "Demo house, main road", "pin_code": pin,
                             "block_id": p["block_id"], "description": "Please come and have a look.",
                             "expires_at": now + services.REQUEST_TTL, "answered_at": None, "created_at": now,
                             "updated_at": now})
    if not bookings:
        return
    booking_ids = db.session.scalars(insert(Booking).returning(Booking.id, sort_by_parameter_order=True),
                                     [{k: v for k, v in b.items() if not k.startswith("_")} for b in bookings]).all()
    events = []
    for bid, b in zip(booking_ids, bookings, strict=True):
        events.append({"booking_id": bid, "from_state": None, "to_state": BookingStatus.REQUESTED,
                        "actor_id": household, "at": now, "reason": "demo"})
        if b["status"] == BookingStatus.DONE:
            events += [{"booking_id": bid, "from_state": BookingStatus.REQUESTED, "to_state": BookingStatus.ACCEPTED,
                        "actor_id": None, "at": now, "reason": "demo"},
                       {"booking_id": bid, "from_state": BookingStatus.ACCEPTED, "to_state": BookingStatus.DONE,
                        "actor_id": household, "at": now, "reason": "demo"}]
            ratings.append({"booking_id": bid, "worker_id": b["worker_id"], "stars": b["_stars"],
                            "comment": b["_comment"], "created_at": now})
    db.session.execute(insert(BookingEvent), events)
    if ratings:
        db.session.execute(insert(Rating), ratings)
    for wid, (total, count) in sums.items():
        db.session.get(WorkerProfile, wid).rating_sum = total
        db.session.get(WorkerProfile, wid).rating_count = count
        db.session.get(WorkerProfile, wid).jobs_done = count
    summary.created["worker bookings"] += len(booking_ids)
    summary.created["worker ratings"] += len(ratings)


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(WorkerProfile))

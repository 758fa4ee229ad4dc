"""The workers' directory: categories, profiles, search, bookings, ratings, reports and officials' figures.

Every change validates first, then writes and commits once. Booking state changes are compare-and-set
(UPDATE … WHERE status = :old) with an event row; the slot is held by a unique `slot_key`, so two
households racing for one slot cannot both get it."""

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import and_, extract, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace.accounts.access import official_covers_block
from marketplace.accounts.models import OfficialLevel, Role, User
from marketplace.accounts.services import AccountError, normalise_mobile
from marketplace.config import PROJECT_ROOT
from marketplace.core.errors import DomainError
from marketplace.core.pagination import Page, paginate
from marketplace.core.states import IllegalTransition
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.geo.models import Block, District
from marketplace.notifications import services as notifications
from marketplace.workers import messages  # noqa: F401  (registers the message templates)
from marketplace.workers.models import (
    BOOKING_STATES,
    NUMBERS_SHOWN,
    SLOT_HOURS,
    Booking,
    BookingEvent,
    BookingStatus,
    RateUnit,
    Rating,
    Report,
    ReportStatus,
    Slot,
    WorkCategory,
    WorkerArea,
    WorkerCategory,
    WorkerProfile,
)
from marketplace.workers.places import block_of_pin

CATEGORIES_CSV = PROJECT_ROOT / "data" / "workers" / "categories.csv"
IST = ZoneInfo("Asia/Kolkata")
REQUEST_TTL = timedelta(hours=24)  # a request not answered within this (or by the slot's start) expires
MAX_DESCRIPTION = 500
MAX_ADDRESS = 300
MAX_ABOUT = 500
MAX_COMMENT = 500
MAX_REASON = 1000
BOOK_AHEAD_DAYS = 60
LANGUAGES = ("hi", "en", "pahari", "bhojpuri", "maithili", "chhattisgarhi", "gondi", "punjabi", "urdu")
LINK_SALT = "worker-booking-answer"


class WorkerError(DomainError):
    pass


def today_in_india() -> date:
    return utcnow().astimezone(IST).date()


def slot_start(day: date, slot: str) -> datetime:
    return datetime.combine(day, time(SLOT_HOURS[Slot(slot)][0]), IST).astimezone(utcnow().tzinfo)


# ---------------------------------------------------------------- categories

def seed_categories() -> int:
    """Idempotent: adds the categories of data/workers/categories.csv that are missing (by slug)."""
    have = set(db.session.scalars(select(WorkCategory.slug)))
    added = 0
    with CATEGORIES_CSV.open(encoding="utf-8") as fh:
        for position, row in enumerate(csv.DictReader(fh), 1):
            if row["slug"] not in have:
                db.session.add(WorkCategory(slug=row["slug"], name_en=row["name_en"], name_hi=row["name_hi"],
                                            icon=row["icon"], aliases=row["aliases"], position=position))
                added += 1
    db.session.commit()
    return added


def categories(active_only: bool = True) -> list[WorkCategory]:
    stmt = select(WorkCategory).order_by(WorkCategory.position, WorkCategory.id)
    if active_only:
        stmt = stmt.where(WorkCategory.active.is_(True))
    return list(db.session.scalars(stmt))


def get_category(category_id: int) -> WorkCategory | None:
    return db.session.get(WorkCategory, category_id)


def category_by_slug(slug: str) -> WorkCategory | None:
    return db.session.scalar(select(WorkCategory).where(WorkCategory.slug == slug))


def icon_names() -> list[str]:
    folder = PROJECT_ROOT / "static" / "workers" / "icons"
    return sorted(p.stem for p in folder.glob("*.svg"))


_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def save_category(actor, category: WorkCategory | None, *, slug: str, name_en: str, name_hi: str, icon: str,
                  aliases: str, active: bool = True) -> WorkCategory:
    if actor is None or actor.role != Role.ADMIN:
        raise WorkerError(_l("Only an administrator may change categories."), status=403)
    slug, name_en, name_hi, aliases = (slug or "").strip().lower(), (name_en or "").strip(), \
        (name_hi or "").strip(), (aliases or "").strip()
    errors = {}
    if not _SLUG.match(slug) or len(slug) > 60:
        errors["slug"] = _l("Use small Latin letters, digits and hyphens (e.g. well-digger).")
    elif db.session.scalar(select(WorkCategory.id).where(WorkCategory.slug == slug,
                                                        WorkCategory.id != (category.id if category else 0))):
        errors["slug"] = _l("Another category already has this short name.")
    if not name_en or len(name_en) > 80:
        errors["name_en"] = _l("Enter a name of at most 80 characters.")
    if not name_hi or len(name_hi) > 80:
        errors["name_hi"] = _l("Enter a name of at most 80 characters.")
    if icon not in icon_names():
        errors["icon"] = _l("Choose one of the icons.")
    if len(aliases) > 1000:
        errors["aliases"] = _l("At most 1000 characters.")
    if errors:
        raise WorkerError(next(iter(errors.values())), errors=errors)
    if category is None:
        position = (db.session.scalar(select(func.max(WorkCategory.position))) or 0) + 1
        category = WorkCategory(position=position)
        db.session.add(category)
    category.slug, category.name_en, category.name_hi, category.icon = slug, name_en, name_hi, icon
    category.aliases, category.active = aliases, bool(active)
    db.session.commit()
    return category


# ---------------------------------------------------------------- profiles

@dataclass
class ProfileData:
    name: str = ""
    contact_mobile: str = ""
    block_id: int | None = None
    villages: str = ""
    category_ids: list[int] = field(default_factory=list)
    block_ids: list[int] = field(default_factory=list)  # blocks served, besides the home block
    pin_codes: str = ""  # PIN codes served, separated by commas or spaces
    experience_years: int = 0
    rate_rupees: int = 0
    rate_unit: str = RateUnit.DAY
    weekdays: list[int] = field(default_factory=lambda: list(range(7)))
    start_hour: int = 8
    end_hour: int = 18
    languages: list[str] = field(default_factory=lambda: ["hi"])
    about: str = ""


def _checked(d: ProfileData) -> tuple[ProfileData, list[tuple[int, str | None]]]:
    """Validate everything; returns the cleaned data and the areas (block, PIN) served. Raises WorkerError
    with one message per bad field."""
    errors = {}
    d.name = " ".join((d.name or "").split())
    if not d.name or len(d.name) > 120:
        errors["name"] = _l("Enter a name of at most 120 characters.")
    try:
        d.contact_mobile = normalise_mobile(d.contact_mobile)
    except AccountError as exc:
        errors["contact_mobile"] = exc.message
    block = db.session.get(Block, d.block_id) if d.block_id else None
    if block is None:
        errors["block_id"] = _l("Choose the block she lives in.")
    cats = set(d.category_ids or [])
    known = set(db.session.scalars(select(WorkCategory.id).where(WorkCategory.id.in_(cats),
                                                                 WorkCategory.active.is_(True)))) if cats else set()
    if not cats or known != cats:
        errors["category_ids"] = _l("Choose at least one kind of work.")
    if len(cats) > 6:
        errors["category_ids"] = _l("Choose at most 6 kinds of work.")
    areas: list[tuple[int, str | None]] = []
    blocks = set(d.block_ids or []) | ({block.id} if block else set())
    if len(blocks) > 20 or len(set(db.session.scalars(select(Block.id).where(Block.id.in_(blocks))))) != len(blocks):
        errors["block_ids"] = _l("Choose blocks from the list.")
    areas += [(b, None) for b in sorted(blocks)]
    pins = [p for p in re.split(r"[,;\s]+", d.pin_codes or "") if p]
    if len(pins) > 20:
        errors["pin_codes"] = _l("At most 20 PIN codes.")
    for p in pins[:20]:
        try:
            pin, pin_block = block_of_pin(p, "pin_codes")
        except DomainError as exc:
            errors["pin_codes"] = exc.message
            break
        if (pin_block, pin) not in areas:
            areas.append((pin_block, pin))
    d.pin_codes = " ".join(p for _b, p in areas if p)
    if not 0 <= (d.experience_years or 0) <= 60:
        errors["experience_years"] = _l("Enter the years of experience (0 to 60).")
    if not 0 <= (d.rate_rupees or 0) <= 100000:
        errors["rate_rupees"] = _l("Enter the rate in rupees (0 to 1,00,000).")
    if d.rate_unit not in tuple(RateUnit):
        errors["rate_unit"] = _l("Choose per day or per job.")
    if not d.weekdays or not set(d.weekdays) <= set(range(7)):
        errors["weekdays"] = _l("Choose at least one day of the week.")
    if not (0 <= d.start_hour < d.end_hour <= 24):
        errors["end_hour"] = _l("The day's work must end after it starts.")
    if not d.languages or not set(d.languages) <= set(LANGUAGES):
        errors["languages"] = _l("Choose at least one language.")
    d.villages = " ".join((d.villages or "").split())
    if len(d.villages) > 300:
        errors["villages"] = _l("At most 300 characters.")
    d.about = (d.about or "").strip()
    if len(d.about) > MAX_ABOUT:
        errors["about"] = _l("At most %(n)d characters.", n=MAX_ABOUT)
    if errors:
        raise WorkerError(next(iter(errors.values())), errors=errors)
    return d, areas


def _apply(profile: WorkerProfile, d: ProfileData, areas: list[tuple[int, str | None]]) -> None:
    profile.name, profile.contact_mobile, profile.block_id = d.name, d.contact_mobile, d.block_id
    profile.villages, profile.experience_years = d.villages, d.experience_years
    profile.rate_paise, profile.rate_unit = d.rate_rupees * 100, d.rate_unit
    profile.weekdays = "".join(str(w) for w in sorted(set(d.weekdays)))
    profile.start_hour, profile.end_hour = d.start_hour, d.end_hour
    profile.languages = ",".join(lang for lang in LANGUAGES if lang in d.languages)
    profile.about = d.about
    profile.categories = list(db.session.scalars(select(WorkCategory).where(WorkCategory.id.in_(d.category_ids))))
    wanted = set(areas)
    profile.areas = [a for a in profile.areas if (a.block_id, a.pin_code) in wanted] + [
        WorkerArea(block_id=b, pin_code=p) for b, p in areas
        if (b, p) not in {(a.block_id, a.pin_code) for a in profile.areas}]


def own_profile(user) -> WorkerProfile | None:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(select(WorkerProfile).where(WorkerProfile.user_id == user.id))


def register_self(user, d: ProfileData, photo=None) -> WorkerProfile:
    """A worker with her own phone: her login mobile is her contact number."""
    if own_profile(user) is not None:
        raise WorkerError(_l("You are already registered as a worker."), status=409)
    if not user.mobile:
        raise WorkerError(_l("Add a mobile number to your account first: households reach you on it."),
                          field="contact_mobile")
    d.contact_mobile = user.mobile
    d, areas = _checked(d)
    profile = WorkerProfile(user_id=user.id, registered_by_id=user.id)
    _apply(profile, d, areas)
    profile.photo_id = _store_photo(photo)
    db.session.add(profile)
    _commit_profile()
    return profile


def may_register_for_others(user) -> bool:
    """Officials (for their area) and SHG members (for someone in their village) register workers without a
    phone of their own."""
    if user is None or not user.is_authenticated:
        return False
    return user.role in (Role.ADMIN, Role.OFFICIAL, Role.SELLER)


def register_for(actor, d: ProfileData, seller_id: int | None = None, photo=None) -> WorkerProfile:
    if not may_register_for_others(actor):
        raise WorkerError(_l("Only officials and self-help groups may register a worker."), status=403)
    if not d.contact_mobile and actor.mobile:
        d.contact_mobile = actor.mobile  # requests come to the group's / official's phone
    d, areas = _checked(d)
    block = db.session.get(Block, d.block_id)
    if actor.role == Role.OFFICIAL and not official_covers_block(actor, block):
        raise WorkerError(_l("This block is outside your area."), field="block_id", status=403)
    if actor.role == Role.SELLER:
        from marketplace.sellers import services as sellers

        groups = {s.id for s in sellers.sellers_of_user(actor)}
        if seller_id not in groups:
            seller_id = next(iter(sorted(groups)), None)
        if seller_id is None:
            raise WorkerError(_l("Only officials and self-help groups may register a worker."), status=403)
    profile = WorkerProfile(registered_by_id=actor.id, seller_id=seller_id if actor.role == Role.SELLER else None)
    _apply(profile, d, areas)
    profile.photo_id = _store_photo(photo)
    db.session.add(profile)
    _commit_profile()
    return profile


def _store_photo(data: bytes | None) -> int | None:
    """Stored only after the profile was checked (a rejected photo raises the media domain's error)."""
    if not data:
        return None
    from marketplace.media import services as media

    return media.store_image(data).id


def _commit_profile() -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise WorkerError(_l("You are already registered as a worker."), status=409) from exc


def get_profile(profile_id: int) -> WorkerProfile | None:
    return db.session.get(WorkerProfile, profile_id)


def public_profile(profile_id: int) -> WorkerProfile | None:
    stmt = (select(WorkerProfile).where(WorkerProfile.id == profile_id)
            .options(selectinload(WorkerProfile.categories), selectinload(WorkerProfile.areas)))
    return db.session.scalar(stmt)


def may_edit(user, profile: WorkerProfile) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.role == Role.ADMIN or profile.user_id == user.id:
        return True
    if profile.user_id is None and profile.registered_by_id == user.id:
        return True
    return user.role == Role.OFFICIAL and official_covers_block(user, db.session.get(Block, profile.block_id))


def _require_edit(user, profile: WorkerProfile) -> None:
    if not may_edit(user, profile):
        raise WorkerError(_l("You may not change this profile."), status=403)


def update_profile(profile: WorkerProfile, actor, d: ProfileData, photo=None) -> None:
    _require_edit(actor, profile)
    if profile.user_id is not None:
        d.contact_mobile = profile.contact_mobile  # her login number; changed through her account
    d, areas = _checked(d)
    _apply(profile, d, areas)
    if photo:
        profile.photo_id = _store_photo(photo)
    db.session.commit()


def profile_data(profile: WorkerProfile) -> ProfileData:
    return ProfileData(
        name=profile.name, contact_mobile=profile.contact_mobile, block_id=profile.block_id,
        villages=profile.villages, category_ids=[c.id for c in profile.categories],
        block_ids=sorted({a.block_id for a in profile.areas if a.pin_code is None}),
        pin_codes=" ".join(a.pin_code for a in profile.areas if a.pin_code), experience_years=profile.experience_years,
        rate_rupees=profile.rate_paise // 100, rate_unit=profile.rate_unit,
        weekdays=[int(ch) for ch in profile.weekdays], start_hour=profile.start_hour, end_hour=profile.end_hour,
        languages=profile.languages.split(","), about=profile.about)


def set_paused(profile: WorkerProfile, actor, paused: bool) -> None:
    _require_edit(actor, profile)
    db.session.execute(update(WorkerProfile).where(WorkerProfile.id == profile.id).values(paused=bool(paused)))
    db.session.commit()
    db.session.refresh(profile)


def check_identity(profile: WorkerProfile, official) -> None:
    """An official of her block has seen her identity document."""
    if official is None or official.role not in (Role.OFFICIAL, Role.ADMIN) or \
            not official_covers_block(official, db.session.get(Block, profile.block_id)):
        raise WorkerError(_l("Only an official of her block may check her identity."), status=403)
    db.session.execute(update(WorkerProfile).where(WorkerProfile.id == profile.id,
                                                   WorkerProfile.identity_checked_at.is_(None))
                       .values(identity_checked_at=utcnow(), identity_checked_by_id=official.id))
    db.session.commit()
    db.session.refresh(profile)


# ---------------------------------------------------------------- finding a worker

@lru_cache(maxsize=256)
def _terms_of(text: str) -> frozenset[str]:
    from marketplace.search.analysis import word_terms, words

    return frozenset(t for w in words(text) for t in word_terms(w))


def _category_terms() -> dict[int, frozenset[str]]:
    """Each category's search terms: stems and phonetic keys of its names and aliases (search/analysis.py, the
    same analysis as product search). One small query; the analysis of each text is cached."""
    rows = db.session.execute(select(WorkCategory.id, WorkCategory.name_en, WorkCategory.name_hi, WorkCategory.slug,
                                     WorkCategory.aliases).where(WorkCategory.active.is_(True)))
    return {cid: _terms_of(" ".join((en, hi, slug.replace("-", " "), aliases.replace(";", " "))))
            for cid, en, hi, slug, aliases in rows}


def _near(a: str, b: str) -> bool:
    """One letter added, dropped or changed (a typo such as `plumbr`); only for longer words."""
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 5:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + 1:] == b[i + 1:] if len(a) == len(b) else a[i:] == b[i + 1:]


def categories_for_query(text: str) -> list[int]:
    """The categories a query means: those matching the most query words (`nal mistri` is the plumber, not
    every `mistri`). Words match by stem, phonetic key, the product search's synonyms, or one typo away."""
    from marketplace.search.analysis import parse_query

    qwords = parse_query(text or "")
    if not qwords:
        return []
    scores: Counter = Counter()
    for cat_id, terms in _category_terms().items():
        for qw in qwords:
            if qw.terms & terms or any(_near(q, t) for q in qw.terms for t in terms if q[:1] == t[:1]):
                scores[cat_id] += 1
    if not scores:
        return []
    best = max(scores.values())
    return [cat_id for cat_id, score in scores.items() if score == best]


@dataclass
class WorkerSearch:
    q: str = ""
    category_id: int | None = None
    pin: str = ""
    block_id: int | None = None
    on_date: date | None = None
    page: int = 1


@dataclass
class SearchResult:
    workers: list[WorkerProfile]
    total: int
    category_ids: list[int]
    understood: bool  # False when the words matched no kind of work
    block_id: int | None = None
    page: int = 1
    pages: int = 1


PAGE_SIZE = 20
OFFICIAL_PAGE = 50  # workers a page on the officials' list


def find_workers(s: WorkerSearch) -> SearchResult:
    """Active workers of the category/categories meant, serving the place, free on the date. Raises
    WorkerError for an unknown PIN code or a date in the past."""
    cat_ids = [s.category_id] if s.category_id else []
    understood = True
    if not cat_ids and s.q.strip():
        cat_ids = categories_for_query(s.q)
        understood = bool(cat_ids)
    block_id, pin = s.block_id, None
    if s.pin.strip():
        pin, block_id = block_of_pin(s.pin, "pin")
    stmt = select(WorkerProfile).where(WorkerProfile.paused.is_(False))
    if s.q.strip() and not understood:
        return SearchResult([], 0, [], False, block_id)
    if cat_ids:
        stmt = stmt.where(WorkerProfile.id.in_(select(WorkerCategory.worker_id)
                                               .where(WorkerCategory.category_id.in_(cat_ids))))
    if block_id:
        # she serves the whole block, or this PIN code in it
        area = WorkerArea.block_id == block_id
        if pin:
            area = and_(area, or_(WorkerArea.pin_code.is_(None), WorkerArea.pin_code == pin))
        stmt = stmt.where(WorkerProfile.id.in_(select(WorkerArea.worker_id).where(area)))
    if s.on_date:
        if s.on_date < today_in_india():
            raise WorkerError(_l("Choose today or a later date."), field="date")
        stmt = stmt.where(WorkerProfile.weekdays.contains(str(s.on_date.weekday())))
        full = (select(Booking.worker_id).where(Booking.work_date == s.on_date, Booking.slot_key.is_not(None))
                .group_by(Booking.worker_id).having(func.count() >= len(Slot)))
        stmt = stmt.where(WorkerProfile.id.not_in(full))
    found = paginate(stmt.order_by(WorkerProfile.identity_checked_at.is_(None), WorkerProfile.rating_sum.desc(),
                                   WorkerProfile.jobs_done.desc(), WorkerProfile.id)
                     .options(selectinload(WorkerProfile.categories)), s.page, PAGE_SIZE)
    return SearchResult(found.items, found.total, cat_ids, understood, block_id, found.number, found.pages)


def free_slots(profile: WorkerProfile, day: date) -> list[str]:
    """The slots of `day` still open for this worker (her days and hours, nothing holding the slot)."""
    if str(day.weekday()) not in profile.weekdays:
        return []
    taken = set(db.session.scalars(select(Booking.slot).where(Booking.worker_id == profile.id,
                                                              Booking.work_date == day,
                                                              Booking.slot_key.is_not(None))))
    now = utcnow()
    return [s.value for s in Slot if s not in taken and slot_start(day, s) > now
            and SLOT_HOURS[s][0] < profile.end_hour and SLOT_HOURS[s][1] > profile.start_hour]


# ---------------------------------------------------------------- bookings

def _slot_key(worker_id: int, day: date, slot: str) -> str:
    return f"{worker_id}:{day.isoformat()}:{slot}"


@dataclass
class BookingRequest:
    worker_id: int
    category_id: int | None
    work_date: date | None
    slot: str
    address: str
    pin_code: str
    description: str


def request_booking(household, r: BookingRequest) -> Booking:
    """A household asks for a worker. Validates everything, then inserts the booking holding the slot; a
    concurrent request for the same slot fails on the unique slot key (409)."""
    worker = db.session.get(WorkerProfile, r.worker_id)
    if worker is None or worker.paused:
        raise WorkerError(_l("This worker is not taking work just now."), status=404)
    if worker.user_id == household.id:
        raise WorkerError(_l("You cannot book yourself."), status=422)
    errors = {}
    cat_ids = {c.id for c in worker.categories}
    category_id = r.category_id if r.category_id in cat_ids else (min(cat_ids) if cat_ids else None)
    if r.slot not in tuple(Slot):
        errors["slot"] = _l("Choose a time of day.")
    if r.work_date is None:
        errors["work_date"] = _l("Choose a date.")
    elif r.slot in tuple(Slot):
        if slot_start(r.work_date, r.slot) <= utcnow():
            errors["work_date"] = _l("That time has already passed. Choose a later date or time.")
        elif r.work_date > today_in_india() + timedelta(days=BOOK_AHEAD_DAYS):
            errors["work_date"] = _l("Book at most %(n)d days ahead.", n=BOOK_AHEAD_DAYS)
        elif r.slot not in free_slots(worker, r.work_date):
            errors["slot"] = _l("She is not free then. Choose another day or time.")
    address = " ".join((r.address or "").split())
    if len(address) < 5 or len(address) > MAX_ADDRESS:
        errors["address"] = _l("Enter the address (5 to %(n)d characters).", n=MAX_ADDRESS)
    description = (r.description or "").strip()
    if not description or len(description) > MAX_DESCRIPTION:
        errors["description"] = _l("Describe the work in at most %(n)d characters.", n=MAX_DESCRIPTION)
    pin, block_id = None, None
    try:
        pin, block_id = block_of_pin(r.pin_code)
    except DomainError as exc:
        errors["pin_code"] = exc.message
    if pin and not db.session.scalar(select(WorkerArea.id).where(
            WorkerArea.worker_id == worker.id, WorkerArea.block_id == block_id,
            or_(WorkerArea.pin_code.is_(None), WorkerArea.pin_code == pin)).limit(1)):
        errors["pin_code"] = _l("She does not work at this PIN code. Find a worker near you.")
    if errors:
        raise WorkerError(next(iter(errors.values())), errors=errors)
    now = utcnow()
    booking = Booking(worker_id=worker.id, household_id=household.id, category_id=category_id,
                      work_date=r.work_date, slot=r.slot, slot_key=_slot_key(worker.id, r.work_date, r.slot),
                      status=BookingStatus.REQUESTED, address=address, pin_code=pin, block_id=block_id,
                      description=description, expires_at=min(now + REQUEST_TTL, slot_start(r.work_date, r.slot)))
    db.session.add(booking)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise WorkerError(_l("Someone has just booked her for this time. Choose another time."), field="slot",
                          status=409) from exc
    db.session.add(BookingEvent(booking_id=booking.id, from_state=None, to_state=BookingStatus.REQUESTED,
                                actor_id=household.id))
    _tell_worker(booking, worker, "worker_booking_request")
    db.session.commit()
    return booking


def _slot_label(slot: str):
    return {Slot.MORNING: _l("morning (8–12)"), Slot.AFTERNOON: _l("afternoon (12–4)"),
            Slot.EVENING: _l("evening (4–8)")}[Slot(slot)]


def _tell_worker(booking: Booking, worker: WorkerProfile, kind: str) -> None:
    user = db.session.get(User, worker.user_id) if worker.user_id else None
    block = db.session.get(Block, booking.block_id)
    recipient = notifications.Recipient(worker.name, (user.locale if user else None) or "hi",
                                        (("sms", worker.contact_mobile), ("whatsapp", worker.contact_mobile)),
                                        user.id if user else None)
    category = db.session.get(WorkCategory, booking.category_id)
    notifications.notify(recipient, kind, date=booking.work_date.strftime("%d.%m.%Y"),
                         slot=_slot_label(booking.slot), place=f"{block.name_hi} ({booking.pin_code})",
                         category=category.name_hi if category else "", description=booking.description[:120],
                         until=booking.expires_at.astimezone(IST).strftime("%d.%m %H:%M"),
                         link=notifications.link("workers.answer", token=answer_token(booking)))


def _tell_household(booking: Booking, status_label, detail) -> None:
    household = db.session.get(User, booking.household_id)
    worker = db.session.get(WorkerProfile, booking.worker_id)
    notifications.notify(notifications.for_user(household), "household_booking_answer", worker=worker.name,
                         status=status_label, date=booking.work_date.strftime("%d.%m.%Y"),
                         slot=_slot_label(booking.slot), detail=detail,
                         link=notifications.link("workers.booking", booking_id=booking.id))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def answer_token(booking: Booking) -> str:
    return _serializer().dumps({"b": booking.id, "w": booking.worker_id})


def booking_from_token(token: str) -> Booking:
    """The booking a worker's link is for. A tampered link is a 404, one older than REQUEST_TTL a 410."""
    try:
        data = _serializer().loads(token, max_age=int(REQUEST_TTL.total_seconds()))
    except SignatureExpired as exc:
        raise WorkerError(_l("This link has expired. The request is no longer open."), status=410) from exc
    except BadSignature as exc:
        raise WorkerError(_l("This link is not valid."), status=404) from exc
    booking = db.session.get(Booking, data.get("b")) if isinstance(data, dict) and \
        isinstance(data.get("b"), int) else None
    if booking is None or booking.worker_id != data.get("w"):
        raise WorkerError(_l("This link is not valid."), status=404)
    return booking


def _transition(booking: Booking, target: str, actor_id: int | None, reason: str | None = None,
                release: bool = False, **values) -> None:
    """Compare-and-set: only moves a booking still in the state we read; records the event. No commit."""
    current = booking.status
    try:
        BOOKING_STATES.check(current, target)
    except IllegalTransition as exc:
        raise WorkerError(_l("This booking has already changed. Please look at it again."), status=409) from exc
    if release:
        values["slot_key"] = None
    result = db.session.execute(update(Booking).where(Booking.id == booking.id, Booking.status == current)
                                .values(status=target, updated_at=utcnow(), **values)
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise WorkerError(_l("This booking has already changed. Please look at it again."), status=409)
    db.session.add(BookingEvent(booking_id=booking.id, from_state=current, to_state=target, actor_id=actor_id,
                                reason=reason))


def answer(booking: Booking, accept: bool, actor_id: int | None = None) -> None:
    """The worker accepts or declines (through her link, or logged in)."""
    if booking.status == BookingStatus.REQUESTED and booking.expires_at <= utcnow():
        expire_stale()
        raise WorkerError(_l("This request has expired."), status=409)
    target = BookingStatus.ACCEPTED if accept else BookingStatus.DECLINED
    _transition(booking, target, actor_id, release=not accept, answered_at=utcnow())
    db.session.flush()
    db.session.refresh(booking)
    if accept:
        _tell_household(booking, _l("accepted"), _l("You can now see her phone number."))
    else:
        _tell_household(booking, _l("declined"), _l("Please choose another worker."))
    db.session.commit()


def worker_bookings_owner(booking: Booking, user) -> bool:
    """The worker herself (her account), or whoever registered her without a phone."""
    if user is None or not user.is_authenticated:
        return False
    worker = db.session.get(WorkerProfile, booking.worker_id)
    return worker.user_id == user.id or (worker.user_id is None and worker.registered_by_id == user.id)


def cancel(booking: Booking, user) -> None:
    """The household withdraws a request or cancels an accepted booking; the worker may cancel an accepted one."""
    is_household = booking.household_id == user.id
    if not is_household and not worker_bookings_owner(booking, user):
        raise WorkerError(_l("This is not your booking."), status=403)
    if not is_household and booking.status != BookingStatus.ACCEPTED:
        raise WorkerError(_l("This booking has already changed. Please look at it again."), status=409)
    was = booking.status
    _transition(booking, BookingStatus.CANCELLED, user.id, release=True)
    db.session.flush()
    if is_household and was in NUMBERS_SHOWN | {BookingStatus.REQUESTED}:
        _tell_worker(booking, db.session.get(WorkerProfile, booking.worker_id), "worker_booking_cancelled")
    db.session.commit()


def finish(booking: Booking, user, no_show: bool = False) -> None:
    """After the slot has started: the household (or the worker) says the job was done, or the household that
    the worker did not come."""
    is_household = booking.household_id == user.id
    if not is_household and not (worker_bookings_owner(booking, user) and not no_show):
        raise WorkerError(_l("This is not your booking."), status=403)
    if slot_start(booking.work_date, booking.slot) > utcnow():
        raise WorkerError(_l("The work has not started yet."), status=409)
    target = BookingStatus.NO_SHOW if no_show else BookingStatus.DONE
    _transition(booking, target, user.id)
    if not no_show:
        db.session.execute(update(WorkerProfile).where(WorkerProfile.id == booking.worker_id)
                           .values(jobs_done=WorkerProfile.jobs_done + 1))
    db.session.commit()


def expire_stale(now: datetime | None = None) -> int:
    """Requests nobody answered in time become `expired` and free the slot. Safe to run from several places at
    once (each booking moves by compare-and-set). Returns how many expired."""
    now = now or utcnow()
    ids = list(db.session.scalars(select(Booking.id).where(Booking.status == BookingStatus.REQUESTED,
                                                           Booking.expires_at <= now).limit(1000)))
    done = 0
    for booking_id in ids:
        result = db.session.execute(
            update(Booking).where(Booking.id == booking_id, Booking.status == BookingStatus.REQUESTED)
            .values(status=BookingStatus.EXPIRED, slot_key=None, updated_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            db.session.add(BookingEvent(booking_id=booking_id, from_state=BookingStatus.REQUESTED,
                                        to_state=BookingStatus.EXPIRED, reason="not answered in time"))
            booking = db.session.get(Booking, booking_id)
            db.session.refresh(booking)
            _tell_household(booking, _l("no answer"), _l("The request expired. Please choose another worker."))
            done += 1
        db.session.commit()
    return done


def get_booking(booking_id: int) -> Booking | None:
    return db.session.get(Booking, booking_id)


def numbers_visible(booking: Booking) -> bool:
    return booking.status in NUMBERS_SHOWN


def household_of(booking: Booking) -> User:
    return db.session.get(User, booking.household_id)


def events_of(booking: Booking) -> list[BookingEvent]:
    return list(db.session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking.id)
                                   .order_by(BookingEvent.id)))


BOOKINGS_PAGE = 30  # bookings a page, for the household and for the worker
REPORTS_PAGE = 30  # reports a page on the officials' page


def _bookings_page(where, page: int) -> Page:
    """One page of the bookings matching `where`, latest work day first."""
    stmt = (select(Booking).where(where).options(selectinload(Booking.worker), selectinload(Booking.category))
            .order_by(Booking.work_date.desc(), Booking.id.desc()))
    return paginate(stmt, page, BOOKINGS_PAGE, count=select(func.count()).where(where))


def household_bookings(user, page: int = 1) -> Page:
    return _bookings_page(Booking.household_id == user.id, page)


def profiles_spoken_for(user) -> list[WorkerProfile]:
    """Her own profile, and the profiles this user registered for workers without a phone."""
    if user is None or not user.is_authenticated:
        return []
    stmt = (select(WorkerProfile).where(or_(WorkerProfile.user_id == user.id,
                                            and_(WorkerProfile.user_id.is_(None),
                                                 WorkerProfile.registered_by_id == user.id)))
            .options(selectinload(WorkerProfile.categories)).order_by(WorkerProfile.id))
    return list(db.session.scalars(stmt))


def worker_bookings(profile_ids: list[int], page: int = 1) -> Page:
    if not profile_ids:
        return Page([], 1, 1, 0)
    return _bookings_page(Booking.worker_id.in_(profile_ids), page)


def rating_of(booking: Booking) -> Rating | None:
    return db.session.scalar(select(Rating).where(Rating.booking_id == booking.id))


def rate(booking: Booking, user, stars: int | None, comment: str) -> Rating:
    """The household rates a finished job, once."""
    if booking.household_id != user.id:
        raise WorkerError(_l("This is not your booking."), status=403)
    if booking.status != BookingStatus.DONE:
        raise WorkerError(_l("You can rate the work once it is done."), status=409)
    comment = (comment or "").strip()
    errors = {}
    if stars is None or not 1 <= stars <= 5:
        errors["stars"] = _l("Choose 1 to 5 stars.")
    if len(comment) > MAX_COMMENT:
        errors["comment"] = _l("At most %(n)d characters.", n=MAX_COMMENT)
    if errors:
        raise WorkerError(next(iter(errors.values())), errors=errors)
    rating = Rating(booking_id=booking.id, worker_id=booking.worker_id, stars=stars, comment=comment)
    db.session.add(rating)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise WorkerError(_l("You have already rated this work."), status=409) from exc
    db.session.execute(update(WorkerProfile).where(WorkerProfile.id == booking.worker_id)
                       .values(rating_sum=WorkerProfile.rating_sum + stars,
                               rating_count=WorkerProfile.rating_count + 1))
    db.session.commit()
    return rating


def report(booking: Booking, user, reason: str) -> Report:
    """Either side of a booking reports the other to the officials of the worker's block."""
    is_household = booking.household_id == user.id
    if not is_household and not worker_bookings_owner(booking, user):
        raise WorkerError(_l("This is not your booking."), status=403)
    reason = (reason or "").strip()
    if len(reason) < 5 or len(reason) > MAX_REASON:
        raise WorkerError(_l("Say what happened (5 to %(n)d characters).", n=MAX_REASON), field="reason")
    worker = db.session.get(WorkerProfile, booking.worker_id)
    item = Report(booking_id=booking.id, block_id=worker.block_id, by_household=is_household, reporter_id=user.id,
                  reason=reason)
    db.session.add(item)
    db.session.commit()
    return item


# ---------------------------------------------------------------- officials

def _block_scope(user):
    """A WHERE clause on a block id column's values: the blocks this official covers (None: all, for admin)."""
    if user.role == Role.ADMIN:
        return None
    match user.official_level:
        case OfficialLevel.BLOCK:
            return select(Block.id).where(Block.id == user.scope_block_id)
        case OfficialLevel.DISTRICT:
            return select(Block.id).where(Block.district_id == user.scope_district_id)
        case OfficialLevel.STATE:
            return select(Block.id).join(District).where(District.state_id == user.scope_state_id)
    return select(Block.id).where(Block.id == -1)


def blocks_in_scope(user) -> list[Block]:
    scope = _block_scope(user)
    stmt = select(Block).order_by(Block.name_en)
    if scope is not None:
        stmt = stmt.where(Block.id.in_(scope))
    return list(db.session.scalars(stmt))


def workers_in_scope(user, block_id: int | None = None, category_id: int | None = None, page: int = 1,
                     per_page: int | None = None) -> Page:
    """One page of the workers an official looks after, those whose identity is not checked yet first."""
    stmt = select(WorkerProfile).options(selectinload(WorkerProfile.categories))
    scope = _block_scope(user)
    if scope is not None:
        stmt = stmt.where(WorkerProfile.block_id.in_(scope))
    if block_id:
        stmt = stmt.where(WorkerProfile.block_id == block_id)
    if category_id:
        stmt = stmt.where(WorkerProfile.id.in_(select(WorkerCategory.worker_id)
                                               .where(WorkerCategory.category_id == category_id)))
    return paginate(stmt.order_by(WorkerProfile.identity_checked_at.is_not(None), WorkerProfile.id.desc()),
                    page, per_page or OFFICIAL_PAGE)


def workers_by_category_and_block(user) -> list[tuple[str, str, int, int]]:
    """(block name_en, category slug, workers, identity checked) for the official's blocks."""
    stmt = (select(Block.id, WorkCategory.id, func.count(WorkerProfile.id),
                   func.count(WorkerProfile.identity_checked_at))
            .join(WorkerProfile, WorkerProfile.block_id == Block.id)
            .join(WorkerCategory, WorkerCategory.worker_id == WorkerProfile.id)
            .join(WorkCategory, WorkCategory.id == WorkerCategory.category_id)
            .group_by(Block.id, WorkCategory.id))
    scope = _block_scope(user)
    if scope is not None:
        stmt = stmt.where(Block.id.in_(scope))
    return [tuple(row) for row in db.session.execute(stmt)]


def _month_bounds(month: date) -> tuple[date, date]:
    start = month.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def days_of_work_by_block(block_ids, month: date) -> dict[int, int]:
    """Days of work generated in `month` per block (of the worker's home block): one day per worker per date
    with a job done or accepted. For the officials' dashboards. Blocks without work are 0."""
    block_ids = list(block_ids)
    start, end = _month_bounds(month)
    days = (select(WorkerProfile.block_id.label("block_id"), Booking.worker_id, Booking.work_date)
            .join(WorkerProfile, WorkerProfile.id == Booking.worker_id)
            .where(WorkerProfile.block_id.in_(block_ids), Booking.work_date >= start, Booking.work_date < end,
                   Booking.status.in_((BookingStatus.DONE, BookingStatus.ACCEPTED)))
            .distinct().subquery())
    counts = dict(db.session.execute(select(days.c.block_id, func.count()).group_by(days.c.block_id)).all())
    return {b: counts.get(b, 0) for b in block_ids}


def bookings_by_month(user, months: int = 6) -> list[tuple[date, dict[str, int], int]]:
    """For the last `months` months: (month, bookings per status, days of work) within the official's scope."""
    first = today_in_india().replace(day=1)
    starts = []
    for _ in range(months):
        starts.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    starts.reverse()
    blocks = [b.id for b in blocks_in_scope(user)]
    stmt = (select(extract("year", Booking.work_date), extract("month", Booking.work_date), Booking.status,
                   func.count())
            .join(WorkerProfile, WorkerProfile.id == Booking.worker_id)
            .where(WorkerProfile.block_id.in_(blocks), Booking.work_date >= starts[0])
            .group_by(extract("year", Booking.work_date), extract("month", Booking.work_date), Booking.status))
    per: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for year, mon, status, n in db.session.execute(stmt):
        per[(int(year), int(mon))][status] = n
    return [(m, per.get((m.year, m.month), {}), sum(days_of_work_by_block(blocks, m).values())) for m in starts]


def reports_in_scope(user, status: str | None = ReportStatus.OPEN, page: int = 1) -> Page:
    """One page of the reports in an official's blocks, newest first."""
    stmt = select(Report).options(selectinload(Report.booking).selectinload(Booking.worker))
    scope = _block_scope(user)
    if scope is not None:
        stmt = stmt.where(Report.block_id.in_(scope))
    if status:
        stmt = stmt.where(Report.status == status)
    return paginate(stmt.order_by(Report.id.desc()), page, REPORTS_PAGE)


def handle_report(report_id: int, official, note: str) -> None:
    item = db.session.get(Report, report_id)
    if item is None:
        raise WorkerError(_l("Not found."), status=404)
    if not official_covers_block(official, db.session.get(Block, item.block_id)):
        raise WorkerError(_l("This report is outside your area."), status=403)
    note = (note or "").strip()
    if not note or len(note) > 500:
        raise WorkerError(_l("Write what was done (at most 500 characters)."), field="note")
    result = db.session.execute(update(Report).where(Report.id == item.id, Report.status == ReportStatus.OPEN)
                                .values(status=ReportStatus.HANDLED, handled_by_id=official.id, handled_note=note,
                                        handled_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise WorkerError(_l("This report has already been handled."), status=409)
    db.session.commit()

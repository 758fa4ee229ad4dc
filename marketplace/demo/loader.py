"""`flask demo load`: geography, categories, one user of each role, the demo groups with their members, bank
accounts and verification, and their products with variants and photos.

It goes through the domains' services (the same rules as the web forms), so demo data is data a real user
could have entered. It is idempotent: everything is looked up by a natural key first (login, NRLM code,
member mobile, product title within its seller, variant SKU) and only what is missing is created, so a
second run changes nothing and a run that was interrupted is completed by the next one."""

import hashlib
import json
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from marketplace.accounts import services as accounts
from marketplace.accounts.access import official_covers_block
from marketplace.accounts.models import OfficialLevel, Role, User
from marketplace.catalog import services as catalog
from marketplace.catalog.models import Category, Product, ProductStatus
from marketplace.demo import houses as demo_houses
from marketplace.demo import workers as demo_workers
from marketplace.demo.data import (
    DEMO_PASSWORD,
    DEMO_USERS,
    demo_sellers,
    member_mobile,
    photo_alt,
    photo_path,
    read_products,
    sellers_file,
)
from marketplace.extensions import db
from marketplace.fulfilment import houses
from marketplace.geo.models import Block, District, State, Village
from marketplace.geo.services import load_geography
from marketplace.media import services as media
from marketplace.media.models import Image
from marketplace.sellers import services as sellers
from marketplace.sellers.models import Member, MemberRole, Seller, Verification

BANKS = {"SBIN": "State Bank of India", "PUNB": "Punjab National Bank", "UBIN": "Union Bank of India",
         "BKID": "Bank of India", "UCBA": "UCO Bank", "HDFC": "HDFC Bank"}
_LEVEL_ORDER = {OfficialLevel.BLOCK: 0, OfficialLevel.DISTRICT: 1, OfficialLevel.STATE: 2}
_OFFICE_ROLES = {2: MemberRole.SECRETARY, 3: MemberRole.TREASURER}


@dataclass
class Summary:
    created: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        made = ", ".join(f"{n} {what}" for what, n in self.created.items() if n) or "nothing (all there already)"
        return [f"created: {made}", f"time: {self.seconds:.1f} s"]


# ---------------------------------------------------------------- places

def _state(name: str) -> State:
    return db.session.scalar(select(State).where(State.name_en == name))


def _district(state: str, name: str) -> District:
    return db.session.scalar(select(District).join(State).where(State.name_en == state, District.name_en == name))


def _block(district: str, name: str) -> Block:
    return db.session.scalar(select(Block).join(District).where(District.name_en == district, Block.name_en == name))


def _village(block: Block, name: str | None) -> Village | None:
    if not name:
        return None
    return db.session.scalar(select(Village).where(Village.block_id == block.id, Village.name_en == name))


def _scope_id(level: str, scope: tuple) -> int:
    state, district, block = scope
    if level == OfficialLevel.STATE:
        return _state(state).id
    if level == OfficialLevel.DISTRICT:
        return _district(state, district).id
    return _block(district, block).id


# ---------------------------------------------------------------- users

def ensure_users(summary: Summary) -> list[User]:
    """One user of every role (officials at block, district and state level)."""
    users = []
    for role, login, name, level, scope in DEMO_USERS:
        user = accounts.find_user(login)
        if user is None:
            kwargs = {"official_level": level, "scope_id": _scope_id(level, scope)} if level else {}
            user = accounts.create_user(name, login, DEMO_PASSWORD, role, **kwargs)
            summary.created["users"] += 1
        users.append(user)
    return users


def _nearest_official(officials: list[User], block: Block) -> User:
    """The official closest to the group (block before district before state) who covers its block."""
    covering = [u for u in officials if official_covers_block(u, block)]
    return min(covering, key=lambda u: _LEVEL_ORDER[u.official_level])


# ---------------------------------------------------------------- sellers

def nrlm_code(spec: dict, state: State) -> str:
    return f"{state.code}-{spec['district'][:3].upper()}-{spec['no']:05d}"


def _president(spec: dict, summary: Summary) -> User:
    mobile = member_mobile(spec["no"], 1)
    user = accounts.find_user(mobile)
    if user is None:
        user = accounts.create_user(spec["president"], mobile, DEMO_PASSWORD, Role.CUSTOMER)
        summary.created["users"] += 1
    return user


def _details(spec: dict, block: Block, state: State) -> sellers.SellerDetails:
    level, federation = spec.get("federation") or (None, None)
    return sellers.SellerDetails(
        kind=spec["kind"], name_hi=spec["name_hi"], name_en=spec["name_en"], block_id=block.id,
        village_id=_village(block, spec.get("village")).id, federation_level=level, federation_name=federation,
        nrlm_code=nrlm_code(spec, state), formed_on=date.fromisoformat(spec["formed_on"]),
        story_hi=spec.get("story_hi"), story_en=spec.get("story_en"))


def _member_names(spec: dict, state: State) -> list[str]:
    """The other members' names, drawn (always the same way) from the names common in the group's state."""
    pool = [n for n in sellers_file()["member_names"][state.code] if n != spec["president"]]
    return random.Random(spec["key"]).sample(pool, spec["members"] - 1)


def _ensure_members(seller: Seller, president: User, spec: dict, state: State, summary: Summary) -> None:
    have = set(db.session.scalars(select(Member.mobile).where(Member.seller_id == seller.id)))
    for number, name in enumerate(_member_names(spec, state), start=2):
        mobile = member_mobile(spec["no"], number)
        if mobile not in have:
            sellers.invite_member(seller, president, name, mobile, _OFFICE_ROLES.get(number, MemberRole.MEMBER))
            summary.created["members"] += 1


def _ensure_bank(seller: Seller, president: User, spec: dict, summary: Summary) -> None:
    if seller.bank_account is not None:
        return
    rng = random.Random(f"bank-{spec['key']}")
    number = str(rng.randint(10**10, 10**11 - 1))
    ifsc = f"{spec['bank']}0{rng.randint(0, 999_999):06d}"
    sellers.save_bank_account(seller, president, spec["name_en"], number, number, ifsc, BANKS[spec["bank"]])
    summary.created["bank accounts"] += 1


def _ensure_status(seller: Seller, spec: dict, officials: list[User], summary: Summary) -> None:
    """Only a pending group is moved: a status someone changed by hand since is left alone."""
    if seller.status != Verification.PENDING or spec["status"] == Verification.PENDING:
        return
    official = _nearest_official(officials, seller.block)
    if spec["status"] == Verification.VERIFIED:
        sellers.verify(seller, official)
    else:
        sellers.reject(seller, official, spec["reason"])
    summary.created[f"{spec['status']} groups"] += 1


def ensure_seller(spec: dict, officials: list[User], summary: Summary) -> tuple[Seller, User]:
    block = _block(spec["district"], spec["block"])
    state = block.district.state
    president = _president(spec, summary)
    seller = db.session.scalar(select(Seller).where(Seller.nrlm_code == nrlm_code(spec, state)))
    if seller is None:
        seller = sellers.register_seller(president, _details(spec, block, state), spec["president"],
                                         president.mobile)
        summary.created["sellers"] += 1
    _ensure_members(seller, president, spec, state, summary)
    _ensure_bank(seller, president, spec, summary)
    _ensure_status(seller, spec, officials, summary)
    return seller, president


# ---------------------------------------------------------------- products

class Photos:
    """Each distinct picture goes through the media pipeline once per run and is shared by its products."""

    def __init__(self, summary: Summary):
        self.images: dict[str, Image] = {}
        self.summary = summary

    def image(self, ref: str) -> Image:
        if ref not in self.images:
            data = photo_path(ref).read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            if db.session.scalar(select(Image.id).where(Image.sha256 == sha)) is None:
                self.summary.created["images"] += 1
            self.images[ref] = media.store_image(data)
        return self.images[ref]


def _fields(row: dict, categories: dict[str, int]) -> dict:
    def number(name):
        return int(row[name]) if row[name] else None

    return {
        "category_id": categories[row["category"]], "title_en": row["title_en"] or None,
        "title_hi": row["title_hi"] or None, "description_en": row["description_en"] or None,
        "description_hi": row["description_hi"] or None, "price_paise": number("price_paise"),
        "mrp_paise": number("mrp_paise"), "unit": row["unit"], "pack_size": number("pack_size"),
        "min_order_qty": number("min_order_qty"), "stock": number("stock"),
        "lead_time_days": number("lead_time_days"), "hsn_code": row["hsn_code"],
        "gst_rate_bp": number("gst_rate_bp"), "weight_grams": number("weight_grams"), "tags": row["tags"],
    }


def _product_key(title_en: str | None, title_hi: str | None) -> tuple:
    return title_en or None, title_hi or None


def ensure_product(seller: Seller, president: User, row: dict, existing: dict, categories: dict[str, int],
                   photos: Photos, summary: Summary) -> None:
    product = existing.get(_product_key(row["title_en"], row["title_hi"]))
    if product is None:
        product = catalog.create_product(seller, president, **_fields(row, categories))
        summary.created["products"] += 1
    have = {v.sku for v in product.variants}
    for variant in json.loads(row["variants"] or "[]"):
        if variant["sku"] not in have:
            catalog.add_variant(product, president, **variant)
            summary.created["variants"] += 1
    if not product.photos:
        photo = catalog.add_photo(product, photos.image(row["photo"]), president)
        photo.alt_text = photo_alt(row["photo"])
        db.session.commit()
        summary.created["product photos"] += 1
    if seller.is_verified and product.status == ProductStatus.DRAFT and product.published_at is None:
        catalog.publish(product, president)
        summary.created["products put on sale"] += 1


def _existing_products(seller: Seller) -> dict:
    stmt = select(Product).where(Product.seller_id == seller.id)
    return {_product_key(p.title_en, p.title_hi): p for p in db.session.scalars(stmt)}


# ---------------------------------------------------------------- all of it

def _mixed(queues: list[list]) -> list:
    """All groups' products in a fixed shuffled order, so that "new arrivals" show many groups and kinds of
    goods, not just the last group loaded."""
    items = [item for queue in queues for item in queue]
    random.Random("haat-demo").shuffle(items)
    return items


def selected_sellers(only: list[str] | None = None, limit: int | None = None) -> list[dict]:
    specs = demo_sellers()
    if only:
        unknown = set(only) - {s["key"] for s in specs}
        if unknown:
            raise ValueError(f"unknown demo sellers: {', '.join(sorted(unknown))}")
        specs = [s for s in specs if s["key"] in only]
    return specs[:limit] if limit is not None else specs


def load_demo(only: list[str] | None = None, limit: int | None = None) -> Summary:
    """Load everything (or the groups named in `only`, or the first `limit` groups) and report what was new."""
    started = time.perf_counter()
    summary = Summary()
    specs = selected_sellers(only, limit)
    summary.created["villages"] += load_geography()
    summary.created["categories"] += catalog.seed_categories()
    users = ensure_users(summary)
    houses.set_up_demo()  # a packaging house in every block; the demo operator works at Kahara's
    demo_workers.load(summary)  # workers' directory (issue 12)
    demo_houses.fill_house_addresses()  # each with a real-looking address, phone and PIN code
    officials = [u for u in users if u.role == Role.OFFICIAL]
    categories = dict(db.session.execute(select(Category.slug, Category.id)).all())
    rows = defaultdict(list)
    for row in read_products():
        rows[row["seller_key"]].append(row)
    photos = Photos(summary)
    queues = []
    for spec in specs:
        seller, president = ensure_seller(spec, officials, summary)
        queues.append([(seller, president, _existing_products(seller), row) for row in rows[spec["key"]]])
    for seller, president, existing, row in _mixed(queues):
        ensure_product(seller, president, row, existing, categories, photos, summary)
    if only is None and limit is None:  # institutional requisitions need the whole demo (issue 10)
        from marketplace.demo import requisitions as demo_requisitions

        demo_requisitions.load(summary)
    if only is None and limit is None:  # a year of history for the officials' dashboards (issue 11)
        from marketplace.demo.officials_history import load_history

        load_history(summary)
    summary.seconds = time.perf_counter() - started
    return summary


def totals() -> dict[str, int]:
    """How many rows the demo's main tables hold (for the summary and the tests)."""
    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    return {
        "users": count(User), "sellers": count(Seller),
        "verified sellers": count(Seller, Seller.status == Verification.VERIFIED),
        "members": count(Member), "products": count(Product),
        "products on sale": count(Product, Product.status == ProductStatus.LIVE),
        "images": count(Image),
    }

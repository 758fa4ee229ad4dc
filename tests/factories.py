"""Small builders for test data. They commit, so the objects are visible to the test client."""

import itertools

from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role, User
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.geo.models import Block
from marketplace.geo.services import load_geography
from marketplace.sellers.models import Member, MemberRole, Seller, Verification

PASSWORD = "correct horse 42"
_seq = itertools.count(1)


class Geo(dict):
    def block(self, name: str) -> Block:
        return self[name]


def load_geo() -> Geo:
    load_geography()
    return Geo({b.name_en: b for b in db.session.scalars(select(Block))})


def mobile() -> str:
    return f"+9190000{next(_seq):05d}"


def user(role: str = Role.CUSTOMER, *, name: str | None = None, login: str | None = None, **kwargs) -> User:
    login = login or mobile()
    return accounts.create_user(name or f"Test {role}", login, PASSWORD, role, **kwargs)


def official(block: Block, level: str = "block") -> User:
    scope = {"block": block.id, "district": block.district_id, "state": block.district.state_id}[level]
    return user(Role.OFFICIAL, official_level=level, scope_id=scope)


def seller(block: Block, *, members: list[User] = (), verified: bool = True, name: str | None = None) -> Seller:
    n = next(_seq)
    org = Seller(name_en=name or f"Test SHG {n}", name_hi=f"परीक्षण समूह {n}", slug=f"test-shg-{n}",
                 block_id=block.id, status=Verification.VERIFIED if verified else Verification.PENDING,
                 verified_at=utcnow() if verified else None)
    db.session.add(org)
    db.session.flush()
    for i, u in enumerate(members):
        db.session.add(Member(seller_id=org.id, user_id=u.id, name=u.name, mobile=u.mobile or mobile(),
                              role=MemberRole.PRESIDENT if i == 0 else MemberRole.MEMBER))
    db.session.commit()
    return org


# Catalogue rows for storefront tests, written straight to the models (no services involved).
def make_category(slug: str | None = None, *, parent=None, name_en: str | None = None, name_hi: str | None = None):
    from marketplace.catalog.models import Category

    n = next(_seq)
    cat = Category(slug=slug or f"cat-{n}", parent_id=parent.id if parent else None,
                   name_en=name_en or f"Category {n}", name_hi=name_hi or f"श्रेणी {n}", position=n)
    db.session.add(cat)
    db.session.commit()
    return cat


def make_product(org: Seller, cat, *, status: str = "live", price: int = 10000, **fields):
    from marketplace.catalog.models import Product

    n = next(_seq)
    values = {"title_en": f"Product {n}", "title_hi": f"उत्पाद {n}", "slug": f"product-{n}", "stock": 10,
              "published_at": utcnow() if status == "live" else None, **fields}
    item = Product(seller_id=org.id, category_id=cat.id, status=status, price_paise=price, **values)
    db.session.add(item)
    db.session.commit()
    return item


def make_image(width: int = 1280, height: int = 960, widths: str = "320,640,1280"):
    from marketplace.media.models import Image

    img = Image(sha256=f"{next(_seq):064x}", width=width, height=height, widths=widths)
    db.session.add(img)
    db.session.commit()
    return img


def add_photos(item, count: int = 1) -> list:
    """`count` photos on a product, the first one primary."""
    from marketplace.catalog.models import ProductPhoto

    photos = [ProductPhoto(product_id=item.id, image_id=make_image().id, position=i, is_primary=i == 0,
                           alt_text=f"Photo {i + 1}") for i in range(count)]
    db.session.add_all(photos)
    db.session.commit()
    return photos


# Catalogue through its services (seller side): categories from data/categories.csv, draft products.
def seeded_category(slug: str = "spices"):
    from marketplace.catalog import services as catalog

    catalog.seed_categories()
    return next(c for _top, children in catalog.category_tree() for c in children if c.slug == slug)


def draft_product(org: Seller, category, actor=None, **fields):
    from marketplace.catalog import services as catalog

    n = next(_seq)
    values = {"title_en": f"Turmeric {n}", "title_hi": f"हल्दी {n}", "category_id": category.id,
              "price_paise": 12000, "stock": 5, **fields}
    return catalog.create_product(org, actor, **values)


def png_bytes(width: int = 64, height: int = 48, colour=(200, 120, 40)) -> bytes:
    """A real, small PNG photo (different colours give different images)."""
    from io import BytesIO

    from PIL import Image as PILImage

    buf = BytesIO()
    PILImage.new("RGB", (width, height), colour).save(buf, "PNG")
    return buf.getvalue()


def packaging_house(block: Block, *, operators: list[User] = (), serves: tuple[int, ...] = (), **fields):
    from marketplace.fulfilment import houses

    values = {"name_en": f"Packaging house {block.name_en}", "name_hi": f"पैकिंग केंद्र {block.name_hi}",
              "address_line": "Block office campus, near the bus stand", "district": block.district.name_en,
              "state_code": block.district.state.code, "pin_code": "852201", "phone": "+919811000002", **fields}
    house = houses.create_house(block_id=block.id, serves_blocks=serves, **values)
    for operator in operators:
        houses.add_operator(house, operator)
    return house


# Search: a small bilingual catalogue over three districts (and what must stay out of search).
def search_catalogue(geo) -> dict:
    """Products by short name; categories under "cat:<slug>"; sellers under "seller:<kind>"."""
    cats = {}
    for slug, parent, en, hi in [
        ("grocery", None, "Grocery and pantry", "किराना"), ("spices", "grocery", "Spices", "मसाले"),
        ("pickles", "grocery", "Pickles", "अचार"), ("handicrafts", None, "Handicrafts", "हस्तशिल्प"),
        ("folk-paintings", "handicrafts", "Folk paintings", "लोक चित्रकला"),
        ("bamboo", "handicrafts", "Bamboo and cane", "बाँस और बेंत"), ("masks", None, "Masks", "मास्क"),
    ]:
        cats[slug] = make_category(slug, parent=cats.get(parent), name_en=en, name_hi=hi)
    shg = seller(geo["Kahara"], name="Maa Durga Jeevika SHG")
    cluster = seller(geo["Kanti"], name="Mithila Art Cluster")
    odop = seller(geo["Fatuha"], name="Fatuha Food ODOP Unit")
    pending = seller(geo["Kahara"], verified=False, name="New Group")
    cluster.kind, odop.kind = "cluster", "odop"
    db.session.commit()
    p = {
        "turmeric": make_product(shg, cats["spices"], price=12000, title_en="Turmeric powder", title_hi="हल्दी पाउडर",
                                 tags="haldi,हल्दी", description_en="Stone-ground turmeric from Saharsa fields."),
        "chilli": make_product(shg, cats["spices"], price=9000, stock=0, title_en="Red chilli powder",
                               title_hi="लाल मिर्च पाउडर"),
        "garam": make_product(odop, cats["spices"], price=15000, title_en="Garam masala", title_hi="गरम मसाला"),
        "mango": make_product(odop, cats["pickles"], price=22000, title_en="Mango pickle", title_hi="आम का अचार"),
        "lemon": make_product(shg, cats["pickles"], price=18000, title_en=None, title_hi="नींबू का अचार"),
        "painting": make_product(cluster, cats["folk-paintings"], price=250000, stock=3,
                                 title_en="Madhubani painting of a fish pair", title_hi="मछली जोड़ी की मधुबनी पेंटिंग"),
        "basket": make_product(cluster, cats["bamboo"], price=60000, title_en="Sikki grass basket",
                               title_hi="सिक्की घास की टोकरी"),
        "masks": make_product(shg, cats["masks"], price=5000, title_en="Handmade cotton masks",
                              title_hi="हस्तनिर्मित सूती मास्क"),
        # never searchable:
        "draft": make_product(shg, cats["spices"], status="draft", title_en="Haldi draft", title_hi="हल्दी मसौदा"),
        "paused": make_product(odop, cats["spices"], status="paused", title_en="Paused haldi", title_hi="हल्दी"),
        "removed": make_product(odop, cats["spices"], status="removed", title_en="Removed haldi", title_hi="हल्दी"),
        "unverified": make_product(pending, cats["spices"], title_en="Haldi of a pending group", title_hi="हल्दी"),
    }
    return {**p, **{f"cat:{k}": v for k, v in cats.items()},
            **{"seller:shg": shg, "seller:cluster": cluster, "seller:odop": odop}}

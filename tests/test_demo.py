"""Demo data: the data files meet the brief (without a database), a small selection loads completely and
idempotently through the services, and every demo role can log in."""

import json
import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from marketplace.accounts.access import seller_member_role
from marketplace.accounts.models import Role, User
from marketplace.accounts.services import normalise_mobile
from marketplace.catalog import categories as category_file
from marketplace.catalog.models import Product, ProductStatus
from marketplace.catalog.services import PRODUCT_FIELDS, VARIANT_FIELDS
from marketplace.demo import build, loader
from marketplace.demo.data import (
    CREDITS_MD,
    DEMO_PASSWORD,
    DEMO_USERS,
    PHOTOS_DIR,
    PLACEHOLDER_DIR,
    PRODUCTS_CSV,
    demo_logins,
    demo_sellers,
    member_mobile,
    photo_credits,
    photo_path,
    placeholders,
    read_products,
)
from marketplace.demo.loader import load_demo, selected_sellers, totals
from marketplace.extensions import db
from marketplace.geo.services import GEOGRAPHY_CSV
from marketplace.sellers.models import Member, Seller, Verification, VerificationEvent

from .conftest import csrf_token, login

ROWS = read_products()
LIVE = [r for r in ROWS if r["seller_status"] == "verified"]
SPECS = {s["key"]: s for s in demo_sellers()}
# A small selection with a verified mask group (Kahara), a pending and a rejected one (Saharsa), and a
# Kondagaon dhokra cluster (a real photograph, a Chhattisgarh official).
SMALL = ["maa-durga-jeevika-bangaon", "sita-jeevika-chainpur", "annapurna-jeevika-patarghat",
         "bhelwapadar-dhokra-shilp"]


# ---------------------------------------------------------------- the data files (no database)

def test_products_csv_is_built_from_the_json_files():
    assert PRODUCTS_CSV.read_text(encoding="utf-8") == build.render_csv(build.build_rows()), \
        "run: python -m marketplace.demo.build"


def test_enough_products_sellers_and_districts():
    assert len(LIVE) >= 300
    assert len({r["seller_key"] for r in LIVE}) >= 40
    assert len({r["district"] for r in LIVE}) >= 4
    assert {"Saharsa", "Muzaffarpur", "Patna", "Kondagaon", "Hamirpur"} <= {r["district"] for r in LIVE}


def test_every_product_is_bilingual_or_deliberately_one_language():
    kinds = Counter(r["languages"] for r in ROWS)
    assert kinds["hi"] and kinds["en"] and kinds["both"] > 300
    for r in ROWS:
        hi = bool(r["title_hi"]) and bool(r["description_hi"])
        en = bool(r["title_en"]) and bool(r["description_en"])
        assert (hi, en) == {"both": (True, True), "hi": (True, False), "en": (False, True)}[r["languages"]], r["ref"]
        assert not re.search(r"[\u0900-\u097F]", r["title_en"] + r["description_en"]), r["ref"]
        assert not re.search(r"[A-Za-z]{4,}", r["title_hi"].replace("XL", "")), r["ref"]


def _cleaned(cleaners: dict, values: dict) -> None:
    for name, value in values.items():
        cleaners[name](value)  # raises on anything the catalogue would refuse


def test_every_row_passes_the_catalogues_own_field_rules():
    known = {row.slug for row in category_file.read_rows()}
    for r in ROWS:
        assert r["category"] in known, r["ref"]
        number = {k: int(r[k]) if r[k] else None for k in ("price_paise", "mrp_paise", "pack_size",
                                                          "min_order_qty", "stock", "lead_time_days",
                                                          "gst_rate_bp", "weight_grams")}
        _cleaned(PRODUCT_FIELDS, {**number, "unit": r["unit"], "hsn_code": r["hsn_code"], "tags": r["tags"],
                                  "title_en": r["title_en"] or None, "title_hi": r["title_hi"] or None})
        assert number["mrp_paise"] is None or number["mrp_paise"] > number["price_paise"]
        variants = json.loads(r["variants"] or "[]")
        assert len({v["sku"] for v in variants}) == len(variants)
        for v in variants:
            _cleaned(VARIANT_FIELDS, v)
            assert re.fullmatch(r"[A-Z0-9][A-Z0-9._/-]{0,39}", v["sku"])


def test_titles_are_unique_within_each_seller_because_they_are_the_reload_key():
    keys = Counter((r["seller_key"], r["title_en"], r["title_hi"]) for r in ROWS)
    assert [k for k, n in keys.items() if n > 1] == []
    assert not any(re.search(r"\bproduct \d+", r["title_en"], re.I) for r in ROWS)


@pytest.mark.parametrize(("hsn", "gst_bp"), [("6307", 500), ("0910", 500), ("0409", 0), ("9701", 1200),
                                             ("4420", 1200), ("7419", 1200)])
def test_gst_rates_follow_the_hsn_code(hsn, gst_bp):
    matching = [r for r in ROWS if r["hsn_code"].startswith(hsn)]
    assert matching
    assert {int(r["gst_rate_bp"]) for r in matching} == {gst_bp}


def test_stock_prices_and_variants_vary_as_a_real_catalogue_does():
    made_to_order = [r for r in LIVE if r["lead_time_days"]]
    assert made_to_order and all(r["stock"] == "0" for r in made_to_order)
    plain = [r for r in LIVE if not r["lead_time_days"] and not r["variants"]]
    assert any(r["stock"] == "0" for r in plain)
    assert any(1 <= int(r["stock"]) <= 5 for r in plain)
    assert 0.1 < sum(bool(r["mrp_paise"]) for r in LIVE) / len(LIVE) < 0.9
    variants = [v for r in LIVE for v in json.loads(r["variants"] or "[]")]
    assert any("size" in v for v in variants) and any("colour" in v for v in variants)
    garments = [r for r in LIVE if r["category"] in ("womens-wear", "mens-wear", "kids-wear")]
    assert garments and all(r["variants"] for r in garments if r["hsn_code"].startswith("620"))


@pytest.mark.parametrize("words", [
    ("haldi", "हल्दी", "turmeric"), ("masala", "मसाला"), ("achar", "अचार"), ("madhubani", "मधुबनी"),
    ("mask", "मास्क"), ("leather bag",), ("honey", "शहद"), ("makhana", "मखाना"), ("ragi", "रागी"),
    ("dhokra", "ढोकरा"), ("shawl", "शॉल"), ("jute bag",), ("bamboo", "टोकरी"), ("soap", "साबुन"),
    ("sattu", "सत्तू"), ("millet",), ("lahthi", "लहठी"), ("rajmash", "राजमाह"),
])
def test_obvious_search_targets_exist_and_are_tagged_in_both_scripts(words):
    for word in words:
        hits = [r for r in LIVE if word in r["tags"].split(",") or word in r["title_en"].lower()]
        assert hits, word


def test_turmeric_powder_of_a_bihar_group_is_found_by_haldi_in_both_scripts():
    bihar = {"Saharsa", "Muzaffarpur", "Patna"}
    rows = [r for r in LIVE if "turmeric powder" in r["title_en"].lower() and r["district"] in bihar]
    assert rows and all({"haldi", "हल्दी", "turmeric"} <= set(r["tags"].split(",")) for r in rows)


def test_sellers_tell_the_stories_the_project_serves():
    def of(district, block=None):
        return [s for s in demo_sellers() if s["district"] == district and block in (None, s["block"])]

    assert any("masks" in json.dumps(s["lines"]) and "Jeevika" in s["name_en"] for s in of("Saharsa"))
    leather = [s for s in of("Muzaffarpur") if "leather" in json.dumps(s["lines"])]
    assert leather and leather[0]["members"] == 12 and "garments" in json.dumps(leather[0]["lines"])
    assert sum("Bihan" in s["name_en"] for s in of("Kondagaon")) >= 3
    assert len(of("Hamirpur", "Nadaun")) >= 3
    statuses = Counter(s["status"] for s in demo_sellers())
    assert statuses["verified"] >= 40 and statuses["pending"] >= 3 and statuses["rejected"] == 1
    assert all(s.get("reason") for s in demo_sellers() if s["status"] == "rejected")


def test_sellers_places_and_mobiles_are_real_and_unique():
    places = set()
    for line in GEOGRAPHY_CSV.read_text(encoding="utf-8").splitlines()[1:]:
        cells = line.split(",")
        places.add((cells[3], cells[5], cells[7]))
    mobiles, codes = [], set()
    for s in demo_sellers():
        assert (s["district"], s["block"], s["village"]) in places, s["key"]
        mobiles += [member_mobile(s["no"], n) for n in range(1, s["members"] + 1)]
        codes.add(s["no"])
    assert len(codes) == len(demo_sellers())
    assert len(set(mobiles)) == len(mobiles)
    assert all(normalise_mobile(m) == m for m in mobiles)


def test_there_is_a_demo_user_of_every_role_and_each_official_level():
    assert {role for role, *_ in DEMO_USERS} == set(Role) - {Role.SELLER}
    assert "seller" in {role for role, *_ in demo_logins()}
    levels = {level: scope for role, _login, _name, level, scope in DEMO_USERS if role == Role.OFFICIAL}
    assert set(levels) == {"block", "district", "state"}
    state_officials = [scope for _r, _l, _n, level, scope in DEMO_USERS if level == "state"]
    assert state_officials == [("Bihar", None, None)]


def test_every_photo_is_used_credited_and_described():
    used = {r["photo"] for r in ROWS}
    assert all(photo_path(ref).is_file() for ref in used)
    credits = CREDITS_MD.read_text(encoding="utf-8")
    photos = sorted(p.name for p in PHOTOS_DIR.glob("*") if p.is_file())
    assert photos and set(photos) == {ref for ref in used if not ref.startswith("ph:")}
    for name in photos:
        credit = photo_credits()[name]
        assert f"`{name}`" in credits and credit["author"] in credits
        assert credit["licence"] in credit["alt"] and credit["author"] in credit["alt"]
        assert credit["alt"].startswith("Illustrative photo") and len(credit["alt"]) <= 200
    cards = sorted(p.stem for p in PLACEHOLDER_DIR.glob("*.png"))
    assert cards == sorted(placeholders())
    assert all(f"`{card}.png`" in credits for card in cards)
    assert {ref[3:] for ref in used if ref.startswith("ph:")} <= set(cards)


# ---------------------------------------------------------------- loading (database)

def _table_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def _events(seller: Seller) -> list[tuple]:
    stmt = (select(VerificationEvent.from_state, VerificationEvent.to_state, User.email, VerificationEvent.reason)
            .join(User, VerificationEvent.actor_id == User.id).where(VerificationEvent.seller_id == seller.id)
            .order_by(VerificationEvent.id))
    return [tuple(row) for row in db.session.execute(stmt)]


def _seller(key: str) -> Seller:
    return db.session.scalar(select(Seller).where(Seller.name_en == SPECS[key]["name_en"]))


def test_a_small_selection_loads_completely(ctx):
    summary = load_demo(only=SMALL)
    assert summary.created["sellers"] == 4 and summary.created["products"] == sum(
        r["seller_key"] in SMALL for r in ROWS)

    masks, pending, rejected, dhokra = (_seller(k) for k in SMALL)
    assert masks.status == Verification.VERIFIED and masks.verified_at is not None
    assert _events(masks)[-1][:3] == ("pending", "verified", "bpm-kahara@haat.example")
    assert pending.status == Verification.PENDING and len(_events(pending)) == 1
    assert rejected.status == Verification.REJECTED and rejected.status_reason == SPECS[SMALL[2]]["reason"]
    assert _events(rejected)[-1][2] == "dpm-saharsa@haat.example"
    assert _events(dhokra)[-1][2] == "dpm-kondagaon@haat.example"

    members = db.session.scalars(select(Member).where(Member.seller_id == masks.id)).all()
    assert len(members) == SPECS[SMALL[0]]["members"] == 12
    president = db.session.scalar(select(User).where(User.mobile == member_mobile(1, 1)))
    assert seller_member_role(president, masks.id) == "president" and president.role == Role.SELLER
    assert sum(m.user_id is not None for m in members) == 1
    assert masks.bank_account is not None and re.fullmatch(r"SBIN0\d{6}", masks.bank_account.ifsc)

    products = db.session.scalars(select(Product)).all()
    for product in products:
        assert len(product.photos) == 1 and product.photos[0].alt_text
        expected = ProductStatus.LIVE if product.seller.is_verified else ProductStatus.DRAFT
        assert product.status == expected, product.title_en
    with_variants = [p for p in products if p.variants]
    assert with_variants and all(p.stock == sum(v.stock for v in p.variants) for p in with_variants)
    dhokra_photo = next(p for p in products if p.seller_id == dhokra.id).photos[0]
    assert "CC BY-SA 4.0" in dhokra_photo.alt_text and "Sumita Roy Dutta" in dhokra_photo.alt_text
    refs = {r["photo"] for r in ROWS if r["seller_key"] in SMALL}
    assert totals()["images"] == len(refs)  # each distinct picture stored once, shared by its products


def test_loading_twice_changes_nothing(ctx):
    load_demo(only=SMALL[:2])
    before = _table_counts()
    stamps = dict(db.session.execute(select(Product.id, Product.updated_at)).all())
    db.session.expire_all()
    again = load_demo(only=SMALL[:2])
    assert +again.created == Counter()
    assert _table_counts() == before
    assert dict(db.session.execute(select(Product.id, Product.updated_at)).all()) == stamps


def test_an_interrupted_load_is_completed_by_the_next_one(ctx, monkeypatch):
    real_publish, calls = loader.catalog.publish, []

    def publish_then_crash(product, actor):
        calls.append(product.id)
        if len(calls) == 3:
            raise RuntimeError("power cut")
        real_publish(product, actor)

    monkeypatch.setattr(loader.catalog, "publish", publish_then_crash)
    with pytest.raises(RuntimeError):
        load_demo(only=SMALL[:1])
    monkeypatch.setattr(loader.catalog, "publish", real_publish)
    db.session.rollback()

    again = load_demo(only=SMALL[:1])
    expected = sum(r["seller_key"] == SMALL[0] for r in ROWS)
    assert again.created["users"] == 0 and again.created["sellers"] == 0
    assert again.created["products put on sale"] == expected - 2
    products = db.session.scalars(select(Product)).all()
    assert len(products) == expected
    assert all(p.status == ProductStatus.LIVE and len(p.photos) == 1 for p in products)


def test_cli_loads_reports_and_every_demo_role_can_log_in(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load", "--only", SMALL[0]])
    assert result.exit_code == 0, result.output
    assert "created:" in result.output and "1 sellers" in result.output
    assert re.search(r"search index: [1-9]\d* changes applied", result.output)
    assert client.get("/search?q=mask&lang=en").get_data(as_text=True).count("/p/") >= 1
    people = [(role, login_name) for role, login_name, *_ in DEMO_USERS] + [("seller", member_mobile(1, 1))]
    assert {role for role, _ in people} == set(Role)
    for role, login_name in people:
        response = login(client, login_name, DEMO_PASSWORD)
        assert response.status_code == 302, (role, login_name)
        assert client.get("/me").status_code == 200
        client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert login(client, DEMO_USERS[0][1], "wrong password").status_code == 401


def test_cli_refuses_unknown_groups_before_touching_anything(app, ctx):
    result = app.test_cli_runner().invoke(args=["demo", "load", "--only", "no-such-group"])
    assert result.exit_code == 2 and "no-such-group" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_selection_of_groups_keeps_the_file_order():
    assert [s["no"] for s in selected_sellers(limit=3)] == [1, 2, 3]
    assert [s["key"] for s in selected_sellers(only=list(reversed(SMALL)))] == SMALL
    with pytest.raises(ValueError, match="nope"):
        selected_sellers(only=["nope"])

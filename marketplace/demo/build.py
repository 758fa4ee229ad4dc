"""Expand product lines x sellers into data/demo/products.csv: `python -m marketplace.demo.build`.

The CSV is committed so that other people (the search relevance set, for one) can read every demo product
without running anything; a test checks it is up to date with the two JSON files. Everything here is
deterministic: the per-seller price and stock variation comes from a random generator seeded by the
product's reference."""

import csv
import io
import json
import random
import sys

from marketplace.demo.data import PRODUCTS_CSV, demo_sellers, product_lines

COLUMNS = ("ref", "seller_no", "seller_key", "seller_status", "district", "category", "languages",
           "title_en", "title_hi", "description_en", "description_hi", "price_paise", "mrp_paise", "unit",
           "pack_size", "min_order_qty", "stock", "lead_time_days", "hsn_code", "gst_rate_bp", "weight_grams",
           "tags", "photo", "variants")

TAG_COUNT_MAX, TAGS_MAX, TAG_MAX = 20, 300, 40  # the catalogue's limits on tags
TEXTILE_THRESHOLD = 1000_00  # made-up textiles and garments: 5 % up to ₹1,000 a piece, 12 % above
BIG_SIZES = {"XXL": 50_00}  # extra cloth costs a little more

# Goods made in quantity are stocked by the dozen; crafts (everything else) a few at a time.
EVERYDAY_CATEGORIES = frozenset({"spices", "pickles", "millets", "honey", "flour-grains", "snacks-sweets",
                                 "organic-pulses-rice", "organic-oils", "masks", "soaps", "sanitary-pads",
                                 "herbal-care", "kitchenware"})
_BLOCK_WORD = {"Bihar": "प्रखंड"}  # what a block is called in Hindi; elsewhere people say "ब्लॉक"
_MAKERS_EN = {"shg": "the women of", "cluster": "the artisans of", "odop": "the members of"}
_MAKERS_HI = {"shg": "की दीदियों ने", "cluster": "के कारीगरों ने", "odop": "के सदस्यों ने"}


def seller_lines(seller: dict) -> list[tuple[dict, dict]]:
    """(line, option) pairs that a seller lists, in file order."""
    pairs = []
    for spec in seller["lines"]:
        spec = {"line": spec} if isinstance(spec, str) else spec
        line = product_lines()[spec["line"]]
        only = spec.get("only")
        pairs += [(line, option) for option in line["options"] if only is None or option["key"] in only]
    return pairs


def _round_to(paise: int, step: int) -> int:
    return max(step, round(paise / step) * step)


def _prices(option: dict, rng: random.Random) -> tuple[int, int | None]:
    """Each group prices a little differently: ±10 %, to the nearest ₹5; the MRP sometimes, never below."""
    factor = rng.uniform(0.92, 1.12)
    price = _round_to(int(option["price"] * factor), 500)
    if "mrp" in option:
        mrp = _round_to(int(option["mrp"] * factor), 1000)
    elif rng.random() < 0.3:
        mrp = _round_to(int(price * rng.uniform(1.1, 1.3)), 1000)
    else:
        return price, None
    return price, mrp if mrp > price else None


def _stock(rng: random.Random, craft: bool) -> int:
    """Some sold out, some nearly (≤ 5), most in stock; crafts in small numbers."""
    roll = rng.random()
    if roll < 0.08:
        return 0
    if roll < 0.25:
        return rng.randint(1, 5)
    return rng.randint(6, 25) if craft else rng.randint(6, 120)


def _gst_bp(line: dict, option: dict, price: int) -> int:
    if option.get("gst_textile", line.get("gst_textile")) and "gst" not in option:
        return 500 if price <= TEXTILE_THRESHOLD else 1200
    return int(option.get("gst", line.get("gst", 0))) * 100


def _titles(line: dict, option: dict, seller: dict) -> tuple[str, str]:
    places = {"district": seller["district"], "district_hi": seller["district_hi"]}
    if "title_en" in option:
        return option["title_en"].format(**places), option["title_hi"].format(**places)
    return (f"{line['title_en']}, {option['en']}".format(**places),
            f"{line['title_hi']}, {option['hi']}".format(**places))


def _maker_sentences(seller: dict) -> tuple[str, str]:
    where_en = ", ".join(x for x in (seller.get("village"), f"{seller['block']} block", seller["district"]) if x)
    block_word = _BLOCK_WORD.get(seller["state"], "ब्लॉक")
    where_hi = f"{seller['block_hi']} {block_word}, {seller['district_hi']}"
    if seller.get("village_hi"):
        where_hi = f"{seller['village_hi']} ({where_hi})"
    return (f"Made by {_MAKERS_EN[seller['kind']]} {seller['name_en']}, {where_en}.",
            f"{where_hi} के {seller['name_hi']} {_MAKERS_HI[seller['kind']]} बनाया है।")


def _tags(*groups: str) -> str:
    """Merged, de-duplicated, lower-case, within the catalogue's limits (later groups are cut first)."""
    tags: list[str] = []
    for group in groups:
        for tag in (t.strip().lower() for t in group.split(",")):
            if tag and tag not in tags and len(tag) <= TAG_MAX and len(tags) < TAG_COUNT_MAX \
                    and len(",".join([*tags, tag])) <= TAGS_MAX:
                tags.append(tag)
    return ",".join(tags)


def _variants(option: dict, ref: str, price: int, rng: random.Random, craft: bool) -> list[dict]:
    spec = option.get("variants")
    if not spec:
        return []
    out = []
    for i, (en, hi) in enumerate(spec["values"], start=1):
        label = en if en == hi else f"{en} / {hi}"
        out.append({"sku": f"{ref[:34]}-{i}".upper(), spec["kind"]: label,
                    "price_paise": price + BIG_SIZES.get(en, 0), "stock": _stock(rng, craft)})
    return out


def product_row(seller: dict, line: dict, option: dict) -> dict:
    ref = f"{seller['key']}--{line['key']}-{option['key']}"
    rng = random.Random(ref)
    price, mrp = _prices(option, rng)
    lead_time = option.get("lead_time", line.get("lead_time"))
    category = option.get("category", line["category"])
    craft = category not in EVERYDAY_CATEGORIES
    variants = _variants(option, seller["key"] + "-" + option["key"], price, rng, craft)
    title_en, title_hi = _titles(line, option, seller)
    maker_en, maker_hi = _maker_sentences(seller)
    lang = seller.get("lang", "both")
    row = {
        "ref": ref, "seller_no": seller["no"], "seller_key": seller["key"], "seller_status": seller["status"],
        "district": seller["district"], "category": category, "languages": lang,
        "title_en": title_en, "title_hi": title_hi,
        "description_en": f"{line['description_en']} {maker_en}",
        "description_hi": f"{line['description_hi']} {maker_hi}",
        "price_paise": price, "mrp_paise": mrp or "", "unit": option["unit"], "pack_size": option["pack"],
        "min_order_qty": option.get("min_order", 1),
        "stock": 0 if lead_time or variants else _stock(rng, craft),
        "lead_time_days": lead_time or "", "hsn_code": option.get("hsn", line["hsn"]),
        "gst_rate_bp": _gst_bp(line, option, price), "weight_grams": option["weight"],
        "tags": _tags(line["tags"], option.get("tags", ""), f"{seller['district']}, {seller['district_hi']}"),
        "photo": option.get("photo", line["photo"]),
        "variants": json.dumps(variants, ensure_ascii=False) if variants else "",
    }
    if lang == "hi":
        row["title_en"] = row["description_en"] = ""
    elif lang == "en":
        row["title_hi"] = row["description_hi"] = ""
    return row


def _with_places(seller: dict, names: dict) -> dict:
    """The seller with the Hindi names of its state, district, block and village (from the geography)."""
    district = names["districts"][seller["district"]]
    block = names["blocks"][(seller["district"], seller["block"])]
    village = names["villages"].get((seller["district"], seller["block"], seller.get("village")))
    return {**seller, "state": district["state"], "district_hi": district["hi"], "block_hi": block,
            "village_hi": village}


def geography_names() -> dict:
    """Hindi names by English name, from data/geography.csv (no database needed)."""
    from marketplace.geo.services import GEOGRAPHY_CSV

    names = {"districts": {}, "blocks": {}, "villages": {}}
    with GEOGRAPHY_CSV.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            names["districts"][row["district_en"]] = {"state": row["state_en"], "hi": row["district_hi"]}
            names["blocks"][(row["district_en"], row["block_en"])] = row["block_hi"]
            if row.get("village_en"):
                names["villages"][(row["district_en"], row["block_en"], row["village_en"])] = row["village_hi"]
    return names


def build_rows() -> list[dict]:
    names = geography_names()
    rows = []
    for seller in demo_sellers():
        placed = _with_places(seller, names)
        rows += [product_row(placed, line, option) for line, option in seller_lines(seller)]
    return rows


def render_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main() -> int:
    rows = build_rows()
    PRODUCTS_CSV.write_text(render_csv(rows), encoding="utf-8")
    live = sum(r["seller_status"] == "verified" for r in rows)
    print(f"{PRODUCTS_CSV}: {len(rows)} products ({live} from verified sellers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

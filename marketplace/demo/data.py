"""The demo's people and where its data files are. Pure data: no database, no app needed.

Sellers and what they make live in data/demo/ (sellers.json, product_lines.json); products.csv is built from
those two by `python -m marketplace.demo.build` and is what `flask demo load` reads."""

import csv
import json
from functools import cache
from pathlib import Path

from marketplace.config import PROJECT_ROOT

DEMO_PASSWORD = "haat-demo-2026"

DATA_DIR = PROJECT_ROOT / "data" / "demo"
SELLERS_JSON = DATA_DIR / "sellers.json"
LINES_JSON = DATA_DIR / "product_lines.json"
PLACEHOLDERS_JSON = DATA_DIR / "placeholders.json"
PHOTOS_JSON = DATA_DIR / "photos.json"
PRODUCTS_CSV = DATA_DIR / "products.csv"
PHOTOS_DIR = Path(__file__).resolve().parent / "photos"
PLACEHOLDER_DIR = PHOTOS_DIR / "placeholders"
CREDITS_MD = PROJECT_ROOT / "DEMO-PHOTO-CREDITS.md"

# (role, login, name, official level, scope as (state, district, block) English names)
DEMO_USERS = [
    ("admin", "admin@haat.example", "Haat Admin", None, None),
    ("customer", "+919811000001", "Ananya Sharma", None, None),
    ("buyer", "dm-saharsa@haat.example", "District Administration, Saharsa", None, None),
    ("official", "bpm-kahara@haat.example", "Rakesh Kumar (BPM, Kahara)", "block", ("Bihar", "Saharsa", "Kahara")),
    ("official", "dpm-saharsa@haat.example", "Sunita Devi (DPM, Saharsa)", "district", ("Bihar", "Saharsa", None)),
    ("official", "spm-bihar@haat.example", "Jeevika State Office, Bihar", "state", ("Bihar", None, None)),
    ("official", "dpm-muzaffarpur@haat.example", "Arvind Kumar (DPM, Muzaffarpur)", "district",
     ("Bihar", "Muzaffarpur", None)),
    ("official", "dpm-patna@haat.example", "Neha Sinha (DPM, Patna)", "district", ("Bihar", "Patna", None)),
    ("official", "dpm-kondagaon@haat.example", "Pushpa Netam (DPM Bihan, Kondagaon)", "district",
     ("Chhattisgarh", "Kondagaon", None)),
    ("official", "bdo-nadaun@haat.example", "Vikram Thakur (BDO, Nadaun)", "block",
     ("Himachal Pradesh", "Hamirpur", "Nadaun")),
    ("official", "dpm-hamirpur@haat.example", "Kavita Sharma (DPM, Hamirpur)", "district",
     ("Himachal Pradesh", "Hamirpur", None)),
    ("operator", "+919811000002", "Manoj Paswan (packaging house, Kahara)", None, None),
]


def member_mobile(seller_no: int, member_no: int) -> str:
    """Demo numbers +91 70000 SSS MM: unique per member, valid Indian mobile numbers, obviously made up."""
    return f"+9170000{seller_no:03d}{member_no:02d}"


@cache
def sellers_file() -> dict:
    return json.loads(SELLERS_JSON.read_text(encoding="utf-8"))


def demo_sellers() -> list[dict]:
    return sellers_file()["sellers"]


@cache
def product_lines() -> dict[str, dict]:
    return {line["key"]: line for line in json.loads(LINES_JSON.read_text(encoding="utf-8"))["lines"]}


@cache
def placeholders() -> dict[str, dict]:
    data = json.loads(PLACEHOLDERS_JSON.read_text(encoding="utf-8"))
    return {key: value for key, value in data.items() if not key.startswith("_")}


@cache
def photo_credits() -> dict[str, dict]:
    data = json.loads(PHOTOS_JSON.read_text(encoding="utf-8"))
    return {key: value for key, value in data.items() if not key.startswith("_")}


def read_products(path: Path = PRODUCTS_CSV) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def photo_path(ref: str) -> Path:
    """'ph:mask' -> the drawn placeholder; anything else is a copied photograph."""
    if ref.startswith("ph:"):
        return PLACEHOLDER_DIR / f"{ref[3:]}.png"
    return PHOTOS_DIR / ref


def photo_alt(ref: str) -> str:
    """The alt text of a product photo: what the picture is, and for a real photograph its short credit."""
    if ref.startswith("ph:"):
        card = placeholders()[ref[3:]]
        return f"Drawing, not a photo: {card['en']} / {card['hi']}"
    return photo_credits()[ref]["alt"]


def demo_logins() -> list[tuple[str, str, str]]:
    """Everyone worth logging in as: one user of each role, and the presidents of the featured groups."""
    people = [(role, login, name) for role, login, name, *_ in DEMO_USERS]
    people += [("seller", member_mobile(s["no"], 1), f"{s['president']} ({s['name_en']})")
               for s in demo_sellers() if s.get("featured")]
    return people

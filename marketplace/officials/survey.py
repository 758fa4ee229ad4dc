"""The village product survey: block staff record, village by village, what is made there. A named group
found by the survey and not yet on Haat is a lead. `who_makes` answers "who makes X near here" for officials
and for other domains (requisition allocation calls it with a product and a block)."""

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select

from marketplace.accounts.access import official_covers_block
from marketplace.core.errors import DomainError
from marketplace.extensions import db
from marketplace.geo.models import Block, District, Village
from marketplace.officials.models import SurveyEntry
from marketplace.officials.periods import today_ist
from marketplace.search.analysis import index_terms, parse_query
from marketplace.sellers.models import Seller

MAX_COUNT = 100_000
MOBILE = re.compile(r"^(\+91)?[6-9]\d{9}$")


class SurveyError(DomainError):
    pass


def terms_of(*texts: str | None) -> str:
    """The analysed words (stems and sound keys, Hindi and Latin alike) of a product, space-delimited so that
    a LIKE '% term %' finds a whole term."""
    found = {t for text in texts if text for word in index_terms(text) for t in word}
    return " " + " ".join(sorted(found)) + " "


@dataclass
class EntryInput:
    village_id: str | int | None
    product: str
    group_name: str = ""
    groups_count: str = "0"
    households_count: str = "0"
    capacity_per_month: str = ""
    capacity_unit: str = ""
    season: str = ""
    raw_material: str = ""
    contact_mobile: str = ""
    surveyed_on: str = ""


def _count(raw, field: str, errors: dict, label) -> int | None:
    text = str(raw or "").strip().replace(",", "")
    if not text:
        return None
    if not text.isdigit():
        errors[field] = _l("%(what)s: give a whole number of 0 or more.", what=label)
        return None
    if int(text) > MAX_COUNT:
        errors[field] = _l("%(what)s: that number is too large.", what=label)
        return None
    return int(text)


def _text(raw, field: str, errors: dict, limit: int) -> str | None:
    text = (raw or "").strip()
    if len(text) > limit:
        errors[field] = _l("At most %(n)d characters.", n=limit)
    return text or None


def record_entry(actor, block: Block, data: EntryInput) -> SurveyEntry:
    """One survey line for a village of `block`. The village must be in the official's area (403) and in this
    block (422); every figure a whole number; nothing is saved unless all of it is right."""
    raw_village = str(data.village_id or "").strip()
    village = db.session.get(Village, int(raw_village)) if raw_village.isdigit() and len(raw_village) < 10 else None
    if village is None:
        raise SurveyError(_l("Choose the village."), field="village_id")
    if not official_covers_block(actor, village.block):
        raise SurveyError(_l("That village is outside your area: nothing was saved."), field="village_id",
                          status=403)
    if village.block_id != block.id:
        raise SurveyError(_l("Choose a village of this block."), field="village_id")
    errors: dict = {}
    product = _text(data.product, "product", errors, 120)
    if not product and "product" not in errors:
        errors["product"] = _l("Write what is made, e.g. bamboo baskets.")
    groups = _count(data.groups_count, "groups_count", errors, _l("Groups")) or 0
    households = _count(data.households_count, "households_count", errors, _l("Households")) or 0
    group_name = _text(data.group_name, "group_name", errors, 120)
    if group_name and groups == 0 and "groups_count" not in errors:
        groups = 1  # a named group is one group
    if groups + households == 0 and not errors.get("groups_count") and not errors.get("households_count"):
        errors["groups_count"] = _l("Give how many groups or households make it.")
    capacity = _count(data.capacity_per_month, "capacity_per_month", errors, _l("Monthly capacity"))
    unit = _text(data.capacity_unit, "capacity_unit", errors, 20)
    season = _text(data.season, "season", errors, 80)
    raw_material = _text(data.raw_material, "raw_material", errors, 160)
    mobile = (data.contact_mobile or "").strip().replace(" ", "")
    if mobile and not MOBILE.match(mobile):
        errors["contact_mobile"] = _l("Give a 10-digit Indian mobile number.")
    surveyed_on = today_ist()
    if (data.surveyed_on or "").strip():
        try:
            surveyed_on = date.fromisoformat(data.surveyed_on.strip())
        except ValueError:
            errors["surveyed_on"] = _l("Give the date as year-month-day, e.g. 2026-04-01.")
        else:
            if surveyed_on > today_ist() or surveyed_on.year < 2015:
                errors["surveyed_on"] = _l("The survey date cannot be in the future.")
    if errors:
        raise SurveyError(_l("Please correct the marked fields: nothing was saved."), errors=errors)
    if mobile and not mobile.startswith("+91"):
        mobile = "+91" + mobile
    entry = SurveyEntry(village_id=village.id, block_id=village.block_id, product=product,
                        search_terms=terms_of(product, raw_material), group_name=group_name, groups_count=groups,
                        households_count=households, capacity_per_month=capacity, capacity_unit=unit, season=season,
                        raw_material=raw_material, contact_mobile=mobile or None, surveyed_on=surveyed_on,
                        surveyed_by_id=actor.id)
    db.session.add(entry)
    db.session.commit()
    return entry


def block_entries(block_id: int) -> list[SurveyEntry]:
    from sqlalchemy.orm import joinedload

    stmt = (select(SurveyEntry).options(joinedload(SurveyEntry.village)).where(SurveyEntry.block_id == block_id)
            .order_by(SurveyEntry.surveyed_on.desc(), SurveyEntry.id.desc()))
    return list(db.session.scalars(stmt))


def get_entry(entry_id: int) -> SurveyEntry | None:
    return db.session.get(SurveyEntry, entry_id)


def unlinked_sellers_of_village(entry: SurveyEntry) -> list[Seller]:
    """Groups on Haat in the lead's block (its village first) that no survey line points at yet."""
    linked = select(SurveyEntry.seller_id).where(SurveyEntry.seller_id.is_not(None))
    stmt = (select(Seller).where(Seller.block_id == entry.block_id, Seller.id.not_in(linked))
            .order_by(case((Seller.village_id == entry.village_id, 0), else_=1), Seller.name_en).limit(50))
    return list(db.session.scalars(stmt))


def link_lead(actor, entry: SurveyEntry, seller_id_text: str) -> None:
    """The lead has registered on Haat: point its survey line at the group (it leaves the leads)."""
    if not official_covers_block(actor, db.session.get(Block, entry.block_id)):
        raise SurveyError(_l("That survey line is outside your area."), status=403)
    raw = (seller_id_text or "").strip()
    seller = db.session.get(Seller, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if seller is None or seller.block_id != entry.block_id:
        raise SurveyError(_l("Choose a group of this block."), field="seller_id")
    entry.seller_id = seller.id
    db.session.commit()


# ---------------------------------------------------------------- who makes X near here

@dataclass
class Maker:
    entry_id: int
    product: str
    group_name: str | None
    groups_count: int
    households_count: int
    capacity_per_month: int | None
    capacity_unit: str | None
    season: str | None
    raw_material: str | None
    seller_id: int | None
    village_en: str
    village_hi: str
    block_id: int
    block_en: str
    block_hi: str
    district_en: str
    distance: int  # 0 the same block, 1 the same district, 2 the same state, 3 further

    @property
    def is_lead(self) -> bool:
        return self.group_name is not None and self.seller_id is None


def who_makes(product: str, block_id: int | None = None, *, state_id: int | None = None,
              district_id: int | None = None, only_block_id: int | None = None, limit: int = 50) -> list[Maker]:
    """Survey lines whose product (or raw material) matches `product` in Hindi, English or Hinglish (the
    search analyser's stems, sound keys and synonyms), nearest to `block_id` first (same block, district,
    state), then by monthly capacity. `state_id` / `district_id` / `only_block_id` keep the answer inside an
    area. One statement.
    Requisition allocation calls this to find groups for an order."""
    words = parse_query(product or "")
    if not words:
        return []
    near = db.session.execute(select(Block.district_id, District.state_id).join(District)
                              .where(Block.id == block_id)).first() if block_id else None
    matches = [or_(*(SurveyEntry.search_terms.contains(f" {term} ", autoescape=True) for term in sorted(w.terms)))
               for w in words]
    if near is not None:
        distance = case((SurveyEntry.block_id == block_id, 0), (Block.district_id == near.district_id, 1),
                        (District.state_id == near.state_id, 2), else_=3)
    else:
        distance = case((SurveyEntry.id.is_not(None), 3), else_=3)
    stmt = (select(SurveyEntry.id, SurveyEntry.product, SurveyEntry.group_name, SurveyEntry.groups_count,
                   SurveyEntry.households_count, SurveyEntry.capacity_per_month, SurveyEntry.capacity_unit,
                   SurveyEntry.season, SurveyEntry.raw_material, SurveyEntry.seller_id, Village.name_en,
                   Village.name_hi, Block.id, Block.name_en, Block.name_hi, District.name_en, distance)
            .join(Village, SurveyEntry.village_id == Village.id).join(Block, SurveyEntry.block_id == Block.id)
            .join(District, Block.district_id == District.id).where(and_(*matches)))
    if state_id is not None:
        stmt = stmt.where(District.state_id == state_id)
    if district_id is not None:
        stmt = stmt.where(Block.district_id == district_id)
    if only_block_id is not None:
        stmt = stmt.where(SurveyEntry.block_id == only_block_id)
    stmt = stmt.order_by(distance, func.coalesce(SurveyEntry.capacity_per_month, 0).desc(), SurveyEntry.id).limit(limit)
    return [Maker(*row) for row in db.session.execute(stmt)]

"""Loading and looking up the geography tree."""

import csv
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.config import PROJECT_ROOT
from marketplace.extensions import db
from marketplace.geo.models import Block, District, State, Village

GEOGRAPHY_CSV = PROJECT_ROOT / "data" / "geography.csv"


def load_geography(path: Path = GEOGRAPHY_CSV) -> int:
    """Idempotent: adds what is missing, keyed by English names. Returns the number of villages added."""
    states = {s.code: s for s in db.session.scalars(select(State))}
    districts = {(d.state_id, d.name_en): d for d in db.session.scalars(select(District))}
    blocks = {(b.district_id, b.name_en): b for b in db.session.scalars(select(Block))}
    villages = {(v.block_id, v.name_en) for v in db.session.scalars(select(Village))}
    added = 0
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            state = states.get(row["state_code"])
            if state is None:
                state = states[row["state_code"]] = State(
                    code=row["state_code"], name_en=row["state_en"], name_hi=row["state_hi"]
                )
                db.session.add(state)
                db.session.flush()
            district = districts.get((state.id, row["district_en"]))
            if district is None:
                district = District(state_id=state.id, name_en=row["district_en"], name_hi=row["district_hi"])
                db.session.add(district)
                db.session.flush()
                districts[(state.id, district.name_en)] = district
            block = blocks.get((district.id, row["block_en"]))
            if block is None:
                block = Block(district_id=district.id, name_en=row["block_en"], name_hi=row["block_hi"])
                db.session.add(block)
                db.session.flush()
                blocks[(district.id, block.name_en)] = block
            if row.get("village_en") and (block.id, row["village_en"]) not in villages:
                db.session.add(Village(block_id=block.id, name_en=row["village_en"], name_hi=row["village_hi"]))
                villages.add((block.id, row["village_en"]))
                added += 1
    db.session.commit()
    return added


def get_block(block_id: int) -> Block | None:
    return db.session.get(Block, block_id)


def get_village(village_id: int) -> Village | None:
    return db.session.get(Village, village_id)


def all_blocks() -> list[Block]:
    stmt = select(Block).options(selectinload(Block.district).selectinload(District.state)).order_by(Block.name_en)
    return list(db.session.scalars(stmt))


def villages_of_block(block_id: int) -> list[Village]:
    return list(db.session.scalars(select(Village).where(Village.block_id == block_id).order_by(Village.name_en)))


def all_districts() -> list[District]:
    return list(db.session.scalars(select(District).options(selectinload(District.state)).order_by(District.name_en)))

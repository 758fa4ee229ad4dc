"""PIN codes the directory knows (data/workers/pin_codes.csv: each PIN code with the block it lies in).

A PIN code is checked three ways: six digits not starting with 0 (orders/india.py), its first digit in its
state's postal zone, and present in the list. A PIN code that is not in the list is refused: a household or
worker would otherwise never find each other. Add lines to the file to serve more places."""

import csv
from dataclasses import dataclass
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.config import PROJECT_ROOT
from marketplace.core.errors import DomainError
from marketplace.extensions import db
from marketplace.geo.models import Block, District, State
from marketplace.orders.india import normalise_pin, pin_matches_state

PIN_CSV = PROJECT_ROOT / "data" / "workers" / "pin_codes.csv"


@dataclass(frozen=True)
class PinPlace:
    pin: str
    state_code: str
    district_en: str
    block_en: str


@cache
def pin_table() -> dict[str, PinPlace]:
    with PIN_CSV.open(encoding="utf-8") as fh:
        rows = [PinPlace(r["pin"], r["state_code"], r["district_en"], r["block_en"]) for r in csv.DictReader(fh)]
    return {r.pin: r for r in rows if pin_matches_state(r.pin, r.state_code)}


def block_of_pin(text: str, field: str = "pin_code") -> tuple[str, int]:
    """(PIN code, block id) for a PIN code as typed. Raises DomainError (422) for a malformed or unknown one."""
    pin = normalise_pin(text)
    if pin is None:
        raise DomainError(_l("Enter a 6-digit PIN code."), field=field)
    place = pin_table().get(pin)
    block_id = None
    if place is not None:
        block_id = db.session.scalar(
            select(Block.id).join(District).join(State)
            .where(State.code == place.state_code, District.name_en == place.district_en,
                   Block.name_en == place.block_en))
    if block_id is None:
        raise DomainError(_l("PIN code %(pin)s does not exist or is not served yet. Please check it.", pin=pin),
                          field=field)
    return pin, block_id


def pins_of_block(block: Block) -> list[str]:
    return sorted(p.pin for p in pin_table().values()
                  if p.block_en == block.name_en and p.district_en == block.district.name_en)

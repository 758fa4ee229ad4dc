"""Packaging houses, the blocks they serve and their operators."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.fulfilment.errors import FulfilmentError
from marketplace.fulfilment.models import HouseBlock, HouseOperator, PackagingHouse
from marketplace.geo import services as geo
from marketplace.orders import india


def get_house(house_id: int) -> PackagingHouse | None:
    return db.session.get(PackagingHouse, house_id)


def served_block_ids(house_id: int) -> list[int]:
    return list(db.session.scalars(select(HouseBlock.block_id).where(HouseBlock.house_id == house_id)))


def serves(house_id: int, block_id: int) -> bool:
    stmt = select(HouseBlock.id).where(HouseBlock.house_id == house_id, HouseBlock.block_id == block_id)
    return db.session.scalar(stmt) is not None


def house_for_block(block_id: int) -> PackagingHouse | None:
    """The house that serves a block: one standing in the block first, then the oldest."""
    stmt = (select(PackagingHouse).join(HouseBlock, HouseBlock.house_id == PackagingHouse.id)
            .where(HouseBlock.block_id == block_id, PackagingHouse.active.is_(True))
            .order_by((PackagingHouse.block_id != block_id), PackagingHouse.id).limit(1))
    return db.session.scalar(stmt)


def houses_for(user) -> list[PackagingHouse]:
    """The houses an operator works at; an admin sees every house."""
    stmt = select(PackagingHouse).options(selectinload(PackagingHouse.block)).order_by(PackagingHouse.id)
    if user.role != Role.ADMIN:
        stmt = stmt.join(HouseOperator, HouseOperator.house_id == PackagingHouse.id).where(
            HouseOperator.user_id == user.id)
    return list(db.session.scalars(stmt))


def create_house(*, name_en: str, name_hi: str, block_id: int, address_line: str, district: str, state_code: str,
                 pin_code: str, phone: str | None = None, serves_blocks: tuple[int, ...] = ()) -> PackagingHouse:
    """A house standing in `block_id`, serving that block and any others given. Commits."""
    pin = india.normalise_pin(pin_code)
    if pin is None or state_code not in india.BY_CODE or geo.get_block(block_id) is None:
        raise FulfilmentError(_l("Please give the block, the state and a 6-digit PIN code."))
    house = PackagingHouse(name_en=name_en, name_hi=name_hi, block_id=block_id, address_line=address_line,
                           district=district, state_code=state_code, pin_code=pin, phone=phone)
    db.session.add(house)
    db.session.flush()
    for served in dict.fromkeys((block_id, *serves_blocks)):
        db.session.add(HouseBlock(house_id=house.id, block_id=served))
    db.session.commit()
    return house


def add_operator(house: PackagingHouse, user) -> None:
    """Idempotent. Only users with the operator role work at a house. Commits."""
    if user.role != Role.OPERATOR:
        raise FulfilmentError(_l("Only a user with the operator role can work at a packaging house."))
    stmt = select(HouseOperator.id).where(HouseOperator.house_id == house.id, HouseOperator.user_id == user.id)
    if db.session.scalar(stmt) is None:
        db.session.add(HouseOperator(house_id=house.id, user_id=user.id))
        db.session.commit()


def set_up_demo(operator_login: str = "+919811000002", block_name_en: str = "Kahara") -> PackagingHouse | None:
    """For the demo data: a house in every block, and the demo operator working at the house of `block_name_en`.
    Idempotent; None if the operator or the block is missing. Commits."""
    from marketplace.accounts import services as accounts

    ensure_house_per_block()
    user = accounts.find_user(operator_login)
    block = next((b for b in geo.all_blocks() if b.name_en == block_name_en), None)
    if user is None or block is None:
        return None
    house = house_for_block(block.id)
    add_operator(house, user)
    return house


def ensure_house_per_block() -> int:
    """Give every block without a packaging house one of its own (the state plans at least one per block).
    The address is the block office until an admin enters the real one; the PIN code is the first PIN of the
    state's postal zone, a placeholder. Returns how many houses were made. Commits."""
    served = set(db.session.scalars(select(HouseBlock.block_id)))
    made = 0
    for block in geo.all_blocks():
        if block.id in served:
            continue
        state = block.district.state
        zone = india.BY_CODE[state.code].zones[0] if state.code in india.BY_CODE else "1"
        create_house(name_en=f"Haat packaging house, {block.name_en}", name_hi=f"हाट पैकिंग केंद्र, {block.name_hi}",
                     block_id=block.id, address_line=f"Block office campus, {block.name_en}",
                     district=block.district.name_en, state_code=state.code, pin_code=f"{zone}00001")
        made += 1
    return made


def houses_for_sellers(seller_ids) -> dict[int, int]:
    """Seller id -> the id of the house its block hands over at (the rule of house_for_block), in one query.
    Sellers whose block no active house serves are absent: they ship on their own."""
    from marketplace.sellers.models import Seller  # sellers sit below fulfilment; imported here to keep it light

    seller_ids = set(seller_ids)
    if not seller_ids:
        return {}
    stmt = (select(Seller.id, HouseBlock.house_id)
            .join(HouseBlock, HouseBlock.block_id == Seller.block_id)
            .join(PackagingHouse, PackagingHouse.id == HouseBlock.house_id)
            .where(Seller.id.in_(seller_ids), PackagingHouse.active.is_(True))
            .order_by(Seller.id, (PackagingHouse.block_id != Seller.block_id), PackagingHouse.id))
    found: dict[int, int] = {}
    for seller_id, house_id in db.session.execute(stmt):
        found.setdefault(seller_id, house_id)
    return found

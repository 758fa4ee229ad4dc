"""Packaging houses, the blocks they serve and their operators."""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Role
from marketplace.core.pagination import Page, paginate
from marketplace.extensions import db
from marketplace.fulfilment.errors import FulfilmentError
from marketplace.fulfilment.models import HouseBlock, HouseOperator, PackagingHouse
from marketplace.geo import services as geo
from marketplace.orders import india
from marketplace.sellers.models import Seller


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
    Its address and phone are left for an admin to enter (Admin → Packaging houses): no guessed PIN code ends
    up as the return address on a label, and nothing is dispatched from it until then (`address_problem`).
    Returns how many houses were made. Commits."""
    served = set(db.session.scalars(select(HouseBlock.block_id)))
    made = 0
    for block in geo.all_blocks():
        if block.id in served:
            continue
        house = PackagingHouse(name_en=f"Haat packaging house, {block.name_en}",
                               name_hi=f"हाट पैकिंग केंद्र, {block.name_hi}", block_id=block.id, address_line="",
                               district=block.district.name_en, state_code=block.district.state.code,
                               pin_code=UNKNOWN_PIN, phone=None)
        db.session.add(house)
        db.session.flush()
        db.session.add(HouseBlock(house_id=house.id, block_id=block.id))
        made += 1
    db.session.commit()
    return made


_HOUSES_FOR_SELLERS = (  # built once: every checkout asks
    select(Seller.id, HouseBlock.house_id)
    .join(HouseBlock, HouseBlock.block_id == Seller.block_id)
    .join(PackagingHouse, PackagingHouse.id == HouseBlock.house_id)
    .where(Seller.id.in_(bindparam("seller_ids", expanding=True)), PackagingHouse.active.is_(True))
    .order_by(Seller.id, (PackagingHouse.block_id != Seller.block_id), PackagingHouse.id))


def houses_for_sellers(seller_ids) -> dict[int, int]:
    """Seller id -> the id of the house its block hands over at (the rule of house_for_block), in one query.
    Sellers whose block no active house serves are absent: they ship on their own."""
    seller_ids = sorted(set(seller_ids))
    if not seller_ids:
        return {}
    found: dict[int, int] = {}
    for seller_id, house_id in db.session.execute(_HOUSES_FOR_SELLERS, {"seller_ids": seller_ids}):
        found.setdefault(seller_id, house_id)
    return found


# ---------------------------------------------------------------- addresses and the admin's pages (issue 9 #4)

ADMIN_PAGE = 50  # houses a page on the admin's list
UNKNOWN_PIN = "000000"  # no PIN code starts with 0: "not entered yet", never printed as an address
_PHONE_JUNK = re.compile(r"[\s().-]")


def normalise_phone(text: str | None) -> str | None:
    """An Indian mobile or landline (with its STD code) in any usual spelling -> +91 and ten digits; else None.
    '06478-223344' -> '+916478223344', '98110 00002' -> '+919811000002'."""
    digits = _PHONE_JUNK.sub("", text or "")
    if digits.startswith("+91"):
        digits = digits[3:]
    elif len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
    return f"+91{digits}" if len(digits) == 10 and digits.isdigit() and digits[0] in "23456789" else None


def address_problem(house: PackagingHouse) -> str | None:
    """Why parcels may not leave this house yet (its address is the return address on every label), or None."""
    pin = india.normalise_pin(house.pin_code)
    if (len((house.address_line or "").strip()) < 5 or pin is None or not india.pin_matches_state(pin, house.state_code)
            or normalise_phone(house.phone) is None):
        return _l("This packaging house has no full address and phone number yet, and they are the return "
                  "address on every label. An admin must enter them (Admin → Packaging houses) before parcels "
                  "can be dispatched.")
    return None


HOUSE_FIELDS = ("name_hi", "name_en", "block_id", "address_line", "pin_code", "phone", "serves", "active")


def _text(fields: dict, name: str, errors: dict, *, low: int, high: int, message) -> str:
    value = " ".join(str(fields.get(name) or "").split())
    if value and not low <= len(value) <= high:
        errors[name] = message
    return value


def save_house(house: PackagingHouse | None, fields: dict) -> PackagingHouse:
    """Create (house None) or edit a packaging house from an admin's form. The state and district follow the
    block it stands in; it serves that block and the blocks in `serves`. FulfilmentError (422) naming each
    wrong field, nothing saved. Commits."""
    errors: dict = {}
    name_hi = _text(fields, "name_hi", errors, low=3, high=120, message=_l("Write a name of 3 to 120 letters."))
    name_en = _text(fields, "name_en", errors, low=3, high=120, message=_l("Write a name of 3 to 120 letters."))
    if not name_hi and not name_en:
        errors["name_hi"] = _l("Write the name in Hindi or in English.")
    block = geo.get_block(fields["block_id"]) if isinstance(fields.get("block_id"), int) else None
    if block is None:
        errors["block_id"] = _l("Choose the block where the house stands.")
    address = _text(fields, "address_line", errors, low=5, high=200,
                    message=_l("Write the address: building, road or landmark, village or town (5 to 200 letters)."))
    if not address:
        errors["address_line"] = _l("Write the address: building, road or landmark, village or town (5 to 200 "
                                    "letters).")
    pin = india.normalise_pin(str(fields.get("pin_code") or ""))
    if pin is None:
        errors["pin_code"] = _l("Enter the 6-digit PIN code.")
    elif block is not None and not india.pin_matches_state(pin, block.district.state.code):
        from marketplace.i18n import localized

        errors["pin_code"] = _l("This PIN code is not in %(state)s.", state=localized(block.district.state, "name"))
    phone = normalise_phone(str(fields.get("phone") or ""))
    if phone is None:
        errors["phone"] = _l("Enter a 10-digit mobile number, or a landline with its STD code.")
    serves = []
    for block_id in fields.get("serves") or ():
        served = geo.get_block(block_id) if isinstance(block_id, int) else None
        if served is None:
            errors["serves"] = _l("Choose blocks from the list.")
            break
        serves.append(served.id)
    if errors:
        raise FulfilmentError(_l("Please correct the marked fields."), errors=errors)
    if house is None:
        house = PackagingHouse()
        db.session.add(house)
    house.name_hi, house.name_en, house.block_id = name_hi or None, name_en or None, block.id
    house.address_line, house.pin_code, house.phone = address, pin, phone
    house.district, house.state_code = block.district.name_en, block.district.state.code
    house.active = bool(fields.get("active", True))
    db.session.flush()
    wanted = set(dict.fromkeys((block.id, *serves)))
    for link in list(db.session.scalars(select(HouseBlock).where(HouseBlock.house_id == house.id))):
        if link.block_id not in wanted:
            db.session.delete(link)
        wanted.discard(link.block_id)
    for block_id in sorted(wanted):
        db.session.add(HouseBlock(house_id=house.id, block_id=block_id))
    db.session.commit()
    return house


def houses_page(page: int = 1) -> Page:
    """One page of the houses (one in a block or so: thousands in a country) with their block, district and
    state, for the admin's list."""
    from marketplace.geo.models import Block, District

    stmt = (select(PackagingHouse).options(selectinload(PackagingHouse.block).selectinload(Block.district)
                                           .selectinload(District.state))
            .order_by(PackagingHouse.state_code, PackagingHouse.district, PackagingHouse.name_en, PackagingHouse.id))
    return paginate(stmt, page, ADMIN_PAGE)


def operators_of(house: PackagingHouse) -> list:
    from marketplace.accounts.models import User

    stmt = (select(User).join(HouseOperator, HouseOperator.user_id == User.id)
            .where(HouseOperator.house_id == house.id).order_by(User.name))
    return list(db.session.scalars(stmt))


def add_operator_by_login(house: PackagingHouse, login: str, name: str = "", password: str = ""):
    """The admin adds an operator by mobile number or e-mail: an existing operator account, or a new one made
    with the name and first password given (the admin passes them on). FulfilmentError (422). Commits."""
    from marketplace.accounts import services as accounts

    login = (login or "").strip()
    try:
        accounts.parse_login(login)
    except accounts.AccountError as exc:
        raise FulfilmentError(exc.message, errors={"login": exc.message}) from None
    user = accounts.find_user(login)
    if user is None:
        if not (name or "").strip() or not password:
            message = _l("There is no account with this mobile number or e-mail yet. Give the operator's name and a "
                         "first password to make one.")
            raise FulfilmentError(message, errors={"name": message})
        try:
            user = accounts.create_user(name, login, password, Role.OPERATOR)
        except accounts.AccountError as exc:
            raise FulfilmentError(exc.message, errors={"password": exc.message}) from None
    elif user.role != Role.OPERATOR:
        message = _l("This account is not an operator's. Operators need an account of their own.")
        raise FulfilmentError(message, errors={"login": message})
    add_operator(house, user)
    return user


def remove_operator(house: PackagingHouse, user_id: int) -> bool:
    """The user no longer works at the house (their account stays). Commits."""
    link = db.session.scalar(select(HouseOperator).where(HouseOperator.house_id == house.id,
                                                         HouseOperator.user_id == user_id))
    if link is None:
        return False
    db.session.delete(link)
    db.session.commit()
    return True

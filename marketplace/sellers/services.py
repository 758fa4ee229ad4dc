"""Business rules for seller organisations: registration, members and invites, bank account, verification.

Services validate everything first, then write, then commit once. They raise SellerError (a message already
in the user's language, and the form field it belongs to) or NotAllowed (the view answers 403)."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, func, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Bundle, selectinload

from marketplace.accounts import services as accounts
from marketplace.accounts.access import official_covers_block, seller_member_role
from marketplace.accounts.models import OfficialLevel, Role, User
from marketplace.core.errors import DomainError
from marketplace.core.formatting import IST
from marketplace.core.outbox import record_change
from marketplace.core.pagination import Page, paginate
from marketplace.core.translit import slugify
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.geo import services as geo
from marketplace.geo.models import Block, District, Village
from marketplace.sellers.models import (
    VERIFICATION,
    BankAccount,
    FederationLevel,
    Member,
    MemberRole,
    Seller,
    SellerKind,
    Verification,
    VerificationEvent,
)

OFFICE_BEARERS = frozenset({MemberRole.PRESIDENT, MemberRole.SECRETARY, MemberRole.TREASURER})
MEMBER_MANAGERS = frozenset({MemberRole.PRESIDENT, MemberRole.SECRETARY})
INVITE_ROLES = (MemberRole.SECRETARY, MemberRole.TREASURER, MemberRole.MEMBER)
REASON_MAX = 500
OFFICIAL_LIST_PAGE = 50  # groups a page on the officials' list
_IFSC = re.compile(r"^[A-Z]{4}0[A-Z0-9]{6}$")
_ACCOUNT_NUMBER = re.compile(r"^\d{9,18}$")
_NRLM_CODE = re.compile(r"^[A-Z0-9/-]{1,40}$")
_RESERVED_SLUGS = frozenset({"register"})  # /sellers/register is a page, not a seller


class SellerError(DomainError):
    pass


class NotAllowed(PermissionError):
    pass


@dataclass
class SellerDetails:
    """What a group tells about itself (the registration and edit forms)."""

    kind: str
    name_hi: str | None
    name_en: str | None
    block_id: int | None
    village_id: int | None
    federation_level: str | None = None
    federation_name: str | None = None
    nrlm_code: str | None = None
    formed_on: date | None = None
    story_hi: str | None = None
    story_en: str | None = None


# ---------------------------------------------------------------- reading

def list_verified_sellers(limit: int | None = 50) -> list[Seller]:
    stmt = (select(Seller).where(Seller.status == Verification.VERIFIED)
            .options(selectinload(Seller.block).selectinload(Block.district), selectinload(Seller.village))
            .order_by(Seller.verified_at.desc(), Seller.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def get_seller(seller_id: int) -> Seller | None:
    return db.session.get(Seller, seller_id)


def get_seller_page(seller_id: int) -> Seller | None:
    """A seller with everything its own pages and the official's page show, in a fixed number of queries."""
    stmt = (select(Seller).where(Seller.id == seller_id)
            .options(selectinload(Seller.block).selectinload(Block.district).selectinload(District.state),
                     selectinload(Seller.village), selectinload(Seller.members), selectinload(Seller.bank_account),
                     selectinload(Seller.history).selectinload(VerificationEvent.actor)))
    return db.session.scalar(stmt)


def get_public_seller(slug: str) -> Seller | None:
    """A verified seller for the public profile; anything else is invisible (None -> 404)."""
    stmt = (select(Seller).where(Seller.slug == slug, Seller.status == Verification.VERIFIED)
            .options(selectinload(Seller.block).selectinload(Block.district).selectinload(District.state),
                     selectinload(Seller.village), selectinload(Seller.members)))
    return db.session.scalar(stmt)


def sellers_of_user(user) -> list[Seller]:
    """The organisations in which `user` is an active member."""
    stmt = (select(Seller).join(Member, Member.seller_id == Seller.id)
            .where(Member.user_id == user.id, Member.active.is_(True)).order_by(Seller.id))
    return list(db.session.scalars(stmt))


def member_count(seller_id: int) -> int:
    stmt = select(func.count(Member.id)).where(Member.seller_id == seller_id, Member.active.is_(True))
    return db.session.scalar(stmt) or 0


def _scope_clause(user):
    """The SQL condition for the sellers an official (or admin) looks after; None if nobody."""
    if user.role == Role.ADMIN:
        return true()
    if user.role != Role.OFFICIAL:
        return None
    return {
        OfficialLevel.BLOCK: Seller.block_id == user.scope_block_id,
        OfficialLevel.DISTRICT: Block.district_id == user.scope_district_id,
        OfficialLevel.STATE: District.state_id == user.scope_state_id,
    }.get(user.official_level)


def sellers_in_scope(user, status: str | None = None, page: int = 1) -> Page:
    """One page of the sellers in an official's block / district / state (all for an admin), pending ones first
    (a state has lakhs of groups: never all at once)."""
    clause = _scope_clause(user)
    if clause is None:
        return Page([], 1, 1, 0)
    stmt = (select(Seller).join(Block, Seller.block_id == Block.id).join(District, Block.district_id == District.id)
            .where(clause)
            .options(selectinload(Seller.block).selectinload(Block.district), selectinload(Seller.village))
            .order_by(case((Seller.status == Verification.PENDING, 0), else_=1), Seller.created_at, Seller.id))
    if status in tuple(Verification):
        stmt = stmt.where(Seller.status == status)
    return paginate(stmt, page, OFFICIAL_LIST_PAGE)


def acting_role(user, seller_id: int) -> str | None:
    """The member role `user` acts with in this group; an admin acts as a president would."""
    if user is not None and user.is_authenticated and user.role == Role.ADMIN:
        return MemberRole.PRESIDENT
    return seller_member_role(user, seller_id)


def may(user, seller_id: int, roles: frozenset[str]) -> bool:
    return acting_role(user, seller_id) in roles


def _require(user, seller: Seller, roles: frozenset[str]) -> None:
    if not may(user, seller.id, roles):
        raise NotAllowed


# ---------------------------------------------------------------- geography for the forms

def blocks_by_district() -> list[tuple[District, list[Block]]]:
    """Blocks grouped by district, both sorted by English name (the select's optgroups)."""
    groups: dict[int, tuple[District, list[Block]]] = {}
    for block in geo.all_blocks():
        groups.setdefault(block.district_id, (block.district, []))[1].append(block)
    return sorted(groups.values(), key=lambda g: (g[0].name_en, g[0].id))


def villages_by_block() -> list[tuple[Block, list[Village]]]:
    """Every village grouped by its block; a few hundred rows at most, so one select needs no JavaScript."""
    villages = db.session.scalars(select(Village).order_by(Village.block_id, Village.name_en))
    by_block: dict[int, list[Village]] = {}
    for village in villages:
        by_block.setdefault(village.block_id, []).append(village)
    blocks = [b for _, group in blocks_by_district() for b in group]
    return [(b, by_block[b.id]) for b in blocks if b.id in by_block]


# ---------------------------------------------------------------- slugs


def unique_slug(name_en: str | None, name_hi: str | None) -> str:
    base = slugify(name_en or "") or slugify(name_hi or "") or "group"
    taken = set(db.session.scalars(select(Seller.slug).where(Seller.slug.like(f"{base}%")))) | _RESERVED_SLUGS
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


# ---------------------------------------------------------------- registration and details

def _clean(text: str | None) -> str | None:
    text = " ".join((text or "").split())
    return text or None


def _clean_story(text: str | None) -> str | None:
    text = (text or "").strip().replace("\r\n", "\n")
    return text or None


def today_in_india() -> date:
    return datetime.now(IST).date()


def _checked(details: SellerDetails, seller: Seller | None = None) -> SellerDetails:
    """Normalised details, or SellerError for the first field that breaks a rule."""
    d = SellerDetails(
        kind=details.kind, name_hi=_clean(details.name_hi), name_en=_clean(details.name_en),
        block_id=details.block_id, village_id=details.village_id,
        federation_level=details.federation_level or None, federation_name=_clean(details.federation_name),
        nrlm_code=(_clean(details.nrlm_code) or "").upper() or None, formed_on=details.formed_on,
        story_hi=_clean_story(details.story_hi), story_en=_clean_story(details.story_en),
    )
    if d.kind not in tuple(SellerKind):
        raise SellerError(_l("Choose one of the options."), "kind")
    if not d.name_hi and not d.name_en:
        raise SellerError(_l("Enter the group's name in Hindi or in English (or both)."), "name_hi")
    _check_place(d, seller)
    if d.federation_level not in (None, *FederationLevel):
        raise SellerError(_l("Choose one of the options."), "federation_level")
    if d.federation_name and not d.federation_level:
        raise SellerError(_l("Choose whether the federation is a village organisation or a cluster-level "
                             "federation."), "federation_level")
    _check_nrlm_code(d.nrlm_code, seller)
    if d.formed_on and d.formed_on > today_in_india():
        raise SellerError(_l("The formation date cannot be in the future."), "formed_on")
    return d


def _check_place(d: SellerDetails, seller: Seller | None) -> None:
    block = geo.get_block(d.block_id) if d.block_id else None
    if block is None:
        raise SellerError(_l("Choose your block."), "block_id")
    if seller is not None and seller.is_verified and block.id != seller.block_id:
        raise SellerError(_l("A verified group cannot move to another block. Please ask your block office."),
                          "block_id")
    village = geo.get_village(d.village_id) if d.village_id else None
    if village is None:
        raise SellerError(_l("Choose your village."), "village_id")
    if village.block_id != block.id:
        raise SellerError(_l("This village is not in the chosen block. Choose a village of that block."),
                          "village_id")


def _check_nrlm_code(code: str | None, seller: Seller | None) -> None:
    if code is None:
        return
    if not _NRLM_CODE.match(code):
        raise SellerError(_l("The NRLM code may have only letters, digits, / and -."), "nrlm_code")
    stmt = select(Seller.id).where(Seller.nrlm_code == code)
    if seller is not None:
        stmt = stmt.where(Seller.id != seller.id)
    if db.session.scalar(stmt) is not None:
        raise SellerError(_l("A group with this NRLM code is already registered."), "nrlm_code")


def _apply(seller: Seller, d: SellerDetails) -> None:
    for name, value in vars(d).items():
        setattr(seller, name, value)


def _commit(message=None, field: str | None = None) -> None:
    """Commit; a unique rule broken by someone saving at the same moment becomes a message, not a 500."""
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        message = message or _l("Someone saved the same details at the same moment. Please try again.")
        raise SellerError(message, field) from exc


def register_seller(user, details: SellerDetails, president_name: str, president_mobile: str) -> Seller:
    """A new group, pending verification, with `user` as its president."""
    d = _checked(details)
    name = _clean(president_name)
    if not name:
        raise SellerError(_l("Enter the president's name."), "president_name")
    mobile = _mobile(president_mobile, "president_mobile")
    seller = Seller(slug=unique_slug(d.name_en, d.name_hi), status=Verification.PENDING)
    _apply(seller, d)
    db.session.add(seller)
    db.session.flush()
    db.session.add(Member(seller_id=seller.id, user_id=user.id, name=name, mobile=mobile,
                          role=MemberRole.PRESIDENT))
    db.session.add(VerificationEvent(seller_id=seller.id, actor_id=user.id, from_state=None,
                                     to_state=Verification.PENDING))
    _become_seller(user)
    _commit()
    return seller


def update_details(seller: Seller, actor, details: SellerDetails) -> None:
    """Saving a rejected group's corrected details asks for verification again (rejected -> pending)."""
    _require(actor, seller, OFFICE_BEARERS)
    d = _checked(details, seller)
    _apply(seller, d)
    if seller.status == Verification.REJECTED:
        _transition(seller, actor, Verification.PENDING)
    record_change("seller", seller.id)
    _commit()


def _become_seller(user) -> None:
    if user.role == Role.CUSTOMER:
        user.role = Role.SELLER


# ---------------------------------------------------------------- members

def _mobile(text: str | None, field: str) -> str:
    try:
        return accounts.normalise_mobile(text or "")
    except accounts.AccountError as exc:
        raise SellerError(exc.args[0], field) from exc


def _member(seller: Seller, member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None or member.seller_id != seller.id:
        raise LookupError(member_id)
    return member


def invite_member(seller: Seller, actor, name: str, mobile: str, role: str) -> Member:
    """Add a person by mobile number. Someone who already has an account is linked at once; anyone else
    when they sign up or log in with that number (claim_invites). A deactivated member can be invited back."""
    _require(actor, seller, MEMBER_MANAGERS)
    name = _clean(name)
    if not name:
        raise SellerError(_l("Enter the member's name."), "name")
    mobile = _mobile(mobile, "mobile")
    if role not in INVITE_ROLES:
        raise SellerError(_l("Choose one of the options."), "role")
    existing = db.session.scalar(select(Member).where(Member.seller_id == seller.id, Member.mobile == mobile))
    user = accounts.find_user(mobile)
    if (existing is not None and existing.active) or (user is not None and _is_member(user.id, seller.id)):
        raise SellerError(_l("This mobile number is already in the group."), "mobile")
    member = existing or Member(seller_id=seller.id, mobile=mobile)
    member.name, member.role, member.active, member.invited_by_id = name, role, True, actor.id
    if user is not None:
        member.user_id = user.id
        _become_seller(user)
    db.session.add(member)
    _commit(_l("This mobile number is already in the group."), "mobile")
    return member


def _is_member(user_id: int, seller_id: int) -> bool:
    stmt = select(Member.id).where(Member.seller_id == seller_id, Member.user_id == user_id,
                                   Member.active.is_(True))
    return db.session.scalar(stmt) is not None


def change_member_role(seller: Seller, actor, member_id: int, role: str) -> None:
    """Exactly one president: making someone president hands the office over (the old president becomes
    a member); the president's own role changes only by such a handover."""
    _require(actor, seller, MEMBER_MANAGERS)
    member = _member(seller, member_id)
    if role not in tuple(MemberRole):
        raise SellerError(_l("Choose one of the options."), "role")
    if not member.active:
        raise SellerError(_l("This member has left the group."), "role")
    if member.role == role:
        return
    if member.role == MemberRole.PRESIDENT:
        raise SellerError(_l("A group needs a president. Make another member president instead."), "role")
    if role == MemberRole.PRESIDENT:
        _hand_over_presidency(seller, actor, member)
    member.role = role
    _commit()


def _hand_over_presidency(seller: Seller, actor, new: Member) -> None:
    if acting_role(actor, seller.id) != MemberRole.PRESIDENT:
        raise SellerError(_l("Only the president can hand over the presidency."), "role")
    if new.user_id is None:
        raise SellerError(_l("Only a member who has joined Haat can become president."), "role")
    old = db.session.scalar(select(Member).where(Member.seller_id == seller.id, Member.active.is_(True),
                                                 Member.role == MemberRole.PRESIDENT))
    if old is not None:
        old.role = MemberRole.MEMBER
        db.session.flush()  # the one-president index must see the old president step down first


def deactivate_member(seller: Seller, actor, member_id: int) -> None:
    _require(actor, seller, MEMBER_MANAGERS)
    member = _member(seller, member_id)
    if member.role == MemberRole.PRESIDENT:
        raise SellerError(_l("The president cannot be removed. Make another member president first."), "role")
    member.active = False
    _commit()


def claim_invites(user) -> int:
    """Link the invitations made to this user's mobile number; a customer becomes a seller. Returns how many."""
    if not user.mobile:
        return 0
    stmt = select(Member).where(Member.mobile == user.mobile, Member.user_id.is_(None))
    claimed = 0
    for member in db.session.scalars(stmt).all():
        if _is_member(user.id, member.seller_id):
            continue  # already in this group under another number
        member.user_id = user.id
        claimed += member.active
    if claimed:
        _become_seller(user)
    db.session.commit()
    return claimed


# ---------------------------------------------------------------- bank account

def save_bank_account(seller: Seller, actor, account_name: str, number: str, confirm: str, ifsc: str,
                      bank_name: str | None) -> BankAccount:
    _require(actor, seller, OFFICE_BEARERS)
    name = _clean(account_name)
    if not name:
        raise SellerError(_l("Enter the account holder's name."), "account_name")
    number, confirm = (re.sub(r"[\s-]", "", x or "") for x in (number, confirm))
    if not _ACCOUNT_NUMBER.match(number):
        raise SellerError(_l("An account number has 9 to 18 digits."), "account_number")
    if number != confirm:
        raise SellerError(_l("The two account numbers differ. Please type them again."), "confirm_number")
    ifsc = re.sub(r"\s", "", ifsc or "").upper()
    if not _IFSC.match(ifsc):
        raise SellerError(_l("An IFSC has 11 characters: 4 letters, a zero, then 6 letters or digits "
                             "(for example SBIN0001234)."), "ifsc")
    account = seller.bank_account or BankAccount(seller_id=seller.id)
    account.account_name, account.account_number, account.ifsc = name, number, ifsc
    account.bank_name = _clean(bank_name)
    db.session.add(account)
    _commit()
    return account


# ---------------------------------------------------------------- verification

def _transition(seller: Seller, actor, target: str, reason: str | None = None, **changes) -> None:
    """Move along VERIFICATION and record it. The UPDATE only matches the state we read, so two officials
    acting at once cannot both succeed."""
    current = seller.status
    VERIFICATION.check(current, target)
    result = db.session.execute(
        update(Seller).where(Seller.id == seller.id, Seller.status == current)
        .values(status=target, status_reason=reason, **changes).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise SellerError(_l("Someone else changed this group's status just now. Please look again."))
    db.session.expire(seller, ["status", "status_reason", *changes])
    db.session.add(VerificationEvent(seller_id=seller.id, actor_id=actor.id, from_state=current,
                                     to_state=target, reason=reason))


def _require_official(seller: Seller, actor) -> None:
    if not official_covers_block(actor, seller.block):
        raise NotAllowed


def verify(seller: Seller, actor) -> None:
    _require_official(seller, actor)
    _transition(seller, actor, Verification.VERIFIED, verified_at=utcnow())
    record_change("seller", seller.id)
    _tell_group(seller, "group_verified")
    _commit()


def reject(seller: Seller, actor, reason: str) -> None:
    """Reject a pending group, or withdraw a verified one's verification; a reason is always needed."""
    _require_official(seller, actor)
    reason = (reason or "").strip()
    if not reason:
        raise SellerError(_l("Write why the group is rejected; the group will see it."), "reason")
    if len(reason) > REASON_MAX:
        raise SellerError(_l("Use at most %(max)d characters.", max=REASON_MAX), "reason")
    _transition(seller, actor, Verification.REJECTED, reason, verified_at=None)
    record_change("seller", seller.id)
    _tell_group(seller, "group_rejected", reason=reason)
    _commit()


def count_in_scope_by_status(user) -> dict[str, int]:
    """How many sellers an official (or admin) looks after, per verification status: one aggregate query, so
    a state official's landing page does not load thousands of groups to count them (issue 11)."""
    clause = _scope_clause(user)
    if clause is None:
        return {}
    stmt = (select(Seller.status, func.count(Seller.id)).join(Block, Seller.block_id == Block.id)
            .join(District, Block.district_id == District.id).where(clause).group_by(Seller.status))
    return dict(db.session.execute(stmt).all())
# ---------------------------------------------------------------- who receives the group's messages

def message_contacts(seller: Seller) -> list[Member]:
    """The members who receive the group's order messages: those the group chose, else the president. Never
    every member: a group of dozens must not get dozens of WhatsApp messages per order."""
    return _contacts([m for m in seller.members if m.active])


def _contacts(active: list) -> list:
    """`active`: members, or rows with their role and gets_messages."""
    chosen = [m for m in active if m.gets_messages]
    return chosen or [m for m in active if m.role == MemberRole.PRESIDENT][:1]


# Built once: every checkout asks. Light rows, not entities: a member's name, mobile, role and choice; the
# account's id and locale (None without an account), which is all notifications.for_member reads.
_ACTIVE_MEMBERS = (select(Bundle("member", Member.id, Member.seller_id, Member.name, Member.mobile, Member.role,
                                 Member.gets_messages), Bundle("user", User.id, User.locale))
                   .select_from(Member).outerjoin(User, User.id == Member.user_id)
                   .where(Member.seller_id.in_(bindparam("seller_ids", expanding=True)), Member.active.is_(True))
                   .order_by(Member.id))


def message_contacts_of(seller_ids) -> dict[int, list[tuple]]:
    """message_contacts of many groups in one query: seller id -> [(member, account or None)], as light rows."""
    seller_ids = sorted(set(seller_ids))
    if not seller_ids:
        return {}
    active: dict[int, list] = {}
    users: dict[int, object] = {}
    for member, user in db.session.execute(_ACTIVE_MEMBERS, {"seller_ids": seller_ids}):
        active.setdefault(member.seller_id, []).append(member)
        users[member.id] = user if user.id is not None else None
    return {sid: [(m, users[m.id]) for m in _contacts(members)] for sid, members in active.items()}


def set_message_contact(seller: Seller, actor, member_id: int, on: bool) -> None:
    """The president or secretary picks who receives the group's messages (at least one stays chosen: turning
    off the last one leaves the president in charge)."""
    _require(actor, seller, MEMBER_MANAGERS)
    member = _member(seller, member_id)
    if not member.active:
        raise SellerError(_l("This member has left the group."), "role")
    member.gets_messages = bool(on)
    _commit()


def _tell_group(seller: Seller, kind: str, **params) -> None:
    """The group's chosen contacts hear of a verification decision (queued with it, sent by the outbox)."""
    from marketplace.notifications import services as notifications

    link = notifications.link("sellers.overview", seller_id=seller.id)
    for member in message_contacts(seller):
        user = accounts.get_user(member.user_id) if member.user_id else None
        recipient = notifications.for_member(member.name, member.mobile, user)
        name = (seller.name_hi or seller.name_en) if recipient.locale == "hi" else (seller.name_en or seller.name_hi)
        notifications.notify(recipient, kind, seller=name, link=link, **params)


# ---------------------------------------------------------------- what an official checks before verifying

@dataclass(frozen=True)
class Check:
    label: str
    ok: bool
    detail: str


def verification_checklist(seller: Seller) -> list[Check]:
    """Documents, bank account, members and place: what the block office should see before verifying."""
    active = [m for m in seller.members if m.active]
    joined = [m for m in active if m.user_id]
    president = next((m for m in active if m.role == MemberRole.PRESIDENT), None)
    bank = seller.bank_account
    documents = [text for text in (
        _l("NRLM code %(code)s", code=seller.nrlm_code) if seller.nrlm_code else None,
        _l("formed on %(date)s", date=seller.formed_on.strftime("%d-%m-%Y")) if seller.formed_on else None,
        _l("GSTIN %(gstin)s", gstin=seller.gstin) if seller.gstin else None) if text]
    return [
        Check(_l("Documents"), bool(seller.nrlm_code or seller.gstin),
              ", ".join(str(d) for d in documents) or str(_l("No NRLM code or GSTIN given."))),
        Check(_l("Bank account"), bank is not None,
              str(_l("%(name)s, account %(number)s, IFSC %(ifsc)s", name=bank.account_name,
                     number=bank.masked_number, ifsc=bank.ifsc)) if bank else str(_l("No bank account yet."))),
        Check(_l("Members"), president is not None and len(active) >= 2,
              str(_l("%(n)d members, %(joined)d of them on Haat; president: %(president)s", n=len(active),
                     joined=len(joined), president=president.name if president else "—"))),
        Check(_l("Place"), seller.village_id is not None,
              str(_l("Village given.")) if seller.village_id else str(_l("No village given."))),
    ]

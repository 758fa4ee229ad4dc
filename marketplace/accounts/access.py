"""Role and scope checks, in one place. Every non-public route goes through these.

- `role_required(*roles)`: anonymous -> login page; wrong role -> 403; admin passes everywhere.
- `official_covers_block(user, block)`: an official's block / district / state scope.
- `seller_member_role(user, seller_id)`: the member role a user holds in a seller organisation, or None.
"""

from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import false, select, true

from marketplace.accounts.models import OfficialLevel, Role
from marketplace.extensions import db, login_manager


def role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role != Role.ADMIN and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def login_required(view):
    return role_required(*Role)(view)


def official_covers_block(user, block) -> bool:
    """True if `user` may act for `block` (a geo Block): admins always, officials within their scope."""
    if user is None or not user.is_authenticated or block is None:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.OFFICIAL:
        return False
    match user.official_level:
        case OfficialLevel.BLOCK:
            return user.scope_block_id == block.id
        case OfficialLevel.DISTRICT:
            return user.scope_district_id == block.district_id
        case OfficialLevel.STATE:
            return user.scope_state_id == block.district.state_id
    return False


def seller_member_role(user, seller_id: int) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    from marketplace.sellers.models import Member  # sellers depends on accounts, not the other way round

    stmt = select(Member.role).where(Member.seller_id == seller_id, Member.user_id == user.id,
                                     Member.active.is_(True))
    return db.session.scalar(stmt)


def can_manage_seller(user, seller_id: int) -> bool:
    """Admins, and active members of the organisation, may edit it and its listings."""
    if user is None or not user.is_authenticated:
        return False
    return user.role == Role.ADMIN or seller_member_role(user, seller_id) is not None


def operates_house(user, house_id: int) -> bool:
    """Admins, and operators who work at this packaging house."""
    if user is None or not user.is_authenticated:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.OPERATOR:
        return False
    from marketplace.fulfilment.models import HouseOperator  # fulfilment depends on accounts, not the other way

    stmt = select(HouseOperator.id).where(HouseOperator.house_id == house_id, HouseOperator.user_id == user.id)
    return db.session.scalar(stmt) is not None


def require_seller_access(seller_id: int) -> None:
    """403 unless the current user may manage this seller organisation."""
    if not current_user.is_authenticated:
        abort(401)
    if not can_manage_seller(current_user, seller_id):
        abort(403)


# ---------------------------------------------------------------- institutions and requisitions (issue 10)

def approves_institutions_in(user, district_id: int) -> bool:
    """Admins, and district or state officials over that district, approve institutions."""
    if user is None or not user.is_authenticated:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.OFFICIAL:
        return False
    if user.official_level == OfficialLevel.DISTRICT:
        return user.scope_district_id == district_id
    if user.official_level == OfficialLevel.STATE:
        from marketplace.geo.models import District

        return db.session.scalar(select(District.state_id).where(District.id == district_id)) == user.scope_state_id
    return False


def approves_institutions_where(user, district_column):
    """The SQL twin of approves_institutions_in, for listing many institutions at once: a condition on the
    column holding their district."""
    if user is None or not user.is_authenticated or user.role not in (Role.ADMIN, Role.OFFICIAL):
        return false()
    if user.role == Role.ADMIN:
        return true()
    if user.official_level == OfficialLevel.DISTRICT:
        return district_column == user.scope_district_id
    if user.official_level == OfficialLevel.STATE:
        from marketplace.geo.models import District

        return district_column.in_(select(District.id).where(District.state_id == user.scope_state_id))
    return false()


class RequisitionScope:
    """What one user may see and do on one requisition. `blocks` None means every block; `sellers` set means
    only those groups' own shares (a group member)."""

    def __init__(self, kind: str, *, blocks=None, sellers=frozenset(), allocate=False, buyer=False, approver=False):
        self.kind, self.blocks, self.sellers = kind, blocks, frozenset(sellers)
        self.allocate, self.buyer, self.approver = allocate, buyer, approver

    @property
    def sees_progress(self) -> bool:
        return self.kind in ("admin", "buyer", "official")


def requisition_scope(user, req) -> RequisitionScope | None:
    """None: this user may not see the requisition at all (another institution, an unrelated group)."""
    if user is None or not user.is_authenticated or req is None:
        return None
    if user.role == Role.ADMIN:
        return RequisitionScope("admin", allocate=True, approver=True)
    from marketplace.institutions.models import InstitutionPerson, PersonRole
    from marketplace.requisitions.models import Allocation, RequisitionPoint

    if user.role == Role.BUYER:
        role = db.session.scalar(select(InstitutionPerson.role).where(
            InstitutionPerson.institution_id == req.institution_id, InstitutionPerson.user_id == user.id))
        if role is None:
            return None
        approver = role == PersonRole.APPROVER
        return RequisitionScope("buyer", buyer=True, approver=approver, allocate=approver and req.run_by_buyer)
    if user.role == Role.OFFICIAL:
        if approves_institutions_in(user, req.district_id):
            return RequisitionScope("official", allocate=not req.run_by_buyer, approver=True)
        if user.official_level == OfficialLevel.BLOCK and user.scope_block_id:
            block = user.scope_block_id
            touches = db.session.scalar(select(Allocation.id).where(Allocation.requisition_id == req.id,
                                                                    Allocation.block_id == block).limit(1)) or \
                db.session.scalar(select(RequisitionPoint.id).where(RequisitionPoint.requisition_id == req.id,
                                                                     RequisitionPoint.block_id == block).limit(1))
            return RequisitionScope("official", blocks={block}) if touches else None
        return None
    if user.role == Role.SELLER:
        from marketplace.sellers.models import Member

        mine = set(db.session.scalars(select(Allocation.seller_id).join(
            Member, Member.seller_id == Allocation.seller_id).where(
            Allocation.requisition_id == req.id, Member.user_id == user.id, Member.active.is_(True))))
        return RequisitionScope("group", sellers=mine) if mine else None
# ---------------------------------------------------------------- workers' directory (issue 12)

def worker_booking_role(user, booking) -> str | None:
    """Which side of a worker booking `user` is on: 'household' (who asked), 'worker' (the worker, or whoever
    registered her without a phone), 'official' (admins, officials covering the worker's home block); None."""
    if user is None or not user.is_authenticated:
        return None
    if booking.household_id == user.id:
        return "household"
    from marketplace.workers.models import WorkerProfile  # workers depends on accounts, not the other way

    worker = db.session.get(WorkerProfile, booking.worker_id)
    if worker.user_id == user.id or (worker.user_id is None and worker.registered_by_id == user.id):
        return "worker"
    from marketplace.geo.models import Block

    if official_covers_block(user, db.session.get(Block, worker.block_id)):
        return "official"
    return None
# ---------------------------------------------------------------- officials' dashboards, targets, survey (issue 11)
# A unit is (level, id) with level "country" (id 0), "state", "district" or "block". An official sees her own
# unit and every unit inside it; an admin sees the whole country.

UNIT_LEVELS = ("country", "state", "district", "block")


def official_home_unit(user) -> tuple[str, int] | None:
    """The unit a user's dashboard opens on: the country for an admin, an official's own scope, else None."""
    if user is None or not user.is_authenticated:
        return None
    if user.role == Role.ADMIN:
        return ("country", 0)
    if user.role != Role.OFFICIAL:
        return None
    unit_id = {OfficialLevel.BLOCK: user.scope_block_id, OfficialLevel.DISTRICT: user.scope_district_id,
               OfficialLevel.STATE: user.scope_state_id}.get(user.official_level)
    return (str(user.official_level), unit_id) if unit_id else None


def official_covers_unit(user, level: str, unit_id: int) -> bool:
    """True if `user` may see the numbers of a unit (and export them, and set targets or survey inside it)."""
    home = official_home_unit(user)
    if home is None or level not in UNIT_LEVELS:
        return False
    home_level, home_id = home
    if home_level == "country":
        return True
    if UNIT_LEVELS.index(level) < UNIT_LEVELS.index(home_level):
        return False  # above her: a block official never sees her district's or state's figures
    if level == home_level:
        return unit_id == home_id
    from marketplace.geo.models import Block, District  # geo sits below accounts

    if level == "block":
        row = db.session.execute(select(Block.district_id, District.state_id).join(District)
                                 .where(Block.id == unit_id)).first()
        if row is None:
            return False
        return row.district_id == home_id if home_level == "district" else row.state_id == home_id
    state_id = db.session.scalar(select(District.state_id).where(District.id == unit_id))  # a district, state above
    return state_id is not None and state_id == home_id

"""Role and scope checks, in one place. Every non-public route goes through these.

- `role_required(*roles)`: anonymous -> login page; wrong role -> 403; admin passes everywhere.
- `official_covers_block(user, block)`: an official's block / district / state scope.
- `seller_member_role(user, seller_id)`: the member role a user holds in a seller organisation, or None.
"""

from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import select

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

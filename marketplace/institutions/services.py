"""Institutions: registration with a checked GSTIN, people, delivery points, approval (compare-and-set)."""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from marketplace.core.errors import DomainError
from marketplace.core.pagination import Page, paginate
from marketplace.core.states import IllegalTransition
from marketplace.extensions import db
from marketplace.geo.models import Block, District, State
from marketplace.institutions.models import (
    INSTITUTION_STATUS,
    DeliveryPoint,
    Institution,
    InstitutionEvent,
    InstitutionKind,
    InstitutionPerson,
    InstitutionStatus,
    PersonRole,
)


class InstitutionError(DomainError):
    pass


_GSTIN_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_GSTIN_SHAPE = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$")
PENDING_PAGE = 50  # institutions a page on the approvers' list


def gstin_check_char(first14: str) -> str:
    """The 15th character of a GSTIN: a Luhn mod-36 check over the first fourteen."""
    total = 0
    for i, ch in enumerate(first14):
        product = _GSTIN_CHARS.index(ch) * (2 if i % 2 else 1)
        total += product // 36 + product % 36
    return _GSTIN_CHARS[(36 - total % 36) % 36]


def normalise_gstin(raw: str | None) -> str | None:
    """None for an empty value (bodies without GST registration); the GSTIN in capitals when valid; else an error."""
    value = (raw or "").strip().upper().replace(" ", "")
    if not value:
        return None
    if not _GSTIN_SHAPE.match(value) or gstin_check_char(value[:14]) != value[14]:
        raise InstitutionError(_l("This GSTIN is not valid. Please check the 15 characters."), field="gstin")
    return value


def _state_code_prefix(state: State) -> str:
    return state.code


def create_institution(user, *, name: str, kind: str, billing_address: str, district_id: int,
                       gstin: str | None = None) -> Institution:
    """Register an institution; `user` becomes its approver. It waits for an official's approval."""
    errors = {}
    name, billing_address = (name or "").strip(), (billing_address or "").strip()
    if not 3 <= len(name) <= 160:
        errors["name"] = _l("Enter the institution's name (3 to 160 characters).")
    if kind not in set(InstitutionKind):
        errors["kind"] = _l("Choose what kind of institution this is.")
    if not 10 <= len(billing_address) <= 400:
        errors["billing_address"] = _l("Enter the full billing address (10 to 400 characters).")
    district = db.session.get(District, district_id) if district_id else None
    if district is None:
        errors["district_id"] = _l("Choose the district.")
    try:
        gstin = normalise_gstin(gstin)
    except InstitutionError as exc:
        errors.update(exc.errors)
    if errors:
        raise InstitutionError(_l("Please correct the marked fields."), errors=errors)
    institution = Institution(name=name, kind=kind, billing_address=billing_address, district_id=district.id,
                              state_code=district.state.code, gstin=gstin)
    db.session.add(institution)
    db.session.flush()
    db.session.add(InstitutionPerson(institution_id=institution.id, user_id=user.id, role=PersonRole.APPROVER))
    db.session.add(InstitutionEvent(institution_id=institution.id, from_state=None,
                                    to_state=InstitutionStatus.PENDING, actor_id=user.id, reason="registered"))
    db.session.commit()
    return institution


def add_person(institution: Institution, user, role: str = PersonRole.REQUESTER) -> InstitutionPerson:
    if role not in set(PersonRole):
        raise InstitutionError(_l("Choose requester or approver."), field="role")
    person = db.session.scalar(select(InstitutionPerson).where(InstitutionPerson.institution_id == institution.id,
                                                               InstitutionPerson.user_id == user.id))
    if person is None:
        person = InstitutionPerson(institution_id=institution.id, user_id=user.id, role=role)
        db.session.add(person)
    person.role = role
    db.session.commit()
    return person


def add_delivery_point(institution: Institution, name: str, block_id: int | None, address: str | None = None):
    name = (name or "").strip()
    if not 2 <= len(name) <= 160:
        raise InstitutionError(_l("Enter the delivery point's name."), field="name")
    if block_id is not None and db.session.get(Block, block_id) is None:
        raise InstitutionError(_l("Choose the block."), field="block_id")
    point = DeliveryPoint(institution_id=institution.id, name=name, block_id=block_id, address=address)
    db.session.add(point)
    db.session.commit()
    return point


def transition(institution_id: int, target: str, actor, reason: str | None = None) -> None:
    """Move the institution to `target` if it is still where the caller saw it (UPDATE … WHERE status = :old)."""
    current = db.session.scalar(select(Institution.status).where(Institution.id == institution_id))
    if current is None:
        raise InstitutionError(_l("We could not find that institution."), status=404)
    try:
        INSTITUTION_STATUS.check(current, target)
    except IllegalTransition:
        raise InstitutionError(_l("This institution cannot change to that state now."), status=409) from None
    if target == InstitutionStatus.REJECTED and not (reason or "").strip():
        raise InstitutionError(_l("Please give a reason."), field="reason")
    done = db.session.execute(update(Institution).where(Institution.id == institution_id,
                                                        Institution.status == current)
                              .values(status=target, status_reason=reason)
                              .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        db.session.rollback()
        raise InstitutionError(_l("Someone else changed this institution just now. Please look again."), status=409)
    db.session.add(InstitutionEvent(institution_id=institution_id, from_state=current, to_state=target,
                                    actor_id=actor.id if actor else None, reason=reason))
    db.session.commit()


def approve(institution_id: int, actor) -> None:
    transition(institution_id, InstitutionStatus.APPROVED, actor, "approved")


def reject(institution_id: int, actor, reason: str) -> None:
    transition(institution_id, InstitutionStatus.REJECTED, actor, reason)


def get(institution_id: int) -> Institution | None:
    return db.session.get(Institution, institution_id)


def institutions_of_user(user) -> list[Institution]:
    if user is None or not user.is_authenticated:
        return []
    stmt = (select(Institution).join(InstitutionPerson).where(InstitutionPerson.user_id == user.id)
            .order_by(Institution.id))
    return list(db.session.scalars(stmt))


def person_role(user, institution_id: int) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(select(InstitutionPerson.role).where(InstitutionPerson.institution_id == institution_id,
                                                                  InstitutionPerson.user_id == user.id))


def pending_for(user, page: int = 1) -> Page:
    """One page of the institutions waiting for approval that this official (district / state) or admin may
    approve, oldest first."""
    from marketplace.accounts.access import approves_institutions_where

    stmt = (select(Institution).where(Institution.status == InstitutionStatus.PENDING,
                                      approves_institutions_where(user, Institution.district_id))
            .order_by(Institution.id))
    return paginate(stmt, page, PENDING_PAGE)


def districts() -> list[District]:
    return list(db.session.scalars(select(District).order_by(District.name_en)))


def blocks_of(district_id: int) -> list[Block]:
    return list(db.session.scalars(select(Block).where(Block.district_id == district_id).order_by(Block.name_en)))

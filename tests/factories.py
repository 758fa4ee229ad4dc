"""Small builders for test data. They commit, so the objects are visible to the test client."""

import itertools

from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role, User
from marketplace.core.types import utcnow
from marketplace.extensions import db
from marketplace.geo.models import Block
from marketplace.geo.services import load_geography
from marketplace.sellers.models import Member, MemberRole, Seller, Verification

PASSWORD = "correct horse 42"
_seq = itertools.count(1)


class Geo(dict):
    def block(self, name: str) -> Block:
        return self[name]


def load_geo() -> Geo:
    load_geography()
    return Geo({b.name_en: b for b in db.session.scalars(select(Block))})


def mobile() -> str:
    return f"+9190000{next(_seq):05d}"


def user(role: str = Role.CUSTOMER, *, name: str | None = None, login: str | None = None, **kwargs) -> User:
    login = login or mobile()
    return accounts.create_user(name or f"Test {role}", login, PASSWORD, role, **kwargs)


def official(block: Block, level: str = "block") -> User:
    scope = {"block": block.id, "district": block.district_id, "state": block.district.state_id}[level]
    return user(Role.OFFICIAL, official_level=level, scope_id=scope)


def seller(block: Block, *, members: list[User] = (), verified: bool = True, name: str | None = None) -> Seller:
    n = next(_seq)
    org = Seller(name_en=name or f"Test SHG {n}", name_hi=f"परीक्षण समूह {n}", slug=f"test-shg-{n}",
                 block_id=block.id, status=Verification.VERIFIED if verified else Verification.PENDING,
                 verified_at=utcnow() if verified else None)
    db.session.add(org)
    db.session.flush()
    for i, u in enumerate(members):
        db.session.add(Member(seller_id=org.id, user_id=u.id, name=u.name, mobile=u.mobile or mobile(),
                              role=MemberRole.PRESIDENT if i == 0 else MemberRole.MEMBER))
    db.session.commit()
    return org

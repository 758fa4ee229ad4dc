"""Builders for institution and requisition tests."""

from datetime import timedelta

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.institutions import services as institutions
from marketplace.requisitions import services as requisitions
from marketplace.requisitions.services import PointRow, today_ist

from . import factories as f


def gstin(prefix: str = "10ABCDE1234F1Z") -> str:
    return prefix + institutions.gstin_check_char(prefix)


def institution(block, buyer=None, *, approved: bool = True, name: str = "District Administration"):
    buyer = buyer or f.user(Role.BUYER)
    inst = institutions.create_institution(buyer, name=name, kind="government", district_id=block.district_id,
                                           billing_address="Collectorate, Saharsa, Bihar 852201", gstin=gstin())
    if approved:
        institutions.approve(inst.id, None)
    db.session.expire_all()
    return inst, buyer


def groups(blocks, n_each: int, weekly: int = 700, category=None, members: bool = False, federation: str | None = None):
    """`n_each` verified groups in each block, each with a live listing in `category` declaring `weekly`."""
    category = category or f.make_category(name_en="Masks", name_hi="मास्क")
    out = []
    for block in blocks:
        for _ in range(n_each):
            users = [f.user(Role.SELLER)] if members else []
            org = f.seller(block, members=users)
            if federation:
                org.federation_level, org.federation_name = "clf", f"{federation} {block.name_en}"
            f.make_product(org, category, weekly_capacity=weekly, lead_time_days=7)
            out.append((org, users[0] if users else None))
    db.session.commit()
    return out, category


def requisition(inst, buyer, category, points, quantity=None, *, days: int = 28, price: int | None = 500,
                status: str = "approved"):
    quantity = quantity or sum(q for _n, _b, q in points)
    req = requisitions.create_requisition(
        inst, buyer, title="Cotton masks", quantity=quantity, deadline=today_ist() + timedelta(days=days),
        points=[PointRow(n, b.id if b else None, q) for n, b, q in points], category_id=category.id,
        spec="Three-layer cotton, washable", price_paise=price, quality_standard="BIS IS 16289")
    if status in ("submitted", "approved"):
        requisitions.submit(req.id, buyer)
    if status == "approved":
        requisitions.approve(req.id, None)
    db.session.expire_all()
    return requisitions.get(req.id)

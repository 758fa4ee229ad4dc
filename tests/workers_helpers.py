"""Builders for the workers' directory tests."""

import itertools
from datetime import timedelta

from marketplace.accounts.models import Role
from marketplace.workers import services
from marketplace.workers.models import Booking, BookingStatus

from . import factories

_n = itertools.count(1)
NADAUN_PIN = "177033"


def category(slug: str):
    return services.category_by_slug(slug)


def worker(geo, *, block="Nadaun", slugs=("plumber",), pins=NADAUN_PIN, user=None, **changes):
    """A self-registered worker (her own account and mobile) serving `block` and `pins`."""
    user = user or factories.user(Role.CUSTOMER, name=f"Worker {next(_n)}")
    data = services.ProfileData(name=user.name, block_id=geo[block].id, pin_codes=pins,
                                category_ids=[category(s).id for s in slugs], rate_rupees=500, **changes)
    return services.register_self(user, data), user


def future_day(days: int = 2):
    day = services.today_in_india() + timedelta(days=days)
    return day


def request(household, w, *, day=None, slot="morning", pin=NADAUN_PIN, description="Kitchen tap leaks",
            address="House 12, near the temple, Nadaun"):
    return services.request_booking(household, services.BookingRequest(
        worker_id=w.id, category_id=None, work_date=day or future_day(), slot=slot, address=address, pin_code=pin,
        description=description))


def accepted(household, w, **kwargs) -> Booking:
    b = request(household, w, **kwargs)
    services.answer(b, True)
    return b


def done(household, w, **kwargs) -> Booking:
    """A booking whose slot has started and whose work is done (dates moved into the past directly)."""
    from marketplace.extensions import db

    b = accepted(household, w, **kwargs)
    b.work_date = services.today_in_india() - timedelta(days=1)
    db.session.commit()
    services.finish(b, household)
    assert b.status == BookingStatus.DONE
    return b

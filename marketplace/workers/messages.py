"""Message templates of the workers' directory, added to the notifications outbox's TEMPLATES (so the
notifications package need not know this domain). Hindi in hi-src/h12.po."""

from flask_babel import lazy_gettext as _l

from marketplace.notifications.messages import TEMPLATES

WORKER_TEMPLATES = {
    # to the worker (or the person who speaks for her)
    "worker_booking_request": (
        _l("Haat: work request for %(date)s"),
        _l("Namaste %(name)s! A household in %(place)s asks for you as %(category)s on %(date)s, %(slot)s: "
           "%(description)s. Accept or decline here (the link works until %(until)s): %(link)s")),
    "worker_booking_cancelled": (
        _l("Haat: work on %(date)s cancelled"),
        _l("Namaste %(name)s, the household has cancelled the work on %(date)s, %(slot)s. %(link)s")),
    # to the household
    "household_booking_answer": (
        _l("Haat: %(worker)s — %(status)s"),
        _l("Namaste %(name)s, %(worker)s: %(status)s for %(date)s, %(slot)s. %(detail)s %(link)s")),
}

TEMPLATES.update(WORKER_TEMPLATES)

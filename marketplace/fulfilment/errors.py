"""What can go wrong at the packaging house, each with a message in the user's language and an HTTP status."""

from flask_babel import lazy_gettext as _l

from marketplace.core.errors import DomainError


class FulfilmentError(DomainError):
    """`errors` names each wrong field (a form with one input per order line has many)."""


class NotHere(FulfilmentError):
    """Not there, or not for this house: both look the same from outside."""

    status = 404

    def __init__(self, message=None):
        super().__init__(message or _l("We could not find that here."))


class Stale(FulfilmentError):
    status = 409

    def __init__(self, message=None):
        super().__init__(message or _l("This has just changed. Please look at it again."))

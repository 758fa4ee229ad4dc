"""What can go wrong at the packaging house, each with a message in the user's language and an HTTP status."""

from flask_babel import lazy_gettext as _l


class FulfilmentError(Exception):
    """`errors` names each wrong field (a form with one input per order line has many)."""

    status = 422

    def __init__(self, message, field: str | None = None, status: int | None = None, errors: dict | None = None):
        super().__init__(str(message))
        self.message, self.field = message, field
        self.errors = errors or ({field: message} if field else {})
        if status is not None:
            self.status = status


class NotHere(FulfilmentError):
    """Not there, or not for this house: both look the same from outside."""

    status = 404

    def __init__(self, message=None):
        super().__init__(message or _l("We could not find that here."))


class Stale(FulfilmentError):
    status = 409

    def __init__(self, message=None):
        super().__init__(message or _l("This has just changed. Please look at it again."))

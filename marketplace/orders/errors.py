"""What can go wrong with an order, each with a message for the customer (in their language) and the HTTP
status a view answers with."""

from flask_babel import lazy_gettext as _l

from marketplace.core.errors import DomainError


class OrderError(DomainError):
    pass


class NotFound(OrderError):
    """Not there, or not the asker's: both look the same from outside (404)."""

    status = 404

    def __init__(self):
        super().__init__(_l("We could not find that page."))


class StockProblem(OrderError):
    """Something in the cart cannot be had as it is (sold out, withdrawn, less stock); nothing was charged."""

    status = 409


class PriceChanged(OrderError):
    status = 409


class StaleState(OrderError):
    """Someone else changed the order first (a double click, a webhook and the return page together)."""

    status = 409

    def __init__(self):
        super().__init__(_l("This order has just changed. Please look at it again."))

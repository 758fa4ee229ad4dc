"""Imports every domain's models so that SQLAlchemy's metadata (and Alembic) knows every table."""

from marketplace.accounts import models as accounts  # noqa: F401
from marketplace.catalog import models as catalog  # noqa: F401
from marketplace.core import outbox  # noqa: F401
from marketplace.geo import models as geo  # noqa: F401
from marketplace.media import models as media  # noqa: F401
from marketplace.sellers import models as sellers  # noqa: F401

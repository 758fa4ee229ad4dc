"""Imports every domain's models so that SQLAlchemy's metadata (and Alembic) knows every table."""

from marketplace.accounts import models as accounts  # noqa: F401
from marketplace.cart import models as cart  # noqa: F401
from marketplace.catalog import models as catalog  # noqa: F401
from marketplace.core import outbox  # noqa: F401
from marketplace.fulfilment import models as fulfilment  # noqa: F401
from marketplace.geo import models as geo  # noqa: F401
from marketplace.institutions import models as institutions  # noqa: F401
from marketplace.invoices import models as invoices  # noqa: F401
from marketplace.media import models as media  # noqa: F401
from marketplace.notifications import models as notifications  # noqa: F401
from marketplace.officials import models as officials  # noqa: F401
from marketplace.orders import models as orders  # noqa: F401
from marketplace.payments import models as payments  # noqa: F401
from marketplace.requisitions import models as requisitions  # noqa: F401
from marketplace.search import models as search  # noqa: F401
from marketplace.sellers import models as sellers  # noqa: F401
from marketplace.settlements import models as settlements  # noqa: F401
from marketplace.tasks import models as tasks  # noqa: F401
from marketplace.workers import models as workers  # noqa: F401

"""The admin's message pages run the same number of SQL statements whatever they list."""

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.notifications.models import Delivery, Message

from . import factories
from .conftest import login
from .test_query_counts import queries_for


def _messages(n: int, status: str) -> None:
    db.session.add_all([Message(channel="sms", to=f"+9198110{i:05d}", locale="hi", kind="order_status",
                                subject="s", body="b", status=status, attempts=2, last_error="HTTP 503")
                        for i in range(n)])
    db.session.commit()


def test_message_pages_do_not_grow_with_rows(client, ctx):
    login(client, factories.user(Role.ADMIN).mobile)
    _messages(2, Delivery.DEAD)
    few = {url: len(queries_for(client, url)) for url in ("/admin/notifications", "/admin/notifications/problems")}
    _messages(30, Delivery.FAILED)
    many = {url: len(queries_for(client, url)) for url in few}
    assert many == few

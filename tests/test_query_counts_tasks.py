"""The failed-tasks page runs the same number of SQL statements for 2 failed tasks as for 40."""

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.tasks.models import FailedTask

from . import factories as f
from .conftest import login
from .test_query_counts import queries_for


def _fail(n: int, start: int) -> None:
    db.session.add_all(FailedTask(task_id=f"t-{start + i}", name="haat.search.apply", error="boom", traceback="",
                                  arguments="((), {})", retries=3) for i in range(n))
    db.session.commit()


def test_failed_tasks_page_statements_do_not_grow_with_the_list(app, client, geo):
    admin = f.user(Role.ADMIN)
    client.get("/?lang=en")
    login(client, admin.mobile)
    _fail(2, 0)
    few = queries_for(client, "/admin/tasks/failed")
    _fail(38, 100)
    many = queries_for(client, "/admin/tasks/failed")
    assert len(many) == len(few)
    assert "haat.search.apply" in client.get("/admin/tasks/failed").get_data(as_text=True)

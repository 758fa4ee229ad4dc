from flask import Blueprint, render_template

from marketplace.accounts.access import role_required
from marketplace.accounts.models import Role
from marketplace.tasks import services

bp = Blueprint("tasks", __name__)


@bp.get("/admin/tasks/failed")
@role_required(Role.ADMIN)
def failed():
    """Background tasks that failed after their retries, newest first."""
    return render_template("tasks/failed.html", tasks=services.failed(), total=services.failed_count(),
                           embedded=services.is_embedded(), limit=services.ADMIN_LIST)

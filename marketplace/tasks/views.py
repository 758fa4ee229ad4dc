from flask import Blueprint, render_template

from marketplace.accounts.access import role_required
from marketplace.accounts.models import Role
from marketplace.core.pagination import page_number
from marketplace.tasks import services

bp = Blueprint("tasks", __name__)


@bp.get("/admin/tasks/failed")
@role_required(Role.ADMIN)
def failed():
    """Background tasks that failed after their retries, newest first."""
    return render_template("tasks/failed.html", page=services.failed(page_number()),
                           embedded=services.is_embedded())

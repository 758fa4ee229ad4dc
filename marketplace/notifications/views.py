from flask import Blueprint, render_template, request

from marketplace.accounts.access import role_required
from marketplace.accounts.models import Role
from marketplace.notifications import services
from marketplace.notifications.messages import TEMPLATES

bp = Blueprint("notifications", __name__)


@bp.get("/admin/notifications")
@role_required(Role.ADMIN)
def outbox():
    """The development backend's view: every message, newest first, as the recipient reads it."""
    kind = request.args.get("kind") if request.args.get("kind") in TEMPLATES else None
    return render_template("notifications/outbox.html", messages=services.recent(kind=kind), kinds=TEMPLATES,
                           kind=kind)

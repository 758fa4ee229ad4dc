from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from marketplace.accounts.access import role_required
from marketplace.accounts.models import Role
from marketplace.core.pagination import page_number
from marketplace.notifications import services
from marketplace.notifications.delivery import configured_channels
from marketplace.notifications.messages import TEMPLATES

bp = Blueprint("notifications", __name__)


@bp.get("/admin/notifications")
@role_required(Role.ADMIN)
def outbox():
    """Every message, newest first, as the recipient reads it."""
    kind = request.args.get("kind") if request.args.get("kind") in TEMPLATES else None
    return render_template("notifications/outbox.html", page=services.recent(kind, page_number()), kinds=TEMPLATES,
                           kind=kind, backends=configured_channels())


@bp.get("/admin/notifications/problems")
@role_required(Role.ADMIN)
def problems():
    """Messages that could not be delivered: failing (tried again later) and dead (given up)."""
    return render_template("notifications/problems.html", page=services.problems(page_number()),
                           backends=configured_channels(), form=FlaskForm())


@bp.post("/admin/notifications/<int:message_id>/retry")
@role_required(Role.ADMIN)
def retry(message_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    if services.retry(message_id, current_user.id):
        flash(_("The message will be sent again within a minute."), "success")
        return redirect(url_for("notifications.problems"))
    if services.get(message_id) is None:
        abort(404)
    flash(_("This message is no longer waiting for a retry."), "info")
    return redirect(url_for("notifications.problems"))

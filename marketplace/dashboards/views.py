from flask import Blueprint, render_template
from flask_login import current_user

from marketplace.accounts.access import login_required

bp = Blueprint("dashboards", __name__)


@bp.get("/me")
@login_required
def home():
    return render_template("dashboards/home.html", user=current_user)

from flask import Blueprint, render_template

from marketplace.sellers import services as sellers

bp = Blueprint("catalog", __name__)


@bp.get("/")
def home():
    return render_template("catalog/home.html", sellers=sellers.list_verified_sellers())

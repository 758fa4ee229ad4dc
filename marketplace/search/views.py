from flask import Blueprint, render_template, request

bp = Blueprint("search", __name__)


@bp.get("/search")
def results():
    return render_template("search/results.html", q=request.args.get("q", "")[:200])

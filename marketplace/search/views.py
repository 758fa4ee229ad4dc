"""Search: an Indic-aware Whoosh index (default) or PostgreSQL full text, behind one interface."""

from flask import Blueprint, jsonify, render_template, request

from marketplace.search import forms, services

bp = Blueprint("search", __name__)
bp.after_app_request(services.apply_after_response)


@bp.get("/search")
def results():
    form, filters, page = forms.parse(request.args)
    found = services.search(form.q.data, filters, form.sort.data, page)
    return render_template("search/results.html", form=form, r=found, sorts=services.in_language(forms.SORT_LABELS))


@bp.get("/search/suggest")
def suggest():
    q = request.args.get("q", "")
    response = jsonify(q=q[:services.MAX_QUERY_CHARS], suggestions=services.suggest(q))
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response

"""Search: an Indic-aware Whoosh index (default) or PostgreSQL full text, behind one interface."""

from urllib.parse import quote_plus

from flask import Blueprint, jsonify, render_template, request

from marketplace.catalog import blocks
from marketplace.i18n import current_locale, localized, query_with
from marketplace.search import forms, services

bp = Blueprint("search", __name__)
MARK = "\x00"  # stands for a facet value in its links' query string
QUOTED_MARK = quote_plus(MARK)
bp.after_app_request(services.apply_after_response)


@bp.get("/search")
def results():
    form, filters, page = forms.parse(request.args)

    def context() -> dict:
        found = services.search(form.q.data, filters, form.sort.data, page)
        return dict(form=form, r=found, sorts=services.in_language(forms.SORT_LABELS), menus=_menus(found.facets))

    version = services.index_version()
    if version is None:  # nothing tells when results change: rendered in full every time
        return render_template("search/results.html", **context())
    # The page's blocks kept per process (any words can be asked: a bounded store), under the index's version.
    return blocks.render("search/results.html", context, args=None, key=(version,), local=True)


@bp.get("/search/suggest")
def suggest():
    q = request.args.get("q", "")
    response = jsonify(q=q[:services.MAX_QUERY_CHARS], suggestions=services.suggest(q))
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response


def _menus(facets: list[services.Facet]) -> list[tuple]:
    """(facet, [(link, label, count, chosen)]) per facet with values. A value's link is this search with the
    value chosen, or dropped if it is the chosen one, from page 1: one query string per facet with a mark where
    the value goes (unless the search itself holds the mark), rather than one per value."""
    menus, language = [], str(current_locale())
    for f in facets:
        if not f.values:
            continue
        drop = "?" + query_with(**{f.name: "", "page": 1}) if f.selected is not None else None
        pattern = "?" + query_with(**{f.name: MARK, "page": 1})
        marked = pattern.count(QUOTED_MARK) == 1
        entries = []
        for v in f.values:
            value = "1" if v.value is True else v.value
            if v.selected:
                link = drop
            elif marked:
                link = pattern.replace(QUOTED_MARK, quote_plus(str(value)))
            else:
                link = "?" + query_with(**{f.name: value, "page": 1})
            entries.append((link, localized(v, "label", language), v.count, v.selected))
        menus.append((f, entries))
    return menus

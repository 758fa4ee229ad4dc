"""Language choice: ?lang= on any URL, then the user's saved preference, then a cookie, then Accept-Language."""

from functools import lru_cache
from urllib.parse import quote_plus, urlencode

from flask import Flask, current_app, g, request
from flask_babel import format_datetime, get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.core.formatting import format_inr, format_quantity, to_ist
from marketplace.extensions import babel, db

LANG_COOKIE = "lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        g.lang_switched_to = asked
        return asked
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def _remember_switch(response):
    lang = g.get("lang_switched_to")
    if lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
        if current_user.is_authenticated and current_user.locale != lang:
            current_user.locale = lang
            db.session.commit()
    return response


TIME_FORMATS = {"medium": "d MMM y, h:mm a"}  # minutes are enough for people: no seconds on any page


def _ist(moment, fmt="medium"):
    return format_datetime(to_ist(moment), TIME_FORMATS.get(fmt, fmt)) if moment else ""


def current_locale():
    """Flask-Babel's get_locale() without its per-call context lookups (a page asks dozens of times): the
    locale it already chose for this request (or force_locale set), else get_locale() itself."""
    chosen = getattr(g.get("_flask_babel"), "babel_locale", None)
    return chosen if chosen is not None else get_locale()


def localized(obj, field: str, language: str | None = None) -> str:
    """The Hindi or English value of a bilingual field (`name_hi` / `name_en`), the other as fallback.
    `language`: the current one, from a caller that asks for many values (str(current_locale()) once)."""
    first, second = ("hi", "en") if (language or str(current_locale())) == "hi" else ("en", "hi")
    return getattr(obj, f"{field}_{first}", None) or getattr(obj, f"{field}_{second}", None) or ""


def _translations():
    """The current locale's catalogue, looked up once per request (and again inside force_locale): Flask-Babel
    finds it anew for every string (~15 µs each, dozens per page)."""
    locale = current_locale()
    kept = g.get("_haat_translations")
    if kept is None or kept[0] is not locale:
        kept = g._haat_translations = (locale, get_translations())
    return kept[1]


def _install_fast_gettext(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)


def query_with(**changes) -> str:
    """The current query string with some arguments replaced (for the language switch and pagination)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        args[key] = [str(value)]
    return urlencode(args, doseq=True, quote_via=_quoted)


@lru_cache(maxsize=256)
def _quoted(text: str, safe: str = "", encoding: str | None = None, errors: str | None = None) -> str:
    """quote_plus, remembered: a page's links (facets, pager, language switch) repeat the same query words,
    which Python quotes letter by letter each time."""
    return quote_plus(text, safe, encoding, errors)


# The layout's words, on every page: translated once per process and language instead of a dozen look-ups a page.
LAYOUT_WORDS = {
    "haat": _l("Haat"), "title": _l("Haat — the village market"), "skip": _l("Skip to content"),
    "search": _l("Search"), "search_hint": _l("Search haldi, हल्दी, masks…"), "account": _l("Account"),
    "workers": _l("Workers"), "cart": _l("Cart"), "my_haat": _l("My Haat"), "log_out": _l("Log out"),
    "log_in": _l("Log in"), "sign_up": _l("Sign up"),
    "about": _l("Haat: products made by women's self-help groups and artisans of rural India."),
}
_layout_words: dict[str, dict[str, str]] = {}


def layout_words() -> dict[str, str]:
    locale = str(current_locale())
    words = _layout_words.get(locale)
    if words is None:
        words = _layout_words[locale] = {key: str(text) for key, text in LAYOUT_WORDS.items()}
    return words


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Kolkata")
    _install_fast_gettext(app)
    app.after_request(_remember_switch)
    app.jinja_env.filters["inr"] = format_inr
    app.jinja_env.filters["qty"] = format_quantity
    app.jinja_env.filters["ist"] = _ist
    app.jinja_env.globals.update(localized=localized, query_with=query_with, get_locale=get_locale,
                                 layout_words=layout_words)

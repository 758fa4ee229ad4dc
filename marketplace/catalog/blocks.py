"""Storefront pages whose own part is the same for every visitor, kept as HTML between requests.

A category or group page is the layout (the visitor's header: account links, cart, CSRF token, flash
messages) around blocks that show only catalogue data: title, head (share tags, JSON-LD) and content (the
cards, the pager). Those blocks are rendered once and kept with the catalogue's data (core/kept.py: under the
catalogue's generation, so a change from any process is seen at once); every request renders only the layout
around them, for whoever asks, logged in or not. A block that used anything personal while it was rendered
(it asked for the CSRF token, or wrote to the session) is not kept, so nothing personal can ever be served to
someone else; the page is then rendered in full every time, as before.

What is personal on such a page is a *hole*: the page writes `{{ hole("cart/_add.html") }}`; in a kept
block that is a marker, and every request includes the hole's own small template there (add to cart with the
visitor's token), in the layout's render, from the values the view passes (`personal`). Markers cannot come from
data: everything a seller or customer writes is escaped before it reaches a block.

For GET requests the layout around the blocks is kept too, as the whole page in parts, per address, language
and login state: what is the visitor's own in it (the CSRF token, the cart's count, flash messages) is a hole
as well, filled per request (`_fill`). While it is rendered for keeping, the current user may be asked only
whether she is logged in; a layout that asks more is not kept (the blocks are then put in a layout rendered
per request).
"""

import re
from collections.abc import Callable

from flask import current_app, g, render_template, request
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape

from marketplace.catalog import cards
from marketplace.core.kept import kept
from marketplace.i18n import current_locale

BLOCKS = ("title", "head", "content", "footer", "scripts")
_HOLE = re.compile(r"<!--hole:([\w/.-]+)-->")


@pass_context
def hole(context, template: str) -> Markup:
    """A personal piece of a page (a template global): the marker while blocks are being kept, else the
    template rendered with the page's values."""
    if context.get("keeping_blocks"):
        return Markup(f"<!--hole:{template}-->")
    return Markup(context.environment.get_template(template).render(context.get_all()))


def render(template: str, context: Callable[[], dict], personal: dict | None = None,
           args: frozenset[str] | None = frozenset(), key: tuple = (), local: bool = False) -> str:
    """`template` (which extends base.html) for this request: its blocks kept per language, host and full
    path (query string included); the layout and the holes rendered now, the holes from `personal`.
    `context()` is called only when the blocks are not kept; it may raise (a 404), and it may say `keep=False`
    (a page number past the last page). Only URLs whose query holds nothing but `args` (and lang) are kept:
    anything else would let anybody fill the cache with copies of a page. `args=None`: any query, for pages
    kept `local`ly (core/kept.py, a bounded store per process) such as search results; `key`: more parts of
    the key (the search index's version)."""
    made = {}

    def compute() -> dict | None:
        made["context"] = context()
        return _blocks(template, made["context"]) if made["context"].pop("keep", True) else None

    languages = (None, *current_app.config["LANGUAGES"])
    repeated = len(request.args) != len(list(request.args.items(multi=True)))
    unknown = args is not None and not set(request.args) <= args | {"lang"}
    personal = personal or {}
    if repeated or unknown or request.args.get("lang") not in languages:
        made["context"] = context()
        made["context"].pop("keep", None)
        return render_template(template, **{**made["context"], **personal})
    parts = (cards.release(), current_locale(), request.host, request.full_path, *key)

    def kept_blocks() -> dict | None:
        if "blocks" not in made:
            made["blocks"] = kept("blocks", *parts, compute=compute, local=local)
        return made["blocks"]

    # The layout around the blocks is the same for every visitor of this address, language and login state
    # but for the CSRF token, the cart's count and flash messages (holes, filled per request). GET only: the
    # header's login links point back only from GET pages, and a page re-shown after a POST carries its error.
    if request.method == "GET" and not g.get("shared_page"):
        page = kept("page", *parts, current_user.is_authenticated,
                    compute=lambda: _page(kept_blocks(), personal), local=local)
        if page is not None:
            return _fill(page, personal)
    blocks = kept_blocks()
    if blocks is None:  # personal, or not to be kept: rendered in full, as any other page
        return render_template(template, **{**made["context"], **personal})
    return render_template("catalog/kept_page.html", kept_blocks=blocks, **personal)


# The layout's holes that are a call, not a template: the CSRF token (twice in the header) and the cart's count.
LAYOUT_CALLS = ("csrf_token", "cart_badge")
# Holes whose only personal value is the CSRF token: in a kept page they are rendered once, from the view's
# `personal` values (the page's catalogue facts, kept under the same key), with the token left as a hole.
TOKEN_ONLY_HOLES = frozenset({"cart/_add.html"})


def _page(blocks: dict | None, personal: dict) -> tuple | None:
    """The whole page around kept `blocks` as ("html", text) and ("hole", template or call) parts; None if the
    layout touched anything of the visitor's but whether she is logged in (it is then rendered per request)."""
    if blocks is None:
        return None
    app = current_app._get_current_object()
    full = {"kept_blocks": blocks, "keeping_blocks": True}
    html = _render_watched(app, "catalog/kept_page.html", full)
    if html is None:
        app.logger.warning("the kept page's layout is personal and is not kept")
        return None
    parts = []
    for kind, value in _parts(html):
        rendered = _render_watched(app, value, dict(personal)) if value in TOKEN_ONLY_HOLES else None
        parts += _parts(rendered) if rendered is not None else [(kind, value)]
    return _joined(parts)


def _render_watched(app, template: str, context: dict) -> str | None:
    """`template` with the layout's calls left as holes, or None if it asked about the visitor more than
    whether she is logged in."""
    app.update_template_context(context)
    watch = _Watch(context.get("current_user"), allowed=frozenset({"is_authenticated"}))
    watch.watching = True
    context["current_user"] = watch.user()
    context.update({name: (lambda name=name: Markup(f"<!--hole:{name}-->")) for name in LAYOUT_CALLS})
    html = app.jinja_env.get_template(template).render(context)
    return None if watch.used else html


def _joined(parts: list) -> tuple:
    """Neighbouring html parts as one."""
    out = []
    for kind, value in parts:
        if kind == "html" and out and out[-1][0] == "html":
            out[-1] = ("html", out[-1][1] + value)
        elif kind != "html" or value:
            out.append((kind, value))
    return tuple(out)


def _fill(page: tuple, personal: dict) -> str:
    """A kept page for this request: its holes rendered with the view's `personal` values."""
    app = current_app._get_current_object()
    env = app.jinja_env
    context = dict(personal)
    app.update_template_context(context)
    context = {**env.globals, **context}  # merged once, shared by every hole (render() would copy it for each)
    out = []
    for kind, value in page:
        if kind == "html":
            out.append(value)
        elif value in LAYOUT_CALLS:
            out.append(str(escape(context[value]())))
        else:
            hole_template = env.get_template(value)
            try:
                out.extend(hole_template.root_render_func(hole_template.new_context(context, shared=True)))
            except Exception:  # noqa: BLE001  (as Template.render: the template's own lines in the traceback)
                env.handle_exception()
    return "".join(out)


class _Watch:
    """Stands in for what is personal (the CSRF token, the current user) while the blocks render: any use
    while `watching` marks the blocks personal."""

    def __init__(self, user, allowed: frozenset[str] = frozenset()):
        self.watching, self.used, self._user, self._allowed = False, False, user, allowed

    def csrf_token(self) -> str:
        self.used |= self.watching
        return ""  # never rendered into anything kept: blocks that ask for it are not kept

    def user(self):
        watch = self

        class User:
            def __getattr__(self, name):
                watch.used |= watch.watching and name not in watch._allowed
                return getattr(watch._user, name)

        return User()


def _blocks(template: str, context: dict) -> dict | None:
    """The page's blocks rendered on their own, in the Jinja context a full render would have (the template's
    top-level assignments and imports run first); None if rendering them touched anything personal."""
    app = current_app._get_current_object()
    full = dict(context, keeping_blocks=True, blocks_only=True)  # blocks_only: base.html skips its layout
    app.update_template_context(full)
    watch = _Watch(full.get("current_user"))
    full["csrf_token"], full["current_user"] = watch.csrf_token, watch.user()
    full["get_flashed_messages"] = lambda **_: []  # the layout's, in the discarded render: left for the real one
    page = app.jinja_env.get_template(template)
    ctx = page.new_context(full)
    for _ in page.root_render_func(ctx):  # runs the top level (base.html leaves its layout out: blocks_only)
        pass
    watch.watching = True
    blocks = {name: _parts("".join(ctx.blocks[name][0](ctx))) for name in BLOCKS if name in ctx.blocks}
    if watch.used:
        app.logger.warning("%s: its blocks are personal and are not kept", template)
        return None
    return blocks


def _parts(html: str) -> tuple[tuple[str, str], ...]:
    """A block as ("html", text) and ("hole", template) parts, in order."""
    parts, at = [], 0
    for found in _HOLE.finditer(html):
        parts += [("html", html[at:found.start()]), ("hole", found.group(1))]
        at = found.end()
    return (*parts, ("html", html[at:]))

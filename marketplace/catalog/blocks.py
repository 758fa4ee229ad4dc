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
"""

import re
from collections.abc import Callable

from flask import current_app, render_template, request
from jinja2 import pass_context
from markupsafe import Markup

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
    if repeated or unknown or request.args.get("lang") not in languages:
        made["context"] = context()
        made["context"].pop("keep", None)
        blocks = None
    else:
        blocks = kept("blocks", cards.release(), current_locale(), request.host, request.full_path, *key,
                      compute=compute, local=local)
    if blocks is None:  # personal, or not to be kept: rendered in full, as any other page
        return render_template(template, **{**made["context"], **(personal or {})})
    return render_template("catalog/kept_page.html", kept_blocks=blocks, **(personal or {}))


class _Watch:
    """Stands in for what is personal (the CSRF token, the current user) while the blocks render: any use
    while `watching` marks the blocks personal."""

    def __init__(self, user):
        self.watching, self.used, self._user = False, False, user

    def csrf_token(self) -> str:
        self.used |= self.watching
        return ""  # never rendered into anything kept: blocks that ask for it are not kept

    def user(self):
        watch = self

        class User:
            def __getattr__(self, name):
                watch.used |= watch.watching
                return getattr(watch._user, name)

        return User()


def _blocks(template: str, context: dict) -> dict | None:
    """The page's blocks rendered on their own, in the Jinja context a full render would have (the template's
    top-level assignments and imports run first); None if rendering them touched anything personal."""
    app = current_app._get_current_object()
    full = dict(context, keeping_blocks=True)
    app.update_template_context(full)
    watch = _Watch(full.get("current_user"))
    full["csrf_token"], full["current_user"] = watch.csrf_token, watch.user()
    full["get_flashed_messages"] = lambda **_: []  # the layout's, in the discarded render: left for the real one
    page = app.jinja_env.get_template(template)
    ctx = page.new_context(full)
    for _ in page.root_render_func(ctx):  # runs the top level (base.html leaves its layout out while keeping)
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

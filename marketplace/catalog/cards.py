"""Product cards: what a listing shows of one product, and its HTML kept in the shared cache.

A card is rendered from a `Card` (plain values read by one column query, or a search hit), never from ORM
objects. Its HTML is kept in `extensions.cache` (process memory, or Redis shared by every web process) under
the product's id, its *card version* and the language. The version is a digest of every value the card shows
(title, price, MRP, stock state, seller, district, photo, alt text), so any change to any of them, however it
was made (a seller's edit, an order taking stock, moderation, a new photo, a seller renamed), makes a new key
at once in every process: nothing has to be told to forget a card, and nothing stale can be served. A product
taken off sale is simply no longer listed. Whatever belongs to one visitor (CSRF token, cart) is never inside a
card. The templates' source and the compiled translations are part of the key too, so a deploy that changes
either never serves old markup.
"""

import hashlib
import marshal
import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from flask import current_app
from markupsafe import Markup

from marketplace.extensions import cache
from marketplace.i18n import current_locale

# The macro's line breaks and indentation, which 24 cards a page turn into kilobytes (the phones' page weight):
# a newline and the spaces after it go; a space written inside a line (between price and MRP) stays.
_LAYOUT = re.compile(r"\n\s*")
CARD_SECONDS = 24 * 3600  # unused cards fall out; a changed product gets a new key anyway
GRID_SIZES = "(min-width: 64rem) 17rem, (min-width: 40rem) 33vw, 50vw"


# Named tuples, not dataclasses: listings of cards are kept in the cache (core/kept.py) and a tuple unpickles
# several times faster than a frozen dataclass, 24 cards a page.
class CardImage(NamedTuple):
    """Just what the media `picture` macro reads."""

    sha256: str
    width: int
    height: int
    widths: str

    @property
    def rendition_widths(self) -> list[int]:
        return [int(w) for w in self.widths.split(",") if w]


class Card(NamedTuple):
    id: int
    slug: str
    title_hi: str | None
    title_en: str | None
    price_paise: int
    mrp_paise: int | None
    stock: int
    lead_time_days: int | None
    seller_hi: str | None
    seller_en: str | None
    district_hi: str | None
    district_en: str | None
    unit: str | None = None  # the pack: "200 g", "pack of 5" (catalog/units.pack_label)
    pack_size: int | None = None
    image: CardImage | None = None
    alt: str | None = None

    def facts(self) -> tuple:
        img = self.image
        return (self.id, self.slug, self.title_hi, self.title_en, self.price_paise, self.mrp_paise, self.stock,
                self.lead_time_days, self.seller_hi, self.seller_en, self.district_hi, self.district_en,
                self.unit, self.pack_size, img and (img.sha256, img.width, img.height, img.widths), self.alt)

    @property
    def version(self) -> str:
        return _version(self.facts())


@lru_cache(maxsize=4096)
def _version(facts: tuple) -> str:
    """The digest of a card's values, remembered for the cards shown lately (a listing or a search asks for the
    same cards again and again). marshal's format 2 has no references between objects, so the same values give
    the same bytes in every process; it is twice as quick as repr, which checks every Hindi letter."""
    return hashlib.blake2b(marshal.dumps(facts, 2), digest_size=10).hexdigest()


def card_of(hit) -> Card:
    """A Card from anything with the same attribute names (a search hit)."""
    image = getattr(hit, "image", None)
    return Card(hit.id, hit.slug, hit.title_hi, hit.title_en, hit.price_paise, hit.mrp_paise, hit.stock,
                getattr(hit, "lead_time_days", None), hit.seller_hi, hit.seller_en, hit.district_hi,
                hit.district_en, getattr(hit, "unit", None), getattr(hit, "pack_size", None),
                image if image is None or type(image) is CardImage  # search hits carry one already
                else CardImage(image.sha256, image.width, image.height, image.widths),
                getattr(hit, "alt", None))


def release() -> str:
    """A digest of the storefront's kept templates and the compiled catalogues, once per process: part of the
    key of every kept piece of HTML, so that a deploy never serves old markup."""
    app = current_app
    kept = app.extensions.get("haat_card_release")
    if kept is None:
        digest = hashlib.blake2b(digest_size=6)
        for name in sorted(app.jinja_env.list_templates()):  # all of them: kept blocks use many
            digest.update(app.jinja_env.loader.get_source(app.jinja_env, name)[0].encode())
        folder = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"])
        for mo in sorted(folder.glob("*/LC_MESSAGES/messages.mo")):
            digest.update(mo.read_bytes())
        kept = app.extensions["haat_card_release"] = digest.hexdigest()
    return kept


def card_keys(cards: list[Card], h: int = 3, sizes: str = GRID_SIZES, show_stock: bool = False) -> list[str]:
    """Cache keys: release, language, the way the card is drawn, product id and card version."""
    variant = hashlib.blake2b(f"{h}|{sizes}|{show_stock}".encode(), digest_size=4).hexdigest()
    prefix = f"card:{release()}:{current_locale()}:{variant}:"
    return [f"{prefix}{card.id}:{card.version}" for card in cards]


def render_cards(items, h: int = 3, sizes: str = GRID_SIZES, show_stock: bool = False) -> Markup:
    """The <li> cards of `items` (Cards or search hits): kept ones from the cache in one round trip, the
    others rendered by the `product_card` macro and kept."""
    cards = [item if isinstance(item, Card) else card_of(item) for item in items]
    if not cards:
        return Markup("")
    app = current_app._get_current_object()
    keys = card_keys(cards, h, sizes, show_stock)
    try:
        kept = cache.get_many(*keys)
    except Exception:  # noqa: BLE001  (a cache outage costs speed, never the page)
        app.logger.warning("card cache unavailable", exc_info=True)
        kept = [None] * len(keys)
    fresh, out = {}, []
    macro = None
    for card, key, html in zip(cards, keys, kept, strict=True):
        if html is None:
            if macro is None:
                macro = app.jinja_env.get_template("catalog/_cards.html").module.product_card
            html = _LAYOUT.sub("", str(macro(card, h, sizes, show_stock)))
            fresh[key] = html
        out.append(html)
    if fresh:
        try:
            cache.set_many(fresh, timeout=CARD_SECONDS)
        except Exception:  # noqa: BLE001
            app.logger.warning("card cache unavailable", exc_info=True)
    return Markup("".join(out))

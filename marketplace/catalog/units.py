"""How much is in one pack, in words a shopper reads at a glance: weight and volume as weight and volume
("200 g", "1.5 kg", "500 ml"), lengths in metres, counts as counts ("pack of 5"). One place for cards,
product pages, the cart, invoices and labels."""

from flask_babel import force_locale, gettext, ngettext

WEIGHTS = {"g": 1, "kg": 1000}  # in grams
VOLUMES = {"ml": 1, "litre": 1000}  # in millilitres


def _decimal(whole_thousandths: int) -> str:
    """1500 -> '1.5', 2000 -> '2' (exact: no floats)."""
    whole, rest = divmod(whole_thousandths, 1000)
    return f"{whole}.{rest:03d}".rstrip("0") if rest else str(whole)


def pack_label(unit: str | None, pack_size: int | None, locale: str | None = None) -> str:
    """What one pack holds ('' for a single piece, which needs no words). `locale` forces a language (PDFs)."""
    if locale:
        with force_locale(locale):
            return pack_label(unit, pack_size)
    n = max(int(pack_size or 1), 1)
    unit = unit or "piece"
    if unit in WEIGHTS:
        grams = n * WEIGHTS[unit]
        if grams >= 1000:
            return ngettext("%(amount)s kg", "%(amount)s kg", grams // 1000, amount=_decimal(grams))
        return ngettext("%(num)d g", "%(num)d g", grams)
    if unit in VOLUMES:
        ml = n * VOLUMES[unit]
        if ml >= 1000:
            return ngettext("%(amount)s litre", "%(amount)s litres", ml // 1000, amount=_decimal(ml))
        return ngettext("%(num)d ml", "%(num)d ml", ml)
    if unit == "metre":
        return ngettext("%(num)d metre", "%(num)d metres", n)
    if unit == "pair":
        return ngettext("%(num)d pair", "%(num)d pairs", n)
    if unit == "set":
        return ngettext("%(num)d set", "%(num)d sets", n)
    return gettext("pack of %(num)d", num=n) if n > 1 else ""

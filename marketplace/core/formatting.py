"""Money in integer paise shown as ₹ with Indian digit grouping; times stored in UTC shown in IST."""

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.numbers import format_currency, format_decimal

IST = ZoneInfo("Asia/Kolkata")


# Through Babel with an explicit pattern: Indian grouping (last three digits, then pairs) and the ₹ sign in
# every locale, paise only when there are some. Checked against the hand-written rule in tests/test_money.py
# (Babel 2.18 gives exactly '₹1,27,400'); the locale's own INR pattern is not used because plain `en` groups
# in thousands ('₹127,400.00'). Prices repeat on every page, hence the cache.
_WHOLE, _WITH_PAISE = "¤#,##,##0", "¤#,##,##0.00"


def group_indian(n: int) -> str:
    """1274000 -> '12,74,000': the last three digits, then pairs."""
    return format_decimal(n, format="#,##,##0", locale="en_IN")


def format_quantity(n: int | None) -> str:
    """Quantities (units, groups) with Indian grouping: 900000 -> '9,00,000' (the `qty` filter)."""
    return group_indian(int(n or 0))


@lru_cache(maxsize=8192)
def _inr(paise: int) -> str:
    pattern = _WITH_PAISE if paise % 100 else _WHOLE
    return format_currency(Decimal(paise) / 100, "INR", format=pattern, locale="en_IN", currency_digits=False)


def format_inr(paise: int | None) -> str:
    if paise is None:
        return ""
    return _inr(int(paise))


def to_ist(moment: datetime) -> datetime:
    return moment.astimezone(IST)


def parse_rupees(text: str) -> int:
    """'1,27,400.50' or '127400' -> paise. Raises ValueError on anything else (no floats involved)."""
    cleaned = text.strip().replace(",", "").replace("₹", "").strip()
    if not cleaned or cleaned.startswith("-"):
        raise ValueError("not a positive amount")
    whole, _, frac = cleaned.partition(".")
    if not whole.isdigit() or (frac and (not frac.isdigit() or len(frac) > 2)):
        raise ValueError("not an amount in rupees")
    return int(whole) * 100 + int(frac.ljust(2, "0") if frac else 0)

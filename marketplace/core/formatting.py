"""Money in integer paise shown as ₹ with Indian digit grouping; times stored in UTC shown in IST."""

from datetime import datetime
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")


def group_indian(n: int) -> str:
    """1274000 -> '12,74,000': the last three digits, then pairs."""
    s = str(abs(n))
    if len(s) > 3:
        head, tail = s[:-3], s[-3:]
        pairs = []
        while len(head) > 2:
            pairs.insert(0, head[-2:])
            head = head[:-2]
        s = ",".join([head, *pairs, tail])
    return ("-" if n < 0 else "") + s


def format_inr(paise: int | None) -> str:
    if paise is None:
        return ""
    rupees, rest = divmod(abs(paise), 100)
    sign = "-" if paise < 0 else ""
    text = f"{sign}₹{group_indian(rupees)}"
    return f"{text}.{rest:02d}" if rest else text


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

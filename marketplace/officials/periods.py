"""The period a dashboard shows: this month, a chosen month, a financial year (April to March) or custom
dates. Days are Indian days: a period runs from IST midnight of its first day to IST midnight after its last."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from marketplace.core.errors import DomainError
from marketplace.core.types import utcnow

IST = ZoneInfo("Asia/Kolkata")
KINDS = ("month", "fy", "custom")
EARLIEST = date(2015, 4, 1)
MAX_DAYS = 3 * 366


class PeriodError(DomainError):
    pass


@dataclass(frozen=True)
class Period:
    kind: str
    first: date  # first day, inclusive
    last: date  # last day, inclusive

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), IST).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The moment just after the period (exclusive), never later than now for the running period."""
        return datetime.combine(self.last + timedelta(days=1), time(), IST).astimezone(UTC)

    @property
    def as_of(self) -> datetime:
        """The moment the "so far" figures are taken at: the period's end, or now if it has not ended."""
        return min(self.end, utcnow())

    @property
    def fy(self) -> int:
        """The financial year (by its starting calendar year) the period ends in."""
        return fy_of(self.last)

    def label(self) -> str:
        if self.kind == "month":
            return format_date(self.first, "MMMM y")
        if self.kind == "fy":
            return _l("Financial year %(a)d–%(b)02d", a=self.first.year, b=(self.first.year + 1) % 100)
        return f"{format_date(self.first, 'd MMM y')} – {format_date(self.last, 'd MMM y')}"

    def query(self) -> dict:
        """The query-string arguments that choose this period again (for links and exports)."""
        if self.kind == "month":
            return {"period": "month", "month": self.first.strftime("%Y-%m")}
        if self.kind == "fy":
            return {"period": "fy", "fy": self.first.year}
        return {"period": "custom", "start": self.first.isoformat(), "end": self.last.isoformat()}


def today_ist() -> date:
    return utcnow().astimezone(IST).date()


def fy_of(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def month_period(year: int, month: int) -> Period:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return Period("month", first, nxt - timedelta(days=1))


def fy_period(year: int) -> Period:
    return Period("fy", date(year, 4, 1), date(year + 1, 3, 31))


def fy_months(year: int) -> list[date]:
    return [date(year + (m < 4), m, 1) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def _parse_day(text: str, field: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(_l("Give the date as year-month-day, e.g. 2026-04-01."), field=field) from None
    if day < EARLIEST or day > today_ist() + timedelta(days=366):
        raise PeriodError(_l("That date is outside the years Haat has figures for."), field=field)
    return day


def parse_period(args) -> Period:
    """The period chosen in a query string; this month when nothing is chosen. Bad input raises PeriodError."""
    kind = (args.get("period") or "month").strip()
    today = today_ist()
    if kind not in KINDS:
        raise PeriodError(_l("Choose a month, a financial year or your own dates."), field="period")
    if kind == "month":
        raw = (args.get("month") or "").strip()
        if not raw:
            return month_period(today.year, today.month)
        try:
            year, month = (int(x) for x in raw.split("-"))
            first = date(year, month, 1)
        except ValueError:
            raise PeriodError(_l("Give the month as year-month, e.g. 2026-04."), field="month") from None
        if first < EARLIEST or first > today:
            raise PeriodError(_l("That month is outside the years Haat has figures for."), field="month")
        return month_period(year, month)
    if kind == "fy":
        raw = (args.get("fy") or "").strip()
        if not raw:
            return fy_period(fy_of(today))
        if not raw.isdigit() or not EARLIEST.year <= int(raw) <= fy_of(today):
            raise PeriodError(_l("Choose a financial year Haat has figures for."), field="fy")
        return fy_period(int(raw))
    first = _parse_day(args.get("start") or "", "start")
    last = _parse_day(args.get("end") or "", "end")
    if last < first:
        raise PeriodError(_l("The period ends before it starts: choose an end date on or after the start date."),
                          field="end")
    if (last - first).days > MAX_DAYS:
        raise PeriodError(_l("Choose a period of at most three years."), field="end")
    return Period("custom", first, last)

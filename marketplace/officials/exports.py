"""Every dashboard table as CSV or XLSX, from the very Table objects the page shows."""

import csv
import io
from dataclasses import dataclass, field

from openpyxl import Workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Column:
    label: str
    kind: str = "int"  # text, int, money (paise), pct, hours


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)  # per row, the first cell's link (page only)

    def export_rows(self) -> list[list]:
        """Money in rupees (a number, two decimals) rather than paise; everything else as it is."""
        out = []
        for row in self.rows:
            out.append([round(v / 100, 2) if c.kind == "money" and v is not None else v
                        for c, v in zip(self.columns, row, strict=True)])
        return out

    def headers(self) -> list[str]:
        return [f"{c.label} (₹)" if c.kind == "money" else str(c.label) for c in self.columns]


def to_csv(table: Table, heading: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([heading])
    writer.writerow(table.headers())
    for row in table.export_rows():
        writer.writerow(["" if v is None else _safe(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read the Hindi right


def _safe(value):
    """A text cell starting with = + - @ would run as a formula in a spreadsheet: quote it."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def to_xlsx(table: Table, heading: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = table.key[:31]
    sheet.append([heading])
    sheet.append(table.headers())
    for row in table.export_rows():
        sheet.append([_safe(v) for v in row])
    for i, column in enumerate(table.columns, start=1):
        if column.kind == "money":
            for (cell,) in sheet.iter_rows(min_row=3, min_col=i, max_col=i):
                cell.number_format = "#,##0.00"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

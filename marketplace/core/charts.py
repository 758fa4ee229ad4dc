"""Every chart in Haat: server-rendered SVG with pygal (see docs/officials.md for why pygal). No JavaScript: pygal's
interactive script is not loaded (`js=[]`) and its inline config script is dropped, so the SVG is plain
drawing. The page shows it as an <img> (a data: URI) beside a table holding the same numbers."""

import base64
import re
import sys

import pygal
from pygal.style import Style

# pygal appends an old-style import hook (for its map plugins, unused here) to sys.meta_path; it lacks
# find_spec, so every later import of a missing optional module (numpy, by openpyxl) warns. Take it out.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

STYLE = Style(background="white", plot_background="white", foreground="#222", foreground_strong="#111",
              foreground_subtle="#666", colors=("#b5541c", "#2f6f4f", "#3d5a99", "#8a6d1d"),
              font_family="'Noto Sans', 'Noto Sans Devanagari', sans-serif", title_font_size=20,
              label_font_size=15, major_label_font_size=15, value_font_size=15, legend_font_size=15)
WIDTH = 480  # drawn small and scaled up on a wide screen, so the text stays readable on a 360 px phone
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)


def _render(chart) -> str:
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def bar(title: str, labels: list[str], values: list[float], *, horizontal: bool = True, series: str = "") -> str:
    """One series of bars; returns the SVG text."""
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    height = max(220, 70 + 32 * len(labels)) if horizontal else 360
    # values are printed on the bars, so the value axis' labels are left out (they crowd a narrow chart)
    chart = kind(js=[], style=STYLE, title=title, show_legend=False, width=WIDTH, height=height,
                 print_values=True, show_x_labels=not horizontal, show_y_labels=horizontal, truncate_label=18,
                 x_label_rotation=0 if horizontal else 30)
    if horizontal:  # pygal draws the first bar at the bottom: reverse, so the table's first row is on top
        labels, values = labels[::-1], values[::-1]
    chart.x_labels = labels
    chart.add(series or title, values)
    return _render(chart)


def bars(title: str, labels: list[str], named_series: list[tuple[str, list[float]]]) -> str:
    """Several series side by side (e.g. achieved against target), with a legend."""
    chart = pygal.Bar(js=[], style=STYLE, title=title, width=WIDTH, height=360, legend_at_bottom=True,
                      x_label_rotation=30, truncate_label=16)
    chart.x_labels = labels
    for name, values in named_series:
        chart.add(name, values)
    return _render(chart)


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def daily(title: str, days: list, named_series: list[tuple[str, list[int]]]) -> str:
    """Bars per day (e.g. a requisition's units made and passed), at most ~10 day labels so they stay readable."""
    chart = pygal.Bar(js=[], style=STYLE, title=title, width=720, height=360, x_label_rotation=45,
                      show_minor_x_labels=False, legend_at_bottom=True, truncate_legend=-1)
    chart.x_labels = [f"{day.day}/{day.month}" for day in days]
    chart.x_labels_major = chart.x_labels[::max(1, len(days) // 10)] if days else []
    for name, values in named_series:
        chart.add(name, values)
    return _render(chart)

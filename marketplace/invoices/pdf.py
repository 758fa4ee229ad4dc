"""PDF documents in Hindi and English: fpdf2 with HarfBuzz shaping (uharfbuzz), so Devanagari conjuncts
(क्ष, स्त्र) and vowel signs (the i-matra of कि drawn before its consonant) come out right, and the text stays
extractable. Fonts are the Noto fonts shipped in static/fonts (OFL), never the system's.

Latin text uses Noto Sans; anything it lacks (Devanagari) falls back to Noto Sans Devanagari.
"""

from fpdf import FPDF

from marketplace.config import PROJECT_ROOT

FONT_DIR = PROJECT_ROOT / "static" / "fonts"
FONTS = {  # family: {style: file}
    "latin": {"": "NotoSans-Regular.ttf", "B": "NotoSans-Bold.ttf"},
    "deva": {"": "NotoSansDevanagari-Regular.ttf", "B": "NotoSansDevanagari-Bold.ttf"},
}


class Document(FPDF):
    """A page size in millimetres (a tuple, or "A4"), with the two font families and shaping switched on."""

    def __init__(self, page_format="A4", margin: float = 10):
        super().__init__(format=page_format, unit="mm")
        for family, styles in FONTS.items():
            for style, filename in styles.items():
                self.add_font(family, style, str(FONT_DIR / filename))
        self.set_fallback_fonts(["deva"])
        self.set_text_shaping(True)
        self.set_margins(margin, margin, margin)
        self.set_auto_page_break(True, margin=margin)
        self.set_creator("Haat")
        self.set_font("latin", size=10)

    def set_font(self, family=None, style="", size=0):
        """As fpdf2's, but the font is written to the page at once. fpdf2 2.8.9 otherwise states it only inside
        the first line it draws; when that line starts with a fallback (Devanagari) run, the statement is
        wrapped in q … Q and lost, and the following lines' Latin glyph codes are drawn in whatever font the
        page had before."""
        super().set_font(family, style, size)
        if self.page and not self.current_font_is_set_on_page:
            self._out(self._set_font_for_page(self.current_font, self.font_size_pt))

    def use(self, size: float, bold: bool = False) -> None:
        self.set_font("latin", "B" if bold else "", size)

    def para(self, text: str, size: float = 10, bold: bool = False, height: float | None = None, **kwargs) -> None:
        """A wrapped paragraph across the width left on the line."""
        self.use(size, bold)
        self.multi_cell(kwargs.pop("w", 0), height or size * 0.5, text, new_x="LMARGIN", new_y="NEXT", **kwargs)

    def qr(self, data: str, x: float, y: float, size: float) -> None:
        """A QR code drawn as vector squares (sharp at any printer resolution), `size` mm wide with its
        quiet zone."""
        import segno

        code = segno.make(data, error="m", micro=False)
        matrix = code.matrix
        module = size / (len(matrix) + 8)  # four modules of quiet zone on each side
        self.set_fill_color(0, 0, 0)
        for row, cells in enumerate(matrix):
            for col, dark in enumerate(cells):
                if dark:
                    self.rect(x + (col + 4) * module, y + (row + 4) * module, module, module, style="F")

    def bytes(self) -> bytes:
        return bytes(self.output())

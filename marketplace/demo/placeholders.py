"""Honest placeholder cards for demo products that have no photograph: a flat colour card, a simple drawn
motif and the product's name in Hindi and English, marked as a drawing.

`python -m marketplace.demo.placeholders` draws marketplace/demo/photos/placeholders/<key>.png from
data/demo/placeholders.json. The PNGs are committed, so `flask demo load` needs neither fonts nor drawing
(and the same bytes give the same image row every time). Hindi needs Pillow with raqm and a Devanagari font
(the project's static/fonts, or Debian's fonts-noto-core / fonts-lohit-deva); without them the cards carry
the English name only."""

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

from marketplace.config import PROJECT_ROOT
from marketplace.demo.data import PLACEHOLDER_DIR, placeholders

SIZE = 800  # drawn at this size, saved at OUTPUT_SIZE: two renditions (320, 640) per card instead of three
OUTPUT_SIZE = 640
# The project's own fonts first (static/fonts, SIL OFL), so that the cards can be drawn again anywhere.
DEVANAGARI_FONTS = (str(PROJECT_ROOT / "static" / "fonts" / "NotoSansDevanagari-Regular.ttf"),
                    "/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf",
                    "/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf")
LATIN_FONTS = (str(PROJECT_ROOT / "static" / "fonts" / "NotoSans-Bold.ttf"),
               "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
W = 12  # line width of the motifs


def _font(candidates, size: int, raqm: bool = False):
    for path in candidates:
        if Path(path).exists():
            layout = ImageFont.Layout.RAQM if raqm else ImageFont.Layout.BASIC
            return ImageFont.truetype(path, size, layout_engine=layout)
    return None


def hindi_font(size: int):
    """A Devanagari font that shapes conjuncts and vowel signs, or None (then no Hindi is drawn)."""
    return _font(DEVANAGARI_FONTS, size, raqm=True) if features.check("raqm") else None


# ---------------------------------------------------------------- motifs, drawn in a box around (cx, cy)

def _pouch(d, cx, cy, fg, bg):
    d.rounded_rectangle((cx - 120, cy - 150, cx + 120, cy + 150), 30, outline=fg, width=W)
    d.line((cx - 120, cy - 100, cx + 120, cy - 100), fill=fg, width=W)
    d.ellipse((cx - 60, cy - 40, cx + 60, cy + 80), outline=fg, width=W)


def _jar(d, cx, cy, fg, bg):
    d.rounded_rectangle((cx - 80, cy - 170, cx + 80, cy - 120), 10, fill=fg)
    d.rounded_rectangle((cx - 120, cy - 120, cx + 120, cy + 160), 40, outline=fg, width=W)
    d.rectangle((cx - 120, cy - 20, cx + 120, cy + 60), fill=fg)


def _sack(d, cx, cy, fg, bg):
    d.polygon([(cx - 60, cy - 120), (cx + 60, cy - 120), (cx + 140, cy + 150), (cx - 140, cy + 150)],
              outline=fg, width=W)
    d.ellipse((cx - 40, cy - 160, cx + 40, cy - 110), outline=fg, width=W)
    for dx, dy in ((-50, 40), (0, 80), (50, 40), (-20, 110), (30, 0)):
        d.ellipse((cx + dx - 12, cy + dy - 8, cx + dx + 12, cy + dy + 8), fill=fg)


def _bowl(d, cx, cy, fg, bg):
    for dx, dy in ((-90, -20), (-30, -50), (30, -50), (90, -20), (-60, -90), (0, -100), (60, -90)):
        d.ellipse((cx + dx - 34, cy + dy - 34, cx + dx + 34, cy + dy + 34), outline=fg, width=8)
    d.chord((cx - 170, cy - 120, cx + 170, cy + 150), 0, 180, fill=fg)


def _plate(d, cx, cy, fg, bg):
    d.ellipse((cx - 160, cy - 160, cx + 160, cy + 160), outline=fg, width=W)
    d.ellipse((cx - 100, cy - 100, cx + 100, cy + 100), outline=fg, width=6)
    for i in range(8):
        d.line((cx, cy, cx + (-100, 0, 100, 0, -70, 70, 70, -70)[i], cy + (0, -100, 0, 100, -70, -70, 70, 70)[i]),
               fill=fg, width=4)


def _bottle(d, cx, cy, fg, bg):
    d.rectangle((cx - 30, cy - 180, cx + 30, cy - 140), fill=fg)
    d.rounded_rectangle((cx - 45, cy - 140, cx + 45, cy - 80), 10, outline=fg, width=W)
    d.rounded_rectangle((cx - 100, cy - 80, cx + 100, cy + 170), 40, outline=fg, width=W)
    d.ellipse((cx - 45, cy + 10, cx + 45, cy + 100), fill=fg)


def _mask(d, cx, cy, fg, bg):
    d.arc((cx - 230, cy - 90, cx - 90, cy + 90), 90, 270, fill=fg, width=8)
    d.arc((cx + 90, cy - 90, cx + 230, cy + 90), 270, 90, fill=fg, width=8)
    d.rounded_rectangle((cx - 150, cy - 100, cx + 150, cy + 100), 50, outline=fg, width=W)
    for dy in (-35, 0, 35):
        d.line((cx - 120, cy + dy, cx + 120, cy + dy), fill=fg, width=6)


def _bag(d, cx, cy, fg, bg):
    d.arc((cx - 80, cy - 200, cx + 80, cy - 40), 180, 360, fill=fg, width=W)
    d.polygon([(cx - 150, cy - 120), (cx + 150, cy - 120), (cx + 170, cy + 160), (cx - 170, cy + 160)],
              outline=fg, width=W)
    d.rectangle((cx - 90, cy - 20, cx + 90, cy + 60), outline=fg, width=6)


def _wallet(d, cx, cy, fg, bg):
    d.rounded_rectangle((cx - 170, cy - 110, cx + 170, cy + 110), 24, outline=fg, width=W)
    d.line((cx - 170, cy - 30, cx + 170, cy - 30), fill=fg, width=W)
    d.ellipse((cx + 90, cy - 10, cx + 130, cy + 30), fill=fg)


def _sandal(d, cx, cy, fg, bg):
    d.rounded_rectangle((cx - 80, cy - 180, cx + 80, cy + 180), 80, outline=fg, width=W)
    d.arc((cx - 100, cy - 140, cx + 100, cy - 20), 180, 360, fill=fg, width=W)
    d.line((cx - 70, cy - 80, cx + 70, cy - 80), fill=fg, width=W)


def _kurta(d, cx, cy, fg, bg):
    d.polygon([(cx - 60, cy - 180), (cx - 170, cy - 130), (cx - 210, cy - 20), (cx - 150, cy), (cx - 110, cy - 70),
               (cx - 120, cy + 180), (cx + 120, cy + 180), (cx + 110, cy - 70), (cx + 150, cy), (cx + 210, cy - 20),
               (cx + 170, cy - 130), (cx + 60, cy - 180)], outline=fg, width=W)
    d.polygon([(cx - 60, cy - 180), (cx, cy - 110), (cx + 60, cy - 180)], fill=fg)


def _shirt(d, cx, cy, fg, bg):
    d.polygon([(cx - 60, cy - 170), (cx - 170, cy - 120), (cx - 220, cy + 40), (cx - 160, cy + 60),
               (cx - 120, cy - 40), (cx - 120, cy + 170), (cx + 120, cy + 170), (cx + 120, cy - 40),
               (cx + 160, cy + 60), (cx + 220, cy + 40), (cx + 170, cy - 120), (cx + 60, cy - 170)],
              outline=fg, width=W)
    d.polygon([(cx - 60, cy - 170), (cx, cy - 110), (cx - 20, cy - 80), (cx - 75, cy - 140)], fill=fg)
    d.polygon([(cx + 60, cy - 170), (cx, cy - 110), (cx + 20, cy - 80), (cx + 75, cy - 140)], fill=fg)
    for dy in (-50, 10, 70, 130):
        d.ellipse((cx - 10, cy + dy - 10, cx + 10, cy + dy + 10), fill=fg)


def _frock(d, cx, cy, fg, bg):
    d.polygon([(cx - 60, cy - 170), (cx + 60, cy - 170), (cx + 70, cy - 40), (cx + 190, cy + 170),
               (cx - 190, cy + 170), (cx - 70, cy - 40)], outline=fg, width=W)
    d.line((cx - 70, cy - 40, cx + 70, cy - 40), fill=fg, width=W)
    d.arc((cx - 40, cy - 200, cx + 40, cy - 140), 0, 180, fill=fg, width=W)


def _cap(d, cx, cy, fg, bg):
    d.chord((cx - 170, cy - 170, cx + 170, cy + 60), 180, 360, fill=fg)
    d.rectangle((cx - 170, cy - 55, cx + 170, cy + 60), outline=fg, width=W)
    for x in range(cx - 150, cx + 150, 50):
        d.polygon([(x, cy + 50), (x + 25, cy - 45), (x + 50, cy + 50)], fill=fg)


def _rings(d, cx, cy, fg, bg):
    for dx, dy in ((-80, -40), (80, -40), (0, 60)):
        d.ellipse((cx + dx - 110, cy + dy - 110, cx + dx + 110, cy + dy + 110), outline=fg, width=22)


def _box(d, cx, cy, fg, bg):
    d.rectangle((cx - 140, cy - 90, cx + 140, cy + 130), outline=fg, width=W)
    d.ellipse((cx - 140, cy + 90, cx + 140, cy + 170), fill=bg, outline=fg, width=W)
    d.ellipse((cx - 150, cy - 150, cx + 150, cy - 50), fill=fg)
    for dy in (-30, 20, 70):
        d.arc((cx - 140, cy + dy - 40, cx + 140, cy + dy + 40), 0, 180, fill=fg, width=5)


def _basket(d, cx, cy, fg, bg):
    d.polygon([(cx - 190, cy - 90), (cx + 190, cy - 90), (cx + 130, cy + 160), (cx - 130, cy + 160)],
              outline=fg, width=W)
    for i in range(1, 6):
        x = cx - 190 + i * 63
        d.line((x, cy - 90, cx - 130 + i * 43, cy + 160), fill=fg, width=6)
    for dy in (-10, 70):
        d.line((cx - 170, cy + dy, cx + 170, cy + dy), fill=fg, width=6)
    d.arc((cx - 150, cy - 260, cx + 150, cy + 40), 200, 340, fill=fg, width=W)


def _pot(d, cx, cy, fg, bg):
    d.ellipse((cx - 160, cy - 90, cx + 160, cy + 180), fill=fg)
    d.rectangle((cx - 70, cy - 150, cx + 70, cy - 70), fill=fg)
    d.rounded_rectangle((cx - 100, cy - 180, cx + 100, cy - 140), 16, fill=fg)
    d.line((cx - 140, cy + 40, cx + 140, cy + 40), fill=bg, width=8)


def _figure(d, cx, cy, fg, bg):
    d.ellipse((cx - 35, cy - 190, cx + 35, cy - 120), outline=fg, width=W)
    d.line((cx, cy - 120, cx, cy + 40), fill=fg, width=W + 4)
    d.line((cx - 130, cy - 150, cx, cy - 70, cx + 130, cy - 150), fill=fg, width=W, joint="curve")
    d.line((cx - 100, cy + 180, cx, cy + 40, cx + 100, cy + 180), fill=fg, width=W, joint="curve")


def _frame(d, cx, cy, fg, bg):
    d.rectangle((cx - 190, cy - 160, cx + 190, cy + 160), outline=fg, width=W + 6)
    d.rectangle((cx - 150, cy - 120, cx + 150, cy + 120), outline=fg, width=4)
    d.ellipse((cx - 100, cy - 45, cx + 60, cy + 45), outline=fg, width=W)
    d.polygon([(cx + 55, cy), (cx + 120, cy - 50), (cx + 120, cy + 50)], fill=fg)
    d.ellipse((cx - 70, cy - 15, cx - 45, cy + 10), fill=fg)


def _bar(d, cx, cy, fg, bg):
    d.rounded_rectangle((cx - 170, cy - 60, cx + 170, cy + 120), 50, fill=fg)
    for dx, dy, r in ((-80, -120, 30), (0, -160, 20), (70, -110, 40), (140, -170, 18)):
        d.ellipse((cx + dx - r, cy + dy - r, cx + dx + r, cy + dy + r), outline=fg, width=6)


def _candle(d, cx, cy, fg, bg):
    d.rectangle((cx - 50, cy - 60, cx + 50, cy + 170), fill=fg)
    d.line((cx, cy - 60, cx, cy - 90), fill=fg, width=6)
    d.ellipse((cx - 28, cy - 170, cx + 28, cy - 85), outline=fg, width=W)
    for dx in (-150, -115, 115, 150):
        d.line((cx + dx, cy - 120, cx + dx, cy + 170), fill=fg, width=6)


def _pack(d, cx, cy, fg, bg):
    d.rounded_rectangle((cx - 150, cy - 170, cx + 150, cy + 170), 30, outline=fg, width=W)
    for dx, dy in ((0, -50), (0, 50), (-50, 0), (50, 0)):
        d.ellipse((cx + dx - 45, cy + dy - 45, cx + dx + 45, cy + dy + 45), fill=fg)
    d.ellipse((cx - 25, cy - 25, cx + 25, cy + 25), fill=bg)


MOTIFS = {"pouch": _pouch, "jar": _jar, "sack": _sack, "bowl": _bowl, "plate": _plate, "bottle": _bottle,
          "mask": _mask, "bag": _bag, "wallet": _wallet, "sandal": _sandal, "kurta": _kurta, "shirt": _shirt,
          "frock": _frock, "cap": _cap, "rings": _rings, "box": _box, "basket": _basket, "pot": _pot,
          "figure": _figure, "frame": _frame, "bar": _bar, "candle": _candle, "pack": _pack}


# ---------------------------------------------------------------- the card

def _centred(d, y: int, text: str, font, fill, **kwargs) -> None:
    left, _top, right, _bottom = d.textbbox((0, 0), text, font=font, **kwargs)
    d.text(((SIZE - (right - left)) / 2 - left, y), text, font=font, fill=fill, **kwargs)


def _side_by_side(d, y: int, parts: list[tuple], fill) -> None:
    """One centred line from pieces in different fonts (a Devanagari font may have no Latin letters)."""
    widths = [d.textlength(text, font=font, **kwargs) for text, font, kwargs in parts]
    x = (SIZE - sum(widths)) / 2
    for (text, font, kwargs), width in zip(parts, widths, strict=True):
        d.text((x, y), text, font=font, fill=fill, **kwargs)
        x += width


def draw_card(spec: dict) -> Image.Image:
    im = Image.new("RGB", (SIZE, SIZE), spec["bg"])
    d = ImageDraw.Draw(im)
    fg, bg = spec["fg"], spec["bg"]
    d.rounded_rectangle((24, 24, SIZE - 24, SIZE - 24), 40, outline=fg, width=4)
    MOTIFS[spec["motif"]](d, SIZE // 2, 290, fg, bg)
    hindi = hindi_font(64)
    latin = _font(LATIN_FONTS, 46) or ImageFont.load_default(46)
    small = _font(LATIN_FONTS, 22) or ImageFont.load_default(22)
    if hindi is not None:
        _centred(d, 520, spec["hi"], hindi, fg, language="hi")
        _centred(d, 625, spec["en"], latin, fg)
        _side_by_side(d, 722, [("drawing, not a photo  ·  ", small, {}),
                               ("चित्र, फ़ोटो नहीं", hindi_font(24), {"language": "hi"})], fg)
    else:
        _centred(d, 560, spec["en"], latin, fg)
        _centred(d, 730, "drawing, not a photo", small, fg)
    return im


def write_all(directory: Path = PLACEHOLDER_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for key, spec in placeholders().items():
        path = directory / f"{key}.png"
        card = draw_card(spec).resize((OUTPUT_SIZE, OUTPUT_SIZE), Image.Resampling.LANCZOS)
        card.quantize(colors=64).save(path, optimize=True)
        written.append(path)
    return written


def main() -> int:
    if hindi_font(10) is None:
        print("No raqm or no Devanagari font: drawing English names only (Debian: apt-get install "
              "fonts-noto-core).", file=sys.stderr)
    paths = write_all()
    print(f"{len(paths)} placeholder cards in {PLACEHOLDER_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The image pipeline: check an uploaded photo, clean it, and store its renditions.

A photo is judged by its bytes, never by its name: the magic number says JPEG, PNG or WebP, Pillow must
agree, and the file must end where its format says it ends. It is decoded only after its header shows at
most 40 megapixels. Then EXIF orientation is applied, colours go to sRGB, transparency is flattened on
white and every piece of metadata is dropped (phone photos carry GPS). Renditions 320, 640 and 1280 px
wide are written as WebP and progressive JPEG, named `<sha256 of the upload>-<width>.<webp|jpg>`.

Never upscaled: a photo narrower than 1280 px gets the standard widths below its own width plus its own
width (500 px -> 320 and 500; 200 px -> 200). Widths under 10 px are written with two digits ("-05"),
so every key fits the URL pattern; always build URLs with `image_url` / `srcset`.
"""

import hashlib
import re
import struct
import warnings
from io import BytesIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import ExifTags, ImageCms, ImageOps
from PIL import Image as PILImage
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from marketplace.core.errors import DomainError
from marketplace.extensions import db
from marketplace.media.models import Image
from marketplace.media.storage import get_storage, keeps_originals

MAX_UPLOAD_BYTES = 15 * 1024 * 1024  # the default; the app's MAX_UPLOAD_BYTES wins
MAX_PIXELS = 40_000_000
RENDITION_WIDTHS = (320, 640, 1280)
FALLBACK_WIDTH = 640  # the <img src> for browsers without srcset
QUALITY = 80
CONTENT_TYPES = {"webp": "image/webp", "jpg": "image/jpeg"}
ORIGINAL_TYPES = {"jpeg": ("jpg", "image/jpeg"), "png": ("png", "image/png"), "webp": ("webp", "image/webp")}
URL_PREFIX = "/media/"
KEY_PATTERN = re.compile(r"[0-9a-f]{64}-\d{2,4}\.(webp|jpg)")

# Pillow only warns between its own limit and twice that; a bomb must always stop the upload.
warnings.filterwarnings("error", category=PILImage.DecompressionBombWarning)

NOT_A_PHOTO = _l("This file is not a photo. Please choose a JPEG, PNG or WebP picture.")
TOO_MANY_PIXELS = _l("The photo is too large (over 40 megapixels). Please choose a smaller photo.")
DAMAGED = _l("The file is damaged or incomplete. Please take the photo again or choose another one.")
HIDDEN_DATA = _l("This file has something hidden in it besides the picture, so we cannot accept it. "
                 "Please choose another photo.")
TOO_BIG = _l("The file is too large. Photos may be at most 15 MB.")


class ImageRejected(DomainError):
    """An upload that is not an acceptable photo (415), too large (413) or damaged (422)."""

    def __init__(self, message, status: int):
        super().__init__(message, status=status)


# ---------------------------------------------------------------- URLs


def rendition_key(sha256: str, width: int, fmt: str) -> str:
    return f"{sha256}-{width:02d}.{fmt}"


def original_key(sha256: str, fmt: str) -> str:
    """Never matches KEY_PATTERN, so the app never serves an original (it may carry the phone's GPS)."""
    return f"{sha256}-original.{ORIGINAL_TYPES[fmt][0]}"


def image_url(image: Image, width: int, fmt: str = "webp") -> str:
    """The app's own /media/ URL, or the object store's / CDN's when MEDIA_URL_PREFIX is set."""
    key = rendition_key(image.sha256, width, fmt)
    prefix = current_app.config.get("MEDIA_URL_PREFIX")
    return prefix.rstrip("/") + "/" + key if prefix else URL_PREFIX + key


def srcset(image: Image, fmt: str) -> str:
    return ", ".join(f"{image_url(image, w, fmt)} {w}w" for w in image.rendition_widths)


def fallback_width(image: Image) -> int:
    """The rendition for a plain <img src>: 640 px, or the nearest one below (tiny photos: the only one)."""
    widths = image.rendition_widths
    return max((w for w in widths if w <= FALLBACK_WIDTH), default=min(widths))


def rendition_keys(image: Image) -> list[str]:
    return [rendition_key(image.sha256, w, fmt) for w in image.rendition_widths for fmt in CONTENT_TYPES]


# ---------------------------------------------------------------- uploads


def max_upload_bytes() -> int:
    return current_app.config.get("MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES)


def read_upload(file_storage) -> bytes:
    """The uploaded file's bytes, reading at most one byte more than allowed (so a huge file costs nothing)."""
    limit = max_upload_bytes()
    data = file_storage.stream.read(limit + 1)
    if len(data) > limit:
        raise ImageRejected(TOO_BIG, 413)
    return data


def store_image(data: bytes) -> Image:
    """Check, clean and store a photo; return its Image row (the existing one for bytes seen before).

    The row is flushed, not committed: the caller's service commits it together with what uses it. Files
    are written first; if the caller rolls back they stay behind, harmless because named by content."""
    if len(data) > max_upload_bytes():
        raise ImageRejected(TOO_BIG, 413)
    sha = hashlib.sha256(data).hexdigest()
    storage = get_storage()
    existing = db.session.scalar(select(Image).where(Image.sha256 == sha))
    if existing is not None and all(storage.exists(k) for k in rendition_keys(existing)):
        return existing
    renditions = make_renditions(data)
    for width, _height, fmt, blob in renditions:
        key = rendition_key(sha, width, fmt)
        if not storage.exists(key):
            storage.put(key, blob, CONTENT_TYPES[fmt])
    kind = sniff(data)
    if keeps_originals() and kind in ORIGINAL_TYPES:
        storage.put(original_key(sha, kind), data, ORIGINAL_TYPES[kind][1])
    return existing or _insert_image(sha, renditions)


def _insert_image(sha: str, renditions: list[tuple[int, int, str, bytes]]) -> Image:
    """Insert the row unless a concurrent upload of the same bytes already did (no savepoint needed)."""
    width, height = max((w, h) for w, h, _fmt, _blob in renditions)
    widths = ",".join(str(w) for w in sorted({w for w, _h, _fmt, _blob in renditions}))
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[db.session.get_bind().dialect.name]
    db.session.execute(
        dialect.insert(Image)
        .values(sha256=sha, width=width, height=height, widths=widths)
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    return db.session.scalar(select(Image).where(Image.sha256 == sha))


# ---------------------------------------------------------------- processing (no database, no storage)


def make_renditions(data: bytes, *, draft: bool = True) -> list[tuple[int, int, str, bytes]]:
    """(width, height, "webp"|"jpg", bytes) for every rendition; raises ImageRejected for bad input.
    `draft=False` is only for the benchmark."""
    fmt = sniff(data)
    if fmt is None:
        raise ImageRejected(NOT_A_PHOTO, 415)
    check_structure(data, fmt)
    picture = _decode(data, fmt, draft)
    out = []
    for width, resized in _resized(picture):
        for ext in CONTENT_TYPES:
            out.append((width, resized.height, ext, _encode(resized, ext)))
    return out


def sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def rendition_widths(width: int) -> list[int]:
    widths = [w for w in RENDITION_WIDTHS if w <= width]
    if width < RENDITION_WIDTHS[-1] and width not in widths:
        widths.append(width)
    return widths


_PILLOW_FORMATS = {"jpeg": ("JPEG", "MPO"), "png": ("PNG",), "webp": ("WEBP",)}
# Pillow's failures on hostile or broken files are varied; all of them mean "damaged".
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, IndexError, KeyError, struct.error)
_BOMB_ERRORS = (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning)


def _open(data: bytes, fmt: str) -> PILImage.Image:
    im = PILImage.open(BytesIO(data), formats=[f for f in _PILLOW_FORMATS[fmt] if f != "MPO"])
    if im.format not in _PILLOW_FORMATS[fmt]:
        raise ImageRejected(NOT_A_PHOTO, 415)
    width, height = im.size  # from the header: nothing decoded yet
    if width * height > MAX_PIXELS:
        raise ImageRejected(TOO_MANY_PIXELS, 422)
    return im


def _decode(data: bytes, fmt: str, draft: bool) -> PILImage.Image:
    """The picture upright, in sRGB, RGB on white, with no metadata left in `info`."""
    try:
        _open(data, fmt).verify()
        im = _open(data, fmt)  # verify() leaves the image unusable: open again to decode
        if fmt == "jpeg" and draft:
            im.draft("RGB", _draft_size(im))
        im.load()
        ImageOps.exif_transpose(im, in_place=True)
    except _BOMB_ERRORS as exc:
        raise ImageRejected(TOO_MANY_PIXELS, 422) from exc
    except _DECODE_ERRORS as exc:
        raise ImageRejected(DAMAGED, 422) from exc
    im = _flatten(_to_srgb(im))
    im.info.clear()  # EXIF, ICC, XMP, comments: nothing may reach the renditions
    return im


def _draft_size(im: PILImage.Image) -> tuple[int, int]:
    """Ask libjpeg to decode at 1/2, 1/4 or 1/8 scale, but never below the largest rendition's width.
    Only the width matters, so the height asks for nothing (1); a sideways photo's width is its height."""
    if im.getexif().get(ExifTags.Base.Orientation) in (5, 6, 7, 8):
        return 1, min(RENDITION_WIDTHS[-1], im.height)
    return min(RENDITION_WIDTHS[-1], im.width), 1


_SRGB = ImageCms.createProfile("sRGB")


def _to_srgb(im: PILImage.Image) -> PILImage.Image:
    """Phones (iPhones especially) tag photos Display P3; without converting, colours would look dull."""
    icc = im.info.get("icc_profile")
    if not icc or im.mode not in ("RGB", "RGBA", "CMYK"):
        return im
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(icc))
        return ImageCms.profileToProfile(im, source, _SRGB, outputMode="RGBA" if im.mode == "RGBA" else "RGB")
    except (ImageCms.PyCMSError, OSError):
        return im  # a broken profile: slightly wrong colours are better than refusing the photo


def _flatten(im: PILImage.Image) -> PILImage.Image:
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = PILImage.new("RGB", im.size, "white")
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    if im.mode.startswith("I"):  # 16-bit greyscale PNG: scale down, or convert() would clip to white
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return im.convert("RGB")


def _resized(im: PILImage.Image):
    """Largest first, each smaller one made from the one before (a 2x step keeps LANCZOS sharp and fast)."""
    source = im
    for width in sorted(rendition_widths(im.width), reverse=True):
        height = max(1, round(im.height * width / im.width))
        source = source if source.size == (width, height) else source.resize(
            (width, height), PILImage.Resampling.LANCZOS)
        yield width, source


def _encode(im: PILImage.Image, ext: str) -> bytes:
    buf = BytesIO()
    if ext == "webp":
        im.save(buf, "WEBP", quality=QUALITY)
    else:
        im.save(buf, "JPEG", quality=QUALITY, progressive=True, optimize=True)
    return buf.getvalue()


# ---------------------------------------------------------------- structure: where the picture really ends

# Markup or script hidden in metadata or after the picture makes a polyglot; XMP (<x:xmpmeta, <rdf:…) passes.
_MARKUP = re.compile(rb"<(?:script|html|body|iframe|object|embed|svg|\?php|!doctype)|javascript:", re.I)
# A big appended video is scanned with longer signatures only: 4 random bytes match "<svg" too often.
_MARKUP_LONG = re.compile(rb"<(?:script|html|body|iframe|\?php|!doctype)|javascript:", re.I)
_PADDING = frozenset(b"\x00\xff \t\r\n")
_PADDING_TOLERANCE = 64  # some encoders pad after the end marker


def check_structure(data: bytes, fmt: str) -> None:
    """Walk the container, refuse markup in its metadata and anything but padding or a phone's extra
    picture/video after the end."""
    walk = {"jpeg": _jpeg_walk, "png": _png_walk, "webp": _webp_walk}[fmt]
    end, metadata = walk(data)
    if any(_MARKUP.search(data, start, stop) for start, stop in metadata):
        raise ImageRejected(HIDDEN_DATA, 422)
    _check_trailer(data[end:], fmt)


def _check_trailer(trailer: bytes, fmt: str) -> None:
    if len(trailer) <= _PADDING_TOLERANCE and set(trailer) <= _PADDING:
        return
    # Multi-picture JPEGs (depth maps, previews) and motion photos (an MP4 after the still) come from phones.
    phone_extra = trailer.startswith(b"\xff\xd8\xff") or trailer[4:8] == b"ftyp" or trailer.startswith(
        b"MotionPhoto_Data")
    if fmt == "jpeg" and phone_extra and not _MARKUP_LONG.search(trailer):
        return
    raise ImageRejected(HIDDEN_DATA, 422)


class _Malformed(Exception):
    pass


def _need(data: bytes, end: int) -> None:
    if end > len(data):
        raise _Malformed


def _walked(walk):
    def checked(data: bytes):
        try:
            return walk(data)
        except _Malformed as exc:
            raise ImageRejected(DAMAGED, 422) from exc
    return checked


# Inside compressed scan data 0xFF is followed by 0x00 (stuffing) or a restart marker; anything else ends it.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


@_walked
def _jpeg_walk(data: bytes) -> tuple[int, list[tuple[int, int]]]:
    """(offset just past EOI, byte ranges of the marker segments)."""
    pos, segments = 2, []
    while True:
        _need(data, pos + 2)
        if data[pos] != 0xFF:
            raise _Malformed
        while data[pos + 1] == 0xFF:  # fill bytes before a marker
            pos += 1
            _need(data, pos + 2)
        marker, pos = data[pos + 1], pos + 2
        if marker == 0xD9:
            return pos, segments
        if marker == 0xD8:
            raise _Malformed
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            continue
        _need(data, pos + 2)
        length = int.from_bytes(data[pos:pos + 2], "big")
        if length < 2:
            raise _Malformed
        _need(data, pos + length)
        segments.append((pos, pos + length))
        pos += length
        if marker == 0xDA:
            found = _NEXT_MARKER.search(data, pos)
            if found is None:
                raise _Malformed
            pos = found.start()


@_walked
def _png_walk(data: bytes) -> tuple[int, list[tuple[int, int]]]:
    pos, chunks = 8, []
    while True:
        _need(data, pos + 12)
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length
        _need(data, end)
        if kind not in (b"IDAT", b"fdAT"):  # compressed pixels are random bytes: not worth scanning
            chunks.append((pos + 8, end - 4))
        pos = end
        if kind == b"IEND":
            return pos, chunks


_WEBP_PIXELS = (b"VP8 ", b"VP8L", b"ALPH", b"ANMF")


@_walked
def _webp_walk(data: bytes) -> tuple[int, list[tuple[int, int]]]:
    end = 8 + int.from_bytes(data[4:8], "little")
    _need(data, end)
    pos, chunks = 12, []
    while pos < end:
        _need(data, pos + 8)
        kind = data[pos:pos + 4]
        size = int.from_bytes(data[pos + 4:pos + 8], "little")
        stop = pos + 8 + size
        _need(data, stop)
        if kind not in _WEBP_PIXELS:
            chunks.append((pos + 8, stop))
        pos = stop + (size & 1)  # chunks are padded to an even length
    return end, chunks

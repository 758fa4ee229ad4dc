"""The image pipeline: what is accepted, what is refused (with nothing stored), renditions, serving."""

import zlib
from io import BytesIO

import pytest
from flask import Flask, render_template_string, request
from flask_babel import Babel
from PIL import ExifTags, ImageCms, ImageFile
from PIL import Image as PILImage
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from marketplace.config import load_config
from marketplace.extensions import db
from marketplace.media import services
from marketplace.media.models import Image
from marketplace.media.services import ImageRejected, read_upload, store_image
from marketplace.media.storage import InvalidKey, LocalStorage

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def media_root(app, tmp_path, monkeypatch):
    """A fresh, empty media root for every test, so "nothing stored" can be checked."""
    root = tmp_path / "media"
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(root))
    return root


def stored_files(root):
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def image_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Image))


def encode(im, fmt="JPEG", **params) -> bytes:
    buf = BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def photo(size=(64, 48), color=(180, 90, 40), fmt="JPEG", **params) -> bytes:
    return encode(PILImage.new("RGB", size, color), fmt, **params)


def png_header_only(width: int, height: int, bit_depth: int = 1, color_type: int = 0) -> bytes:
    """A valid PNG of any size whose pixels are all zero: rows compress to almost nothing."""
    def chunk(kind, body):
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([bit_depth, color_type, 0, 0, 0])
    row = b"\x00" * (1 + (width * bit_depth + 7) // 8)
    idat = zlib.compress(row * height, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def rejected(data: bytes) -> ImageRejected:
    with pytest.raises(ImageRejected) as info:
        store_image(data)
    return info.value


def assert_refused(data, status, message, media_root):
    exc = rejected(data)
    assert exc.status == status
    assert exc.message is message
    assert stored_files(media_root) == []
    assert image_rows() == 0


def open_rendition(media_root, key):
    return PILImage.open(BytesIO(next(media_root.rglob(key)).read_bytes()))


# ---------------------------------------------------------------- accepted photos


def test_a_photo_gets_webp_and_progressive_jpeg_renditions(ctx, media_root):
    image = store_image(photo((1400, 1050)))
    db.session.commit()
    assert (image.width, image.height, image.widths) == (1280, 960, "320,640,1280")
    assert len(stored_files(media_root)) == 6
    for width in (320, 640, 1280):
        webp = open_rendition(media_root, f"{image.sha256}-{width}.webp")
        jpeg = open_rendition(media_root, f"{image.sha256}-{width}.jpg")
        assert (webp.format, webp.size) == ("WEBP", (width, width * 3 // 4))
        assert (jpeg.format, jpeg.size, jpeg.mode) == ("JPEG", (width, width * 3 // 4), "RGB")
        assert jpeg.info.get("progressive") == 1


def test_small_photos_are_never_upscaled(ctx, media_root):
    image = store_image(photo((500, 300)))
    assert (image.widths, image.width, image.height) == ("320,500", 500, 300)
    assert open_rendition(media_root, f"{image.sha256}-320.jpg").size == (320, 192)
    assert services.fallback_width(image) == 500
    tiny = store_image(photo((200, 100), fmt="PNG"))
    assert (tiny.widths, services.fallback_width(tiny)) == ("200", 200)


def test_png_named_jpg_is_judged_by_its_content(ctx, media_root):
    upload = FileStorage(BytesIO(photo((40, 30), fmt="PNG")), filename="photo.jpg", content_type="image/jpeg")
    image = store_image(read_upload(upload))
    assert image.widths == "40"


def test_webp_upload_and_transparency_flattened_on_white(ctx, media_root):
    clear = PILImage.new("RGBA", (40, 20), (255, 0, 0, 0))
    clear.paste((0, 0, 255, 255), (20, 0, 40, 20))
    image = store_image(encode(clear, "WEBP", lossless=True))
    out = open_rendition(media_root, f"{image.sha256}-40.jpg").convert("RGB")
    r, g, b = out.getpixel((5, 10))
    assert min(r, g, b) > 240  # the transparent half is white, not red or black
    assert out.getpixel((35, 10))[2] > 200


def test_exif_orientation_is_applied(ctx, media_root):
    # Stored sideways: red on the left, blue on the right; orientation 6 means "turn right to view",
    # so upright the red half is on top.
    raw = PILImage.new("RGB", (40, 20), (220, 0, 0))
    raw.paste((0, 0, 220), (20, 0, 40, 20))
    exif = PILImage.Exif()
    exif[ExifTags.Base.Orientation] = 6
    image = store_image(encode(raw, exif=exif, quality=95))
    assert (image.width, image.height) == (20, 40)
    upright = open_rendition(media_root, f"{image.sha256}-20.webp").convert("RGB")
    assert upright.size == (20, 40)
    assert upright.getpixel((10, 5))[0] > 150 and upright.getpixel((10, 35))[2] > 150


def test_two_pixel_photo_turns_upright_and_is_served(ctx, media_root, client):
    exif = PILImage.Exif()
    exif[ExifTags.Base.Orientation] = 6
    image = store_image(photo((2, 1), exif=exif))
    db.session.commit()
    assert (image.width, image.height, image.widths) == (1, 2, "1")
    url = services.image_url(image, 1, "jpg")
    assert url.endswith("-01.jpg")  # keys always carry at least two digits
    with client.get(url) as response:
        assert response.status_code == 200


def test_draft_decoding_keeps_sideways_photos_sharp_enough(ctx, media_root):
    # 2600x700 stored, upright 700x2600: a draft sized on the stored width would decode at 1/2
    # (350 px wide upright) and lose the 640 and 700 renditions.
    exif = PILImage.Exif()
    exif[ExifTags.Base.Orientation] = 6
    image = store_image(photo((2600, 700), exif=exif))
    assert (image.widths, image.width, image.height) == ("320,640,700", 700, 2600)


def test_draft_decodes_big_jpegs_at_a_reduced_scale(ctx, monkeypatch):
    sizes = []
    load = ImageFile.ImageFile.load

    def spy(im):
        sizes.append(im.size)
        return load(im)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    services.make_renditions(photo((2600, 1300)))
    assert sizes[-1] == (1300, 650)
    services.make_renditions(photo((2600, 1300)), draft=False)
    assert sizes[-1] == (2600, 1300)


def test_metadata_is_gone_from_every_rendition(ctx, media_root):
    exif = PILImage.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (26.0, 30.0, 0.0)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = photo((700, 500), exif=exif, icc_profile=icc, comment=b"taken at home")
    assert PILImage.open(BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the input does carry GPS
    image = store_image(data)
    for key in services.rendition_keys(image):
        raw = next(media_root.rglob(key)).read_bytes()
        out = PILImage.open(BytesIO(raw))
        assert not out.getexif()
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(out.info)
        assert b"Exif" not in raw and b"PhoneCo" not in raw and b"taken at home" not in raw


def test_same_bytes_give_the_same_image(ctx, media_root):
    data = photo((700, 500))
    first = store_image(data)
    db.session.commit()
    assert store_image(data).id == first.id
    assert image_rows() == 1
    victim = next(media_root.rglob(f"{first.sha256}-640.webp"))
    victim.unlink()  # a lost file is made again on the next upload of the same bytes
    assert store_image(data).id == first.id
    assert victim.exists() and len(stored_files(media_root)) == 6


def test_concurrent_upload_of_the_same_bytes_does_not_fail(ctx, media_root, monkeypatch):
    data = photo((100, 80))
    real = services.make_renditions

    def slow_twin(raw, **kwargs):
        # Another worker stores the same photo and commits while this one is still resizing.
        with db.engine.begin() as other:
            other.execute(Image.__table__.insert().values(
                sha256=services.hashlib.sha256(raw).hexdigest(), width=100, height=80, widths="100"))
        return real(raw, **kwargs)

    monkeypatch.setattr(services, "make_renditions", slow_twin)
    image = store_image(data)
    db.session.commit()
    assert image.widths == "100" and image_rows() == 1


def test_store_image_leaves_the_commit_to_the_caller(ctx, media_root):
    store_image(photo((100, 80)))
    db.session.rollback()
    assert image_rows() == 0
    assert len(stored_files(media_root)) == 2  # orphaned but harmless: named by content


def test_harmless_bytes_after_the_picture_are_tolerated(ctx, media_root):
    base = photo((60, 40))
    assert store_image(base + b"\x00" * 32).widths == "60"
    # Multi-picture JPEGs and motion photos (a video after the still) come straight from phones.
    assert store_image(base + photo((30, 20))).widths == "60"
    assert store_image(base + b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100).widths == "60"
    first, depth_map = PILImage.new("RGB", (70, 40), "green"), PILImage.new("RGB", (35, 20), "gray")
    assert store_image(encode(first, "MPO", save_all=True, append_images=[depth_map])).widths == "70"


def test_cmyk_and_greyscale_jpegs_come_out_rgb(ctx, media_root):
    for mode in ("CMYK", "L"):
        image = store_image(encode(PILImage.new(mode, (50, 30)), "JPEG"))
        assert open_rendition(media_root, f"{image.sha256}-50.jpg").mode == "RGB"
    deep = store_image(encode(PILImage.new("I;16", (50, 30), 40_000), "PNG"))  # 16-bit grey
    grey = open_rendition(media_root, f"{deep.sha256}-50.jpg").getpixel((25, 15))
    assert all(150 <= c <= 162 for c in grey)  # 40000/65535 of white, not clipped to white


# ---------------------------------------------------------------- refused, with nothing stored


def test_truncated_jpeg_is_refused(ctx, media_root):
    data = photo((300, 200))
    assert_refused(data[: len(data) // 2], 422, services.DAMAGED, media_root)


def test_jpeg_with_garbage_inside_is_refused(ctx, media_root):
    data = photo((300, 200))
    assert_refused(data[:2] + b"\xff\xc0\x00\x02" + b"\x13" * 200 + data[2:], 422, services.DAMAGED, media_root)


def test_jpeg_decoding_error_is_refused(ctx, media_root):
    # A well-formed container whose frame header is nonsense: only Pillow can tell.
    data = bytearray(photo((300, 200)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = b"\x00\x00\x00\x00"  # zero height and width
    assert_refused(bytes(data), 422, services.DAMAGED, media_root)


def test_png_with_a_broken_checksum_is_refused(ctx, media_root):
    data = bytearray(encode(PILImage.effect_noise((60, 40), 50), "PNG"))
    data[data.index(b"IDAT") + 30] ^= 0xFF  # well-formed chunks, damaged pixels: Pillow's verify() notices
    assert_refused(bytes(data), 422, services.DAMAGED, media_root)


def test_png_that_claims_to_be_jpeg_is_refused(ctx, media_root):
    assert_refused(b"\xff\xd8\xff" + photo((50, 50), fmt="PNG")[3:], 422, services.DAMAGED, media_root)


def test_svg_is_refused(ctx, media_root):
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert_refused(svg, 415, services.NOT_A_PHOTO, media_root)


def test_html_appended_to_a_jpeg_is_refused(ctx, media_root):
    html = b"<html><body><script>alert(document.cookie)</script></body></html>"
    assert_refused(photo((60, 40)) + html, 422, services.HIDDEN_DATA, media_root)


def test_html_after_a_jpeg_header_is_refused(ctx, media_root):
    header = photo((60, 40))[:20]  # SOI and the JFIF segment, then a web page
    assert_refused(header + b"<html><script>alert(1)</script></html>", 422, services.DAMAGED, media_root)


def test_markup_hidden_in_metadata_is_refused(ctx, media_root):
    assert_refused(photo((60, 40), comment=b"<script>alert(1)</script>"), 422, services.HIDDEN_DATA, media_root)
    png = PILImage.new("RGB", (20, 20))
    from PIL.PngImagePlugin import PngInfo
    info = PngInfo()
    info.add_text("Comment", "<svg onload=alert(1)>")
    assert_refused(encode(png, "PNG", pnginfo=info), 422, services.HIDDEN_DATA, media_root)


def test_html_behind_a_fake_motion_photo_is_refused(ctx, media_root):
    trailer = b"\x00\x00\x00\x18ftypmp42<html><script>alert(1)</script>"
    assert_refused(photo((60, 40)) + trailer, 422, services.HIDDEN_DATA, media_root)


def test_data_after_png_end_is_refused(ctx, media_root):
    assert_refused(photo((20, 20), fmt="PNG") + b"PK\x03\x04" + b"x" * 200, 422, services.HIDDEN_DATA, media_root)


def test_60_megapixel_png_is_refused_before_decoding(ctx, media_root, monkeypatch):
    data = png_header_only(10_000, 6_000)
    assert len(data) < 20_000

    def no_decoding(im):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    assert_refused(data, 422, services.TOO_MANY_PIXELS, media_root)


def test_beyond_pillows_own_bomb_limit_is_refused_too(ctx, media_root):
    # Pillow itself warns above 89.5 MP; that warning must end the upload, not scroll past in a log.
    assert_refused(png_header_only(12_000, 8_000), 422, services.TOO_MANY_PIXELS, media_root)


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "ICO", "PDF"])
def test_other_image_formats_are_refused(ctx, media_root, fmt):
    assert_refused(photo((32, 32), fmt=fmt), 415, services.NOT_A_PHOTO, media_root)


def test_empty_file_is_refused(ctx, media_root):
    assert_refused(b"", 415, services.NOT_A_PHOTO, media_root)


def test_truncated_webp_is_refused(ctx, media_root):
    data = photo((200, 100), fmt="WEBP")
    assert_refused(data[:-40], 422, services.DAMAGED, media_root)


def test_over_15_mb_is_refused_by_store_image(ctx, media_root):
    assert_refused(photo((20, 20)) + b"\x00" * (15 * MB), 413, services.TOO_BIG, media_root)


def test_read_upload_stops_reading_past_the_limit(ctx):
    class Counting(BytesIO):
        taken = 0

        def read(self, size=-1):
            chunk = super().read(size)
            Counting.taken += len(chunk)
            return chunk

    with pytest.raises(ImageRejected) as info:
        read_upload(FileStorage(Counting(b"\x00" * (20 * MB)), filename="big.jpg"))
    assert (info.value.status, info.value.message) == (413, services.TOO_BIG)
    assert Counting.taken == 15 * MB + 1
    assert read_upload(FileStorage(BytesIO(b"abc"))) == b"abc"


@pytest.fixture
def upload_app(tmp_path):
    """A bare app with Haat's request limits and a route that uses read_upload like the upload views do."""
    small = Flask(__name__)
    Babel(small)
    config = load_config(tmp_path, {"SECRET_KEY": "x"})
    small.config.update(MAX_CONTENT_LENGTH=config["MAX_CONTENT_LENGTH"], MAX_UPLOAD_BYTES=config["MAX_UPLOAD_BYTES"])

    @small.post("/upload")
    def upload():
        return str(len(read_upload(request.files["photo"])))

    small.register_error_handler(ImageRejected, lambda e: (str(e.message), e.status))
    return small


def test_20_mb_request_gets_413_before_its_body_is_read(upload_app):
    class Watched(BytesIO):
        taken = 0

        def read(self, size=-1):
            chunk = super().read(size)
            Watched.taken += len(chunk)
            return chunk

    body = Watched(b"\x00" * (20 * MB))
    response = upload_app.test_client().post("/upload", input_stream=body, content_length=20 * MB,
                                             content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413
    assert Watched.taken == 0


def multipart(content: bytes) -> bytes:
    """A one-file form body, built here: the test client's own builder leaves a temporary file open."""
    head = b'--x\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n\r\n'
    return head + content + b"\r\n--x--\r\n"


def test_upload_between_the_two_limits_gets_413_from_read_upload(upload_app):
    client = upload_app.test_client()
    form = "multipart/form-data; boundary=x"
    response = client.post("/upload", data=multipart(b"\x00" * (15 * MB + 500_000)), content_type=form)
    assert response.status_code == 413
    assert "15 MB" in response.get_data(as_text=True)
    assert client.post("/upload", data=multipart(b"12345"), content_type=form).get_data(as_text=True) == "5"


def test_messages_are_in_hindi_for_hindi_users(app):
    with app.test_request_context("/?lang=hi"):
        text = str(services.NOT_A_PHOTO)
    assert text != "This file is not a photo. Please choose a JPEG, PNG or WebP picture."
    assert any("\u0900" <= ch <= "\u097f" for ch in text)


# ---------------------------------------------------------------- storage


@pytest.mark.parametrize("key", ["../x.jpg", "..", "a/../../b", "/etc/passwd", "a/b.jpg", "a\\b.jpg",
                                 ".hidden", "a\x00b", "", "x..jpg"])
def test_storage_refuses_keys_that_could_escape(tmp_path, key):
    storage = LocalStorage(tmp_path / "root")
    for call in (lambda: storage.put(key, b"x", "image/jpeg"), lambda: storage.open(key),
                 lambda: storage.exists(key), lambda: storage.delete(key)):
        with pytest.raises(InvalidKey):
            call()
    assert not (tmp_path / "root").exists() and not (tmp_path / "x.jpg").exists()


def test_local_storage_round_trip(tmp_path):
    storage = LocalStorage(tmp_path)
    key = "ab" + "0" * 62 + "-320.webp"
    assert not storage.exists(key)
    storage.put(key, b"one", "image/webp")
    storage.put(key, b"two", "image/webp")
    with storage.open(key) as fh:
        assert fh.read() == b"two"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [key]  # no temporary files left
    storage.delete(key)
    storage.delete(key)
    assert not storage.exists(key)
    with pytest.raises(FileNotFoundError):
        storage.open(key)


# ---------------------------------------------------------------- serving


def test_renditions_are_served_with_long_cache_headers(ctx, client):
    image = store_image(photo((700, 500)))
    db.session.commit()
    for fmt, content_type in (("webp", "image/webp"), ("jpg", "image/jpeg")):
        with client.get(services.image_url(image, 640, fmt)) as response:
            assert response.status_code == 200
            assert response.content_type == content_type
            assert PILImage.open(BytesIO(response.data)).size == (640, 457)
            cache = response.cache_control
            assert cache.public and cache.immutable and cache.max_age == 31536000
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            etag = response.headers["ETag"]
        with client.get(services.image_url(image, 640, fmt), headers={"If-None-Match": etag}) as again:
            assert again.status_code == 304


def test_unknown_or_malformed_keys_are_404(ctx, client, media_root):
    sha = "a" * 64
    (media_root / "aa").mkdir(parents=True)
    (media_root / "aa" / f"{sha}-640.png").write_bytes(b"x")  # present, but not a rendition name
    for path in (f"/media/{sha}-640.webp", f"/media/{sha}-640.png", f"/media/{sha}-1.jpg",
                 "/media/..%2F..%2Fetc%2Fpasswd", f"/media/{sha.upper()}-640.jpg", "/media/x"):
        assert client.get(path).status_code == 404, path


def test_picture_macro(app, ctx):
    image = store_image(photo((700, 500)))
    template = ('{% from "media/_picture.html" import picture %}'
                '{{ picture(image, "Haldi <pack>", eager=eager, class_="hero") }}')
    with app.test_request_context("/"):
        lazy = render_template_string(template, image=image, eager=False)
        eager = render_template_string(template, image=image, eager=True)
        empty = render_template_string(template, image=None, eager=False)
    assert '<source type="image/webp"' in lazy and "-320.webp 320w" in lazy and "-640.jpg 640w" in lazy
    assert f'src="/media/{image.sha256}-640.jpg"' in lazy
    assert 'width="700" height="500"' in lazy and 'alt="Haldi &lt;pack&gt;"' in lazy
    assert 'loading="lazy"' in lazy and "fetchpriority" not in lazy
    assert 'loading="eager" fetchpriority="high"' in eager
    assert "<img" not in empty and "/media/" not in empty and "Haldi &lt;pack&gt;" in empty

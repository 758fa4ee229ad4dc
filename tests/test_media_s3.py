"""Media on an S3-compatible object store: moto's real S3 protocol server on a free loopback port (never a
mock of boto3). Write, read, delete, content types and cache headers, serving through the app, and renditions
served straight from the store's URL."""

import logging
import urllib.error
import urllib.request
from io import BytesIO

import pytest
from PIL import Image as PILImage

from marketplace.extensions import db
from marketplace.media import services
from marketplace.media.services import store_image
from marketplace.media.storage import IMMUTABLE, InvalidKey, S3Storage, get_storage, s3_client

BUCKET = "haat-media-test"


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto logs every request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(app, s3_server, monkeypatch):
    """The app configured for the store, an empty bucket, and a raw client to look at it."""
    monkeypatch.setitem(app.config, "MEDIA_STORAGE", f"s3://{BUCKET}/media")
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", s3_server)
    monkeypatch.setitem(app.config, "S3_ACCESS_KEY_ID", "testing")
    monkeypatch.setitem(app.config, "S3_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setitem(app.config, "S3_REGION", "us-east-1")
    client = s3_client(s3_server, "us-east-1", "testing", "testing")
    client.create_bucket(Bucket=BUCKET)
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def photo(size=(800, 600), fmt="JPEG") -> bytes:
    buf = BytesIO()
    PILImage.new("RGB", size, (180, 90, 40)).save(buf, fmt)
    return buf.getvalue()


def keys(client) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_write_read_exists_delete(ctx, s3):
    storage = get_storage()
    assert isinstance(storage, S3Storage)
    storage.put("abc-640.webp", b"RIFF....WEBP", "image/webp")
    assert keys(s3) == ["media/abc-640.webp"]
    assert storage.exists("abc-640.webp") and not storage.exists("abd-640.webp")
    with storage.open("abc-640.webp") as fh:
        assert fh.read() == b"RIFF....WEBP"
    head = s3.head_object(Bucket=BUCKET, Key="media/abc-640.webp")
    assert (head["ContentType"], head["CacheControl"]) == ("image/webp", IMMUTABLE)
    storage.delete("abc-640.webp")
    assert keys(s3) == [] and not storage.exists("abc-640.webp")
    with pytest.raises(FileNotFoundError):
        storage.open("abc-640.webp")
    for bad in ("../secret", "a/b", ".hidden", ""):
        with pytest.raises(InvalidKey):
            storage.put(bad, b"x", "image/webp")


def test_an_upload_keeps_its_original_and_every_rendition_with_content_types(ctx, s3):
    data = photo()
    image = store_image(data)
    db.session.commit()
    expected = sorted([f"media/{k}" for k in services.rendition_keys(image)] + [f"media/{image.sha256}-original.jpg"])
    assert keys(s3) == expected
    for key in expected:
        head = s3.head_object(Bucket=BUCKET, Key=key)
        assert head["CacheControl"] == IMMUTABLE
        assert head["ContentType"] == ("image/webp" if key.endswith(".webp") else "image/jpeg")
    original = s3.get_object(Bucket=BUCKET, Key=f"media/{image.sha256}-original.jpg")["Body"].read()
    assert original == data
    assert store_image(data).id == image.id  # the same bytes again: nothing new
    assert len(keys(s3)) == len(expected)


def test_the_app_serves_renditions_from_the_store_but_never_originals(ctx, s3, client):
    image = store_image(photo((400, 300)))
    db.session.commit()
    url = services.image_url(image, 320, "jpg")
    assert url.startswith("/media/")
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.mimetype == "image/jpeg"
        assert "immutable" in response.headers["Cache-Control"]
        assert PILImage.open(BytesIO(response.get_data())).size == (320, 240)
    assert client.get(f"/media/{image.sha256}-original.jpg").status_code == 404
    assert client.get(f"/media/{'0' * 64}-320.jpg").status_code == 404


def test_with_a_url_prefix_pages_point_at_the_store_or_cdn(app, ctx, s3, s3_server, monkeypatch):
    image = store_image(photo((400, 300)))
    db.session.commit()
    monkeypatch.setitem(app.config, "MEDIA_URL_PREFIX", f"{s3_server}/{BUCKET}/media/")
    url = services.image_url(image, 320, "webp")
    assert url == f"{s3_server}/{BUCKET}/media/{image.sha256}-320.webp"
    assert services.srcset(image, "jpg").startswith(f"{s3_server}/{BUCKET}/media/{image.sha256}-320.jpg 320w")
    with pytest.raises(urllib.error.HTTPError) as refused:  # a private bucket answers 403, as real S3 does
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 403
    refused.value.close()
    policy = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",'
              f'"Resource":"arn:aws:s3:::{BUCKET}/media/*"}}]}}')
    s3.put_bucket_policy(Bucket=BUCKET, Policy=policy)  # renditions public on purpose, as behind a CDN
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.headers["Content-Type"] == "image/webp"
        assert response.headers["Cache-Control"] == IMMUTABLE
        assert PILImage.open(BytesIO(response.read())).size == (320, 240)
    s3.delete_bucket_policy(Bucket=BUCKET)


def test_a_bad_media_storage_setting_is_refused_clearly(app, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_STORAGE", "ftp://somewhere")
    with pytest.raises(ValueError, match="s3://bucket"):
        get_storage()

"""Where renditions live: a tiny interface; local disk by default, any S3-compatible object store with
MEDIA_STORAGE=s3://bucket[/prefix] (boto3; S3_ENDPOINT_URL, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY).

Keys are flat names such as `<sha256>-640.webp`; a storage decides how to lay them out."""

import os
import re
import tempfile
import threading
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

from flask import current_app

# Keys name their content (a hash), so a stored object never changes: caches may keep it for a year.
IMMUTABLE = "public, max-age=31536000, immutable"

# One path component of safe characters, not starting with a dot: no "..", no "/", no "\", no NUL.
_SAFE_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


class InvalidKey(ValueError):
    """A key that could escape the storage root or is otherwise not a plain file name."""


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def open(self, key: str) -> BinaryIO:
        """A binary stream; raises FileNotFoundError for an unknown key."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...


def check_key(key: str) -> str:
    if not isinstance(key, str) or not _SAFE_KEY.fullmatch(key) or ".." in key:
        raise InvalidKey(key)
    return key


class LocalStorage:
    """Files under `root`, spread over 256 subdirectories by the key's first two characters
    (content hashes), so no directory grows huge."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target, then rename: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    """Objects `<prefix><key>` in one bucket, written with their content type and a one-year immutable
    Cache-Control, so a CDN or the store itself can serve them as the app would."""

    def __init__(self, client, bucket: str, prefix: str = ""):
        self.client, self.bucket = client, bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def object_key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.object_key(key), Body=data, ContentType=content_type,
                               CacheControl=IMMUTABLE)

    def open(self, key: str) -> BinaryIO:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))["Body"]
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(key) from None

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))


_clients: dict[tuple, object] = {}
_clients_lock = threading.Lock()


def s3_client(endpoint_url: str | None, region: str, key_id: str | None, secret: str | None):
    """One boto3 client per process and setting (they are thread-safe, and slow to create)."""
    cache_key = (endpoint_url, region, key_id, secret)
    with _clients_lock:
        if cache_key not in _clients:
            import boto3
            from botocore.config import Config

            config = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"},
                            s3={"addressing_style": "path" if endpoint_url else "auto"})
            _clients[cache_key] = boto3.session.Session().client(
                "s3", endpoint_url=endpoint_url, region_name=region, aws_access_key_id=key_id,
                aws_secret_access_key=secret, config=config)
        return _clients[cache_key]


def storage_from_config(cfg) -> Storage:
    target = cfg.get("MEDIA_STORAGE")
    if not target or target in ("local", "file"):
        return LocalStorage(cfg["MEDIA_ROOT"])
    parts = urlsplit(target)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"MEDIA_STORAGE must be unset (local disk) or s3://bucket[/prefix], not {target!r}")
    client = s3_client(cfg.get("S3_ENDPOINT_URL"), cfg.get("S3_REGION") or "ap-south-1",
                       cfg.get("S3_ACCESS_KEY_ID"), cfg.get("S3_SECRET_ACCESS_KEY"))
    return S3Storage(client, parts.netloc, parts.path)


def get_storage() -> Storage:
    """The storage configured for the current app: MEDIA_STORAGE (s3://…), else MEDIA_ROOT on local disk."""
    return storage_from_config(current_app.config)


def keeps_originals() -> bool:
    """Uploads as received are kept beside the renditions (for re-rendering later) when MEDIA_KEEP_ORIGINALS
    says so; by default on an object store, not on the laptop's disk. They are never served."""
    keep = current_app.config.get("MEDIA_KEEP_ORIGINALS")
    return bool(current_app.config.get("MEDIA_STORAGE")) if keep is None else bool(keep)

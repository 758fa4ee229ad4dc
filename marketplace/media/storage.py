"""Where renditions live: a tiny interface, local disk now, an object store later.

Keys are flat names such as `<sha256>-640.webp`; a storage decides how to lay them out."""

import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

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


def get_storage() -> Storage:
    """The storage configured for the current app (`MEDIA_ROOT`)."""
    return LocalStorage(current_app.config["MEDIA_ROOT"])

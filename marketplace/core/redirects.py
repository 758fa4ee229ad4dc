"""Where to send someone back to: only a path on this site, never another host (no open redirect)."""

from urllib.parse import urlsplit

MAX_LENGTH = 1000


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site ("/checkout?x=1"), else None. Refuses absolute URLs, "//host",
    backslashes (browsers read "/\\host" as "//host") and control characters."""
    if not target or len(target) > MAX_LENGTH or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None

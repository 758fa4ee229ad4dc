"""Serving renditions, and the template helpers `templates/media/_picture.html` uses."""

from flask import Blueprint, abort, send_file

from marketplace.media import services
from marketplace.media.storage import get_storage

bp = Blueprint("media", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.get(services.URL_PREFIX + "<key>")
def file(key: str):
    """A rendition by its content-addressed key: it never changes, so browsers may keep it for a year."""
    match = services.KEY_PATTERN.fullmatch(key)
    if match is None:
        abort(404)
    try:
        stream = get_storage().open(key)
    except FileNotFoundError:
        abort(404)
    response = send_file(stream, mimetype=services.CONTENT_TYPES[match.group(1)], etag=key, max_age=ONE_YEAR)
    response.cache_control.public = True
    response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


bp.add_app_template_global(services.image_url, "media_url")
bp.add_app_template_global(services.srcset, "media_srcset")
bp.add_app_template_global(services.fallback_width, "media_default_width")

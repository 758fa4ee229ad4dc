"""url_for for templates, remembered: a page builds the same few dozen URLs (header, footer, static files,
categories) on every request, ~25 µs each through the URL map; a site path never changes while the process
runs, so each is built once per process and script root."""

from functools import lru_cache

from flask import Flask, current_app, has_request_context, request, url_for

_SIMPLE = (str, int)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["url_for"] = remembered_url_for


def remembered_url_for(endpoint: str, **values) -> str:
    """Flask's url_for; relative URLs with plain str/int arguments are remembered. Anything else (an external
    URL, an anchor, a blueprint-relative endpoint, other kinds of value) is built every time."""
    if (endpoint.startswith(".") or not has_request_context()
            or not all(type(v) in _SIMPLE and not k.startswith("_") for k, v in values.items())):
        return url_for(endpoint, **values)
    return _built(id(current_app.url_map), request.script_root, endpoint, tuple(sorted(values.items())))


@lru_cache(maxsize=4096)
def _built(_url_map: int, _script_root: str, endpoint: str, values: tuple) -> str:
    return url_for(endpoint, **dict(values))

"""Security headers on every response: a Content-Security-Policy with no inline script, no framing, no
MIME sniffing, a careful Referer, and HSTS when the site runs on HTTPS (SESSION_COOKIE_SECURE=1).

The policy is built once per app from configuration: the card form loads Stripe.js (real Stripe, or
localstripe at STRIPE_API_BASE in development and tests), so exactly those origins are allowed for scripts,
connections and frames. Media on another origin (a CDN / S3 bucket) goes in CSP_IMG_SRC (space-separated).
"""

from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.middleware.proxy_fix import ProxyFix

# Real Stripe.js: https://docs.stripe.com/security/guide#content-security-policy
_STRIPE = {"script": ("https://js.stripe.com",), "connect": ("https://api.stripe.com",),
           "frame": ("https://js.stripe.com", "https://hooks.stripe.com")}


def _origin(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def stripe_origins(config) -> dict[str, tuple[str, ...]]:
    """What the card form really loads, by the same rule payments.gateway uses to pick a gateway."""
    if config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_PUBLISHABLE_KEY"):
        return _STRIPE
    local = _origin(config.get("STRIPE_API_BASE"))
    if local:  # localstripe serves its stand-in Stripe.js and answers its fetch() calls itself
        return {"script": (local,), "connect": (local,), "frame": (local,)}
    return {"script": (), "connect": (), "frame": ()}


def content_security_policy(config) -> str:
    stripe = stripe_origins(config)
    extra_img = tuple((config.get("CSP_IMG_SRC") or "").split())
    directives = {
        "default-src": ("'self'",),
        "script-src": ("'self'", *stripe["script"]),  # never 'unsafe-inline': scripts are files in static/js
        "connect-src": ("'self'", *stripe["connect"]),
        "frame-src": stripe["frame"] or ("'none'",),
        "img-src": ("'self'", "data:", *extra_img),
        # Haat's own pages need no inline style (charts are <img> data: URIs, icons use SVG attributes), but
        # 'unsafe-inline' stays until the real Stripe.js is tried without it, which this machine cannot do.
        # Style cannot run code.
        "style-src": ("'self'", "'unsafe-inline'"),
        "font-src": ("'self'",),
        "object-src": ("'none'",),
        "base-uri": ("'self'",),
        "form-action": ("'self'",),
        "frame-ancestors": ("'none'",),  # checkout and seller pages must never sit in someone's frame
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def _headers(app: Flask) -> dict[str, str]:
    """The headers for this app's current configuration (STRIPE_API_BASE may be set after create_app, as the
    development server does), cached per configuration."""
    cfg = app.config
    key = (cfg.get("STRIPE_SECRET_KEY"), cfg.get("STRIPE_PUBLISHABLE_KEY"), cfg.get("STRIPE_API_BASE"),
           cfg.get("CSP_IMG_SRC"), cfg.get("SESSION_COOKIE_SECURE"))
    cached = app.extensions.get("haat_security_headers")
    if cached and cached[0] == key:
        return cached[1]
    headers = {
        "Content-Security-Policy": content_security_policy(cfg),
        "X-Frame-Options": "DENY",  # for browsers older than frame-ancestors
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=(self)",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if cfg.get("SESSION_COOKIE_SECURE"):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    app.extensions["haat_security_headers"] = (key, headers)
    return headers


def add_security_headers(response):
    for name, value in _headers(current_app._get_current_object()).items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    # Cookies that carry a login are Secure exactly when the session cookie is.
    secure = bool(app.config.get("SESSION_COOKIE_SECURE"))
    app.config["REMEMBER_COOKIE_SECURE"] = secure
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.after_request(add_security_headers)
    # Behind N reverse proxies, the client's address is in X-Forwarded-For: without this every visitor would
    # share the proxy's address, and the per-address login throttle would become one throttle for everybody.
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)

"""Security headers (issue 9 #8): every HTML page carries the CSP and friends, whoever asks for it; the CSP
never allows inline script and allows exactly the Stripe origins that checkout loads; HSTS and Secure
remember-me cookies when the site runs on HTTPS; templates hold no inline script for the CSP to block."""

import re
from pathlib import Path

import pytest
from werkzeug.routing import IntegerConverter

from marketplace import create_app
from marketplace.accounts.models import Role
from marketplace.config import PROJECT_ROOT
from marketplace.core.security import content_security_policy

from . import factories
from .conftest import login
from .e2e import shop as shopping


def _directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def _check_headers(response, where: str) -> None:
    headers = response.headers
    policy = headers.get("Content-Security-Policy")
    assert policy, f"{where}: no Content-Security-Policy"
    directives = _directives(policy)
    assert "'unsafe-inline'" not in directives["script-src"], where
    assert "'unsafe-eval'" not in directives["script-src"], where
    assert "*" not in " ".join(directives["script-src"]), where
    assert directives["frame-ancestors"] == ["'none'"], where
    assert directives["object-src"] == ["'none'"], where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", where


def _example_path(rule, values: dict) -> str:
    args = {}
    for name in rule.arguments - set(rule.defaults or ()):  # a default (/new: category_id=None) is fixed
        converter = rule._converters[name]
        choices = sorted(getattr(converter, "items", None) or ["x"])  # any(…) converters: one of theirs
        example = 1 if isinstance(converter, IntegerConverter) else choices[0]
        args[name] = values.get(name, example)
    return rule.build(args, append_unknown=False)[1]


def _get_routes(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static":
            yield rule


@pytest.mark.parametrize("who", ["visitor", Role.CUSTOMER, Role.ADMIN])
def test_every_html_route_carries_the_security_headers(app, client, geo, who):
    shop = shopping.build(geo, customer_login="9811000001")
    values = {"slug": shop.products[0].slug, "product_id": shop.products[0].id, "seller_id": shop.sellers[0].id}
    if who == Role.CUSTOMER:
        assert login(client, "9811000001").status_code == 302
    elif who == Role.ADMIN:
        admin = factories.user(Role.ADMIN)
        assert login(client, admin.mobile).status_code == 302
    html_pages, ok_pages = 0, 0
    for rule in _get_routes(app):
        path = _example_path(rule, values)
        with client.get(path) as response:  # closed: a file (the favicon) is not left open
            _check_headers(response, f"{rule.endpoint} {path} ({response.status_code})")  # every response
            if response.mimetype == "text/html":
                html_pages += 1
                ok_pages += response.status_code == 200
    assert html_pages > 30
    print(who, html_pages, ok_pages)
    assert ok_pages > {"visitor": 5, Role.CUSTOMER: 8, Role.ADMIN: 20}[who]  # real pages, not only error pages


def test_error_pages_and_static_files_carry_them_too(client):
    _check_headers(client.get("/no/such/page"), "404")
    with client.get("/static/css/haat.css") as response:
        _check_headers(response, "static")


def test_checkout_may_load_exactly_the_configured_stripe(app):
    local = _directives(content_security_policy({"STRIPE_API_BASE": "http://127.0.0.1:8420"}))
    assert local["script-src"] == ["'self'", "http://127.0.0.1:8420"]
    assert local["connect-src"] == ["'self'", "http://127.0.0.1:8420"]
    real = _directives(content_security_policy({"STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_PUBLISHABLE_KEY": "pk",
                                                 "STRIPE_API_BASE": "http://127.0.0.1:8420"}))
    assert real["script-src"] == ["'self'", "https://js.stripe.com"]
    assert "http://127.0.0.1:8420" not in str(real)
    assert "https://api.stripe.com" in real["connect-src"]
    none = _directives(content_security_policy({}))
    assert none["script-src"] == ["'self'"] and none["frame-src"] == ["'none'"]
    extra = _directives(content_security_policy({"CSP_IMG_SRC": "https://media.haat.example"}))
    assert "https://media.haat.example" in extra["img-src"]


def test_the_served_policy_follows_a_stripe_base_set_after_start(app, client):
    before = client.get("/").headers["Content-Security-Policy"]
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:8421"  # what the development server does
    try:
        after = client.get("/").headers["Content-Security-Policy"]
    finally:
        app.config.pop("STRIPE_API_BASE")
    assert "http://127.0.0.1:8421" in _directives(after)["script-src"]
    assert "http://127.0.0.1:8421" not in before


def _https_app(tmp_path, secure: bool):
    return create_app({"TESTING": True, "SECRET_KEY": "x", "SESSION_COOKIE_SECURE": secure,
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'h.sqlite3'}",
                       "MEDIA_ROOT": str(tmp_path / "m"), "SEARCH_INDEX_DIR": str(tmp_path / "s")})


def test_hsts_and_secure_remember_cookie_only_on_https(tmp_path):
    secure = _https_app(tmp_path, True)
    assert secure.config["REMEMBER_COOKIE_SECURE"] is True
    with secure.test_client().get("/no/such/page") as response:
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    plain = _https_app(tmp_path, False)
    assert plain.config["REMEMBER_COOKIE_SECURE"] is False
    with plain.test_client().get("/no/such/page") as response:
        assert "Strict-Transport-Security" not in response.headers


def test_session_cookie_secure_env_makes_remember_me_secure(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e.sqlite3'}"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/ld\+json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<[^>]+\son[a-z]+\s*=", re.I), "on* handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_templates_hold_no_inline_script():
    found = []
    for path in sorted(Path(PROJECT_ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            found += [f"{path.relative_to(PROJECT_ROOT)}: {what}: {m.group(0)[:60]}" for m in pattern.finditer(text)]
    assert found == []


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(tmp_path):
    from flask import request

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "TRUSTED_PROXIES": 1,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}"})
    app.add_url_rule("/ip", "ip", lambda: request.remote_addr or "")
    client = app.test_client()
    seen = client.get("/ip", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert seen.get_data(as_text=True) == "203.0.113.7"
    plain = _https_app(tmp_path, False)
    plain.add_url_rule("/ip", "ip", lambda: request.remote_addr or "")
    seen = plain.test_client().get("/ip", headers={"X-Forwarded-For": "203.0.113.7"},
                                   environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert seen.get_data(as_text=True) == "10.0.0.1"  # not trusted unless configured

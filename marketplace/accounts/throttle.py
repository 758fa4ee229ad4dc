"""Login throttling that a stranger cannot turn against a real user.

Failed password logins are counted per login name and per IP address (password spraying tries one password
on many names from one address). Past either limit, a password login is refused WITHOUT checking the
password — unless it comes from a device this user logged in on before (a signed, long-lived cookie set at
every successful login, bound to the user's current password), or uses a one-time code (codes.py), which has
limits of its own. So someone hammering a user's number from elsewhere locks out only their own guesses.

Counters live in the rate limiter's storage (memory, or Redis with REDIS_URL, shared by every process).
"""

import hashlib
import hmac
import ipaddress

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse_many

from marketplace.accounts.services import AccountError, parse_login
from marketplace.extensions import limiter

DEVICE_COOKIE = "haat_device"
DEVICES_PER_COOKIE = 5  # a family phone shared by a few members


def _limits(name: str):
    return parse_many(current_app.config[name])


def _key(kind: str, value: str) -> str:
    return f"login-fail:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def _name(login: str) -> str:
    """One key per account name however it is spelt (98110 00001, +91-9811000001…): otherwise each spelling
    would get its own allowance."""
    try:
        kind, value = parse_login(login)
    except AccountError:
        return "raw:" + " ".join((login or "").lower().split())
    return f"{kind}:{value}"


def _address() -> str:
    """The client's address; for IPv6 its /64, which one subscriber usually holds whole."""
    addr = request.remote_addr or ""
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return addr
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


def throttled(login: str) -> bool:
    """True while this login name or this address has failed too often."""
    checks = [(lim, _key("name", _name(login))) for lim in _limits("LOGIN_FAILURES_PER_NAME")]
    checks += [(lim, _key("ip", _address())) for lim in _limits("LOGIN_FAILURES_PER_IP")]
    return any(not limiter.limiter.test(lim, key) for lim, key in checks)


def record_failure(login: str) -> None:
    for lim in _limits("LOGIN_FAILURES_PER_NAME"):
        limiter.limiter.hit(lim, _key("name", _name(login)))
    for lim in _limits("LOGIN_FAILURES_PER_IP"):
        limiter.limiter.hit(lim, _key("ip", _address()))


def forget_failures(login: str) -> None:
    """After a good login the name starts afresh (the address keeps its count: spraying goes on elsewhere)."""
    for lim in _limits("LOGIN_FAILURES_PER_NAME"):
        limiter.limiter.clear(lim, _key("name", _name(login)))


# ---------------------------------------------------------------- recent devices

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="haat-device")


def _tag(user) -> str:
    """Ties the cookie to the current password: a new password forgets every device."""
    return hmac.new(current_app.secret_key.encode(), user.password_hash.encode(), "sha256").hexdigest()[:16]


def _entries() -> list[list]:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return []
    try:
        entries = _serializer().loads(raw, max_age=current_app.config["DEVICE_COOKIE_DAYS"] * 86400)
    except BadSignature:  # includes SignatureExpired
        return []
    return [e for e in entries if isinstance(e, list) and len(e) == 2][:DEVICES_PER_COOKIE] \
        if isinstance(entries, list) else []


def known_device(user) -> bool:
    """True if this browser carries a device cookie from a good login of `user` with their current password."""
    if user is None:
        return False
    tag = _tag(user)
    return any(uid == user.id and hmac.compare_digest(str(t), tag) for uid, t in _entries())


def remember_device(response, user) -> None:
    entries = [[user.id, _tag(user)]] + [e for e in _entries() if e[0] != user.id]
    cfg = current_app.config
    response.set_cookie(DEVICE_COOKIE, _serializer().dumps(entries[:DEVICES_PER_COOKIE]),
                        max_age=cfg["DEVICE_COOKIE_DAYS"] * 86400, httponly=True, samesite="Lax",
                        secure=bool(cfg.get("SESSION_COOKIE_SECURE")))

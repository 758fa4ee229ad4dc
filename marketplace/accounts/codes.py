"""One-time codes: log in without a password, and so set a forgotten one again (issue 13 #8).

A code goes by SMS to a mobile login and by e-mail to an e-mail login, through the notifications outbox. It
is six digits, kept only as an HMAC (keyed with SECRET_KEY), expires after LOGIN_CODE_MINUTES, dies after
MAX_TRIES wrong guesses, and works once (a guarded UPDATE … WHERE used_at IS NULL). A new code does not void
the older ones (a stranger asking for codes must not spoil the one the user is typing); the first good code
retires them all. Whether or not the name has an account, a request writes one row and gets the same
answer, so neither the page nor its timing tells who has an account. Requests are limited per name here and
per address by the view's rate limit.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from marketplace.accounts.models import LoginCode, User
from marketplace.accounts.services import AccountError, find_user, parse_login
from marketplace.core.types import utcnow
from marketplace.extensions import db

MAX_TRIES = 5
CODE_DIGITS = 6
WINDOW = timedelta(minutes=15)  # requests per name are counted over this window
KEEP = timedelta(days=1)  # rows older than this are deleted


class CodeError(AccountError):
    pass


def _digest(*parts: str) -> str:
    key = current_app.secret_key.encode()
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def login_digest(login: str) -> str:
    kind, value = parse_login(login)
    return _digest("login", kind, value)


def _code_hash(digest: str, code: str) -> str:
    return _digest("code", digest, code)


def _new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def request_code(login: str) -> None:
    """Send a code to `login` if it has an account; the same work and answer if not. Raises AccountError for
    a malformed login, CodeError (429) when this name asked too often."""
    digest = login_digest(login)  # AccountError for a malformed number / address: says nothing of accounts
    now = utcnow()
    recent = db.session.scalar(select(func.count(LoginCode.id)).where(
        LoginCode.login_digest == digest, LoginCode.created_at > now - WINDOW))
    if recent >= current_app.config["LOGIN_CODES_PER_NAME"]:
        raise CodeError(_l("Too many codes were asked for this number or e-mail. Please wait 15 minutes and "
                           "use the last code you received."), status=429)
    user = find_user(login)
    if user is not None and not user.is_active:
        user = None
    code = _new_code()
    # Old rows are of no use once past the counting window and expired: tidy a few on every request.
    stale = select(LoginCode.id).where(LoginCode.created_at < now - KEEP).limit(50).scalar_subquery()
    db.session.execute(delete(LoginCode).where(LoginCode.id.in_(stale)))
    # Older codes keep working until they expire: a stranger asking for codes must not void the one the user
    # is typing. The first good code retires the rest.
    db.session.add(LoginCode(user_id=user.id if user else None, login_digest=digest,
                             code_hash=_code_hash(digest, code), created_at=now,
                             expires_at=now + timedelta(minutes=current_app.config["LOGIN_CODE_MINUTES"])))
    _send(user, login, code)
    db.session.commit()


def _send(user: User | None, login: str, code: str) -> None:
    """Queue the code; with no account, write the same message and drop it, so both take as long."""
    from marketplace.notifications import services as notifications  # notifications sits above accounts
    from marketplace.notifications.models import Channel

    kind, value = parse_login(login)
    channel = Channel.EMAIL if kind == "email" else Channel.SMS
    name, locale = (user.name, user.locale) if user is not None else ("", None)
    recipient = notifications.Recipient(name, locale or notifications.DEFAULT_LOCALE, ((channel, value),),
                                        user.id if user is not None else None)
    messages = notifications.notify(recipient, "login_code", code=code,
                                    minutes=current_app.config["LOGIN_CODE_MINUTES"])
    if user is None:
        for message in messages:
            db.session.expunge(message)


def use_code(login: str, code: str) -> User:
    """The user whose live code this is; the code is spent and the user's other codes retired. Raises CodeError
    with one message whatever went wrong (no account, no code, wrong, expired, used up).

    A guess is checked against every live code of the name (at most LOGIN_CODES_PER_NAME) and counts as a try
    on each, so a name never gets more than MAX_TRIES guesses per window, however many codes it asked for."""
    wrong = CodeError(_l("That code is not right or has expired. Ask for a new code."), field="code", status=401)
    code = "".join((code or "").split())
    try:
        digest = login_digest(login)
    except AccountError:
        raise wrong from None
    now = utcnow()
    candidate = _code_hash(digest, code)
    rows = list(db.session.execute(select(LoginCode.id, LoginCode.code_hash, LoginCode.user_id).where(
        LoginCode.login_digest == digest, LoginCode.user_id.is_not(None), LoginCode.used_at.is_(None),
        LoginCode.expires_at > now, LoginCode.attempts < MAX_TRIES).order_by(LoginCode.id.desc())
        .limit(current_app.config["LOGIN_CODES_PER_NAME"])))
    if not rows:
        hmac.compare_digest(candidate, _code_hash(digest, "0" * CODE_DIGITS))  # the same work
        raise wrong
    match = None
    for row in rows:  # count the try first (guarded: parallel guesses cannot pass MAX_TRIES), then compare
        counted = db.session.execute(update(LoginCode).where(
            LoginCode.id == row.id, LoginCode.attempts < MAX_TRIES, LoginCode.used_at.is_(None))
            .values(attempts=LoginCode.attempts + 1).execution_options(synchronize_session=False)).rowcount
        if counted == 1 and hmac.compare_digest(row.code_hash, candidate):
            match = row
    db.session.commit()
    if match is None:
        raise wrong
    spent = db.session.execute(update(LoginCode).where(LoginCode.id == match.id, LoginCode.used_at.is_(None))
                               .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    user = db.session.get(User, match.user_id)
    if spent != 1 or user is None or not user.is_active:
        db.session.rollback()
        raise wrong
    db.session.execute(update(LoginCode).where(LoginCode.login_digest == digest, LoginCode.used_at.is_(None))
                       .values(used_at=now).execution_options(synchronize_session=False))
    user.last_login_at = now
    db.session.commit()
    return user

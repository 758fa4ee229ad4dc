"""Sign-up, login and passwords. Services raise AccountError with a message already in the user's language."""

import re
from collections.abc import Callable
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.accounts.models import OfficialLevel, Role, User
from marketplace.config import PROJECT_ROOT
from marketplace.core.errors import DomainError
from marketplace.core.params import MAX_ID
from marketplace.core.types import utcnow
from marketplace.extensions import db

MIN_PASSWORD = 8
_MOBILE = re.compile(r"^(?:\+?91|0)?([6-9]\d{9})$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[A-Za-z]{2,}$")


class AccountError(DomainError):
    pass


def normalise_mobile(text: str) -> str:
    """An Indian mobile number in any usual spelling -> E.164 (+91XXXXXXXXXX). Raises AccountError."""
    digits = re.sub(r"[\s\-()]", "", text or "")
    match = _MOBILE.match(digits)
    if not match:
        raise AccountError(_l("Enter a 10-digit Indian mobile number starting with 6, 7, 8 or 9."))
    return "+91" + match.group(1)


def parse_login(text: str) -> tuple[str, str]:
    """('email', 'a@b.in') or ('mobile', '+91...'). Raises AccountError."""
    text = (text or "").strip()
    if "@" in text:
        if len(text) > 254 or not _EMAIL.match(text):
            raise AccountError(_l("Enter a valid e-mail address."))
        return "email", text.lower()
    return "mobile", normalise_mobile(text)


def find_user(login: str) -> User | None:
    try:
        kind, value = parse_login(login)
    except AccountError:
        return None
    column = User.email if kind == "email" else User.mobile
    return db.session.scalar(select(User).where(column == value))


def create_user(name: str, login: str, password: str, role: str = Role.CUSTOMER, *, locale: str | None = None,
                official_level: str | None = None, scope_id: int | None = None, commit: bool = True) -> User:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise AccountError(_l("Enter a name of at most 120 characters."))
    check_password_strength(password)
    kind, value = parse_login(login)
    column = User.email if kind == "email" else User.mobile
    if db.session.scalar(select(User.id).where(column == value)) is not None:
        raise AccountError(_l("An account with this mobile number or e-mail already exists. Please log in."))
    user = User(name=name, role=role, locale=locale, **{kind: value})
    user.set_password(password)
    if role == Role.OFFICIAL:
        _set_official_scope(user, official_level, scope_id)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as exc:  # a concurrent sign-up with the same number
        db.session.rollback()
        raise AccountError(_l("An account with this mobile number or e-mail already exists. Please log in.")) from exc
    if commit:
        db.session.commit()
    return user


def _set_official_scope(user: User, level: str | None, scope_id: int | None) -> None:
    if level not in tuple(OfficialLevel) or scope_id is None:
        raise AccountError(_l("An official needs a block, district or state scope."))
    user.official_level = level
    setattr(user, f"scope_{level}_id", scope_id)


@cache
def common_passwords() -> frozenset[str]:
    """data/common-passwords.txt: the 10,000 most common passwords (see the file's header for its source)."""
    lines = (PROJECT_ROOT / "data" / "common-passwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(_l("Use a password of at least %(n)d characters.", n=MIN_PASSWORD), field="password")
    if len(password) > 200:
        raise AccountError(_l("That password is too long."), field="password")
    if password.strip().lower() in common_passwords():
        raise AccountError(_l("This password is one of the most common ones, which others guess first. Please "
                              "choose another, for example three words you will remember."), field="password")


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not anybody's password", method=method)


def authenticate(login: str, password: str) -> User | None:
    """The user, or None. Takes as long for a name with no account: a dummy hash is checked instead."""
    user = find_user(login)
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password or "")
        return None
    if not user.check_password(password or "") or not user.is_active:
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current or ""):
        raise AccountError(_l("Your current password is not right."), field="current")
    check_password_strength(new)
    user.set_password(new)
    db.session.commit()


def set_new_password(user: User, new: str) -> None:
    """After a one-time-code login: a new password without the forgotten one."""
    check_password_strength(new)
    user.set_password(new)
    db.session.commit()


def user_loader(with_user: Callable | None = None, then: Callable | None = None) -> Callable:
    """Flask-Login's loader, run on every logged-in request: a statement built once costs ~40% less than
    session.get (nothing is in the session's identity map at the start of a request anyway). `with_user(User.id)`
    is a column read in the same statement, handed to `then(user, value)`: the app factory wires the cart's
    count here (one round trip instead of two), as accounts sits below the cart and knows nothing of it."""
    stmt = select(User, *([with_user(User.id)] if with_user else [])).where(User.id == bindparam("user_id"))

    def load_user(user_id: str) -> User | None:
        if not user_id.isdigit() or int(user_id) > MAX_ID:
            return None
        found = db.session.execute(stmt, {"user_id": int(user_id)}).first()
        if found is None:
            return None
        if then is not None:
            then(found[0], found[1])
        return found[0]

    return load_user


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)

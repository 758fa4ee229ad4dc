import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from marketplace.accounts import codes, services, throttle
from marketplace.accounts.access import login_required
from marketplace.accounts.forms import (
    CodeLoginForm,
    CodeRequestForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    SignupForm,
)
from marketplace.core.redirects import local_path
from marketplace.extensions import limiter

bp = Blueprint("accounts", __name__)


def _safe_next(default: str) -> str:
    return local_path(request.args.get("next")) or default


def _form_page(template: str, form, status: int, **context):
    """Login and sign-up carry the page to return to, and a mobile or e-mail keypad (?by=email)."""
    return render_template(template, form=form, next_path=local_path(request.args.get("next")),
                           by_email=request.args.get("by") == "email", **context), status


@bp.app_template_global()
def return_to() -> str | None:
    """The page to come back to after logging in from the header: this one (not the login pages themselves)."""
    if request.method != "GET" or request.blueprint == "accounts" or request.path in ("/", ""):
        return None
    return local_path(request.full_path.rstrip("?"))


def _login_key() -> str:
    return f"{request.remote_addr}|{(request.form.get('login') or '').strip().lower()}"


def _address_key() -> str:
    return f"code|{request.remote_addr}"


CODE_LOGIN_SECONDS = 15 * 60  # how long after a code login a new password may be set without the old one


def _logged_in(user, remember: bool = False):
    """Log in, remember this device for the throttle, and go where the visitor was heading."""
    login_user(user, remember=remember)
    response = redirect(_safe_next(url_for("dashboards.home")))
    throttle.remember_device(response, user)
    return response


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(_safe_next(url_for("dashboards.home")))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.name.data, form.login.data, form.password.data,
                                        locale=str(request.cookies.get("lang") or "") or None)
        except services.AccountError as exc:
            (form.password if exc.field == "password" else form.login).errors.append(str(exc))
        else:
            flash(_("Welcome to Haat, %(name)s!", name=user.name), "success")
            return _logged_in(user)
    return _form_page("accounts/signup.html", form, 422 if form.errors else 200)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=_login_key)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(url_for("dashboards.home")))
    form = LoginForm()
    throttled = False
    if form.validate_on_submit():
        name = form.login.data
        # Too many failures for this name or from this address: only this user's own recent device may still
        # try a password (the password is not even checked otherwise); a one-time code always works.
        if throttle.throttled(name) and not throttle.known_device(services.find_user(name)):
            throttled = True
            form.password.errors.append(_("Too many wrong tries. Log in with a one-time code sent to your phone "
                                          "or e-mail, or try again in 15 minutes."))
        else:
            user = services.authenticate(name, form.password.data)
            if user is None:
                throttle.record_failure(name)
                form.password.errors.append(_("Wrong mobile number / e-mail or password."))
            else:
                throttle.forget_failures(name)
                return _logged_in(user, remember=form.remember.data)
    status = 429 if throttled else 401 if form.errors else 200
    return _form_page("accounts/login.html", form, status, throttled=throttled)


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_CODE_RATE_LIMIT"], methods=["POST"], key_func=_address_key)
def code_request():
    """Ask for a one-time code (also the "forgot password" page, with ?reset=1)."""
    reset = request.args.get("reset") == "1"
    form = CodeRequestForm(login=request.args.get("login", ""))
    status = 200
    if form.validate_on_submit():
        try:
            codes.request_code(form.login.data)
        except services.AccountError as exc:
            form.login.errors.append(str(exc))
            status = exc.status
        else:  # the same words whether or not there is an account
            flash(_("If Haat has an account with %(login)s, a code is on its way to it. It works for %(n)d minutes.",
                    login=form.login.data.strip(), n=current_app.config["LOGIN_CODE_MINUTES"]), "info")
            args = {"login": form.login.data.strip(), "reset": "1" if reset else None,
                    "next": request.args.get("next")}
            return redirect(url_for("accounts.code_login", **{k: v for k, v in args.items() if v}))
    if form.errors and status == 200:
        status = 422
    return render_template("accounts/code_request.html", form=form, reset=reset), status


@bp.route("/login/code/enter", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=_login_key)
def code_login():
    """Log in with the code; after a "forgot password" request, go on to set a new password."""
    reset = request.args.get("reset") == "1"
    form = CodeLoginForm(login=request.args.get("login", ""))
    if form.validate_on_submit():
        try:
            user = codes.use_code(form.login.data, form.code.data)
        except codes.CodeError as exc:
            form.code.errors.append(str(exc))
        else:
            throttle.forget_failures(form.login.data)
            session["code_login"] = [user.id, int(time.time())]  # this user, just now
            response = _logged_in(user)
            if reset:
                response.headers["Location"] = url_for("accounts.new_password")
            return response
    return render_template("accounts/code_login.html", form=form, reset=reset), 401 if form.errors else 200


@bp.route("/account/password/new", methods=["GET", "POST"])
@login_required
def new_password():
    """Set a new password without the old one: only just after logging in with a one-time code."""
    user_id, at = session.get("code_login") or (None, 0)
    if user_id != current_user.id or time.time() - at > CODE_LOGIN_SECONDS:
        return redirect(url_for("accounts.change_password"))
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            services.set_new_password(current_user, form.new.data)
        except services.AccountError as exc:
            form.new.errors.append(str(exc))
        else:
            session.pop("code_login", None)
            flash(_("Your new password is saved."), "success")
            response = redirect(url_for("dashboards.home"))
            throttle.remember_device(response, current_user)  # the device cookie follows the new password
            return response
    return render_template("accounts/password_new.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("catalog.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.new.data)
        except services.AccountError as exc:
            (form.current if exc.field == "current" else form.new).errors.append(str(exc))
        else:
            flash(_("Your password has been changed."), "success")
            response = redirect(url_for("dashboards.home"))
            throttle.remember_device(response, current_user)  # the device cookie follows the new password
            return response
    return render_template("accounts/password.html", form=form), 422 if form.errors else 200

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from marketplace.accounts import services
from marketplace.accounts.access import login_required
from marketplace.accounts.forms import LoginForm, PasswordChangeForm, SignupForm
from marketplace.core.redirects import local_path
from marketplace.extensions import limiter

bp = Blueprint("accounts", __name__)


def _safe_next(default: str) -> str:
    return local_path(request.args.get("next")) or default


def _form_page(template: str, form, status: int):
    """Login and sign-up carry the page to return to, and a mobile or e-mail keypad (?by=email)."""
    return render_template(template, form=form, next_path=local_path(request.args.get("next")),
                           by_email=request.args.get("by") == "email"), status


@bp.app_template_global()
def return_to() -> str | None:
    """The page to come back to after logging in from the header: this one (not the login pages themselves)."""
    if request.method != "GET" or request.blueprint == "accounts" or request.path in ("/", ""):
        return None
    return local_path(request.full_path.rstrip("?"))


def _login_key() -> str:
    return f"{request.remote_addr}|{(request.form.get('login') or '').strip().lower()}"


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
            form.login.errors.append(str(exc))
        else:
            login_user(user)
            flash(_("Welcome to Haat, %(name)s!", name=user.name), "success")
            return redirect(_safe_next(url_for("dashboards.home")))
    return _form_page("accounts/signup.html", form, 422 if form.errors else 200)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=_login_key)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(url_for("dashboards.home")))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong mobile number / e-mail or password."))
        else:
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(url_for("dashboards.home")))
    return _form_page("accounts/login.html", form, 401 if form.errors else 200)


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
            form.current.errors.append(str(exc))
        else:
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("dashboards.home"))
    return render_template("accounts/password.html", form=form), 422 if form.errors else 200

"""Staff login: hashed passwords, roles, CSRF on every form (Flask-Login, Flask-WTF).

A login is limited per address (:data:`LOGIN_RATE`, failures only) and per
user name (``[web] login_attempts`` in a row lock the name for
``lockout_minutes``; see :func:`~outreach_map.accounts.log_in`). A session
holds the user's session token, which logout, a password reset and
deactivation replace, and lasts at most :data:`SESSION_HOURS`. After login
the browser goes back only to a page of this site (``next=``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask.wrappers import Response
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..accounts import LoginPolicy, User, log_in, log_out, prepare_logins, session_token, session_user
from .limits import limiter
from .resources import resources

__all__ = ["LOGIN_RATE", "SESSION_HOURS", "StaffUser", "bp", "init_login", "role_required", "staff_required"]

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])
#: Failed logins allowed from one address (whatever the names tried), beyond the lock of each name.
LOGIN_RATE = "10 per minute; 60 per hour"
#: A session ends this long after its login, however busy.
SESSION_HOURS = 12


class StaffUser(UserMixin):  # type: ignore[misc]
    """The logged-in member of staff (a detached copy of the database row)."""

    def __init__(self, user_id: int, name: str, role: str, token: str) -> None:
        self.id = user_id
        self.name = name
        self.role = role
        self.token = token

    @classmethod
    def of(cls, user: User) -> StaffUser:
        return cls(user.id, user.name, user.role, session_token(user))

    def get_id(self) -> str:
        """What the session keeps: the id and the session key, so ended sessions are refused."""
        return self.token

    def may(self, role: str) -> bool:
        return self.role in (role, "admin")


def init_login(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = "Please log in to see staff pages."
    prepare_logins()

    @manager.user_loader  # type: ignore[untyped-decorator]
    def load(token: str) -> StaffUser | None:
        started = session.get("logged_in_at")
        if not isinstance(started, int) or time.time() - started > SESSION_HOURS * 3600:
            return None
        user = session_user(resources().engine, token)
        return StaffUser.of(user) if user else None


def role_required(role: str) -> Callable[[F], F]:
    """Staff pages: log in first; 403 for a user without the role."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path))
            if not current_user.may(role):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate


def staff_required(view: F) -> F:
    """Staff pages open to every logged-in member of staff (what they may do is checked by the core)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return cast(F, wrapped)


class LoginForm(FlaskForm):  # type: ignore[misc]
    name = StringField("User name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


def _safe_next(target: str | None) -> str:
    r"""``next`` if it is a path of this site, else the home page.

    Browsers read ``\`` as ``/`` and drop tabs and newlines, so ``/\evil.example`` or ``/<TAB>/evil.example``
    would leave the site: any backslash, control character or space is refused.
    """
    home = url_for("public.home")
    if not target or len(target) > 2000 or any(c == "\\" or c.isspace() or not c.isprintable() for c in target):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return home
    return target


def _failed_login(response: Response) -> bool:
    """A login answer that counts against the address's rate: anything but the redirect of a success."""
    return request.method == "POST" and response.status_code != 302


def _policy() -> LoginPolicy:
    config = current_app.config
    return LoginPolicy(int(config["LOGIN_ATTEMPTS"]), timedelta(minutes=int(config["LOCKOUT_MINUTES"])))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_RATE, methods=["POST"], deduct_when=_failed_login)
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        result = log_in(resources().engine, form.name.data or "", form.password.data or "", policy=_policy())
        if result.user is not None:
            session.clear()  # nothing from before the login carries over (a fresh CSRF token too)
            login_user(StaffUser.of(result.user))
            session["logged_in_at"] = int(time.time())
            return redirect(_safe_next(request.args.get("next")))
        if result.locked_until is not None:
            minutes = max(1, round((result.locked_until.timestamp() - time.time()) / 60))
            flash(f"Too many failed logins for this user name: try again in {minutes} minutes.", "error")
        else:
            flash("User name or password not recognised.", "error")
    return render_template("login.html", form=form)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated:
        log_out(resources().engine, current_user.id)
    logout_user()
    session.clear()
    return redirect(url_for("public.home"))

"""Staff login: hashed passwords, roles, CSRF on every form (Flask-Login, Flask-WTF)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..accounts import authenticate, get_user
from .resources import resources

__all__ = ["StaffUser", "bp", "init_login", "role_required", "staff_required"]

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])


class StaffUser(UserMixin):  # type: ignore[misc]
    """The logged-in member of staff (a detached copy of the database row)."""

    def __init__(self, user_id: int, name: str, role: str) -> None:
        self.id = user_id
        self.name = name
        self.role = role

    def may(self, role: str) -> bool:
        return self.role in (role, "admin")


def init_login(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = "Please log in to see staff pages."

    @manager.user_loader  # type: ignore[untyped-decorator]
    def load(user_id: str) -> StaffUser | None:
        user = get_user(resources().engine, int(user_id))
        return StaffUser(user.id, user.name, user.role) if user else None


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
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("public.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(resources().engine, form.name.data or "", form.password.data or "")
        if user is not None:
            login_user(StaffUser(user.id, user.name, user.role))
            return redirect(_safe_next(request.args.get("next")))
        flash("User name or password not recognised.", "error")
    return render_template("login.html", form=form)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    return redirect(url_for("public.home"))

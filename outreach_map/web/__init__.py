"""The web site: a thin Flask layer over the core (public, coverage, schedule, api, auth).

``create_app(settings=None, test_config=None)``: the :class:`~outreach_map.config.Settings`
(loaded from the environment and ``outreach.toml`` by :func:`~outreach_map.config.load_settings`
when not given), then the test overrides; blueprints registered inside the
factory. The data set, the road network and the travel-time engine are loaded
once per application. Nothing here reads the environment.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, render_template
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, NotFound
from werkzeug.middleware.proxy_fix import ProxyFix

from ..config import PROJECT_ROOT, Settings, load_settings
from ..directory.hours import describe
from ..errors import EntryNotFoundError, OutreachError, PermissionDeniedError
from ..links import dead_link
from .limits import limiter
from .resources import Resources
from .security import init_security

__all__ = ["create_app"]


def _secret_key(instance: Path) -> str:
    """A random key kept in the instance folder (never a fixed one), made on first use."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)  # never readable by others, not even briefly
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip()


def _flask_config(settings: Settings) -> dict[str, Any]:
    """Flask's configuration from the settings (``test_config`` may override any key)."""
    return {
        "DATA_DIR": str(settings.data_dir),
        "ROUTES_DIR": str(settings.routes_dir),
        "CACHE_DIR": str(settings.cache_dir),
        "MAX_SNAP_KM": settings.roads.max_snap_km,
        "ROADS": settings.roads.network,
        "DATABASE_URL": settings.web.database_url,
        "TILES": settings.web.tiles,
        "QUICK_EXIT_URL": settings.web.quick_exit_url,
        "SECRET_KEY": settings.web.secret_key,
        "PROXY_FIX": settings.web.proxy_fix,
        "BEHIND_HTTPS": settings.web.behind_https,
        "LOGIN_ATTEMPTS": settings.web.login_attempts,
        "LOCKOUT_MINUTES": settings.web.lockout_minutes,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 0,
        "WTF_CSRF_TIME_LIMIT": None,
    }


def _cookies_and_proxies(app: Flask) -> None:
    """Session cookies ``Secure`` (and ``__Host-``) behind HTTPS; believe the proxies in front, no others."""
    secure = bool(app.config["BEHIND_HTTPS"])
    for prefix in ("SESSION", "REMEMBER"):
        app.config[f"{prefix}_COOKIE_SECURE"] = secure
        app.config[f"{prefix}_COOKIE_HTTPONLY"] = True
        app.config[f"{prefix}_COOKIE_SAMESITE"] = "Lax"
    if secure:
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"
    proxies = int(app.config["PROXY_FIX"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)  # type: ignore[method-assign]


def create_app(settings: Settings | None = None, test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application.

    Parameters
    ----------
    settings
        Paths, roads, planner and web settings (default: :func:`~outreach_map.config.load_settings`).
    test_config
        Overrides of Flask's configuration (``DATA_DIR``, ``ROUTES_DIR``,
        ``CACHE_DIR``, ``DATABASE_URL``, ``TILES``, ``ROADS``, ``SECRET_KEY``,
        ``TESTING``, ``WTF_CSRF_ENABLED``...).
    """
    settings = settings or load_settings()
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
        instance_path=str(settings.instance_dir.resolve()),
    )
    app.config.from_mapping(_flask_config(settings))
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(Path(app.instance_path))
    _cookies_and_proxies(app)
    app.extensions["outreach"] = Resources.from_config(app.config, Path(app.instance_path), settings)
    _register(app)
    return app


def _hours_text(schedule: Any) -> str:
    """Opening hours in words (the template filter ``hours``)."""
    return describe(schedule.as_record()) or str(schedule.description)


def _inbox_count() -> int:
    """Referrals to the logged-in member's organisations that nobody there has opened (shown on staff pages)."""
    from flask_login import current_user

    from ..db.engine import session_scope
    from ..directory.editing import actor_for
    from ..referrals.workflow import inbox_count
    from .resources import resources

    if not current_user.is_authenticated:
        return 0
    with session_scope(resources().engine) as session:
        return inbox_count(session, actor_for(session, current_user.name))


def _register(app: Flask) -> None:
    """Blueprints, CSRF, login, error pages and security headers."""
    csrf = CSRFProtect(app)

    from . import api, assets, auth, coverage, directory, public, referrals, schedule

    app.register_blueprint(assets.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(coverage.bp)
    app.register_blueprint(schedule.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(directory.bp)
    app.register_blueprint(referrals.bp)
    csrf.exempt(public.feedback)  # no session, no cookie: a signed form token instead (web.limits)
    csrf.exempt(public.search_location)  # a read-only search whose position is kept out of the address
    csrf.exempt(api.bp)  # read-only JSON API: no forms, no cookies; other methods get 405
    auth.init_login(app)
    limiter.init_app(app)
    init_security(app)
    app.jinja_env.filters["hours"] = _hours_text
    app.jinja_env.globals["dead_link"] = dead_link

    @app.context_processor
    def kind_names() -> dict[str, Any]:
        kinds = app.extensions["outreach"].data.directory.kinds
        return {"kind_names": {k.term: k.name for k in kinds}, "inbox": _inbox_count}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return render_template("error.html", error=error), error.code or 500

    @app.errorhandler(PermissionDeniedError)
    def denied(error: PermissionDeniedError) -> tuple[str, int]:
        """Not allowed (the attempt is already in the audit log); the message names no entry."""
        return render_template("error.html", error=Forbidden(description=str(error))), 403

    @app.errorhandler(EntryNotFoundError)
    def missing(error: EntryNotFoundError) -> tuple[str, int]:
        return render_template("error.html", error=NotFound(description=str(error))), 404

    @app.errorhandler(OutreachError)
    def user_error(error: OutreachError) -> tuple[str, int]:
        """A user's mistake that a view did not answer itself: 400 with the sentence that names it."""
        return render_template("error.html", error=BadRequest(description=str(error))), 400

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> tuple[str, int]:  # pragma: no cover - exercised in a test by a fault
        app.logger.exception("unhandled error", exc_info=error)
        return render_template("error.html", error=None), 500

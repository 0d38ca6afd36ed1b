"""The web site: a thin Flask layer over the core (public, plan, schedule, api, auth).

``create_app(test_config=None)``: defaults, then environment, then the test
overrides; blueprints registered inside the factory. The data set, the road
network and the travel-time engine are loaded once per application.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, render_template
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException

from ..config import load_settings
from .resources import Resources

__all__ = ["create_app"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _secret_key(instance: Path) -> str:
    """``OUTREACH_SECRET_KEY``, else a random key kept in the instance folder (never a fixed one)."""
    configured = os.environ.get("OUTREACH_SECRET_KEY")
    if configured:
        return configured
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application.

    Parameters
    ----------
    test_config
        Overrides (``DATA_DIR``, ``ROUTES_DIR``, ``DATABASE_URL``, ``TILES``,
        ``SECRET_KEY``, ``TESTING``, ``WTF_CSRF_ENABLED``...).
    """
    instance = Path(os.environ.get("OUTREACH_INSTANCE_DIR", PROJECT_ROOT / "instance"))
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
        instance_path=str(instance.resolve()),
    )
    settings = load_settings()
    app.config.from_mapping(
        DATA_DIR=str(settings.data_dir),
        ROUTES_DIR=str(PROJECT_ROOT / "routes"),
        CACHE_DIR=str(settings.cache_dir),
        MAX_SNAP_KM=settings.roads.max_snap_km,
        DATABASE_URL=os.environ.get("OUTREACH_DATABASE_URL"),
        TILES=os.environ.get("OUTREACH_TILES", "osm"),
        QUICK_EXIT_URL="https://www.bbc.co.uk/weather",
        ROADS=os.environ.get("OUTREACH_ROADS") or None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_DURATION=0,
        WTF_CSRF_TIME_LIMIT=None,
    )
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(Path(app.instance_path))
    app.extensions["outreach"] = Resources.from_config(app.config, Path(app.instance_path))
    csrf = CSRFProtect(app)

    from . import api, assets, auth, plan, public, schedule

    app.register_blueprint(assets.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(plan.bp)
    app.register_blueprint(schedule.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # read-only JSON API: no forms, no cookies; other methods get 405
    auth.init_login(app)

    @app.context_processor
    def kind_names() -> dict[str, Any]:
        kinds = app.extensions["outreach"].data.directory.kinds
        return {"kind_names": {k.term: k.name for k in kinds}}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return render_template("error.html", error=error), error.code or 500

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> tuple[str, int]:  # pragma: no cover - exercised in a test by a fault
        app.logger.exception("unhandled error", exc_info=error)
        return render_template("error.html", error=None), 500

    @app.after_request
    def security_headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response

    return app

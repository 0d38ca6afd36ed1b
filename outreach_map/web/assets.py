"""Leaflet, Bootstrap and jQuery served by the app itself from XStatic packages (never a CDN)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory
from flask.typing import ResponseReturnValue

__all__ = ["PACKAGES", "bp"]

bp = Blueprint("assets", __name__, url_prefix="/assets")


def _base(module: str) -> Path:
    import importlib

    return Path(importlib.import_module(f"xstatic.pkg.{module}").BASE_DIR)


#: URL name -> XStatic module.
PACKAGES = {"leaflet": "leaflet", "bootstrap": "bootstrap", "jquery": "jquery"}


@bp.get("/<package>/<path:filename>")
def asset(package: str, filename: str) -> ResponseReturnValue:
    if package not in PACKAGES:
        abort(404)
    return send_from_directory(_base(PACKAGES[package]), filename, max_age=86400)

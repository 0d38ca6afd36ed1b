"""JSON API: Open Referral UK 3.0 read endpoints under /api/openreferral, plus villages, coverage, plans."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

__all__ = ["bp"]

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.after_request
def cors(response: ResponseReturnValue) -> ResponseReturnValue:
    response.headers["Access-Control-Allow-Origin"] = "*"  # type: ignore[union-attr]
    return response


@bp.get("/openreferral/")
def root() -> ResponseReturnValue:
    return jsonify({"version": "3.0", "profile": "https://openreferraluk.org"})

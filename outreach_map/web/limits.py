"""Rate limits (Flask-Limiter) and stateless form tokens for public forms that set no cookie.

The public pages give visitors no cookie, so their one form (reporting a
problem with an entry) is protected by a signed, expiring token in the form
itself and by a per-address rate limit held in memory.
"""

from __future__ import annotations

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer

__all__ = ["FORM_TOKEN_SECONDS", "check_form_token", "form_token", "limiter"]

#: The rate limiter of the application (in-memory storage; ``init_app`` in ``create_app``).
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", default_limits=[])
#: A public form must be sent within two hours of being shown.
FORM_TOKEN_SECONDS = 2 * 3600


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"outreach-form-{purpose}")


def form_token(purpose: str, subject: str) -> str:
    """A token binding a form to its purpose and subject (e.g. ``feedback`` on one service)."""
    return _serializer(purpose).dumps(subject)


def check_form_token(purpose: str, subject: str, token: str | None) -> bool:
    """Whether the token was made here, for this subject, within :data:`FORM_TOKEN_SECONDS`."""
    if not token:
        return False
    try:
        return bool(_serializer(purpose).loads(token, max_age=FORM_TOKEN_SECONDS) == subject)
    except BadSignature:
        return False

"""Security headers on every response: the Content-Security-Policy and its nonce, HSTS, caching.

The policy allows nothing by default; scripts, styles, images, fonts and
fetches come from this site only, and images also from the configured
base-map tile server (none when tiles are ``none``). Inline scripts and
``<style>`` elements run only with the page's nonce (:func:`csp_nonce`, a
template global, new for every response); folium's map header gets it from the
``nonced`` filter. Inline ``style`` attributes (Leaflet and the map legends set
them) are allowed by ``style-src-attr``: they cannot run script.

Every page that is not a static asset is ``Cache-Control: no-store``: search
results say where someone is looking for help, and staff pages hold partners'
records, so neither may stay in a browser's or a proxy's cache.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, g, request
from flask.wrappers import Response
from markupsafe import Markup

__all__ = ["content_security_policy", "csp_nonce", "init_security", "nonced", "tile_origin"]

#: The endpoints whose answers may be cached: files that never depend on who asks or what was searched.
CACHEABLE_ENDPOINTS = frozenset({"static", "assets.asset"})
#: Strict-Transport-Security for a site served over HTTPS (a year; subdomains are not this site's to bind).
HSTS = "max-age=31536000"
OSM_TILE_ORIGIN = "https://tile.openstreetmap.org"
_OPENING_TAG = re.compile(r"<(script|style)\b(?![^>]*\bnonce=)", re.IGNORECASE)


def csp_nonce() -> str:
    """This response's nonce (the same for every call while one request is served)."""
    nonce: str | None = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(18)
    return nonce


def nonced(fragment: str) -> Markup:
    """Server-made HTML (folium's map header) with the nonce on each ``<script>`` and ``<style>`` tag.

    Only for markup the site generates itself; never for text a user typed.
    """
    return Markup(_OPENING_TAG.sub(lambda m: f'<{m.group(1)} nonce="{csp_nonce()}"', fragment))


def tile_origin(tiles: str) -> str | None:
    """The origin a tile setting makes browsers contact: ``none`` (or any non-URL setting) contacts none.

    A ``{s}`` subdomain placeholder becomes a ``*.`` wildcard (``https://{s}.tile.example.org/...`` ->
    ``https://*.tile.example.org``).
    """
    if tiles == "osm":
        return OSM_TILE_ORIGIN
    if not tiles.startswith("https://"):
        return None
    host = urlsplit(tiles.replace("{s}", "subdomain")).netloc
    labels = host.split(".")
    if "subdomain" in labels[0]:
        host = ".".join(["*", *labels[1:]])
    return f"https://{host}"


def content_security_policy(nonce: str, tiles: str) -> str:
    """The policy for one response: this site only, the tile server for images, inline code by nonce."""
    tile = tile_origin(tiles)
    images = "'self' data:" + (f" {tile}" if tile else "")
    directives = {
        "default-src": "'none'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": f"'self' 'nonce-{nonce}'",
        "style-src-attr": "'unsafe-inline'",
        "img-src": images,
        "font-src": "'self'",
        "connect-src": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "object-src": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _add_headers(app: Flask, response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce(), app.config["TILES"]))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=(), payment=()")
    if request.is_secure or app.config.get("BEHIND_HTTPS"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response


def init_security(app: Flask) -> None:
    """Give every response the security headers; give templates ``csp_nonce()`` and the ``nonced`` filter."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.filters["nonced"] = nonced

    @app.after_request
    def security_headers(response: Response) -> Response:
        return _add_headers(app, response)

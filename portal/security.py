"""Access control, safe redirects and response headers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, make_response, redirect, request, session, url_for
from flask_login import current_user

from portal.extensions import login_manager
from portal.htmx import is_htmx
from portal.models import Role

F = TypeVar("F", bound=Callable[..., Any])

# Every logged-in account may do what needs only a login; these constants make
# view declarations read like the rules they implement.
STAFF = (Role.EMPLOYEE, Role.UNIT_ADMIN, Role.LOGISTICS_ADMIN, Role.SYSADMIN)
ADMINS = (Role.LOGISTICS_ADMIN, Role.SYSADMIN)


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Let the view run for a logged-in user holding any of ``roles``.

    Anonymous users are sent to the login page; logged-in users without one of
    the roles get a 403 page that says why. With no roles, any login will do.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


login_required = roles_required()


def is_safe_next(target: str | None) -> bool:
    """Only same-site paths: ``/rooms/``, never ``//evil`` or ``https://evil``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and all(ord(c) >= 32 for c in target)


def current_path() -> str:
    """This request's path and query, as a ``next`` value."""
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def unauthorized() -> Response:
    target = url_for("auth.login", next=current_path())
    if is_htmx():
        response = make_response("", 401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


HSTS = "max-age=31536000"


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")  # for browsers without frame-ancestors
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        # Served over HTTPS (secure cookies): browsers must not fall back to HTTP.
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static" and "_user_id" in session:
        # Shared office PCs: pages with personal data must not linger in caches.
        # The session says who is signed in (Flask-Login keeps the id there) without
        # loading the account, which a kept page served again does not need.
        headers["Cache-Control"] = "no-store"
    return response


_static_versions: dict[str, str] = {}


def add_static_version(endpoint: str, values: dict[str, Any]) -> None:
    """Append a content hash to static URLs, so they can be cached for a year."""
    if endpoint != "static" or "filename" not in values or "v" in values:
        return
    filename = values["filename"]
    version = _static_versions.get(filename)
    if version is None or current_app.debug:
        path = Path(current_app.static_folder or "") / filename
        try:
            version = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        except OSError:
            return
        _static_versions[filename] = version
    values["v"] = version


def reject_nul_bytes() -> None:
    """No form or query value of this portal may contain a NUL character.

    PostgreSQL cannot store one, so it would otherwise surface as a database
    error deep inside whichever capability received it.
    """
    # A NUL reaches a decoded query value only as ``%00`` or a raw NUL byte: look for
    # those in the raw query string before decoding it, and read a body only where a
    # form can be sent (parsing an empty one costs every page served again).
    query = request.query_string
    checked = [request.args] if b"%00" in query or b"\x00" in query else []
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        checked.append(request.form)
    for values in checked:
        if any("\x00" in value for _, value in values.items(multi=True)):
            abort(400)


_favicon: bytes | None = None


def favicon() -> Response:
    """Browsers ask for /favicon.ico on every first visit; pages also name the SVG.
    A few hundred bytes, read once and answered from memory."""
    global _favicon
    if _favicon is None:
        _favicon = (Path(current_app.static_folder or "") / "favicon.ico").read_bytes()
    response = make_response(_favicon)
    response.mimetype = "image/x-icon"
    response.cache_control.public = True
    response.cache_control.max_age = 7 * 24 * 3600
    return response


def init_compression(app: Flask) -> None:
    """gzip, or brotli where the browser accepts it, for pages, fragments, CSS, JS and JSON.

    Behind nginx the proxy may compress instead; it leaves alone what arrives
    compressed, so nothing is compressed twice.
    """
    from flask_compress import Compress

    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    Compress(app)


def init_app(app: Flask) -> None:
    app.before_request(reject_nul_bytes)
    login_manager.unauthorized_handler(unauthorized)
    app.after_request(set_security_headers)
    app.url_defaults(add_static_version)
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    if app.config.get("COMPRESS_RESPONSES", True):
        init_compression(app)

"""Security headers on every response, cookies and the reverse proxy.

The Content-Security-Policy allows scripts only from this site (no inline script); style
attributes stay allowed because band colours come from the questionnaire file as CSS
custom properties.

Every response but the static files (which set their own ``Cache-Control``) is
``no-store``: pages behind the login, the respondent's form and the shared PDF hold
people's answers and scores, and a browser or proxy must keep no copy of them (nor of a
form whose CSRF token a later login renews). Over HTTPS, ``Strict-Transport-Security``
tells the browser to come back over HTTPS only.

``SESSION_COOKIE_SECURE = true`` secures every cookie: it turns on
``REMEMBER_COOKIE_SECURE`` too, and ``secure_cookies`` adds ``Secure`` to any cookie
set without it (Flask-Login deletes the remember-me cookie without the flag).

``TRUSTED_PROXIES = N`` (N reverse proxies in front of the app, 0 by default) trusts
their ``X-Forwarded-For``, ``-Proto`` and ``-Host`` through Werkzeug's ``ProxyFix``: the
client's address (login throttling counts failures per address), the scheme (HSTS,
links) and the host (personal and share links). Without it these headers are ignored,
as anyone can send them.
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
HSTS = "max-age=31536000"  # one year; subdomains are left to their own servers


def add_headers(response: Response) -> Response:
    """Each header unless the view set its own (one pass over the response's headers)."""
    present = {name.lower() for name, _value in response.headers.items()}
    for name, value in HEADERS.items():
        if name.lower() not in present:
            response.headers.add(name, value)
    if request.is_secure and "strict-transport-security" not in present:
        response.headers.add("Strict-Transport-Security", HSTS)
    return response


def secure_cookies(response: Response) -> Response:
    """Add ``Secure`` to every cookie set without it (when cookies must be secure)."""
    cookies = response.headers.getlist("Set-Cookie")
    if any(not _is_secure(cookie) for cookie in cookies):
        response.headers.setlist(
            "Set-Cookie",
            [cookie if _is_secure(cookie) else f"{cookie}; Secure" for cookie in cookies],
        )
    return response


def _is_secure(cookie: str) -> bool:
    return any(part.strip().lower() == "secure" for part in cookie.split(";")[1:])


def init_app(app: Flask) -> None:
    """Call before any other extension registers ``after_request`` functions: Flask runs
    them last registered first, so ``secure_cookies`` then sees every cookie they set
    (the session cookie comes later and follows ``SESSION_COOKIE_SECURE`` itself)."""
    if app.config.get("SESSION_COOKIE_SECURE"):
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.after_request(secure_cookies)
    app.after_request(add_headers)
    proxies = app.config.get("TRUSTED_PROXIES") or 0
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

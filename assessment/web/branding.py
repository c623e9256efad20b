"""The firm's logo, served to every page that shows it (the header, the client's answer
page): ``/brand/logo``, public (a client contact has no login), from memory.

The logo was checked when the app started (``assessment.branding``): a PNG verified, an
SVG rebuilt from a whitelist, so it holds nothing that could run. Served as an image only
(``nosniff``), under a policy that would let nothing run or load even if it did, with a
long cache: its address carries its digest (``?v=``), so a new logo gets a new address.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request, url_for

from .. import branding
from .access import public

bp = Blueprint("brand", __name__, url_prefix="/brand")

LOGO_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@bp.get("/logo")
@public
def logo():
    found = branding.of(current_app.config).logo
    if found is None:
        abort(404)
    response = Response(found.data, mimetype=found.mimetype)
    response.headers["Content-Security-Policy"] = LOGO_CSP
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Content-Disposition"] = f'inline; filename="logo.{found.extension}"'
    response.set_etag(found.digest)
    return response.make_conditional(request)


def logo_url() -> str | None:
    """The logo's address on this site (None without a logo): templates use it."""
    found = branding.of(current_app.config).logo
    return url_for("brand.logo", v=found.digest[:12]) if found else None

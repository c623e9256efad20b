"""File downloads (CSV, JSON) with safe names and no caching."""

from __future__ import annotations

from flask import Response

from .. import exports


def download(text: str, fmt: str, stem: str) -> Response:
    """CSV as UTF-8 with a BOM (so spreadsheet programs read Chinese), JSON as UTF-8."""
    if fmt == "csv":
        body, mimetype = text.encode(exports.CSV_ENCODING), "text/csv"
    else:
        body, mimetype = text.encode("utf-8"), "application/json"
    response = Response(body, mimetype=mimetype)
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in stem)
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response

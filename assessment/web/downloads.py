"""File downloads (CSV, JSON, PDF): names that say what the file is, in any script.

A file is named after what it holds (the client, the period, the kind of export), so a
name such as ``北京某某科技_2026-第四季度_answers.csv`` is common. HTTP headers are
Latin-1, so the name travels as RFC 6266 / RFC 5987 ``filename*=UTF-8''…`` (percent-
encoded UTF-8, which every current browser reads) beside a plain ASCII ``filename=``
for older clients. Characters that are unsafe in a file name on some system (path
separators, ``<>:"|?*``, control characters) become ``-``.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response

from .. import exports

MAX_PART = 60  # characters of one part of a name (a client's name can be long)
_UNSAFE = re.compile(r'[\\/<>:"|?*\s]+')
_SEPARATORS = re.compile(r"[-_]{2,}")
# What RFC 5987 allows unencoded in a value (attr-char), minus nothing: quote() encodes the rest.
_ATTR_CHARS = "!#$&+-.^_`|~"


def _clean(part: str) -> str:
    """One part of a file name: unsafe characters and whitespace runs as ``-``."""
    part = "".join(ch for ch in unicodedata.normalize("NFC", part) if _printable(ch))
    part = _UNSAFE.sub("-", part).strip("-._ ")
    return part[:MAX_PART].rstrip("-._ ")


def _printable(ch: str) -> bool:
    return unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


class FileName(str):
    """A download's name (``str``), with ``ascii``: the same name for clients that do not
    read ``filename*`` (accents dropped, other scripts left out)."""

    ascii: str


def file_name(*parts: str, ext: str, fallback: str = "partnership-check") -> FileName:
    """A file name from its parts (e.g. client, period, "answers") joined by ``_``, empty
    parts left out. In the ASCII name a part with nothing left in ASCII is left out too,
    and ``fallback`` (ASCII) takes the place of a first part (the client) that was."""
    cleaned = [part for part in map(_clean, parts) if part]
    name = FileName(f"{'_'.join(cleaned) or fallback}.{ext}")
    simple = [_to_ascii(part) for part in cleaned]
    if not simple or not simple[0]:
        simple[:1] = [fallback, *simple[:1]]
    name.ascii = f"{'_'.join(part for part in simple if part)}.{ext}"
    return name


def _to_ascii(part: str) -> str:
    decomposed = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode("ascii")
    text = _SEPARATORS.sub(lambda m: m.group(0)[0], _UNSAFE.sub("-", decomposed)).strip("-_.")
    return text if re.search(r"[A-Za-z0-9]", text) else ""


def content_disposition(disposition: str, name: FileName) -> str:
    """The Content-Disposition header (``attachment`` or ``inline``) for ``name``."""
    header = f'{disposition}; filename="{name.ascii}"'
    if name.ascii != name:
        header += f"; filename*=UTF-8''{quote(name, safe=_ATTR_CHARS)}"
    return header


def download(text: str, fmt: str, name: FileName) -> Response:
    """CSV as UTF-8 with a BOM (so spreadsheet programs read Chinese), JSON as UTF-8."""
    if fmt == "csv":
        body, mimetype = text.encode(exports.CSV_ENCODING), "text/csv"
    else:
        body, mimetype = text.encode("utf-8"), "application/json"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition("attachment", name)
    response.headers["Cache-Control"] = "private, no-store"
    return response

"""What a request may carry: ids an SQLite INTEGER can hold, bodies up to the size limit.

Both are refused before any view runs, so a refusal stores nothing:

- ``<int:...>`` in a route matches at most 19 digits and at most ``2**63 - 1``, the
  largest SQLite INTEGER. A larger id cannot name a record, so it is no page (404);
  before, it reached SQLite and failed with an OverflowError (500). (Python also refuses
  to convert numbers of more than 4,300 digits, which the digit limit keeps away.)
- A body over ``MAX_CONTENT_LENGTH`` answers 413. Werkzeug refuses a declared
  ``Content-Length`` over the limit itself, but a body sent in chunks (no length; gunicorn
  passes it on) it reads only up to the limit and hands the views what came before the
  cut, silently: the CSRF token at the end was lost ("the form has expired") or a form
  arrived shortened. ``refuse_oversized_stream`` reads such a body first, up to one byte
  past the limit, and refuses it whole.
- A number in the query string (``?page=``, ``?lead=``) goes through ``int_arg``: one
  that is not a whole number SQLite can hold is no page (404), never an OverflowError
  (500); ``page_number`` also answers 404 for a page past the last one.
"""

from __future__ import annotations

import io

from flask import abort, request
from werkzeug.routing import IntegerConverter, Map

SQLITE_MAX_INTEGER = 2**63 - 1
_READ_SIZE = 64 * 1024


class SQLiteIntConverter(IntegerConverter):
    """Flask's ``int`` converter, limited to the ids SQLite can store."""

    regex = r"\d{1,19}"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(
            map,
            fixed_digits=fixed_digits,
            min=min,
            max=SQLITE_MAX_INTEGER if max is None else max,
            signed=signed,
        )
        if signed:
            self.regex = r"-?\d{1,19}"


def int_arg(name: str, default: int | None = None, *, minimum: int = 0) -> int | None:
    """The query-string argument ``name`` as an int SQLite can hold; 404 for anything else.

    Missing or empty gives ``default``.
    """
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        abort(404)
    value = int(raw)
    if not minimum <= value <= SQLITE_MAX_INTEGER:
        abort(404)
    return value


def page_number(total: int, page_size: int) -> tuple[int, int]:
    """``?page=`` of a listing of ``total`` rows: (page, pages); 404 if there is no such page."""
    pages = max((total + page_size - 1) // page_size, 1)
    page = int_arg("page", 1, minimum=1)
    if page > pages:
        abort(404)
    return page, pages


def refuse_oversized_stream() -> None:
    """Read a body of undeclared length up front; 413 if it is over the limit.

    Runs before every other ``before_request`` function (the CSRF check reads the form).
    A body within the limit is put back as a plain body of known length.
    """
    environ = request.environ
    if "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return  # no body, or one of declared length, which werkzeug checks itself
    limit = request.max_content_length
    if limit is None:
        return
    if not environ.get("wsgi.input_terminated"):
        return  # the server does not end the stream: werkzeug reads no such body at all
    stream = environ["wsgi.input"]
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(_READ_SIZE, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        abort(413)
    environ["wsgi.input"] = io.BytesIO(b"".join(chunks))
    environ["CONTENT_LENGTH"] = str(size)
    environ.pop("HTTP_TRANSFER_ENCODING", None)

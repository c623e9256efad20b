"""The browser's language, from its Accept-Language header."""

from __future__ import annotations

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from ...lru import cached


@cached(256)
def browser_language(accept_language: str, supported: tuple[str, ...]) -> str | None:
    """The best of ``supported`` for an Accept-Language header (browsers send a handful
    of different headers, so each is parsed once per worker)."""
    return parse_accept_header(accept_language, LanguageAccept).best_match(supported)

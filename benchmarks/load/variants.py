"""The app with fast-path pieces switched off, to measure what each piece is worth.

A benchmark-only app factory: ``run_load.py --compare`` serves it under gunicorn beside
the app itself, one server per variant, with the same settings as ``assessment serve``::

    LOAD_WITHOUT=csrf_tokens,languages  ->  variants:create_app(instance_path=...)

``LOAD_WITHOUT`` (read here only, never by the app) names the pieces to switch off; each
is replaced by what the app would do without it (Flask-WTF's own code; read again; parse
again). A piece used through an imported name is replaced in every module of the app that
holds it, and a piece found nowhere stops the server: a variant that measured nothing
would read as a piece worth nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from flask import Flask

import assessment

ENVIRONMENT = "LOAD_WITHOUT"


def _replace_everywhere(original: object, replacement: object) -> int:
    """Every module-level name in the app's modules bound to ``original`` bound to
    ``replacement`` instead; how many were."""
    count = 0
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "assessment" or name.startswith("assessment.")):
            continue
        for attribute, value in list(vars(module).items()):
            if value is original:
                setattr(module, attribute, replacement)
                count += 1
    return count


def _function(module_name: str, name: str) -> Callable:
    __import__(module_name)
    return getattr(sys.modules[module_name], name)


def _without_csrf_tokens(app: Flask) -> int:
    """Flask-WTF's ``generate_csrf``: the session's token signed again for every page."""
    from flask_wtf.csrf import generate_csrf

    original = _function("assessment.web.fastpath.csrf_tokens", "csrf_token")
    return _replace_everywhere(original, generate_csrf)


def _without_unchanged(app: Flask) -> int:
    """Reads the respondent, round and draft again on every request."""

    def read(database, key, make):
        return make()

    return _replace_everywhere(_function("assessment.web.fastpath.unchanged", "read"), read)


def _without_languages(app: Flask) -> int:
    """Parses the browser's Accept-Language header on every request."""
    cached = _function("assessment.web.fastpath.languages", "browser_language")
    return _replace_everywhere(cached, cached.__wrapped__)


#: Each piece that can be switched off, and how: returns how many places it replaced.
PIECES: dict[str, Callable[[Flask], int]] = {
    "csrf_tokens": _without_csrf_tokens,
    "unchanged": _without_unchanged,
    "languages": _without_languages,
}


def switch_off(app: Flask, pieces: list[str]) -> Flask:
    for piece in pieces:
        if piece not in PIECES:
            raise SystemExit(f"{ENVIRONMENT}: no piece {piece!r} (known: {', '.join(PIECES)})")
        if not PIECES[piece](app):
            raise SystemExit(f"{ENVIRONMENT}: {piece!r} is used nowhere any more")
    return app


def pieces_from(text: str) -> list[str]:
    return [piece.strip() for piece in text.split(",") if piece.strip()]


def create_app(instance_path: str) -> Flask:
    """The app of ``instance_path`` without the pieces named in ``LOAD_WITHOUT``."""
    app = assessment.create_app(instance_path=instance_path)
    return switch_off(app, pieces_from(os.environ.get(ENVIRONMENT, "")))

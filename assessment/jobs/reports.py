"""Rendering a closed round's PDF reports ahead of the first reader.

A report takes about a second to render (WeasyPrint, Chinese fonts) and is then served from
the report cache (``report/cache.py``) while nothing it shows changes. Closing a round is
when its report starts to be read, so the worker renders both languages then: the first
person to open it gets the cached file, as every later one does.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlite_utils import Database

from ..report.cache import app_cache, cached_pdf
from ..report.data import round_report
from ..store import rounds
from ..vocab import LANGUAGES

log = logging.getLogger(__name__)


def render_closed_round(app: Flask, db: Database, round_id: int) -> list[str]:
    """Render and cache the report of round ``round_id`` in every language, if it is closed
    and its results may be shown (never for a round withheld for anonymity, whose report
    has nothing to render); the languages rendered. Nothing to do with the cache off."""
    if app_cache(app) is None:
        return []
    try:
        current = rounds.get_round(db, round_id)
    except rounds.NotFound:  # deleted since it was closed
        return []
    if current.is_open:  # reopened since
        return []
    report = round_report(db, current)
    if not report.results_visible:
        return []
    for lang in LANGUAGES:
        cached_pdf(report, lang, app=app)
    log.info(
        "Rendered the reports of round %s (%s %s)", round_id, current.client_name, current.period
    )
    return list(LANGUAGES)

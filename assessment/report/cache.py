"""Reports cached by content: a PDF is rendered once for what it shows, then read back.

Rendering a report takes about a second (WeasyPrint); a closed round's report changes
only when something it shows changes. So each PDF is stored under a **key**, a SHA-256
digest over exactly what goes into it:

- the ``RoundReport`` the PDF is made from, field by field (``report_digest``): the
  round's result and next steps, comments and text answers, actions, history, counts,
  the round's anonymity policy (its state, floors and number of submissions) and the
  questionnaire (its id, version and content). The report is built *after* the
  anonymity gate (``report.data.round_report``), so the key holds everything that gates
  visibility: a round that closes, reopens, gains a submission or crosses a floor has
  another key, and a PDF is only ever served for the very data it was rendered from;
- the day the report is generated (the PDF says "Generated 28 November 2026" and marks
  actions overdue against it), its language and the pack title in its header;
- what turns data into the PDF (``rendering_fingerprint``): the report code
  (``assessment/report/*.py``), the report templates, ``report.css``, the compiled
  translations and the WeasyPrint version. A new release, a changed template or
  translation renders anew.

Nothing outside the key can change the PDF, so no entry is ever invalidated: a change
makes a new key, and entries nobody asks for any more age out. The files live in the
instance folder (``report-cache/``, 0700, files 0600: a PDF holds what the report
shows), written to a temporary file and renamed into place, so processes sharing the
folder (gunicorn's workers, the worker, the command line) never read half a file. The
folder is bounded (``REPORT_CACHE_MB``): storing a file drops the least recently used
ones (by modification time, which a hit renews) until the folder fits. Deleting the
folder at any time is safe.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from flask import Flask
from pydantic import BaseModel

from .. import branding
from ..lru import LRUCache, cached
from ..paths import PROJECT_ROOT, TEMPLATE_FOLDER
from ..questionnaire import Questionnaire
from . import pdf
from .data import RoundReport
from .fetcher import STATIC_DIR

__all__ = [
    "CACHE_FOLDER",
    "ReportCache",
    "app_cache",
    "cached_pdf",
    "pack_key",
    "rendering_fingerprint",
    "report_digest",
    "report_key",
]

CACHE_FOLDER = "report-cache"
#: Raise when the key's recipe changes, so that old entries are never read again.
KEY_VERSION = "1"
SUFFIX = ".pdf"


# --- the key ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def rendering_fingerprint() -> str:
    """A digest of what turns report data into a PDF, read once per process: the report
    code, its templates, the stylesheet, the compiled translations, WeasyPrint's version."""
    package = PROJECT_ROOT / "assessment"
    sources = [
        ("code", package / "report", "*.py"),
        ("code", package, "figures.py"),
        ("code", package, "colours.py"),
        ("templates", TEMPLATE_FOLDER / "report", "*.html"),
        ("static", STATIC_DIR, "report*.css"),
        ("translations", package / "translations", "*/LC_MESSAGES/*.mo"),
    ]
    digest = hashlib.sha256(f"weasyprint {version('weasyprint')}\n".encode())
    for label, folder, pattern in sources:
        for path in sorted(folder.glob(pattern)):
            digest.update(f"{label}/{path.relative_to(folder)}".encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


_q_digests: LRUCache[int, tuple[Questionnaire, str]] = LRUCache(64)


def _questionnaire_digest(q: Questionnaire) -> str:
    """The questionnaire's whole content as a digest, once per questionnaire object (the
    store hands out one object per snapshot; the object is kept with its digest, so an id
    reused by another object is never mistaken for it)."""
    kept = _q_digests.get(id(q), lambda: (q, _digest_of_model(q)))
    if kept[0] is not q:
        kept = (q, _digest_of_model(q))
        _q_digests.put(id(q), kept)
    return kept[1]


def _digest_of_model(model: BaseModel) -> str:
    return hashlib.sha256(model.model_dump_json().encode()).hexdigest()


_PLAIN = (type(None), bool, int, str)
#: Longer texts (a round's questionnaire snapshot, its stored results) enter the key by
#: their SHA-256, which is much cheaper than encoding them into it.
LONG_TEXT = 1024


@cached(128)
def _field_names(kind: type) -> tuple[str, ...] | None:
    """The fields of a dataclass type (None for other types), looked up once per type."""
    if dataclasses.is_dataclass(kind):
        return tuple(f.name for f in dataclasses.fields(kind))
    return None


def _canonical(value: Any) -> Any:
    """``value`` as plain JSON data, the same for equal values in every process (mappings
    and sets sorted, numbers exact, dataclasses by class and field)."""
    kind = type(value)
    if kind is str and len(value) > LONG_TEXT:
        return ["sha256", hashlib.sha256(value.encode()).hexdigest()]
    if kind in _PLAIN:
        return value
    names = _field_names(kind)
    if names is not None:
        return [kind.__name__, [_canonical(getattr(value, name)) for name in names]]
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, bool | int | str):  # subclasses, e.g. a str-based enum
        return [kind.__name__, value]
    if isinstance(value, float):
        return ["float", repr(value)]
    if isinstance(value, Fraction):
        return ["fraction", value.numerator, value.denominator]
    if isinstance(value, Decimal):
        return ["decimal", str(value)]
    if isinstance(value, datetime | date):
        return [kind.__name__, value.isoformat()]
    if isinstance(value, enum.Enum):
        return [kind.__name__, _canonical(value.value)]
    if isinstance(value, Questionnaire):
        return ["questionnaire", value.id, value.version, _questionnaire_digest(value)]
    if isinstance(value, BaseModel):
        return [kind.__name__, value.model_dump(mode="json")]
    if isinstance(value, Mapping):
        items = [(_s(_canonical(k)), _canonical(v)) for k, v in value.items()]
        return ["map", sorted(items, key=lambda item: item[0])]
    if isinstance(value, set | frozenset):
        return ["set", sorted((_canonical(v) for v in value), key=_s)]
    raise TypeError(f"cannot put a {kind.__name__} into a report's cache key")


def _s(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def report_digest(report: RoundReport) -> str:
    """A digest of the report's data. ``generated_at`` counts by its day only: the PDF
    shows the date, and measures overdue actions against it, but not the time."""
    data = _canonical(dataclasses.replace(report, generated_at=report.generated_at.date()))
    return hashlib.sha256(_s(data).encode()).hexdigest()


def report_key(
    report: RoundReport, lang: str, *, pack_title: str | None = None, firm: str = ""
) -> str:
    """The cache key of the report's PDF in ``lang`` (with ``pack_title`` in its header
    when it is part of a leadership pack; ``firm``: the digest of the firm's name and logo
    it shows, ``Branding.digest``)."""
    lang = pdf.normalize_lang(lang)
    parts = ["report", KEY_VERSION, rendering_fingerprint(), lang, pack_title or "", firm]
    return _hash([*parts, report_digest(report)])


def pack_key(report_keys: list[str], lang: str, *, period: str, generated_on: date) -> str:
    """The cache key of a whole leadership pack: its reports' keys in pack order, its
    language, period and day (the portfolio page shows nothing else)."""
    parts = ["pack", KEY_VERSION, rendering_fingerprint(), lang, period, generated_on]
    return _hash([*parts, *report_keys])


def _hash(parts: list) -> str:
    return hashlib.sha256(_s(_canonical(parts)).encode()).hexdigest()


# --- the files ----------------------------------------------------------------------------


class ReportCache:
    """PDFs by key in ``folder``, at most ``max_bytes`` in all (least recently used go
    first). Safe to share between processes."""

    def __init__(self, folder: str | os.PathLike, max_bytes: int) -> None:
        self.folder = Path(folder)
        self.max_bytes = max_bytes

    @classmethod
    def from_config(cls, config: Mapping, instance_path: str) -> ReportCache | None:
        """The app's cache (``REPORT_CACHE_MB`` megabytes in the instance folder), or None
        when the setting is 0 (no cache)."""
        megabytes = config.get("REPORT_CACHE_MB", 0)
        if not megabytes:
            return None
        return cls(Path(instance_path) / CACHE_FOLDER, int(megabytes * 1024 * 1024))

    def _path(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError(f"not a cache key: {key!r}")
        return self.folder / f"{key}{SUFFIX}"

    def get(self, key: str) -> bytes | None:
        """The PDF stored under ``key``, or None; a hit counts as a use (for eviction)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        with contextlib.suppress(OSError):  # dropped meanwhile: the bytes are still good
            os.utime(path)
        return data

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` (whole or not at all), then trim the folder."""
        if len(data) > self.max_bytes:
            return
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=SUFFIX, dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(temporary, self._path(key))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.trim()

    def get_or_render(self, key: str, render: Callable[[], bytes]) -> bytes:
        """The PDF stored under ``key``, else ``render()``, stored."""
        data = self.get(key)
        if data is None:
            data = render()
            self.put(key, data)
        return data

    def entries(self) -> list[tuple[float, int, Path]]:
        """(last use, size, path) of every stored PDF."""
        found = []
        try:
            scan = os.scandir(self.folder)
        except FileNotFoundError:
            return []
        with scan:
            for entry in scan:
                if entry.name.startswith(".") or not entry.name.endswith(SUFFIX):
                    continue
                try:
                    stat = entry.stat()
                except FileNotFoundError:
                    continue
                found.append((stat.st_mtime, stat.st_size, Path(entry.path)))
        return found

    def trim(self) -> None:
        """Drop the least recently used PDFs until the folder holds at most ``max_bytes``."""
        entries = sorted(self.entries(), key=lambda e: (e[0], e[2].name))
        total = sum(size for _, size, _ in entries)
        for _, size, path in entries:
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size


# --- the app's cache ----------------------------------------------------------------------


def app_cache(app: Flask) -> ReportCache | None:
    """The report cache of ``app`` (its settings and instance folder), None if turned off."""
    return ReportCache.from_config(app.config, app.instance_path)


def cached_pdf(
    report: RoundReport, lang: str, *, app: Flask | None = None, pack_title: str | None = None
) -> bytes:
    """``pdf.render_pdf`` through the app's cache: the stored PDF when one was rendered
    from the same content, else a new one (stored). Needs the app, as ``render_pdf``."""
    with pdf.using_app(app) as flask_app:

        def render() -> bytes:
            return pdf.render_pdf(report, lang, app=flask_app, pack_title=pack_title)

        cache = app_cache(flask_app)
        if cache is None:
            return render()
        firm = branding.of(flask_app.config).digest
        return cache.get_or_render(
            report_key(report, lang, pack_title=pack_title, firm=firm), render
        )

"""The PDF report: a `RoundReport` → HTML (the app's Jinja templates) → PDF (WeasyPrint).

No HTTP request is needed: templates are rendered with a Flask app's Jinja environment in
an app context, in the language the caller asks for (`flask_babel.force_locale`), so the
command line, the web routes and the pack's worker processes all make the same document.
The web app is one such app; `environment.report_app` is the smallest one (what the pack's
workers use). What the templates are given is `context.py`; what the HTML may load,
`fetcher.py`.

Safety. All user text reaches the PDF through Jinja autoescaping, and the HTML is laid out
with `fetcher.safe_url_fetcher`, which serves the app's static files and nothing else.

Speed. One `FontConfiguration` and the parsed stylesheet are made once per process and
reused (`font_config()`, `stylesheet()`); charts are small hand-drawn SVGs whose long labels
are HTML text (see charts.py). WeasyPrint is not thread-safe with a shared font
configuration, so renders in one process take turns (`_RENDER_LOCK`); processes scale.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from flask import Flask, current_app, has_app_context
from flask_babel import force_locale
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from .. import branding
from ..vocab import BABEL_LOCALES, LANGUAGES, normalize_lang
from .context import report_context
from .data import RoundReport
from .fetcher import STATIC_DIR, STATIC_URL, StaticFilesFetcher, safe_url_fetcher

__all__ = [
    "BABEL_LOCALES",
    "LANGUAGES",
    "font_config",
    "html_to_pdf",
    "normalize_lang",
    "render_html",
    "render_pdf",
    "stylesheet",
    "using_app",
]

STYLESHEET = "report.css"
TEMPLATE = "report/report.html"


# --- per-process resources ----------------------------------------------------------------


@lru_cache(maxsize=1)
def font_config() -> FontConfiguration:
    """The process's one FontConfiguration (fonts are looked up once, then reused)."""
    return FontConfiguration()


@lru_cache(maxsize=1)
def stylesheet() -> CSS:
    """The report stylesheet, fetched through `safe_url_fetcher` and parsed once."""
    return CSS(url=STATIC_URL + STYLESHEET, url_fetcher=safe_url_fetcher, font_config=font_config())


def reset_process_resources() -> None:
    """Forget the cached font configuration and stylesheet (for a new worker process)."""
    stylesheet.cache_clear()
    font_config.cache_clear()


_RENDER_LOCK = threading.Lock()


# --- rendering ----------------------------------------------------------------------------


@contextmanager
def using_app(app: Flask | None) -> Iterator[Flask]:
    """`app` in an app context, or the app of the active context (RuntimeError if none)."""
    if app is not None:
        with app.app_context():
            yield app
        return
    if not has_app_context():
        raise RuntimeError(
            "rendering a report needs the Flask app: call it inside `with app.app_context():`"
            " or pass app=…"
        )
    yield current_app._get_current_object()


def _css_text() -> Markup:
    return Markup((STATIC_DIR / STYLESHEET).read_text(encoding="utf-8"))


def render_html(
    report: RoundReport,
    lang: str,
    *,
    inline_css: bool = True,
    app: Flask | None = None,
    pack_title: str | None = None,
) -> str:
    """The report as one HTML document in `lang` ("en" or "zh-CN").

    With `inline_css` (the default) the stylesheet is included, so any browser shows the
    document as the PDF does; `render_pdf` leaves it out and applies the parsed copy.
    """
    lang = normalize_lang(lang)
    with using_app(app) as flask_app, force_locale(BABEL_LOCALES[lang]):
        context = report_context(report, lang)
        context["css"] = _css_text() if inline_css else None
        context["pack_title"] = pack_title
        return flask_app.jinja_env.get_template(TEMPLATE).render(context)


#: Every PDF is tagged (PDF/UA-1): a structure tree with the document's language, headings,
#: lists, tables and figures with their text alternative, so that a screen reader reads it
#: in order. It costs about a tenth of the render time (benchmarks/README.md).
PDF_VARIANT = "pdf/ua-1"


def html_to_pdf(html: str, *, logo=None) -> bytes:
    """Lay out report HTML as a tagged PDF with the safe fetcher, cached fonts and
    stylesheet; ``logo`` (a checked ``branding.Logo``) is served to it at BRANDING_URL."""
    fetcher = safe_url_fetcher if logo is None else StaticFilesFetcher(logo=logo)
    document = HTML(string=html, base_url=STATIC_URL, url_fetcher=fetcher)
    with _RENDER_LOCK:
        return document.write_pdf(
            stylesheets=[stylesheet()], font_config=font_config(), pdf_variant=PDF_VARIANT
        )


def render_pdf(
    report: RoundReport,
    lang: str,
    *,
    app: Flask | None = None,
    pack_title: str | None = None,
) -> bytes:
    """The report as PDF bytes in `lang` ("en" or "zh-CN"). Needs the app (an active app
    context or `app=`), not a request."""
    with using_app(app) as flask_app:
        html = render_html(report, lang, inline_css=False, app=flask_app, pack_title=pack_title)
        return html_to_pdf(html, logo=branding.of(flask_app.config).logo)

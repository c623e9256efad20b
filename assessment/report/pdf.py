"""The PDF report: a `RoundReport` → HTML (the app's Jinja templates) → PDF (WeasyPrint).

No HTTP request is needed: templates are rendered with the Flask app's Jinja environment in
an app context, in the language the caller asks for (`flask_babel.force_locale`), so the
command line, the web routes and the pack's worker processes all make the same document.

Safety. All user text reaches the PDF through Jinja autoescaping. The HTML is rendered with
`safe_url_fetcher`, which serves the app's own static files (``assessment/static``) under a
fixed internal origin and refuses everything else (``file://``, ``http(s)://`` anywhere else,
``data:``, paths escaping the folder), so report HTML can reach neither the network nor the
file system.

Speed. One `FontConfiguration` and the parsed stylesheet are made once per process and
reused (`font_config()`, `stylesheet()`); charts are small hand-drawn SVGs whose long labels
are HTML text (see charts.py). WeasyPrint is not thread-safe with a shared font
configuration, so renders in one process take turns (`_RENDER_LOCK`); processes scale.
"""

from __future__ import annotations

import mimetypes
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, has_app_context
from flask_babel import force_locale, format_date, gettext
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..anonymity import Spread, agreement_level
from ..colours import text_on
from ..figures import rwg_text, template_helpers
from ..playbook import NextStep, format_change
from ..questionnaire import Band, Questionnaire, Sign, TextItem
from ..scoring import POOLED_ROLES, SignResult
from ..vocab import AGREEMENT_LABELS, BABEL_LOCALES, LANGUAGES, ROLE_LABELS, normalize_lang
from . import charts
from .data import FreeTextEntry, RoundReport

__all__ = [
    "BABEL_LOCALES",
    "LANGUAGES",
    "STATIC_DIR",
    "STATIC_URL",
    "ResourceRefused",
    "StaticFilesFetcher",
    "font_config",
    "html_to_pdf",
    "normalize_lang",
    "render_html",
    "render_pdf",
    "safe_url_fetcher",
    "stylesheet",
    "using_app",
    "warm_up",
]

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
#: The only place report HTML may load anything from. ".invalid" never resolves (RFC 6761):
#: the fetcher answers for this origin itself and never opens a connection.
STATIC_ORIGIN = ("https", "report.invalid")
STATIC_URL = "https://report.invalid/static/"
STYLESHEET = "report.css"
TEMPLATE = "report/report.html"
RADAR_WIDTH_MM = 92.0
TREND_WIDTH_MM = 176.0


# --- URL fetcher --------------------------------------------------------------------------


class ResourceRefused(ValueError):
    """The report asked for something other than one of the app's static files."""


class StaticFilesFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves files under `root` at `STATIC_URL`, nothing else.

    Refuses other schemes and hosts (``file:``, ``http:``, ``data:``…), empty, ``.`` and
    ``..`` path segments (also percent-encoded), backslashes, NUL bytes, and anything that
    resolves (symbolic links included) outside `root`. It never touches the network.
    """

    def __init__(self, root: Path = STATIC_DIR):
        super().__init__(timeout=1, allowed_protocols=("https",), fail_on_errors=False)
        self.root = Path(root).resolve()

    def resolve(self, url: str) -> Path:
        """The file behind `url`, or ResourceRefused."""
        parts = urlsplit(url)
        if (parts.scheme.lower(), parts.netloc.lower()) != STATIC_ORIGIN:
            raise ResourceRefused(f"only the app's static files may be loaded, not {url!r}")
        path = unquote(parts.path)
        prefix = urlsplit(STATIC_URL).path
        if not path.startswith(prefix):
            raise ResourceRefused(f"not under {prefix}: {url!r}")
        relative = path[len(prefix) :]
        segments = relative.split("/")
        if "\\" in relative or "\x00" in relative or any(s in ("", ".", "..") for s in segments):
            raise ResourceRefused(f"not a plain path inside the static folder: {url!r}")
        file = self.root.joinpath(*segments).resolve()
        if not file.is_relative_to(self.root) or not file.is_file():
            raise ResourceRefused(f"no such static file: {url!r}")
        return file

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        file = self.resolve(url)
        mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=file.read_bytes(), headers={"Content-Type": mime})

    def open(self, url, data=None, timeout=None):  # never urllib's handlers
        return self.fetch(url if isinstance(url, str) else url.full_url)


safe_url_fetcher = StaticFilesFetcher()


# --- per-process resources ----------------------------------------------------------------


@lru_cache(maxsize=1)
def font_config() -> FontConfiguration:
    """The process's one FontConfiguration (fonts are looked up once, then reused)."""
    return FontConfiguration()


@lru_cache(maxsize=1)
def stylesheet() -> CSS:
    """The report stylesheet, fetched through `safe_url_fetcher` and parsed once."""
    return CSS(url=STATIC_URL + STYLESHEET, url_fetcher=safe_url_fetcher, font_config=font_config())


_WARM_UP = {
    "en": "<p>Warm-up: <b>bold</b>, 0123456789 ▲▼→ “quotes” 中文</p>",
    "zh-CN": "<p>预热：<b>加粗</b>，0123456789 ▲▼→ “引号” Latin</p>",
}


def warm_up(lang: str = "en") -> None:
    """Render a tiny document so that this process's fonts are loaded and used once.

    The first report a process renders takes about 0.3 s longer than the next ones; a web
    worker can call this when it starts (gunicorn's ``post_worker_init``) so that no
    request pays for it."""
    lang = normalize_lang(lang)
    html_to_pdf(f'<html lang="{lang}"><body>{_WARM_UP[lang]}</body></html>')


def reset_process_resources() -> None:
    """Forget the cached font configuration and stylesheet (for a new worker process)."""
    stylesheet.cache_clear()
    font_config.cache_clear()


_RENDER_LOCK = threading.Lock()


# --- helpers for the templates ------------------------------------------------------------


def css_string(text: str) -> str:
    """`text` as a CSS string literal; everything but letters, digits and spaces escaped."""
    return (
        '"'
        + "".join(
            c if (c.isalnum() and c.isascii()) or c == " " else f"\\{ord(c):x} " for c in text
        )
        + '"'
    )


def band_css(questionnaires) -> Markup:
    """Rules for the band colours of these questionnaires: `.c-rrggbb` (a chip: the colour
    with black or white text) and `.e-rrggbb` (a coloured left edge). Colours are validated
    as #rrggbb when the questionnaire loads, so they are safe in CSS."""
    colours = sorted({band.colour.lower() for q in questionnaires for band in q.bands})
    rules = []
    for colour in colours:
        if not re.fullmatch(r"#[0-9a-f]{6}", colour):
            raise ValueError(f"not a #rrggbb colour: {colour!r}")
        name = colour[1:]
        rules.append(
            f".c-{name}{{background:{colour};color:{text_on(colour)}}}"
            f".e-{name}{{border-left-color:{colour}}}"
        )
    return Markup("".join(rules))


def punctuation(lang: str) -> dict[str, str]:
    """A colon after a label, the gap between two sentences and a comma, as each language
    writes them: "Trend: …", "… given. Coverage …", "Li Na, Account lead" but "趋势：…",
    "……答卷。作答……", "李娜，客户经理"."""
    if lang == "zh-CN":
        return {"colon": "：", "gap": "", "list_separator": "、", "comma": "，"}
    return {"colon": ": ", "gap": " ", "list_separator": ", ", "comma": ", "}


_PLACEHOLDER = re.compile(r"%\((page|pages)\)s")


def page_counter_css(template: str) -> Markup:
    """A CSS `content` value from a translated "Page %(page)s of %(pages)s"."""
    pieces = []
    for n, piece in enumerate(_PLACEHOLDER.split(template)):
        if n % 2:
            pieces.append(f"counter({piece})")
        elif piece:
            pieces.append(css_string(piece))
    return Markup(" ".join(pieces))


def _day(value: str | date | datetime | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


@dataclass(frozen=True)
class SignView:
    """What the report shows about one sign."""

    sign: Sign
    result: SignResult | None
    band: Band | None
    history: tuple[tuple[str, float | None], ...]
    comments: tuple[FreeTextEntry, ...]
    answers: tuple[tuple[TextItem, tuple[FreeTextEntry, ...]], ...]  # open questions answered
    step: NextStep | None
    open_actions: int
    done_actions: int
    spread: Spread | None = None

    @property
    def score(self) -> float | None:
        return self.result.score if self.result is not None else None

    @property
    def not_asked(self) -> bool:
        """None of the sign's scored items is asked in this kind of round."""
        return self.result is not None and self.result.not_asked


def _sign_views(report: RoundReport) -> list[SignView]:
    q, result = report.questionnaire, report.result
    steps = {step.sign_id: step for step in report.outcome.next_steps}
    views = []
    for sign in q.signs:
        found = result.get(sign.id)
        history = tuple(
            (period, s.score if (s := res.get(sign.id)) is not None else None)
            for period, res in report.history
        )
        actions = report.actions_for(sign.id)
        views.append(
            SignView(
                sign=sign,
                result=found,
                band=q.band(found.band_id) if found is not None and found.band_id else None,
                history=history,
                comments=tuple(report.comments_for(sign.id)),
                answers=tuple((item, tuple(said)) for item, said in report.answers_for(sign.id)),
                step=steps.get(sign.id),
                open_actions=sum(1 for a in actions if not a.done),
                done_actions=sum(1 for a in actions if a.done),
                spread=report.spread.get(sign.id),
            )
        )
    return views


def _band_ranges(q: Questionnaire) -> list[tuple[Band, float, float]]:
    ranges, upper = [], 100.0
    for band in q.bands:
        ranges.append((band, band.min, upper))
        upper = band.min
    return ranges


def common_context(lang: str, questionnaires, generated_at: datetime) -> dict:
    """What every report template needs: labels, the band colours, the localised page
    counter and punctuation (call inside `force_locale`)."""
    return {
        "lang": lang,
        "generated": format_date(generated_at, format="long"),
        "page_counter": page_counter_css(gettext("Page %(page)s of %(pages)s")),
        "role_label": _role_label,
        "band_css": band_css(questionnaires),
        "change": format_change,
        "css": None,
        **template_helpers(),
        **punctuation(lang),
    }


def _role_label(role: str) -> str:
    """A role as the report names it (call inside `force_locale`); the pooled small role
    groups of an anonymous round are "other roles combined"."""
    if role == POOLED_ROLES:
        return gettext("other roles combined")
    return gettext(ROLE_LABELS.get(role, ROLE_LABELS["other"]).msgid)


def agreement_detail(q: Questionnaire, sign: SignResult, anonymous: bool, lang: str) -> Markup:
    """A sign's agreement figure in brackets (two decimals that never contradict "raters
    disagree"), or in an anonymous round its level in words (decided on the exact rwg), in
    the language's brackets (call inside `force_locale`)."""
    if anonymous:
        words = Markup.escape(gettext(AGREEMENT_LABELS[agreement_level(sign.exact_rwg)].msgid))
        return Markup("（%s）" if lang == "zh-CN" else "(%s)") % words
    figure = Markup.escape(rwg_text(q, sign.rwg, sign.raters_disagree))
    return Markup("(r<sub>wg</sub> %s)") % figure


def withheld_reason(report: RoundReport) -> str | None:
    """Why the report shows no results, or None (call inside `force_locale`)."""
    policy = report.policy
    if policy.results_visible:
        return None
    if policy.state == "open":
        return gettext(
            "Results withheld: this round is anonymous and still open. Its results come when it"
            " closes with at least %(floor)s answers.",
            floor=policy.floor,
        )
    return gettext(
        "Results withheld to protect anonymity: %(submitted)s people submitted answers, and this"
        " anonymous round shows results from %(floor)s.",
        submitted=policy.submitted,
        floor=policy.floor,
    )


def report_context(report: RoundReport, lang: str) -> dict:
    """Everything report.html needs (call inside `force_locale`)."""
    q, result = report.questionnaire, report.result
    previous_round = report.outcome.previous_round
    today = report.generated_at.date()
    overdue = {
        a.id for a in report.actions if not a.done and (due := _day(a.due_date)) and due < today
    }
    return {
        **common_context(lang, [q], report.generated_at),
        "report": report,
        "round": report.round,
        "client": report.client,
        "q": q,
        "r": result,
        "band": q.band(result.band_id) if result.band_id else None,
        "signs": _sign_views(report),
        "steps": report.outcome.next_steps,
        "previous_period": previous_round.period if previous_round is not None else None,
        "band_ranges": _band_ranges(q),
        "sign_titles": {sign.id: sign.title.get(lang) for sign in q.signs},
        "not_asked_titles": [
            q.sign(s.sign_id).title.get(lang) for s in result.signs if s.not_asked
        ],
        "threshold": q.settings.trend_threshold,
        "overdue": overdue,
        "open_actions": sum(1 for a in report.actions if not a.done),
        "done_actions": sum(1 for a in report.actions if a.done),
        "radar": charts.radar_chart(
            q,
            result,
            report.outcome.previous,
            lang,
            current_period=report.round.period,
            previous_period=previous_round.period if previous_round is not None else None,
        ).html(RADAR_WIDTH_MM),
        "trend": charts.trend_chart(q, report.history, lang).html(TREND_WIDTH_MM)
        if len(report.history) > 1
        else None,
        "day": lambda value: format_date(d, format="medium") if (d := _day(value)) else "",
        "pack_title": None,
        "agreement_detail": lambda sign: agreement_detail(q, sign, report.round.anonymous, lang),
        "withheld_reason": withheld_reason(report),
    }


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


def html_to_pdf(html: str) -> bytes:
    """Lay out report HTML as PDF with the safe fetcher, cached fonts and stylesheet."""
    document = HTML(string=html, base_url=STATIC_URL, url_fetcher=safe_url_fetcher)
    with _RENDER_LOCK:
        return document.write_pdf(stylesheets=[stylesheet()], font_config=font_config())


def render_pdf(
    report: RoundReport,
    lang: str,
    *,
    app: Flask | None = None,
    pack_title: str | None = None,
) -> bytes:
    """The report as PDF bytes in `lang` ("en" or "zh-CN"). Needs the app (an active app
    context or `app=`), not a request."""
    html = render_html(report, lang, inline_css=False, app=app, pack_title=pack_title)
    return html_to_pdf(html)

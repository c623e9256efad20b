"""Language choice: 简体中文 or English, per session, defaulting from the browser."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField

from .. import vocab
from ..db import get_db
from ..store import users
from .access import public
from .fastpath.languages import browser_language

LOGIN_REQUIRED_MESSAGE = _l("Please log in to see this page.")

bp = Blueprint("i18n", __name__)


def current_language() -> str:
    """The language of this request: the session's choice, else (on a personal link) the
    respondent's, else the account's, else the browser's."""
    supported = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in supported:
        return chosen
    if g.get("person_language") in supported:
        return g.person_language
    if current_user.is_authenticated and current_user.language in supported:
        return current_user.language
    best = browser_language(request.headers.get("Accept-Language", ""), tuple(supported))
    return best or current_app.config["DEFAULT_LANGUAGE"]


def requested_language() -> str:
    """A ``?lang=`` the page asks for (charts, PDFs), else the request's language."""
    lang = request.args.get("lang")
    return lang if lang in current_app.config["LANGUAGES"] else current_language()


def babel_locale() -> str:
    """The request's language as Babel spells it (``vocab.BABEL_LOCALES``; a configured
    ``DEFAULT_LANGUAGE`` the app has no catalog for is passed on as it is)."""
    lang = current_language()
    return vocab.BABEL_LOCALES.get(lang, lang)


class LanguageForm(FlaskForm):
    language = HiddenField()
    next = HiddenField()


def _safe_next(target: str | None) -> str:
    """Only a path on this site; anything else goes home (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("main.index")


@bp.post("/language")
@public
def switch_language():
    form = LanguageForm()
    language = form.language.data
    if not form.validate_on_submit() or language not in current_app.config["LANGUAGES"]:
        return redirect(url_for("main.index"))
    choose_language(language)
    return redirect(_safe_next(form.next.data))


def choose_language(language: str) -> None:
    """Make ``language`` the session's (and a logged-in user's) language, for the rest of
    this request too (Flask-Babel keeps the locale it found until told to look again)."""
    session["lang"] = language
    if current_user.is_authenticated:
        users.set_language(get_db(), current_user.id, language)
    refresh()


def language_next() -> str:
    """Where the language switch returns to: this page."""
    return request.full_path.rstrip("?")


def template_context() -> dict:
    lang = current_language()
    return {
        "current_language": lang,
        # Between the items of a list in a sentence: "A, B" but "甲、乙".
        "list_separator": vocab.LIST_SEPARATOR.get(lang),
        "language_names": vocab.LANGUAGE_NAMES,
        "language_next": language_next,
    }

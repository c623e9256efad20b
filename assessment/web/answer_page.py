"""The answer form page: compiled once per round, filled in per respondent.

Rendering the form through WTForms and Jinja costs several milliseconds (a questionnaire
has some 200 radio buttons), which was nearly all of what opening one's form cost. Yet the
page differs between the respondents of a round only in a few places, each marked as a
slot in the templates (see ``slots``): the CSRF token, the language switch's return path,
flashed messages, the respondent's name and the saved answers (a ``checked`` per chosen
option, a number, a text). So ``render_compiled`` renders the page once per round,
language and draft status, and answers each request by filling those slots in.

``render_live`` renders the same templates the usual way, with a bound form; it serves
a form with errors and visitors who are logged in (whose navigation differs). The tests
check that both give the same page.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

from flask import current_app, render_template
from markupsafe import escape

from ..store.responses import Draft
from ..store.rounds import Respondent, Round
from .answer_form import AnswerForm, form_data_from_draft, number_text
from .csrf_tokens import csrf_token
from .i18n import language_next
from .slots import SEPARATOR, CompiledPage, compile_page, flash_messages

TEMPLATE = "respond/form.html"
CACHE_SIZE = 64  # pages per worker; one is about 70 KB


def render_live(form: AnswerForm, respondent: Respondent, current: Round, draft: Draft) -> str:
    return render_template(TEMPLATE, form=form, respondent=respondent, round=current, draft=draft)


def render_compiled(
    form_class: type[AnswerForm], respondent: Respondent, current: Round, draft: Draft, lang: str
) -> bytes:
    """The page (UTF-8) of a respondent who is not logged in, opening their form."""
    page = _compiled_page(form_class, respondent, current, draft.status, lang)
    values = {
        "csrf": csrf_token(),
        "next": escape(language_next()),
        "flashes": flash_messages(),
        "name": escape(respondent.name),
    }
    data = form_data_from_draft(current.questionnaire, current.kind, draft)
    values.update(page.answer_values(data))
    return page.html.fill(values)


@dataclass(frozen=True)
class _AnswerPage:
    html: CompiledPage
    kinds: dict[str, str]  # form field name → "checked", "value" or "text"

    @classmethod
    def of(cls, html: CompiledPage) -> _AnswerPage:
        """The kind of slot each field has, as the macros in ``respond/_fields.html``
        write them: ("checked", name, value), ("value", name) or ("text", name)."""
        kinds = {}
        for key in html.keys:
            kind, _sep, rest = key.partition(SEPARATOR)
            if kind in ("checked", "value", "text"):
                kinds[rest.partition(SEPARATOR)[0]] = kind
        return cls(html, kinds)

    def answer_values(self, data: dict) -> dict[str, str]:
        """Slot values for the form data of a draft (``form_data_from_draft``)."""
        values: dict[str, str] = {}
        kinds, sep = self.kinds, SEPARATOR  # keys as slot_key() makes them, spelled out
        for name, value in data.items():
            kind = kinds.get(name)
            if kind == "checked":  # a radio button, or an N/A checkbox (True)
                values[f"checked{sep}{name}{sep}{'y' if value is True else value}"] = " checked"
            elif kind == "value":
                values[f"value{sep}{name}"] = escape(number_text(value))
            elif kind == "text":
                values[f"text{sep}{name}"] = escape(value or "")
        return values


class _PageCache:
    """The compiled pages of one app in this process, least recently used dropped first.
    A lock keeps the order consistent when the server runs threads (``flask run``);
    compiling happens outside it, so two threads may compile the same page once each."""

    def __init__(self) -> None:
        self._pages: OrderedDict[tuple, _AnswerPage] = OrderedDict()
        self._lock = threading.Lock()

    def keys(self) -> list[tuple]:
        with self._lock:
            return list(self._pages)

    def get(self, key: tuple, make: Callable[[], _AnswerPage]) -> _AnswerPage:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
                return page
        page = make()
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > CACHE_SIZE:
                self._pages.popitem(last=False)
        return page


def _compiled_page(
    form_class: type[AnswerForm], respondent: Respondent, current: Round, status: str, lang: str
) -> _AnswerPage:
    """From this worker's cache; the key holds everything the page's fixed parts show, so
    an edited round (due date, client name, status) gets a page of its own."""
    cache = current_app.extensions.get("assessment.answer_pages")
    if cache is None:
        cache = current_app.extensions.setdefault("assessment.answer_pages", _PageCache())

    def make() -> _AnswerPage:
        return _AnswerPage.of(
            compile_page(
                TEMPLATE,
                form=form_class(formdata=None),
                respondent=replace(respondent, name=""),
                round=current,
                draft=Draft(status=status),
            )
        )

    return cache.get((current, lang, status), make)

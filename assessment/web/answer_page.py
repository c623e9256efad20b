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

from collections import OrderedDict
from dataclasses import replace

from flask import current_app, render_template
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from ..store.responses import Draft
from ..store.rounds import Respondent, Round
from .answer_form import AnswerForm, form_data_from_draft, number_text
from .i18n import language_next
from .slots import CompiledPage, compile_page, flash_messages, slot_key

TEMPLATE = "respond/form.html"
CACHE_SIZE = 64  # pages per worker; one is about 70 KB


def render_live(form: AnswerForm, respondent: Respondent, current: Round, draft: Draft) -> str:
    return render_template(TEMPLATE, form=form, respondent=respondent, round=current, draft=draft)


def render_compiled(
    form_class: type[AnswerForm], respondent: Respondent, current: Round, draft: Draft, lang: str
) -> str:
    """The page of a respondent who is not logged in, opening their form (no errors)."""
    page = _compiled_page(form_class, respondent, current, draft.status, lang)
    values = {
        "csrf": generate_csrf(),
        "next": escape(language_next()),
        "flashes": flash_messages(),
        "name": escape(respondent.name),
    }
    data = form_data_from_draft(current.questionnaire, current.kind, draft)
    values.update(_answer_values(page, data))
    return page.fill(values)


def _compiled_page(
    form_class: type[AnswerForm], respondent: Respondent, current: Round, status: str, lang: str
) -> CompiledPage:
    """From this worker's cache; the key holds everything the page's fixed parts show, so
    an edited round (due date, client name, status) gets a page of its own."""
    cache = current_app.extensions.setdefault("assessment.answer_pages", OrderedDict())
    key = (current, lang, status)
    page = cache.get(key)
    if page is not None:
        cache.move_to_end(key)
        return page
    page = compile_page(
        TEMPLATE,
        form=form_class(formdata=None),
        respondent=replace(respondent, name=""),
        round=current,
        draft=Draft(status=status),
    )
    cache[key] = page
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return page


def _answer_values(page: CompiledPage, data: dict) -> dict[str, str]:
    """Slot values for the form data of a draft (``form_data_from_draft``), named as the
    field macros in ``respond/_fields.html`` name them."""
    values: dict[str, str] = {}
    for name, value in data.items():
        if value is True:  # an N/A checkbox
            values[slot_key("checked", name, "y")] = "checked"
        elif (key := slot_key("value", name)) in page.keys:
            values[key] = escape(number_text(value))
        elif (key := slot_key("text", name)) in page.keys:
            values[key] = escape(value or "")
        else:
            values[slot_key("checked", name, value)] = "checked"
    return values

"""The answer form page: compiled once per round, filled in per respondent.

Rendering the form through WTForms and Jinja costs several milliseconds (a questionnaire
has some 200 radio buttons), which was nearly all of what opening one's form cost. Yet the
page differs between the respondents of a round only in a few places, each marked as a
slot in the templates (see ``slots``): the CSRF token, the language switch's return path,
flashed messages, the respondent's name and the saved answers (a ``checked`` per chosen
option, a number, a text). So ``render_compiled`` renders the page once per round,
language and draft status, and answers each request by filling those slots in.

The page is compiled from stand-ins (``standin``), never from the visitor who happens to
open it first: a respondent that has only ``RESPONDENT_SLOTS`` and a draft that has only
its status (part of the cache key). A template that shows any other field of either fails
when the page is compiled instead of showing one person's data to the whole round.

``render_live`` renders the same templates the usual way, with a bound form; it serves
a form with errors and visitors who are logged in (whose navigation differs). The tests
check that both give the same page.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template
from markupsafe import Markup, escape

from ...answers import NA, TYPES, Draft, answered_by_sign, asked_by_sign, choices
from ...lru import LRUCache
from ...questionnaire import Item, Questionnaire
from ...store.respondents import Respondent
from ...store.rounds import Round
from ..answer_form import AnswerForm, form_data_from_draft, number_text
from ..evidence import incidents_before
from ..i18n import language_next
from .csrf_tokens import csrf_token
from .slots import SEPARATOR, CompiledPage, compile_page, flash_messages, slot_key
from .standin import stand_in

TEMPLATE = "respond/form.html"
CACHE_SIZE = 64  # pages per worker; one is about 70 KB
#: The respondent's fields the page shows: each only through the slot of this key.
RESPONDENT_SLOTS = {"name": "name", "token": "token"}


def render_live(
    form: AnswerForm,
    respondent: Respondent,
    current: Round,
    draft: Draft,
    *,
    notice: str | None = None,
    locked: bool = False,
    review: list | None = None,
    **extra,
) -> str:
    """The page rendered for one request. ``notice`` is a warning shown above the form
    (before any flashed message); ``locked`` disables the buttons (a form that would be
    refused); ``review`` lists the unanswered items of a submission that waits for the
    respondent's confirmation. Pages with any of them never come from the compiled cache.
    ``extra`` goes to the template as it is (``way_forward``: a browser without the answer
    key is shown how to go on, ``web.draft_transfer``; ``kept_invalid``: the draft keeps
    invalid answers as typed)."""
    context: dict = {"review": review, **extra}
    if notice is not None:
        alert = Markup(render_template("_flashes.html", messages=[("warning", notice)]))
        context["flash_messages"] = lambda: alert + flash_messages()
    if locked:
        context["locked"] = True
    return render_template(
        TEMPLATE, form=form, respondent=respondent, round=current, draft=draft, **context
    )


def render_compiled(
    form_class: type[AnswerForm], respondent: Respondent, current: Round, draft: Draft, lang: str
) -> bytes:
    """The page (UTF-8) of a respondent who is not logged in, opening their form."""
    page = _compiled_page(form_class, current, draft.status, lang)
    values = {
        "csrf": csrf_token(),
        "next": escape(language_next()),
        "flashes": flash_messages(),
    }
    for field, key in RESPONDENT_SLOTS.items():
        values[key] = escape(getattr(respondent, field))
    values.update(page.draft_values(draft))
    return page.html.fill(values)


@dataclass(frozen=True)
class _AnswerPage:
    """A compiled answer page, with where each saved answer goes in it.

    ``constant`` gives the slot values of an answer whose rendering does not depend on
    anything but itself (a radio button's choice, "not applicable"); ``variable`` the slot
    of a number or a text, whose value is escaped per request. Both tables are derived
    by putting a draft of each such answer through ``form_data_from_draft`` and the
    page's slots, the way the live page fills its form, so the two cannot disagree; per
    request an answer then costs one lookup instead of two conversions.
    """

    html: CompiledPage
    constant: dict[tuple[str, object], dict[str, str]]  # (item id, saved value) → values
    variable: dict[str, tuple[str, str]]  # item id → (slot key, "value" or "text")
    comments: dict[str, str]  # sign id → slot key
    questionnaire: Questionnaire
    kind: str
    asked: dict[str, frozenset[str]]  # sign id → the ids of its items asked (progress)
    answered_slots: dict[str, str]  # sign id → the slot key of its answered count

    @classmethod
    def of(cls, html: CompiledPage, questionnaire: Questionnaire, kind: str) -> _AnswerPage:
        kinds = _slot_kinds(html)

        def values_of(answers: dict, comments: dict | None = None) -> dict[str, str]:
            draft = Draft(answers=answers, comments=comments or {})
            return _slot_values(kinds, form_data_from_draft(questionnaire, kind, draft))

        constant: dict[tuple[str, object], dict[str, str]] = {}
        variable: dict[str, tuple[str, str]] = {}
        for item in questionnaire.items():
            for value in _choices(questionnaire, item):
                if found := values_of({item.id: value}):
                    constant[item.id, value] = found
            if (sample := TYPES[item.type].sample) is not None:  # a number, a text
                for key in values_of({item.id: sample}):
                    variable[item.id] = (key, key.partition(SEPARATOR)[0])
        comments = {
            sign.id: key for sign in questionnaire.signs for key in values_of({}, {sign.id: "x"})
        }
        asked = asked_by_sign(questionnaire, kind)
        answered_slots = {sign_id: slot_key("answered", sign_id) for sign_id in asked}
        return cls(html, constant, variable, comments, questionnaire, kind, asked, answered_slots)

    def draft_values(self, draft: Draft) -> dict[str, str]:
        """Slot values showing a saved draft's answers and comments."""
        values: dict[str, str] = {}
        constant, variable = self.constant, self.variable
        for item_id, value in draft.answers.items():
            fixed = constant.get((item_id, value))
            if fixed is not None:
                values.update(fixed)
            elif (slot := variable.get(item_id)) is not None:
                key, kind = slot
                values[key] = escape(number_text(value) if kind == "value" else value)
        for sign_id, text in draft.comments.items():
            if (key := self.comments.get(sign_id)) is not None:
                values[key] = escape(text)
        progress = answered_by_sign(
            self.questionnaire, self.kind, draft.answers.keys(), asked=self.asked
        )
        total = 0
        for sign_id, (answered, _asked) in progress.items():
            values[self.answered_slots[sign_id]] = str(answered)
            total += answered
        values["answered"] = str(total)
        return values


def _choices(questionnaire: Questionnaire, item: Item) -> list:
    """The saved values an item's answer can take that render the same every time."""
    return [*choices(questionnaire, item), NA]


def _slot_kinds(html: CompiledPage) -> dict[str, str]:
    """The kind of slot each form field has, as the macros in ``respond/_fields.html``
    write them: ("checked", name, value), ("value", name) or ("text", name)."""
    kinds = {}
    for key in html.keys:
        kind, _sep, rest = key.partition(SEPARATOR)
        if kind in ("checked", "value", "text"):
            kinds[rest.partition(SEPARATOR)[0]] = kind
    return kinds


def _slot_values(kinds: dict[str, str], data: dict) -> dict[str, str]:
    """Slot values for form data (``form_data_from_draft``), keys as slot_key() makes
    them, spelled out."""
    values: dict[str, str] = {}
    sep = SEPARATOR
    for name, value in data.items():
        kind = kinds.get(name)
        if kind == "checked":  # a radio button, or an N/A checkbox (True)
            values[f"checked{sep}{name}{sep}{'y' if value is True else value}"] = " checked"
        elif kind == "value":
            values[f"value{sep}{name}"] = escape(number_text(value))
        elif kind == "text":
            values[f"text{sep}{name}"] = escape(value or "")
    return values


def _compiled_page(
    form_class: type[AnswerForm], current: Round, status: str, lang: str
) -> _AnswerPage:
    """From this worker's cache; the key holds everything the page's fixed parts show, so
    an edited round (due date, client name, status) gets a page of its own. Nothing of the
    respondent reaches it but through a slot: it is compiled from stand-ins."""
    cache = current_app.extensions.get("assessment.answer_pages")
    if cache is None:
        cache = current_app.extensions.setdefault("assessment.answer_pages", LRUCache(CACHE_SIZE))

    def make() -> _AnswerPage:
        return _AnswerPage.of(
            compile_page(
                TEMPLATE,
                form=form_class(formdata=None),
                respondent=stand_in(Respondent, slots=RESPONDENT_SLOTS),
                round=current,
                draft=stand_in(Draft, fixed={"status": status}),
            ),
            current.questionnaire,
            current.kind,
        )

    # The incident counts the form shows before each sign (issue 28) change between
    # requests: part of the key, so that a page never shows stale counts.
    counts = tuple(sorted(incidents_before(current).items()))
    return cache.get((current, lang, status, counts), make)

"""What an answer is, defined once: its values, "not applicable", drafts and text limits.

A saved answer (a ``Value``) is a whole number from 1 to 5 for a likert item, a number for
a number item, an option id for a choice item, a text for a text item, or ``NA`` ("not
applicable / don't know": saved and shown again, left out of every score). An item left
unanswered has no value at all. The store, the scoring engine, the answer form, the
compiled answer page, the exports and the demo data read and check values here:

- ``from_form`` turns what the answer form posted into a value, ``number_text`` a number
  back into what a form field shows;
- ``to_columns`` / ``from_columns`` are the three columns of the ``answers`` table, and
  ``for_engine`` what the scoring engine takes (N/A as None);
- ``check(item, value)`` is whether the item allows the value, ``check_type`` only whether
  it is a value of the item's type: all the engine needs to score it (a number beyond the
  item's range scores as its nearest end; a likert answer read back as 3.0 is 3). Both
  raise ``InvalidAnswers``, the one error for answers that do not fit;
- ``check_response`` checks a whole save once, before the store writes anything;
- ``Draft`` is what a respondent has saved so far, ``status_after`` what a save makes it.

What differs between item types is one row of ``TYPES`` per type of the questionnaire
model (``ITEM_TYPES``); the engine's item health (``scoring``), the form's fields
(``web.answer_form``) and the demo's answers are tables keyed the same way, and a test
checks that every table covers every type.

Part of the pure core: standard library and the questionnaire model only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from .questionnaire import LIKERT_POINTS, NA_OPTION, Questionnaire
from .scores import FrozenMap

__all__ = [
    "MAX_COMMENT",
    "NA",
    "NA_CHOICE",
    "STATUSES",
    "TYPES",
    "Answer",
    "AnswerType",
    "Draft",
    "InvalidAnswers",
    "Response",
    "Value",
    "blank",
    "check",
    "check_response",
    "check_submission",
    "check_type",
    "choices",
    "for_engine",
    "from_columns",
    "from_form",
    "has_scored_answer",
    "in_own_words",
    "number_text",
    "one_newline",
    "status_after",
    "text_length",
    "to_columns",
]


class _NotApplicable:
    """The answer "not applicable / don't know": stored, but left out of every score."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NA"


NA = _NotApplicable()
Value = int | float | str | _NotApplicable

#: The value the answer form sends for "not applicable" among an item's own choices (an
#: option may not use it as its id: the questionnaire model refuses such a file).
NA_CHOICE = NA_OPTION
#: The longest comment on a sign, in characters (a text item has its own ``max_length``).
MAX_COMMENT = 5000
#: A respondent's answers: none saved yet, a draft, or submitted (which they stay).
STATUSES = ("invited", "draft", "submitted")


class InvalidAnswers(ValueError):
    """Answers that do not fit the round's questionnaire; nothing was stored.

    ``problems`` maps what is wrong (an item id, ``comment:<sign id>``, or "" for the
    whole response) to what is allowed."""

    def __init__(self, problems: Mapping[str, str]):
        self.problems = dict(problems)
        super().__init__("; ".join(f"{key}: {text}" for key, text in self.problems.items()))


# --- texts ----------------------------------------------------------------------------------


def one_newline(text: object) -> object:
    """Line breaks as one character each. A browser counts a line break as one character
    against ``maxlength`` but sends it as two (CRLF), so an answer that just fits would
    be refused as too long."""
    if isinstance(text, str):
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def text_length(text: str) -> int:
    """A text's length as its limits count it: a line break is one character."""
    return len(text.replace("\r\n", "\n"))


def blank(data: object) -> bool:
    """No answer: nothing sent, or only whitespace (which the form lets through
    unvalidated, so a radio button "answered" with a space must not reach ``int()``)."""
    return data is None or (isinstance(data, str) and not data.strip())


def number_text(value: float | int | None) -> str:
    """A number as a form field shows it: no exponent, no trailing ".0", and the shortest
    digits that read back as the same number (``%g`` would show 1234567 as 1.23457e+06, and
    a fixed 15 significant digits changed 1.1367993242810981e-104: either loses the answer
    when the form is sent back)."""
    if value is None:
        return ""
    number = float(value)
    if number.is_integer():
        return str(int(number))
    return format(Decimal(repr(number)), "f")


# --- per item type --------------------------------------------------------------------------


def _is_number(value: object) -> bool:
    return type(value) in (int, float) or (
        isinstance(value, int | float) and not isinstance(value, bool)
    )


def _likert_type(item, value, points: int) -> str | None:
    if not _is_number(value) or not 1 <= value <= points or value != int(value):
        return f"a likert answer must be a whole number from 1 to {points}, got {value!r}"
    return None


def _likert_limit(item, value) -> str | None:
    # Saved as the int the form sends; the engine also takes 3.0 (a REAL read back).
    return None if isinstance(value, int) else f"a likert answer is saved as an int, got {value!r}"


def _number_type(item, value, points: int) -> str | None:
    if not _is_number(value) or not math.isfinite(value):
        return f"a number answer must be a finite number, got {value!r}"
    if item.integer and value != int(value):
        return f"this item takes whole numbers, got {value!r}"
    return None


def _number_limit(item, value) -> str | None:
    if not item.min <= value <= item.max:
        return f"must be between {item.min:g} and {item.max:g}"
    return None


def _choice_type(item, value, points: int) -> str | None:
    if isinstance(value, str) and any(option.id == value for option in item.options):
        return None
    known = ", ".join(option.id for option in item.options)
    return f"unknown option {value!r} (options: {known})"


def _text_type(item, value, points: int) -> str | None:
    if not isinstance(value, str):
        return f"a text answer must be a string, got {type(value).__name__}"
    return None


def _text_limit(item, value) -> str | None:
    if text_length(value) > item.max_length:
        return f"at most {item.max_length} characters"
    return None


def _no_limit(item, value) -> None:
    return None


@dataclass(frozen=True)
class AnswerType:
    """How the answers to one item type behave."""

    #: How the form offers "not applicable" (where the item allows it): as one more of the
    #: item's own choices, as a box beside its field, or never (a text is said in words).
    na: Literal["choice", "checkbox"] | None
    #: A form field's data (neither blank nor N/A) as a value.
    parse: Callable[[Any, Any], Value]
    #: A saved value (not N/A) as the form field holds it.
    form_value: Callable[[Value], object]
    #: What is wrong with a value that is not of this type (None: nothing); the last
    #: argument is the number of likert points.
    type_problem: Callable[[Any, object, int], str | None]
    #: What is wrong with a value of this type that the item does not allow.
    limit_problem: Callable[[Any, Any], str | None]
    #: The values an answer can take when they are few (None: any number or text).
    choices: Callable[[Questionnaire, Any], tuple[Value, ...]] | None
    #: A value of a free answer (a number, a text): what the compiled page fills in.
    sample: Value | None
    #: Answers in the respondent's own words: never scored, shown only from the text
    #: floor of an anonymous round (``anonymity.visible_free_text``).
    own_words: bool = False


TYPES: dict[str, AnswerType] = {
    "likert": AnswerType(
        na="choice",
        parse=lambda item, data: int(data),
        form_value=str,
        type_problem=_likert_type,
        limit_problem=_likert_limit,
        choices=lambda q, item: tuple(range(1, len(q.scale.likert) + 1)),
        sample=None,
    ),
    "number": AnswerType(
        na="checkbox",
        parse=lambda item, data: int(data) if item.integer else float(data),
        form_value=lambda value: value,
        type_problem=_number_type,
        limit_problem=_number_limit,
        choices=None,
        sample=1,
    ),
    "choice": AnswerType(
        na="choice",
        parse=lambda item, data: data,
        form_value=lambda value: value,
        type_problem=_choice_type,
        limit_problem=_no_limit,
        choices=lambda q, item: tuple(option.id for option in item.options),
        sample=None,
    ),
    "text": AnswerType(
        na=None,
        parse=lambda item, data: data,
        form_value=lambda value: value,
        type_problem=_text_type,
        limit_problem=_text_limit,
        choices=None,
        sample="x",
        own_words=True,
    ),
}


def choices(questionnaire: Questionnaire, item) -> tuple[Value, ...]:
    """The values an answer to ``item`` can take when they are few (likert points, option
    ids), without N/A; () for a number or a text."""
    found = TYPES[item.type].choices
    return () if found is None else found(questionnaire, item)


def in_own_words(item) -> bool:
    """Whether answers to ``item`` are free text in the respondent's own words."""
    return TYPES[item.type].own_words


# --- checking -------------------------------------------------------------------------------


def _refuse(item, problem: str | None) -> None:
    if problem is not None:
        raise InvalidAnswers({item.id: problem})


def check_type(item, value: object, *, points: int = LIKERT_POINTS) -> None:
    """Refuse (``InvalidAnswers``) a value that is no answer of the item's type: what the
    engine checks before scoring (N/A reaches it as None and is not checked here)."""
    _refuse(item, TYPES[item.type].type_problem(item, value, points))


def check(item, value: object) -> None:
    """Refuse (``InvalidAnswers``) a value the item does not allow: N/A where the item
    offers none, a value not of its type, or beyond its limits (a number's range, a
    text's ``max_length`` with line breaks counted once)."""
    rules = TYPES[item.type]
    if value is NA:
        allowed = rules.na is not None and getattr(item, "allow_na", False)
        _refuse(item, None if allowed else "N/A is not allowed")
        return
    _refuse(item, rules.type_problem(item, value, LIKERT_POINTS))
    _refuse(item, rules.limit_problem(item, value))


def check_response(
    questionnaire: Questionnaire,
    kind: str,
    answers: Mapping[str, object],
    comments: Mapping[str, object],
) -> None:
    """Refuse anything the form could not have sent: unknown ids, items not asked in
    this kind of round, values ``check`` refuses, comments too long or on no sign. Every
    problem is listed in the one ``InvalidAnswers``."""
    problems: dict[str, str] = {}
    items = questionnaire.items_by_id
    for item_id, value in answers.items():
        found = items.get(item_id)
        if found is None or not found[1].applies(kind):
            problems[item_id] = "not a question of this round"
            continue
        try:
            check(found[1], value)
        except InvalidAnswers as exc:
            problems.update(exc.problems)
    signs = {sign.id for sign in questionnaire.signs}
    for sign_id, text in comments.items():
        if sign_id not in signs:
            problems[f"comment:{sign_id}"] = "not a sign of this questionnaire"
        elif not isinstance(text, str) or text_length(text) > MAX_COMMENT:
            problems[f"comment:{sign_id}"] = f"at most {MAX_COMMENT} characters"
    if problems:
        raise InvalidAnswers(problems)


def has_scored_answer(questionnaire: Questionnaire, answers: Iterable[str]) -> bool:
    """Whether the answers (item ids) include a scored item: an empty form is never a
    submission."""
    return any(
        (found := questionnaire.items_by_id.get(item_id)) is not None and found[1].scored
        for item_id in answers
    )


def check_submission(questionnaire: Questionnaire, answers: Mapping[str, object]) -> None:
    """A submission keeps at least one answered scored item: saving again (as a draft or
    not) never turns it into an empty submission. (The answer form refuses an empty first
    submission too; see ``AnswerForm.check_required``.)"""
    if not has_scored_answer(questionnaire, answers):
        raise InvalidAnswers({"": "a submission needs at least one answered question"})


# --- converting -----------------------------------------------------------------------------


def from_form(item, data: object, *, na: bool = False) -> Value | None:
    """What a form field posted, as an answer to ``item``: None when left blank, ``NA``
    when "not applicable" was ticked beside the field (``na``) or chosen among its
    choices. Call it on data the form has validated."""
    if na:
        return NA
    if blank(data):
        return None
    rules = TYPES[item.type]
    if rules.na == "choice" and data == NA_CHOICE:
        return NA
    return rules.parse(item, data)


def to_columns(value: Value) -> tuple[float | None, str | None, int]:
    """A value as the answers table stores it: (value_number, value_text, not_applicable)."""
    if value is NA:
        return None, None, 1
    if isinstance(value, str):
        return None, value, 0
    return float(value), None, 0


def from_columns(number: float | None, text: str | None, not_applicable: int) -> Value:
    """A value from its stored columns; a whole number comes back as an int."""
    if not_applicable:
        return NA
    if text is not None:
        return text
    if number is not None and number == int(number):
        return int(number)
    return number


def for_engine(value: Value | None) -> int | float | str | None:
    """A value as the scoring engine and the exports take it: N/A as None."""
    return None if value is NA else value


# --- drafts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """What a respondent has saved so far (status one of ``STATUSES``)."""

    status: str = "invited"
    language: str | None = None
    answers: dict[str, Value] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    submitted_at: str | None = None
    #: Form fields kept as typed because they are not a valid answer yet (a draft only):
    #: field name → the text typed; shown again with the field's message beside it.
    invalid: dict[str, str] = field(default_factory=dict)


def asked_by_sign(questionnaire: Questionnaire, kind: str) -> dict[str, frozenset[str]]:
    """Per sign id, the ids of its items asked in a round of ``kind`` that count in the
    form's progress (every one but the optional open questions, ``Item.optional``)."""
    return {
        sign.id: frozenset(
            item.id for item in sign.items if item.applies(kind) and not item.optional
        )
        for sign in questionnaire.signs
    }


def answered_by_sign(
    questionnaire: Questionnaire,
    kind: str,
    answered: Iterable[str],
    *,
    asked: Mapping[str, frozenset[str]] | None = None,
) -> dict[str, tuple[int, int]]:
    """Per sign id, (answered, asked): of the items asked in a round of ``kind``, how many
    are among the item ids ``answered`` (the answer form's progress; "not applicable"
    counts as an answer, comments do not). ``asked``, ``asked_by_sign``'s result for the
    same questionnaire and kind, spares working that out again where progress is counted
    on every request (the compiled answer page)."""
    if asked is None:
        asked = asked_by_sign(questionnaire, kind)
    done = answered if isinstance(answered, (set, frozenset)) else set(answered)
    return {sign_id: (len(ids & done), len(ids)) for sign_id, ids in asked.items()}


def status_after(previous: str | None, *, submit: bool) -> str:
    """A response's status after a save: a submission stays a submission."""
    return "submitted" if submit or previous == "submitted" else "draft"


#: One answer as the scoring engine takes it: a likert int, a number, an option id, or None
#: (N/A, or not answered).
Answer = int | float | str | None


@dataclass(frozen=True)
class Response:
    """One respondent's answers in one round: item id → likert int, number, option id or None.

    `None` (N/A) and a missing key are the same to the engine: the item is left out.
    """

    respondent_id: str
    role: str | None = None
    answers: Mapping[str, Answer] = field(default_factory=FrozenMap)

    def __post_init__(self):
        if not isinstance(self.answers, FrozenMap):
            object.__setattr__(self, "answers", FrozenMap(self.answers))

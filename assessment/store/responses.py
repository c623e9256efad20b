"""Answers: one row per respondent and item, saved whole or not at all."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlite_utils import Database

from ..questionnaire import ChoiceItem, LikertItem, NumberItem, Questionnaire, TextItem
from ..scoring import Response
from ..sqlite import query_rows, transaction, utcnow
from .rounds import RoundClosed


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


class AnswerKeyTaken(PermissionError):
    """The respondent's answers belong to another browser's answer key; nothing was stored."""


class InvalidAnswers(ValueError):
    """Answers that do not fit the round's questionnaire; nothing was stored."""

    def __init__(self, problems: Mapping[str, str]):
        self.problems = dict(problems)
        super().__init__("; ".join(f"{key}: {text}" for key, text in self.problems.items()))


@dataclass(frozen=True)
class Draft:
    """What a respondent has saved so far."""

    status: str = "invited"
    language: str | None = None
    answers: dict[str, Value] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    submitted_at: str | None = None


MAX_TEXT = 5000


def check_answers(
    questionnaire: Questionnaire, kind: str, answers: Mapping[str, Value], comments: Mapping
) -> None:
    """Refuse anything the form could not have sent: unknown ids, wrong types, bad ranges."""
    problems: dict[str, str] = {}
    items = {item.id: item for item in questionnaire.items() if item.applies(kind)}
    for item_id, value in answers.items():
        item = items.get(item_id)
        if item is None:
            problems[item_id] = "not a question of this round"
            continue
        problem = _check_value(item, value)
        if problem:
            problems[item_id] = problem
    signs = {sign.id for sign in questionnaire.signs}
    for sign_id, text in comments.items():
        if sign_id not in signs:
            problems[f"comment:{sign_id}"] = "not a sign of this questionnaire"
        elif not isinstance(text, str) or len(text) > MAX_TEXT:
            problems[f"comment:{sign_id}"] = f"at most {MAX_TEXT} characters"
    if problems:
        raise InvalidAnswers(problems)


def _check_submission(questionnaire: Questionnaire, answers: Mapping[str, Value]) -> None:
    """A submission being changed keeps at least one answered scored item: saving again
    (as a draft or not) never turns it into an empty submission. (The answer form refuses
    an empty first submission too; see ``AnswerForm.check_required``.)"""
    scored = {item.id for item in questionnaire.items() if item.scored}
    if not scored & set(answers):
        raise InvalidAnswers({"": "a submission needs at least one answered question"})


def _check_value(item, value: Value) -> str | None:
    if value is NA:
        return None if getattr(item, "allow_na", False) else "N/A is not allowed"
    if isinstance(item, LikertItem):
        ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5
        return None if ok else "must be a whole number from 1 to 5"
    if isinstance(item, NumberItem):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "must be a number"
        if not item.min <= value <= item.max:
            return f"must be between {item.min:g} and {item.max:g}"
        if item.integer and value != int(value):
            return "must be a whole number"
        return None
    if isinstance(item, ChoiceItem):
        ids = {option.id for option in item.options}
        return None if value in ids else "not one of the options"
    if isinstance(item, TextItem):
        ok = isinstance(value, str) and len(value) <= item.max_length
        return None if ok else f"at most {item.max_length} characters"
    return "unknown item type"


def _columns(value: Value) -> tuple[float | None, str | None, int]:
    if value is NA:
        return None, None, 1
    if isinstance(value, str):
        return None, value, 0
    return float(value), None, 0


def save_response(
    db: Database,
    respondent_id: int,
    answers: Mapping[str, Value],
    comments: Mapping[str, str],
    *,
    submit: bool,
    language: str | None = None,
    answer_key: str | None = None,
) -> None:
    """Replace the respondent's answers in one transaction; refuse if the round is closed.

    A submission stays a submission: saving again after submitting (until the round
    closes) changes the answers and keeps the status. ``answer_key`` (the hash of the
    saving browser's key, see docs/anonymity.md) must be the respondent's, or the
    respondent must have none yet, when it becomes theirs in the same transaction;
    ``AnswerKeyTaken`` otherwise.
    """
    from .rounds import get_round

    with transaction(db, write=True):
        row = db.execute(
            "SELECT respondents.round_id, rounds.status, respondents.answer_key FROM respondents"
            " JOIN rounds ON rounds.id = respondents.round_id WHERE respondents.id = ?",
            [respondent_id],
        ).fetchone()
        if row is None:
            raise LookupError(respondent_id)
        if row[1] != "open":
            raise RoundClosed(row[0])
        if answer_key is not None and row[2] != answer_key:
            if row[2] is not None:
                raise AnswerKeyTaken(respondent_id)
            db.execute(
                "UPDATE respondents SET answer_key = ? WHERE id = ?", [answer_key, respondent_id]
            )
        current = get_round(db, row[0])
        check_answers(current.questionnaire, current.kind, answers, comments)
        now = utcnow()
        existing = db.execute(
            "SELECT id, status, submitted_at FROM responses WHERE respondent_id = ?",
            [respondent_id],
        ).fetchone()
        if existing is not None and existing[1] == "submitted":
            _check_submission(current.questionnaire, answers)
        if existing is None:
            status = "submitted" if submit else "draft"
            cursor = db.execute(
                "INSERT INTO responses (respondent_id, status, language, submitted_at,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                [respondent_id, status, language, now if submit else None, now, now],
            )
            response_id = cursor.lastrowid
        else:
            response_id, old_status, submitted_at = existing
            status = "submitted" if submit or old_status == "submitted" else "draft"
            db.execute(
                "UPDATE responses SET status = ?, language = ?, submitted_at = ?,"
                " updated_at = ? WHERE id = ?",
                [status, language, now if submit else submitted_at, now, response_id],
            )
        db.execute("DELETE FROM answers WHERE response_id = ?", [response_id])
        db.conn.executemany(
            "INSERT INTO answers (response_id, item_id, value_number, value_text,"
            " not_applicable, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (response_id, item_id, *_columns(value), now, now)
                for item_id, value in answers.items()
            ],
        )
        db.execute("DELETE FROM comments WHERE response_id = ?", [response_id])
        db.conn.executemany(
            "INSERT INTO comments (response_id, sign_id, body, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (response_id, sign_id, text.strip(), now, now)
                for sign_id, text in comments.items()
                if text and text.strip()
            ],
        )


def _value(number: float | None, text: str | None, not_applicable: int) -> Value:
    """An answer from its stored columns (value_number, value_text, not_applicable)."""
    if not_applicable:
        return NA
    if text is not None:
        return text
    return int(number) if number is not None and number == int(number) else number


def load_draft(db: Database, respondent_id: int) -> Draft:
    response = db.execute(
        "SELECT id, status, language, submitted_at FROM responses WHERE respondent_id = ?",
        [respondent_id],
    ).fetchone()
    if response is None:
        return Draft()
    response_id = response[0]
    answers = {
        item_id: _value(number, text, not_applicable)
        for item_id, number, text, not_applicable in db.conn.execute(
            "SELECT item_id, value_number, value_text, not_applicable FROM answers"
            " WHERE response_id = ?",
            [response_id],
        )
    }
    comments = dict(
        db.conn.execute("SELECT sign_id, body FROM comments WHERE response_id = ?", [response_id])
    )
    return Draft(
        status=response[1],
        language=response[2],
        answers=answers,
        comments=comments,
        submitted_at=response[3],
    )


def submitted_responses(db: Database, round_id: int) -> list[Response]:
    """The round's submitted answers as the scoring engine takes them (N/A as None)."""
    rows = query_rows(
        db,
        "SELECT respondents.id AS respondent_id, respondents.role, answers.*"
        " FROM responses JOIN respondents ON respondents.id = responses.respondent_id"
        " LEFT JOIN answers ON answers.response_id = responses.id"
        " WHERE respondents.round_id = ? AND responses.status = 'submitted'"
        " ORDER BY respondents.id",
        [round_id],
    )
    collected: dict[int, tuple[str, dict]] = {}
    for row in rows:
        _role, answers = collected.setdefault(row["respondent_id"], (row["role"], {}))
        if row["item_id"] is None:
            continue
        value = _value(row["value_number"], row["value_text"], row["not_applicable"])
        answers[row["item_id"]] = None if value is NA else value
    return [
        Response(respondent_id=str(rid), role=role, answers=answers)
        for rid, (role, answers) in collected.items()
    ]


def round_free_text(db: Database, round_id: int, text_items: Iterable[str] = ()) -> list[dict]:
    """What the submitted respondents wrote in their own words, with who wrote it.

    Comments on signs (``kind`` "comment", ``item_id`` None) and the answers to the open
    items `text_items` (``kind`` "answer"); each row has ``sign_id`` (None for answers: the
    caller knows each item's sign), ``body``, the respondent's ``name`` and ``role``. Every
    page and report that shows free text reads it here, so one place decides what is shown.
    """
    comments = list(
        query_rows(
            db,
            "SELECT 'comment' AS kind, comments.sign_id, NULL AS item_id, comments.body,"
            " respondents.name, respondents.role"
            " FROM comments JOIN responses ON responses.id = comments.response_id"
            " JOIN respondents ON respondents.id = responses.respondent_id"
            " WHERE respondents.round_id = ? AND responses.status = 'submitted'"
            " ORDER BY comments.sign_id, comments.id",
            [round_id],
        )
    )
    items = sorted(set(text_items))
    answers = list(
        query_rows(
            db,
            "SELECT 'answer' AS kind, NULL AS sign_id, answers.item_id, answers.value_text AS body,"
            " respondents.name, respondents.role"
            " FROM answers JOIN responses ON responses.id = answers.response_id"
            " JOIN respondents ON respondents.id = responses.respondent_id"
            " WHERE respondents.round_id = ? AND responses.status = 'submitted'"
            " AND answers.not_applicable = 0 AND answers.value_text IS NOT NULL"
            " AND answers.item_id IN (SELECT value FROM json_each(?))"
            " ORDER BY answers.item_id, respondents.id",
            [round_id, json.dumps(items)],
        )
    )
    return comments + answers

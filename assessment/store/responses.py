"""Answers: one row per respondent and item, saved whole or not at all.

What a value is and which ones an item allows is ``assessment.answers``; the names it
defines that callers of the store use (``NA``, ``Draft``, ``InvalidAnswers``, ``Value``)
can be imported from here too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from sqlite_utils import Database

from .. import answers as answer_values
from ..answers import NA, Draft, InvalidAnswers, Response, Value
from ..sqlite import query_rows, transaction, utc_stamp
from .rounds import RoundClosed

__all__ = [
    "NA",
    "AnswerKeyTaken",
    "Draft",
    "InvalidAnswers",
    "Value",
    "load_draft",
    "round_free_text",
    "save_response",
    "submitted_responses",
]


class AnswerKeyTaken(PermissionError):
    """The respondent's answers belong to another browser's answer key; nothing was stored."""


def save_response(
    db: Database,
    respondent_id: int,
    answers: Mapping[str, Value],
    comments: Mapping[str, str],
    *,
    submit: bool,
    language: str | None = None,
    answer_key: str | None = None,
    invalid: Mapping[str, str] | None = None,
) -> None:
    """Replace the respondent's answers in one transaction; refuse if the round is closed.

    A submission stays a submission: saving again after submitting (until the round
    closes) changes the answers and keeps the status. ``answer_key`` (the hash of the
    saving browser's key, see docs/anonymity.md) must be the respondent's, or the
    respondent must have none yet, when it becomes theirs in the same transaction;
    ``AnswerKeyTaken`` otherwise.

    ``invalid`` (a draft only) maps form fields to what was typed in them that is not a
    valid answer yet: kept as typed, beside the valid answers, until the next save.
    """
    from .rounds import get_round

    with transaction(db, write=True):
        row = db.execute(
            "SELECT respondents.round_id, rounds.status, respondents.answer_key,"
            " respondents.side FROM respondents"
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
        current = get_round(db, row[0]).for_side(row[3])  # a client contact: the mirror
        answer_values.check_response(current.questionnaire, current.kind, answers, comments)
        now = utc_stamp()
        existing = db.execute(
            "SELECT id, status, submitted_at FROM responses WHERE respondent_id = ?",
            [respondent_id],
        ).fetchone()
        if existing is not None and existing[1] == "submitted":
            answer_values.check_submission(current.questionnaire, answers)
        if invalid and (submit or (existing is not None and existing[1] == "submitted")):
            raise InvalidAnswers({"": "a submission cannot keep invalid answers"})
        kept = json.dumps(dict(invalid), ensure_ascii=False) if invalid else None
        if existing is None:
            status = answer_values.status_after(None, submit=submit)
            cursor = db.execute(
                "INSERT INTO responses (respondent_id, status, language, submitted_at,"
                " created_at, updated_at, invalid) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [respondent_id, status, language, now if submit else None, now, now, kept],
            )
            response_id = cursor.lastrowid
        else:
            response_id, old_status, submitted_at = existing
            status = answer_values.status_after(old_status, submit=submit)
            db.execute(
                "UPDATE responses SET status = ?, language = ?, submitted_at = ?,"
                " updated_at = ?, invalid = ? WHERE id = ?",
                [status, language, now if submit else submitted_at, now, kept, response_id],
            )
        db.execute("DELETE FROM answers WHERE response_id = ?", [response_id])
        db.conn.executemany(
            "INSERT INTO answers (response_id, item_id, value_number, value_text,"
            " not_applicable, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (response_id, item_id, *answer_values.to_columns(value), now, now)
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


def load_draft(db: Database, respondent_id: int) -> Draft:
    response = db.execute(
        "SELECT id, status, language, submitted_at, invalid FROM responses WHERE respondent_id = ?",
        [respondent_id],
    ).fetchone()
    if response is None:
        return Draft()
    response_id = response[0]
    answers = {
        item_id: answer_values.from_columns(number, text, not_applicable)
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
        invalid=_invalid(response[4]),
    )


def _invalid(stored: str | None) -> dict[str, str]:
    """The fields a draft keeps as typed (``save_response``'s ``invalid``)."""
    if not stored:
        return {}
    try:
        found = json.loads(stored)
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    return {str(k): str(v) for k, v in found.items() if isinstance(v, str)}


def submitted_responses(db: Database, round_id: int, side: str = "team") -> list[Response]:
    """One side's submitted answers as the scoring engine takes them (N/A as None). The
    client side's come with their client role (their group within the client)."""
    rows = query_rows(
        db,
        "SELECT respondents.id AS respondent_id,"
        " COALESCE(respondents.client_role, respondents.role) AS role, answers.*"
        " FROM responses JOIN respondents ON respondents.id = responses.respondent_id"
        " LEFT JOIN answers ON answers.response_id = responses.id"
        " WHERE respondents.round_id = ? AND responses.status = 'submitted'"
        " AND respondents.side = ? ORDER BY respondents.id",
        [round_id, side],
    )
    collected: dict[int, tuple[str, dict]] = {}
    for row in rows:
        _role, answers = collected.setdefault(row["respondent_id"], (row["role"], {}))
        if row["item_id"] is None:
            continue
        value = answer_values.from_columns(
            row["value_number"], row["value_text"], row["not_applicable"]
        )
        answers[row["item_id"]] = answer_values.for_engine(value)
    return [
        Response(respondent_id=str(rid), role=role, answers=answers)
        for rid, (role, answers) in collected.items()
    ]


def round_free_text(
    db: Database, round_id: int, text_items: Iterable[str] = (), side: str = "team"
) -> list[dict]:
    """What the submitted respondents of one side wrote in their own words, with who wrote it.

    Comments on signs (``kind`` "comment", ``item_id`` None) and the answers to the open
    items `text_items` (``kind`` "answer"); each row has ``sign_id`` (None for answers: the
    caller knows each item's sign), ``body``, the respondent's ``name`` and ``role``. Every
    page and report that shows free text reads it here, so one place decides what is shown.
    One statement: comments first (by sign), then answers (by question).
    """
    items = sorted(set(text_items))
    return [
        {key: row[key] for key in ("kind", "sign_id", "item_id", "body", "name", "role")}
        for row in query_rows(
            db,
            "SELECT * FROM ("
            " SELECT 0 AS part, 'comment' AS kind, comments.sign_id, NULL AS item_id,"
            " comments.body, respondents.name, respondents.role,"
            " comments.sign_id AS k1, comments.id AS k2"
            " FROM comments JOIN responses ON responses.id = comments.response_id"
            " JOIN respondents ON respondents.id = responses.respondent_id"
            " WHERE respondents.round_id = :round AND responses.status = 'submitted'"
            " AND respondents.side = :side"
            " UNION ALL"
            " SELECT 1, 'answer', NULL, answers.item_id, answers.value_text,"
            " respondents.name, respondents.role, answers.item_id, respondents.id"
            " FROM answers JOIN responses ON responses.id = answers.response_id"
            " JOIN respondents ON respondents.id = responses.respondent_id"
            " WHERE respondents.round_id = :round AND responses.status = 'submitted'"
            " AND answers.not_applicable = 0 AND answers.value_text IS NOT NULL"
            " AND answers.item_id IN (SELECT value FROM json_each(:items))"
            " AND respondents.side = :side"
            ") ORDER BY part, k1, k2",
            {"round": round_id, "side": side, "items": json.dumps(items)},
        )
    ]

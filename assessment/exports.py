"""Exports (a round's answers, every round's results) and the respondents import.

Takes a sqlite-utils Database and returns plain data or text: no Flask, no request. The CLI
(``assessment export ...``, ``assessment import-respondents``) and the web views call the
same functions. File formats and the rules below are described in docs/data.md.

Privacy (docs/anonymity.md): an anonymous round's answers can be exported only once it is
closed with at least its floor of submissions (``Withheld`` otherwise). Its rows are then
unlinked: no respondent, role or time, and sorted by question and answer, so that no row
can be tied to another of the same person (a pseudonym would tie them: the person who
answered the finance questions is known, and with the pseudonym all their answers). A
question answered by fewer people than the floor is left out, and text answers are left
out below the text floor.

Spreadsheet safety: in CSV, every text cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return gets a leading ``'`` so that a spreadsheet shows it as text
instead of running it as a formula (OWASP, "CSV Injection"). Numbers the app computed or
stored as numbers stay numbers. JSON is for programs and carries every value unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlite_utils import Database

from . import answers as answer_values
from . import results
from .anonymity import agreement_level, visible_free_text, withheld_result
from .db import query_rows, utcnow, write_transaction
from .scoring import ScoringInputError, item_health
from .store import rounds
from .store.rounds import RESPONDENT_ROLES, Respondent, RoundClosed
from .vocab import N_, ROLE_LABELS, Joined, Message, Translate, fold, role_names

__all__ = [
    "ANSWER_COLUMNS",
    "CSV_ENCODING",
    "FORMATS",
    "FORMAT_VERSION",
    "FORMULA_PREFIXES",
    "IMPORT_COLUMNS",
    "MAX_IMPORT_ROWS",
    "RESULT_COLUMNS",
    "ImportRefused",
    "Withheld",
    "answer_rows",
    "describe_problem",
    "escape_formula",
    "export_answers",
    "export_results",
    "import_respondents",
    "parse_respondents",
    "result_rows",
    "to_csv",
    "to_json",
]

FORMATS = ("csv", "json")
#: Version of the JSON layout; raised when a column changes meaning or disappears.
FORMAT_VERSION = 1
#: CSV files are written as UTF-8 with a byte order mark: Excel needs it to read non-ASCII
#: text (Chinese names, comments) correctly, Python reads it with ``encoding="utf-8-sig"``.
CSV_ENCODING = "utf-8-sig"

#: Characters that make a spreadsheet treat a cell as a formula (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

ANSWER_COLUMNS = (
    "round_id",
    "client",
    "period",
    "round_kind",
    "questionnaire_id",
    "questionnaire_version",
    "respondent",
    "respondent_role",
    "sign_id",
    "item_id",
    "item_type",
    "answer",
    "not_applicable",
    "health",
    "submitted_at",
    "sign_status",
)

RESULT_COLUMNS = (
    "round_id",
    "client",
    "period",
    "round_kind",
    "round_status",
    "closed_at",
    "questionnaire_id",
    "questionnaire_version",
    "sign_id",
    "sign_status",
    "score",
    "band",
    "coverage",
    "respondents",
    "rwg",
    "agreement",
    "trend_delta",
    "trend_direction",
    "round_index",
    "round_band",
    "round_trend_delta",
)


# --- writing ------------------------------------------------------------------------------


def escape_formula(value):
    """A text cell that a spreadsheet would run as a formula, prefixed with ``'``.

    Only strings are escaped; numbers (int, float) are returned as they are.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape_formula(value)


def to_csv(rows: Iterable[Mapping], columns: Sequence[str]) -> str:
    """CSV text (RFC 4180: comma, double quotes, CRLF) with a header row, cells escaped.

    Empty cells are None; booleans are written ``true`` / ``false``. No byte order mark:
    add it when writing a file (``CSV_ENCODING``).
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue()


def to_json(rows: Sequence[Mapping], columns: Sequence[str], *, export: str, **meta) -> str:
    """A JSON document: what was exported, when, the column names and the rows, unescaped."""
    document = {
        "export": export,
        "format": FORMAT_VERSION,
        "exported_at": utcnow(),
        **meta,
        "columns": list(columns),
        "rows": [{column: row.get(column) for column in columns} for row in rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


# --- answers ------------------------------------------------------------------------------


def _answer_value(row: Mapping):
    """The raw answer: a whole number as int, a number as float, an option id or a text
    (None for N/A)."""
    value = answer_values.from_columns(
        row["value_number"], row["value_text"], row["not_applicable"]
    )
    return answer_values.for_engine(value)


class Withheld(PermissionError):
    """An anonymous round's answers cannot be exported now: it is open, or fewer people
    than its floor submitted. The message says which."""


@dataclass(frozen=True)
class AnswerExport:
    rows: list[dict]
    withheld_items: tuple[str, ...] = ()  # anonymous rounds: questions left out


def answer_rows(db: Database, round_id: int, *, key: str | bytes | None = None) -> list[dict]:
    """One row per submitted answer (respondent × item) of the round, in ``ANSWER_COLUMNS``.

    Drafts are left out. Items never answered have no row; "not applicable" answers have
    a row with ``not_applicable`` true and no answer. In an anonymous round the rows are
    unlinked and some questions are left out (see the module's docstring). Raises
    ``NotFound`` for an unknown round and ``Withheld`` when the round's answers cannot be
    exported now. ``key`` is not used any more (anonymous rows have no pseudonyms); it is
    accepted for callers written before.
    """
    return _answers(db, round_id).rows


def _answers(db: Database, round_id: int) -> AnswerExport:
    current = rounds.get_round(db, round_id)
    policy = results.policy(db, current)
    if not policy.results_visible:
        if policy.state == "open":
            raise Withheld(
                f"round {round_id} is anonymous and still open: its answers can be exported"
                " once it is closed"
            )
        raise Withheld(
            f"round {round_id} is anonymous and fewer than {policy.floor} people submitted:"
            " its answers are withheld to protect anonymity"
        )
    q = current.questionnaire
    points = len(q.scale.likert)
    items = {item.id: item for item in q.items()}
    order = {item_id: n for n, item_id in enumerate(items)}
    signs = {item.id: sign.id for sign in q.signs for item in sign.items}

    statuses = sign_statuses(db, current)

    people = db.execute(
        "SELECT respondents.id, respondents.name, respondents.role, responses.submitted_at"
        " FROM responses JOIN respondents ON respondents.id = responses.respondent_id"
        " WHERE respondents.round_id = ? AND responses.status = 'submitted'",
        [round_id],
    ).fetchall()
    if current.anonymous:
        who = {p[0]: (0, None, None, None) for p in people}
    else:
        who = {p[0]: (p[0], p[1], p[2], p[3]) for p in people}

    answers = query_rows(
        db,
        "SELECT responses.respondent_id, answers.item_id, answers.value_number,"
        " answers.value_text, answers.not_applicable FROM answers"
        " JOIN responses ON responses.id = answers.response_id"
        " JOIN respondents ON respondents.id = responses.respondent_id"
        " WHERE respondents.round_id = ? AND responses.status = 'submitted'",
        [round_id],
    )
    rows = []
    for answer in answers:
        rank, respondent, role, submitted_at = who[answer["respondent_id"]]
        item_id = answer["item_id"]
        value = _answer_value(answer)
        item = items.get(item_id)
        health = None
        if item is not None and value is not None:
            try:
                health = item_health(item, value, points=points)
            except ScoringInputError:
                health = None  # a stored value the engine refuses: exported, not scored
        row = {
            "round_id": current.id,
            "client": current.client_name,
            "period": current.period,
            "round_kind": current.kind,
            "questionnaire_id": current.questionnaire_id,
            "questionnaire_version": current.questionnaire_version,
            "respondent": respondent,
            "respondent_role": role,
            "sign_id": signs.get(item_id),
            "item_id": item_id,
            "item_type": item.type if item is not None else None,
            "answer": value,
            "not_applicable": bool(answer["not_applicable"]),
            "health": health,
            "submitted_at": submitted_at,
            "sign_status": statuses.get(signs.get(item_id)),
        }
        position = order.get(item_id, len(order))
        if current.anonymous:  # by question, then answer: nothing ties two rows together
            rank = (position, item_id, _value_order(value))
            rows.append(((rank,), row))
        else:
            rows.append(((rank, position, item_id), row))
    rows.sort(key=lambda pair: pair[0])
    found = [row for _, row in rows]
    withheld: tuple[str, ...] = ()
    if current.anonymous:
        found, withheld = _floored(found, items, policy)
    return AnswerExport(found, withheld)


def sign_statuses(db: Database, current: rounds.Round) -> dict[str, str]:
    """Each sign's status in the round: ``scored``, ``insufficient``, ``not_asked`` (none
    of its items is asked in this kind of round) or ``withheld`` (an anonymous round's sign
    answered by fewer people than its floor). Should the stored answers not score (a value
    the engine refuses), only ``not_asked`` is known, from the questionnaire. Callers check
    the round's policy first (``_answers`` does)."""
    try:
        return {s.sign_id: s.status for s in results.score(db, current).signs}
    except ScoringInputError:
        q = current.questionnaire
        return {s.id: "not_asked" for s in q.signs if not s.scored_items(current.kind)}


def _value_order(value) -> tuple:
    """Answers of one question in a fixed order: N/A last, numbers, then texts."""
    if value is None:
        return (2, 0, "")
    if isinstance(value, str):
        return (1, 0, value)
    return (0, value, "")


def _floored(rows: list[dict], items: Mapping, policy) -> tuple[list[dict], tuple[str, ...]]:
    """An anonymous round's rows without the questions fewer people answered than the
    floor, and with text answers only as ``visible_free_text`` lets them through (the one
    gate of comments and text answers: the text floor); and the ids left out."""
    order = {item_id: n for n, item_id in enumerate(items)}

    def position(row: dict) -> tuple:
        return (order.get(row["item_id"], len(order)), row["item_id"])

    def is_text(row: dict) -> bool:
        item = items.get(row["item_id"])
        return item is not None and answer_values.in_own_words(item)

    answered: dict[str, int] = {}
    for row in rows:
        if row["answer"] is not None and not is_text(row):
            answered[row["item_id"]] = answered.get(row["item_id"], 0) + 1
    withheld = {
        row["item_id"]
        for row in rows
        if not is_text(row) and answered.get(row["item_id"], 0) < policy.floor
    }
    kept = [row for row in rows if not is_text(row) and row["item_id"] not in withheld]
    text_rows = [row for row in rows if is_text(row)]
    texts = visible_free_text(
        policy,
        text_rows,
        key=lambda row: (*position(row), _value_order(row["answer"])),
        anonymise=_unlinked,
    )
    if texts.withheld:
        withheld.update(row["item_id"] for row in text_rows)
    kept = sorted([*kept, *texts], key=lambda row: (*position(row), _value_order(row["answer"])))
    return kept, tuple(sorted(withheld, key=lambda i: (order.get(i, len(order)), i)))


def _unlinked(row: dict) -> dict:
    """An anonymous round's answer row: nothing that names or times its respondent."""
    return {**row, "respondent": None, "respondent_role": None, "submitted_at": None}


def export_answers(
    db: Database, round_id: int, fmt: str = "csv", *, key: str | bytes | None = None
) -> str:
    """The round's submitted answers as CSV or JSON text (see ``answer_rows``)."""
    _check_format(fmt)
    exported = _answers(db, round_id)
    rows = exported.rows
    if fmt == "csv":
        return to_csv(rows, ANSWER_COLUMNS)
    current = rounds.get_round(db, round_id)
    meta = {
        "round": {
            "id": current.id,
            "client": current.client_name,
            "period": current.period,
            "kind": current.kind,
            "status": current.status,
            "anonymous": current.anonymous,
            "questionnaire_id": current.questionnaire_id,
            "questionnaire_version": current.questionnaire_version,
            # Every sign, also those with no row: "not_asked" ones have no question here.
            "signs": sign_statuses(db, current),
        }
    }
    if current.anonymous:
        meta["round"]["anonymity_floor"] = current.anonymity_floor
        meta["round"]["anonymity_text_floor"] = current.anonymity_text_floor
        meta["withheld_items"] = list(exported.withheld_items)
    return to_json(rows, ANSWER_COLUMNS, export="answers", **meta)


# --- results ------------------------------------------------------------------------------


def result_rows(db: Database, *, include_open: bool = False) -> list[dict]:
    """One row per round and sign, in ``RESULT_COLUMNS``: closed rounds (their stored
    results) by client and date; with ``include_open``, open named rounds too, scored from
    the answers submitted so far (an anonymous round shows nothing while it is open). An
    anonymous round's withheld signs have no counts, and its agreement is given in words
    only (``agreement``), never as the exact ``rwg``."""
    where = "" if include_open else " WHERE rounds.status = 'closed'"
    ids = db.execute(
        "SELECT rounds.id FROM rounds JOIN clients ON clients.id = rounds.client_id"
        + where
        + " ORDER BY clients.name COLLATE NOCASE, clients.id, rounds.created_at, rounds.id"
    ).fetchall()
    rows = []
    for (round_id,) in ids:
        current = rounds.get_round(db, round_id)
        policy = results.policy(db, current)
        if policy.state == "open":
            continue
        if policy.results_visible:
            result = results.score(db, current)
        else:  # closed below its floor: every sign withheld (or not asked), no counts
            result = withheld_result(current.questionnaire, current.kind)
        for sign in result.signs:
            withheld = sign.status == "withheld"
            rows.append(
                {
                    "round_id": current.id,
                    "client": current.client_name,
                    "period": current.period,
                    "round_kind": current.kind,
                    "round_status": current.status,
                    "closed_at": current.closed_at,
                    "questionnaire_id": result.questionnaire_id,
                    "questionnaire_version": result.questionnaire_version,
                    "sign_id": sign.sign_id,
                    "sign_status": sign.status,
                    "score": sign.score,
                    "band": sign.band_id,
                    "coverage": None if withheld else sign.coverage,
                    "respondents": None if withheld else sign.respondents,
                    "rwg": None if current.anonymous else sign.rwg,
                    "agreement": agreement_level(sign.exact_rwg),
                    "trend_delta": sign.trend.delta if sign.trend else None,
                    "trend_direction": sign.trend.direction if sign.trend else None,
                    "round_index": result.index,
                    "round_band": result.band_id,
                    "round_trend_delta": result.trend.delta if result.trend else None,
                }
            )
    return rows


def export_results(db: Database, fmt: str = "csv", *, include_open: bool = False) -> str:
    """Every round's results per sign as CSV or JSON text (see ``result_rows``)."""
    _check_format(fmt)
    rows = result_rows(db, include_open=include_open)
    if fmt == "csv":
        return to_csv(rows, RESULT_COLUMNS)
    return to_json(rows, RESULT_COLUMNS, export="results", include_open=include_open)


# --- respondents import -------------------------------------------------------------------

IMPORT_COLUMNS = ("name", "email", "role")
#: Column names a Chinese spreadsheet may use instead, folded (see ``vocab.fold``).
COLUMN_ALIASES = {
    "姓名": "name",
    "名字": "name",
    "邮箱": "email",
    "电子邮件": "email",
    "电子邮箱": "email",
    "角色": "role",
}
MAX_IMPORT_ROWS = 1000
MAX_IMPORT_BYTES = 512 * 1024
MAX_NAME = 200  # as the round page's form
MAX_EMAIL = 254

#: (row, column, message); row 1 is the header, 0 the whole file. The message is English
#: text that also knows how to be shown in another language (``vocab.Message``).
Problem = tuple[int, str, Message]


class ImportRefused(ValueError):
    """A respondents file with problems; nothing was stored."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        lines = [describe_problem(p) for p in self.problems[:20]]
        if len(self.problems) > 20:
            lines.append(f"... and {len(self.problems) - 20} more problems")
        super().__init__("\n".join(lines))


def describe_problem(problem: Problem, gettext: Translate | None = None) -> str:
    """A problem as one line, in English or, given a ``gettext``, in its language."""
    row, column, message = problem
    if row and column:
        text = N_(
            "row %(row)s, column %(column)s: %(message)s", row=row, column=column, message=message
        )
    elif row:
        text = N_("row %(row)s: %(message)s", row=row, message=message)
    elif column:
        text = N_("file, column %(column)s: %(message)s", column=column, message=message)
    else:
        text = N_("file: %(message)s", message=message)
    return text.localize(gettext) if gettext else str(text)


@dataclass(frozen=True)
class NewRespondent:
    """One valid row of a respondents file."""

    row: int
    name: str
    email: str | None
    role: str


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


_NOT_TEXT = N_(
    "the file is not UTF-8 text, nor Chinese text as Excel saves it (GBK);"
    " save it as \u201cCSV UTF-8\u201d and try again"
)


def _decode(data: str | bytes) -> str:
    """The text of a file as spreadsheet programs save it: UTF-8 with or without a byte
    order mark ("CSV UTF-8"), UTF-16 with one ("Unicode text"), or GB18030, of which GBK
    is part ("CSV" from a Chinese Excel).

    Bytes that are not UTF-8 could be many encodings, and GB18030 reads nearly any bytes
    as some text. A Western file (Windows-1252: "Müller", "José") would come out as
    Chinese nonsense; in such files a byte above 127 is followed by plain ASCII, which
    in GBK text happens only for rarely used characters. So the GB18030 reading is kept
    only if every character that is not ASCII took two or four bytes above 127.
    """
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportRefused([(0, "", _NOT_TEXT)]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_bad = data[: exc.start].count(b"\n") + 1
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportRefused([(first_bad, "", _NOT_TEXT)]) from None
    for ch in text:
        if ord(ch) > 127 and any(byte < 0x80 for byte in ch.encode("gb18030")):
            raise ImportRefused([(first_bad, "", _NOT_TEXT)])
    return text


def _read(text: str) -> list[list[str]]:
    """The records of the file, with the delimiter (comma, semicolon or tab) that makes
    the first line a header naming the ``name`` column."""
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ","
    for candidate in (",", ";", "\t"):
        cells = next(csv.reader([first], delimiter=candidate), [])
        if "name" in (_column(cell) for cell in cells):
            delimiter = candidate
            break
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise ImportRefused(
            [(0, "", N_("not a readable CSV file: %(error)s", error=str(exc)))]
        ) from None


def _column(cell: str) -> str:
    """A header cell as a column id (``name``, ``email``, ``role``) when it is one."""
    folded = fold(cell)
    return COLUMN_ALIASES.get(folded, folded)


def parse_respondents(data: str | bytes) -> list[NewRespondent]:
    """Read and check a respondents file (no database); raises ``ImportRefused`` with
    every problem found, each naming its row (the header is row 1) and column.

    Columns may be named in English or Chinese (``COLUMN_ALIASES``); a role may be
    written as its id or as the app names it, in either language (``vocab.role_names``).
    """
    records = _read(_decode(data))
    if not records or not any(cell.strip() for cell in records[0]):
        message = N_("the file is empty: it needs a header row (name,email,role)")
        raise ImportRefused([(1, "", message)])
    problems: list[Problem] = []
    header = [_column(cell) for cell in records[0]]
    for n, column in enumerate(header):
        if not column:
            continue  # an unnamed column: its cells must stay empty (checked per row)
        if column not in IMPORT_COLUMNS:
            problems.append(
                (
                    1,
                    records[0][n].strip(),
                    N_("unknown column; the columns are %(columns)s", columns=_COLUMNS),
                )
            )
        elif header.index(column) != n:
            problems.append((1, column, N_("the column appears twice")))
    if "name" not in header:
        problems.append((1, "name", N_("the header has no name column")))
    people = sum(1 for record in records[1:] if any(cell.strip() for cell in record))
    if people > MAX_IMPORT_ROWS:
        message = N_(
            "%(people)s people; at most %(limit)s in one file", people=people, limit=MAX_IMPORT_ROWS
        )
        problems.append((0, "", message))
    if problems:
        raise ImportRefused(problems)

    roles = role_names()
    found: list[NewRespondent] = []
    emails: dict[str, int] = {}
    names: dict[str, int] = {}
    for row_number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank lines, as spreadsheets leave at the end
        if len(record) > len(header):
            message = N_(
                "%(cells)s cells, but the header has %(columns)s",
                cells=len(record),
                columns=len(header),
            )
            problems.append((row_number, "", message))
            continue
        cells = {
            column: record[n].strip() if n < len(record) else ""
            for n, column in enumerate(header)
            if column
        }
        before = len(problems)
        for n, cell in enumerate(record):
            if not header[n] and cell.strip():
                problems.append((row_number, f"{n + 1}", N_("a value in a column with no name")))
        name = cells.get("name", "")
        if not name:
            problems.append((row_number, "name", N_("a name is required")))
        elif len(name) > MAX_NAME:
            message = N_("at most %(limit)s characters", limit=MAX_NAME)
            problems.append((row_number, "name", message))
        elif _has_control(name):
            message = N_("contains a line break or control character")
            problems.append((row_number, "name", message))
        email = cells.get("email", "") or None
        if email is not None:
            if len(email) > MAX_EMAIL:
                message = N_("at most %(limit)s characters", limit=MAX_EMAIL)
                problems.append((row_number, "email", message))
            else:
                try:
                    validate_email(email, check_deliverability=False)
                except EmailNotValidError as exc:
                    message = N_("not an email address: %(reason)s", reason=str(exc))
                    problems.append((row_number, "email", message))
                else:
                    folded = email.casefold()
                    if folded in emails:
                        message = N_("the same email as row %(row)s", row=emails[folded])
                        problems.append((row_number, "email", message))
                    emails.setdefault(folded, row_number)
        role_text = cells.get("role", "")
        role = roles.get(fold(role_text)) if role_text else "other"
        if role is None:
            message = N_(
                "unknown role '%(role)s'; the roles are %(roles)s",
                role=role_text,
                roles=_ROLES,
            )
            problems.append((row_number, "role", message))
        if name and email is None:
            folded = name.casefold()
            if folded in names:
                message = N_(
                    "the same name as row %(row)s and no email to tell them apart",
                    row=names[folded],
                )
                problems.append((row_number, "name", message))
            names.setdefault(folded, row_number)
        if len(problems) == before:
            found.append(NewRespondent(row_number, name, email, role))
    if not problems and not found:
        problems.append((2, "", N_("the file has a header but no respondents")))
    if problems:
        raise ImportRefused(problems)
    return found


_COLUMNS = Joined(IMPORT_COLUMNS)
_ROLES = Joined(ROLE_LABELS[role] for role in RESPONDENT_ROLES)


def import_respondents(db: Database, round_id: int, data: str | bytes) -> list[Respondent]:
    """Invite everyone in a CSV file (columns name, email, role) to the round, all or none.

    ``data`` is the file's text, or its bytes (see ``_decode`` for the encodings read).
    Every row is checked first: ``ImportRefused`` lists each problem as (row, column,
    message), including emails (and, for rows without email, names) already invited to
    this round, and nothing is stored. Raises ``store.clients.NotFound`` for an unknown
    round and ``store.rounds.RoundClosed`` for a closed one.
    """
    wanted = parse_respondents(data)
    with write_transaction(db):
        current = rounds.get_round(db, round_id)
        if not current.is_open:
            raise RoundClosed(round_id)
        existing = rounds.list_respondents(db, round_id)
        emails = {r.email.casefold() for r in existing if r.email}
        names = {r.name.casefold() for r in existing if not r.email}
        problems: list[Problem] = []
        for person in wanted:
            if person.email and person.email.casefold() in emails:
                problems.append((person.row, "email", N_("already invited to this round")))
            elif not person.email and person.name.casefold() in names:
                message = N_(
                    "already invited to this round (give an email to invite a second"
                    " person of that name)"
                )
                problems.append((person.row, "name", message))
        if problems:
            raise ImportRefused(problems)
        return [
            rounds.add_respondent(
                db, round_id, name=person.name, email=person.email, role=person.role
            )
            for person in wanted
        ]

"""The respondents import: a CSV file of people → invitations to a round, all or none.

Takes a sqlite-utils Database and the file's bytes: no Flask, no request. The CLI
(``assessment import-respondents``) and the round page call the same function. The file
format (columns, encodings, roles in either language) is described in docs/data.md.
Every row is checked before anything is stored; a file with any problem is refused as a
whole (``ImportRefused``), each problem named by row and column in the user's language.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlite_utils import Database

from .sqlite import transaction
from .store import respondents, rounds
from .store.respondents import RESPONDENT_ROLES, Respondent
from .store.rounds import RoundClosed
from .vocab import (
    LANGUAGE_SPELLINGS,
    N_,
    ROLE_LABELS,
    Joined,
    Message,
    Translate,
    email_key,
    fold,
    role_names,
)

__all__ = [
    "IMPORT_COLUMNS",
    "MAX_IMPORT_ROWS",
    "ImportRefused",
    "describe_problem",
    "import_respondents",
    "parse_respondents",
]

IMPORT_COLUMNS = ("name", "email", "role", "language")
#: Column names a Chinese spreadsheet may use instead, folded (see ``vocab.fold``).
COLUMN_ALIASES = {
    "姓名": "name",
    "名字": "name",
    "邮箱": "email",
    "电子邮件": "email",
    "电子邮箱": "email",
    "角色": "role",
    "语言": "language",
}
#: A language cell that says the language is not known (mail in both languages).
UNKNOWN_LANGUAGE = frozenset({"unknown", "both", "未知", "双语", "中英文", "-"})
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
    language: str | None = None  # en, zh-CN, or None: not known (mail in both)


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
                    folded = email_key(email)
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
        language_text = cells.get("language", "")
        language = None
        if language_text and fold(language_text) not in UNKNOWN_LANGUAGE:
            language = LANGUAGE_SPELLINGS.get(fold(language_text))
            if language is None:
                message = N_(
                    "unknown language '%(language)s'; write en or zh-CN, or leave it empty"
                    " when it is not known (their mail is then in both languages)",
                    language=language_text,
                )
                problems.append((row_number, "language", message))
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
            found.append(NewRespondent(row_number, name, email, role, language))
    if not problems and not found:
        problems.append((2, "", N_("the file has a header but no respondents")))
    if problems:
        raise ImportRefused(problems)
    return found


_COLUMNS = Joined(IMPORT_COLUMNS)
_ROLES = Joined(ROLE_LABELS[role] for role in RESPONDENT_ROLES)


def already_in_round(existing: Respondent) -> Message:
    """Why someone cannot be added to a round: who of it has their email already."""
    if existing.side == "client":
        return N_(
            "already invited to this round: %(name)s <%(email)s>, a client contact",
            name=existing.name,
            email=existing.email,
        )
    return N_(
        "already invited to this round: %(name)s <%(email)s>, on the team",
        name=existing.name,
        email=existing.email,
    )


def import_respondents(db: Database, round_id: int, data: str | bytes) -> list[Respondent]:
    """Invite everyone in a CSV file (columns name, email, role) to the round, all or none.

    ``data`` is the file's text, or its bytes (see ``_decode`` for the encodings read).
    Every row is checked first: ``ImportRefused`` lists each problem as (row, column,
    message), including emails (and, for rows without email, names) already invited to
    this round, and nothing is stored. Raises ``store.clients.NotFound`` for an unknown
    round and ``store.rounds.RoundClosed`` for a closed one.
    """
    wanted = parse_respondents(data)
    with transaction(db, write=True):
        current = rounds.get_round(db, round_id)
        if not current.is_open:
            raise RoundClosed(round_id)
        existing = respondents.list_respondents(db, round_id)
        emails = {email_key(r.email): r for r in existing if r.email}
        names = {r.name.casefold() for r in existing if not r.email}
        problems: list[Problem] = []
        for person in wanted:
            if person.email and email_key(person.email) in emails:
                problems.append(
                    (person.row, "email", already_in_round(emails[email_key(person.email)]))
                )
            elif not person.email and person.name.casefold() in names:
                message = N_(
                    "already invited to this round (give an email to invite a second"
                    " person of that name)"
                )
                problems.append((person.row, "name", message))
        if problems:
            raise ImportRefused(problems)
        return [
            respondents.add_respondent(
                db,
                round_id,
                name=person.name,
                email=person.email,
                role=person.role,
                language=person.language,
            )
            for person in wanted
        ]

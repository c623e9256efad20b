"""Questionnaires as workbooks: export to .xlsx, and read a workbook back into the data of
a questionnaire file, in the spirit of XLSForm (docs/questionnaire-format.md, "Workbooks").

The TOML file stays the canonical format; a workbook is a way to edit it in Excel, WPS
Office or LibreOffice. ``workbook_bytes(questionnaire)`` writes one; ``read_workbook(data)``
reads one back into the dict a TOML file would hold, validated by the same model, and
``toml_text(data)`` writes that dict as a questionnaire file. Export then import gives an
equal questionnaire (tests/core/test_questionnaire_workbook.py, over every shipped and test file).

A workbook with any problem is refused as a whole (``WorkbookError``): every problem at
once, each at its sheet and cell (``items!F14``), in English or, through ``describe``, in
the reader's language. Formulas are refused, never evaluated; a text that starts with
``=``, ``+``, ``-`` or ``@`` is written and read as text. Part of the pure core: openpyxl,
the standard library and the model only.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import openpyxl
import tomli_w
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .. import vocab
from ..vocab import N_, Message, Translate
from .base import LANGUAGES, LIKERT_POINTS, ROUND_KINDS
from .errors import QuestionnaireError
from .loading import LIMITS, _validate
from .messages import _format_path
from .model import Questionnaire

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "SHEETS",
    "CellProblem",
    "WorkbookError",
    "describe",
    "read_workbook",
    "toml_text",
    "workbook_bytes",
]

#: Largest workbook read, and most rows of one sheet, unless the caller says otherwise
#: (the app's QUESTIONNAIRE_UPLOAD_MAX_BYTES and QUESTIONNAIRE_MAX_ROWS).
DEFAULT_MAX_BYTES = 1_000_000
DEFAULT_MAX_ROWS = 2_000
#: Most bytes the parts of a workbook may unpack to, per byte of the limit (a zip bomb).
UNPACK_RATIO = 40
#: The first bytes of an OLE compound file: an encrypted .xlsx, or an old .xls.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Starting characters that a spreadsheet would read as a formula.
FORMULA_START = ("=", "+", "-", "@")

# --- the sheets ------------------------------------------------------------------------------
# A column is (name, kind); a "text" column is one column per language: name::en, name::zh-CN.

ID, STR, TEXT, NUM, INT, BOOL, KINDS = "id", "str", "text", "number", "integer", "bool", "kinds"

SHEETS: dict[str, tuple[tuple[str, str], ...]] = {
    "settings": (
        ("id", ID),
        ("version", INT),
        ("audience", STR),
        ("mirror", ID),
        ("title", TEXT),
        ("description", TEXT),
        ("min_respondents", INT),
        ("min_coverage", NUM),
        ("agreement_threshold", NUM),
        ("trend_threshold", NUM),
        ("recommend_from", ID),
        ("escalate_from", ID),
        ("gap_threshold", NUM),
        ("late_grace_days", INT),
        ("evidence_late_share", NUM),
        ("evidence_min_invoices", INT),
        ("evidence_incidents", INT),
        ("invoice_sign", ID),
    ),
    "scale": (("point", STR), ("label", TEXT)),
    "bands": (("id", ID), ("min", NUM), ("colour", STR), ("label", TEXT), ("verdict", TEXT)),
    "signs": (("id", ID), ("weight", NUM), ("title", TEXT), ("description", TEXT)),
    "items": (
        ("sign", ID),
        ("id", ID),
        ("type", STR),
        ("direction", STR),
        ("weight", NUM),
        ("required", BOOL),
        ("allow_na", BOOL),
        ("applies_to", KINDS),
        ("text", TEXT),
        ("help", TEXT),
        ("unit", TEXT),
        ("min", NUM),
        ("max", NUM),
        ("integer", BOOL),
        ("max_length", INT),
    ),
    "choices": (("item", ID), ("option", ID), ("score", NUM), ("label", TEXT)),
    "breakpoints": (("item", ID), ("value", NUM), ("score", NUM)),
    "next_steps": (
        ("sign", ID),
        ("when", STR),
        ("band", ID),
        ("owner", STR),
        ("text", TEXT),
    ),
}
#: Sheets a workbook must have; the others may be left out when empty.
REQUIRED_SHEETS = ("settings", "scale", "bands", "signs", "items")
#: Columns a sheet must have (the rest may be left out).
REQUIRED_COLUMNS = {
    "settings": ("id", "version", "title", "description"),
    "scale": ("point", "label"),
    "bands": ("id", "min", "colour", "label", "verdict"),
    "signs": ("id", "title", "description"),
    "items": ("sign", "id", "type", "text"),
    "choices": ("item", "option", "score", "label"),
    "breakpoints": ("item", "value", "score"),
    "next_steps": ("sign", "when", "owner", "text"),
}
#: What the ``when`` column of next_steps may say.
WHEN = ("band", "persisting", "gap")
NA_POINT = "na"


def _columns(sheet: str) -> list[str]:
    """The header of a sheet as exported: text columns once per language."""
    names = []
    for name, kind in SHEETS[sheet]:
        if kind == TEXT:
            names += [f"{name}::{lang}" for lang in LANGUAGES]
        else:
            names.append(name)
    return names


# --- problems --------------------------------------------------------------------------------

#: (where, message): where is "items!F14", "items" (a whole sheet) or "" (the file).
CellProblem = tuple[str, Message | str]


class WorkbookError(ValueError):
    """A workbook that cannot become a questionnaire; ``problems`` says every reason."""

    def __init__(self, problems: Sequence[CellProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(describe(problem) for problem in self.problems))


def describe(problem: CellProblem, gettext: Translate | None = None) -> str:
    """One problem as a line, in English or, given a ``gettext``, in its language."""
    where, message = problem
    line = N_("%(where)s: %(message)s", where=where, message=message) if where else message
    return vocab.localized(line, gettext) if gettext is not None else str(line)


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --- export ----------------------------------------------------------------------------------


def workbook_bytes(questionnaire: Questionnaire) -> bytes:
    """The questionnaire as an .xlsx workbook (see ``SHEETS``)."""
    rows = _rows(questionnaire)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet, columns in SHEETS.items():
        if sheet not in REQUIRED_SHEETS and not rows[sheet]:
            continue
        ws = book.create_sheet(sheet)
        header = _columns(sheet)
        kinds = [kind for _, kind in columns for _ in (LANGUAGES if kind == TEXT else [kind])]
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for values in rows[sheet]:
            ws.append([None] * len(header))
            for col, value in enumerate(values, start=1):
                _put(ws.cell(ws.max_row, col), value)
        ws.freeze_panes = "A2"
        for col, (name, kind) in enumerate(zip(header, kinds, strict=True), start=1):
            wide = kind == TEXT
            ws.column_dimensions[get_column_letter(col)].width = (
                48 if wide else max(10, len(name) + 2)
            )
            if wide:
                for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _put(cell: Any, value: Any) -> None:
    """Write a value; a text that a spreadsheet would take for a formula stays text."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True


def _texts(text: Any) -> list[str | None]:
    return [text.get(lang) if text is not None else None for lang in LANGUAGES]


def _rows(q: Questionnaire) -> dict[str, list[list[Any]]]:
    s = q.settings
    rows: dict[str, list[list[Any]]] = {sheet: [] for sheet in SHEETS}
    rows["settings"].append(
        [
            q.id,
            q.version,
            q.audience,
            q.mirror,
            *_texts(q.title),
            *_texts(q.description),
            s.min_respondents,
            s.min_coverage,
            s.agreement_threshold,
            s.trend_threshold,
            s.recommend_from,
            s.escalate_from,
            s.gap_threshold,
            s.late_grace_days,
            s.evidence_late_share,
            s.evidence_min_invoices,
            s.evidence_incidents,
            s.invoice_sign,
        ]
    )
    for point, label in enumerate(q.scale.likert, start=1):
        rows["scale"].append([str(point), *_texts(label)])
    rows["scale"].append([NA_POINT, *_texts(q.scale.na)])
    for band in q.bands:
        rows["bands"].append(
            [band.id, band.min, band.colour, *_texts(band.label), *_texts(band.verdict)]
        )
    for sign in q.signs:
        rows["signs"].append([sign.id, sign.weight, *_texts(sign.title), *_texts(sign.description)])
        for item in sign.items:
            scored = item.type != "text"
            number = item.type == "number"
            rows["items"].append(
                [
                    sign.id,
                    item.id,
                    item.type,
                    getattr(item, "direction", None),
                    item.weight if scored else None,
                    item.required,
                    item.allow_na if scored else None,
                    " ".join(item.applies_to),
                    *_texts(item.text),
                    *_texts(item.help),
                    *_texts(item.unit if number else None),
                    item.min if number else None,
                    item.max if number else None,
                    item.integer if number else None,
                    item.max_length if item.type == "text" else None,
                ]
            )
            for option in getattr(item, "options", ()):
                rows["choices"].append([item.id, option.id, option.score, *_texts(option.label)])
            for point in getattr(item, "breakpoints", ()):
                rows["breakpoints"].append([item.id, point.value, point.score])
        for band_id, step in sign.recommendations.items():
            rows["next_steps"].append([sign.id, "band", band_id, step.owner, *_texts(step.text)])
        for when in ("persisting", "gap"):
            step = getattr(sign, when)
            if step is not None:
                rows["next_steps"].append([sign.id, when, None, step.owner, *_texts(step.text)])
    return rows


# --- import ----------------------------------------------------------------------------------


@dataclass
class _Reader:
    """What reading a workbook found: the problems, and where each value came from."""

    problems: list[CellProblem] = field(default_factory=list)
    where: dict[tuple[Any, ...], str] = field(default_factory=dict)

    def add(self, where: str, message: Message | str) -> None:
        self.problems.append((where, message))


@dataclass
class _Row:
    sheet: str
    number: int
    values: dict[str, Any]  # column name -> parsed value (None when blank or wrong)
    cells: dict[str, str]  # column name -> "sheet!B7"

    def cell(self, name: str) -> str:
        return self.cells.get(name) or f"{self.sheet}!A{self.number}"


def read_workbook(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    name: str = "workbook",
) -> tuple[dict[str, Any], Questionnaire]:
    """(the data of a questionnaire file, the validated questionnaire) from a workbook's
    bytes; WorkbookError with every problem, at its sheet and cell, otherwise."""
    book = _open(data, max_bytes, max_rows)
    reader = _Reader()
    sheets = _sheets(book, reader)
    rows = {sheet: _read_sheet(ws, sheet, reader) for sheet, ws in sheets.items()}
    if reader.problems:
        raise WorkbookError(reader.problems)
    document = _assemble(rows, reader)
    if reader.problems:
        raise WorkbookError(reader.problems)
    try:
        questionnaire = _validate(document, name, None, context={"file": True})
    except QuestionnaireError as exc:
        raise WorkbookError(_located(exc, reader)) from None
    return document, questionnaire


def _open(data: bytes, max_bytes: int, max_rows: int) -> Any:
    """The workbook, opened once its size, its container and its row counts are checked."""
    if len(data) > max_bytes:
        raise WorkbookError(
            [
                (
                    "",
                    N_(
                        "the file has %(size)s bytes; at most %(limit)s are allowed",
                        size=f"{len(data):,}",
                        limit=f"{max_bytes:,}",
                    ),
                )
            ]
        )
    if data.startswith(OLE_MAGIC):
        raise WorkbookError(
            [
                (
                    "",
                    N_(
                        "this is an encrypted (password-protected) workbook or an old .xls"
                        " file: save it as an .xlsx workbook without a password"
                    ),
                )
            ]
        )
    if not data.startswith(b"PK\x03\x04"):
        raise WorkbookError(
            [
                (
                    "",
                    N_(
                        "this is not an .xlsx workbook (a CSV or another file renamed?):"
                        " save it from Excel, WPS Office or LibreOffice as .xlsx"
                    ),
                )
            ]
        )
    corrupt = N_("the workbook is damaged and cannot be read: save it again as .xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > max_bytes * UNPACK_RATIO:
                raise WorkbookError(
                    [("", N_("the workbook unpacks to too much data to be a questionnaire"))]
                )
            if archive.testzip() is not None or "xl/workbook.xml" not in archive.namelist():
                raise WorkbookError([("", corrupt)])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError) as exc:
        if isinstance(exc, WorkbookError):
            raise
        raise WorkbookError([("", corrupt)]) from None
    try:
        # Count rows on a streaming read first, so that a sheet of a million rows is
        # refused without being held in memory.
        streaming = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        too_long = []
        for ws in streaming.worksheets:
            for count, _ in enumerate(ws.iter_rows(values_only=True), start=1):
                if count > max_rows + 1:
                    too_long.append(
                        (
                            ws.title,
                            N_(
                                "more than %(limit)s rows; a questionnaire has far fewer",
                                limit=f"{max_rows:,}",
                            ),
                        )
                    )
                    break
        streaming.close()
        if too_long:
            raise WorkbookError(too_long)
        return openpyxl.load_workbook(io.BytesIO(data), data_only=False, rich_text=False)
    except WorkbookError:
        raise
    except Exception:  # openpyxl raises many kinds on a broken part; all mean the same
        raise WorkbookError([("", corrupt)]) from None


def _sheets(book: Any, reader: _Reader) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for ws in book.worksheets + list(getattr(book, "chartsheets", [])):
        key = ws.title.strip().lower()
        if key not in SHEETS:
            reader.add(
                ws.title,
                N_(
                    "unknown sheet; the sheets of a questionnaire are %(sheets)s",
                    sheets=", ".join(SHEETS),
                ),
            )
            continue
        if key in found:
            reader.add(ws.title, N_("this sheet appears twice"))
            continue
        if ws.sheet_state != "visible":
            reader.add(ws.title, N_("the sheet is hidden: show it, or delete it"))
        for merged in getattr(getattr(ws, "merged_cells", None), "ranges", ()):
            reader.add(
                f"{key}!{merged.coord}",
                N_("merged cells: unmerge them, one value per cell"),
            )
        found[key] = ws
    for sheet in REQUIRED_SHEETS:
        if sheet not in found:
            reader.add(sheet, N_("the sheet is missing"))
    return found


_HEADER = re.compile(r"^(?P<name>[a-z_]+)(?:::(?P<lang>.+))?$")
_LANG_IN_BRACKETS = re.compile(r"\(([^()]+)\)\s*$")


def _header(value: Any) -> tuple[str, str | None] | None:
    """(column, language) of a header cell: ``text::zh-CN``, ``text::Chinese (zh-CN)``."""
    if not isinstance(value, str):
        return None
    match = _HEADER.match(value.strip().lower().replace(" ::", "::").replace(":: ", "::"))
    if not match:
        return None
    lang = match.group("lang")
    if lang is None:
        return match.group("name"), None
    bracket = _LANG_IN_BRACKETS.search(lang)
    tag = (bracket.group(1) if bracket else lang).strip()
    for known in LANGUAGES:
        if tag == known.lower():
            return match.group("name"), known
    return match.group("name"), "?" + tag


def _read_sheet(ws: Any, sheet: str, reader: _Reader) -> list[_Row]:
    kinds = dict(SHEETS[sheet])
    rows = list(ws.iter_rows())
    if not rows:
        reader.add(sheet, N_("the sheet is empty: its first row names the columns"))
        return []
    columns: dict[int, tuple[str, str | None]] = {}
    seen: set[tuple[str, str | None]] = set()
    for cell in rows[0]:
        if cell.value is None or (isinstance(cell.value, str) and not cell.value.strip()):
            continue
        where = f"{sheet}!{cell.coordinate}"
        parsed = _header(cell.value)
        if parsed is None or parsed[0] not in kinds:
            reader.add(
                where,
                N_(
                    "unknown column %(found)s; the columns of this sheet are %(allowed)s",
                    found=_show(cell.value),
                    allowed=", ".join(_columns(sheet)),
                ),
            )
            continue
        column, lang = parsed
        if (kinds[column] == TEXT) != (lang is not None) or (lang or "").startswith("?"):
            reader.add(
                where,
                N_(
                    "unknown column %(found)s; the columns of this sheet are %(allowed)s",
                    found=_show(cell.value),
                    allowed=", ".join(_columns(sheet)),
                ),
            )
            continue
        if parsed in seen:
            reader.add(where, N_("this column appears twice"))
            continue
        seen.add(parsed)
        columns[cell.column] = parsed
    for column in REQUIRED_COLUMNS[sheet]:
        wanted = (
            [(column, lang) for lang in LANGUAGES] if kinds[column] == TEXT else [(column, None)]
        )
        for name, lang in wanted:
            if (name, lang) not in seen:
                reader.add(
                    sheet,
                    N_(
                        "the column %(column)s is missing",
                        column=f"{name}::{lang}" if lang else name,
                    ),
                )
    found: list[_Row] = []
    for row in rows[1:]:
        values: dict[str, Any] = {}
        cells: dict[str, str] = {}
        number = row[0].row if row else 0
        blank = True
        for cell in row:
            if cell.column not in columns:
                if cell.value is not None and str(cell.value).strip():
                    reader.add(
                        f"{sheet}!{cell.coordinate}",
                        N_("a value in a column without a name in the first row"),
                    )
                continue
            name, lang = columns[cell.column]
            key = f"{name}::{lang}" if lang else name
            where = f"{sheet}!{cell.coordinate}"
            cells[key] = where
            value = _value(cell, kinds[name], where, reader)
            if value is not None:
                blank = False
                values[key] = value
        if not blank:
            found.append(_Row(sheet, number, values, cells))
    return found


_BOOLEAN_FORMULAS = {"=TRUE()": True, "=FALSE()": False, "=TRUE": True, "=FALSE": False}


def _value(cell: Any, kind: str, where: str, reader: _Reader) -> Any:
    """A cell's value as its column wants it; None when blank, or wrong (a problem added)."""
    value = cell.value
    if cell.data_type == "f" or type(value).__name__ in ("ArrayFormula", "DataTableFormula"):
        constant = _BOOLEAN_FORMULAS.get(str(value).replace(" ", "").upper())
        if constant is None:
            reader.add(where, N_("a formula: type the value itself, not a formula"))
            return None
        value = constant  # LibreOffice saves TRUE and FALSE as the formulas =TRUE() =FALSE()
    if value is None:
        return None
    if isinstance(value, str):
        if kind != TEXT:
            value = value.strip()
        if not value.strip():
            return None
        if len(value) > LIMITS.string:
            reader.add(
                where,
                N_(
                    "a text of %(size)s characters; at most %(limit)s",
                    size=f"{len(value):,}",
                    limit=f"{LIMITS.string:,}",
                ),
            )
            return None
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        reader.add(
            where,
            N_(
                "a date or time where %(wanted)s belongs (the spreadsheet turned it into one:"
                " format the cell as text or as a number)",
                wanted=_WANTED[kind],
            ),
        )
        return None
    parse = _PARSERS[kind]
    parsed = parse(value)
    if parsed is None:
        reader.add(
            where,
            N_(
                "must be %(wanted)s, found %(found)s",
                wanted=_WANTED[kind],
                found=_show(value),
            ),
        )
    return parsed


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, str):
        try:
            number = Decimal(value.replace(",", "") if "," in value and "." in value else value)
        except InvalidOperation:
            return None
        if not number.is_finite():
            return None
        # A whole number stays an integer; a decimal becomes the float that reads back as
        # the same decimal (TOML writes the shortest such), so "0.1" stays 0.1.
        return int(number) if number == number.to_integral_value() else float(number)
    return None


def _integer(value: Any) -> int | None:
    number = _number(value)
    return number if isinstance(number, int) else None


_TRUE = ("true", "yes", "y", "1", "是", "真")
_FALSE = ("false", "no", "n", "0", "否", "假")


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _plain(value: Any) -> str | None:
    """An id or a word: text, or a whole number typed where an id may be digits."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


_KIND_SPLIT = re.compile(r"[\s,;，；、]+")


def _kinds(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, str):
        return None
    kinds = tuple(kind for kind in _KIND_SPLIT.split(value.strip().lower()) if kind)
    return kinds or None


_PARSERS: dict[str, Callable[[Any], Any]] = {
    ID: _plain,
    STR: _plain,
    TEXT: _text,
    NUM: _number,
    INT: _integer,
    BOOL: _bool,
    KINDS: _kinds,
}
_WANTED = {
    ID: N_("an id"),
    STR: N_("a word"),
    TEXT: N_("a text"),
    NUM: N_("a number"),
    INT: N_("a whole number"),
    BOOL: N_("TRUE or FALSE"),
    KINDS: N_("round kinds separated by spaces (%(kinds)s)", kinds=" ".join(ROUND_KINDS)),
}


# --- from rows to the document ---------------------------------------------------------------


def _fields(row: _Row, loc: tuple[Any, ...], reader: _Reader, skip: Iterable[str] = ()) -> dict:
    """The row's values as a table of the document at ``loc``, each value's cell noted."""
    table: dict[str, Any] = {}
    reader.where[loc] = row.cell(next(iter(row.cells), ""))
    for name, kind in SHEETS[row.sheet]:
        if name in skip:
            continue
        if kind == TEXT:
            texts = {lang: row.values.get(f"{name}::{lang}") for lang in LANGUAGES}
            reader.where[(*loc, name)] = row.cell(f"{name}::{LANGUAGES[0]}")
            for lang in LANGUAGES:
                reader.where[(*loc, name, lang)] = row.cell(f"{name}::{lang}")
            if any(text is not None for text in texts.values()):
                table[name] = {lang: text for lang, text in texts.items() if text is not None}
            continue
        reader.where[(*loc, name)] = row.cell(name)
        if name in row.values:
            value = row.values[name]
            table[name] = list(value) if kind == KINDS else value
    return table


def _assemble(rows: dict[str, list[_Row]], reader: _Reader) -> dict[str, Any]:
    """The document (the dict a TOML file holds) from the rows of every sheet."""
    document: dict[str, Any] = {}
    settings_rows = rows.get("settings", [])
    if not settings_rows:
        reader.add("settings", N_("the sheet needs one row of values under its header"))
    for extra in settings_rows[1:]:
        reader.add(
            extra.cell(next(iter(extra.cells), "")),
            N_("the settings sheet has one row of values; this is another"),
        )
    if settings_rows:
        values = _fields(settings_rows[0], (), reader)
        top = ("id", "version", "audience", "mirror", "title", "description")
        document.update({key: values[key] for key in top if key in values})
        settings = {key: value for key, value in values.items() if key not in top}
        for key in settings:
            reader.where[("settings", key)] = reader.where[(key,)]
        reader.where[("settings",)] = settings_rows[0].cell("id")
        if settings:
            document["settings"] = settings
    document["scale"] = _scale(rows.get("scale", []), reader)
    document["bands"] = [
        _fields(row, ("bands", i), reader) for i, row in enumerate(rows.get("bands", []))
    ]
    signs: list[dict[str, Any]] = []
    sign_index: dict[str, int] = {}
    for row in rows.get("signs", []):
        sign = _fields(row, ("signs", len(signs)), reader)
        sign_id = sign.get("id")
        if isinstance(sign_id, str) and sign_id not in sign_index:
            sign_index[sign_id] = len(signs)
        signs.append(sign)
    document["signs"] = signs
    items: dict[str, tuple[tuple[Any, ...], dict]] = {}
    for row in rows.get("items", []):
        sign_id = row.values.get("sign")
        if sign_id not in sign_index:
            reader.add(row.cell("sign"), _unknown(N_("sign"), sign_id, sign_index))
            continue
        i = sign_index[sign_id]
        sign_items = signs[i].setdefault("items", [])
        loc = ("signs", i, "items", len(sign_items))
        item = _fields(row, loc, reader, skip=("sign",))
        sign_items.append(item)
        if isinstance(item.get("id"), str):
            items.setdefault(item["id"], (loc, item))
    for i in range(len(signs)):
        reader.where.setdefault(("signs", i, "items"), reader.where[("signs", i)])
    _attach(rows.get("choices", []), items, "choice", "options", reader)
    _attach(rows.get("breakpoints", []), items, "number", "breakpoints", reader)
    _next_steps(rows.get("next_steps", []), signs, sign_index, reader)
    return document


def _unknown(what: Message, value: Any, known: Iterable[str]) -> Message:
    if value is None:
        return N_("missing: name the %(what)s", what=what)
    return N_(
        "no %(what)s %(found)s; known: %(known)s",
        what=what,
        found=_show(value),
        known=", ".join(known) or "-",
    )


def _scale(rows: list[_Row], reader: _Reader) -> dict[str, Any]:
    labels: dict[str, dict[str, str]] = {}
    points = [str(point) for point in range(1, LIKERT_POINTS + 1)]
    for row in rows:
        point = str(row.values.get("point", "")).strip().lower()
        if point not in (*points, NA_POINT):
            reader.add(
                row.cell("point"),
                N_(
                    "the point must be one of %(points)s",
                    points=", ".join([*points, NA_POINT]),
                ),
            )
            continue
        if point in labels:
            reader.add(row.cell("point"), N_("this point appears twice"))
            continue
        loc = ("scale", "na") if point == NA_POINT else ("scale", "likert", int(point) - 1)
        labels[point] = _fields(row, loc, reader, skip=("point",)).get("label", {})
        reader.where[loc] = row.cell("label::en")
    missing = [point for point in (*points, NA_POINT) if point not in labels]
    if missing:
        reader.add("scale", N_("the points %(points)s have no label", points=", ".join(missing)))
    return {
        "likert": [labels.get(point, {}) for point in points],
        "na": labels.get(NA_POINT, {}),
    }


def _attach(
    rows: list[_Row],
    items: dict[str, tuple[tuple[Any, ...], dict]],
    kind: str,
    key: str,
    reader: _Reader,
) -> None:
    """Options (``choices``) or breakpoints onto the items they name."""
    for row in rows:
        item_id = row.values.get("item")
        found = items.get(item_id) if isinstance(item_id, str) else None
        if found is None or found[1].get("type") != kind:
            wanted = [i for i, (_, item) in items.items() if item.get("type") == kind]
            what = N_("choice item") if kind == "choice" else N_("number item")
            reader.add(row.cell("item"), _unknown(what, item_id, wanted))
            continue
        item_loc, item = found
        entries = item.setdefault(key, [])
        loc = (*item_loc, key, len(entries))
        entry = _fields(row, loc, reader, skip=("item",))
        if key == "options" and "option" in entry:
            entry["id"] = entry.pop("option")
        reader.where[(*loc, "id")] = reader.where.get((*loc, "option"), reader.where[loc])
        entries.append(entry)


def _next_steps(
    rows: list[_Row], signs: list[dict], sign_index: dict[str, int], reader: _Reader
) -> None:
    for row in rows:
        sign_id = row.values.get("sign")
        if sign_id not in sign_index:
            reader.add(row.cell("sign"), _unknown(N_("sign"), sign_id, sign_index))
            continue
        i = sign_index[sign_id]
        sign = signs[i]
        when = str(row.values.get("when", "")).strip().lower()
        band = row.values.get("band")
        if when not in WHEN:
            reader.add(
                row.cell("when"),
                N_("must be one of %(allowed)s", allowed=", ".join(WHEN)),
            )
            continue
        if when == "band":
            if band is None:
                reader.add(row.cell("band"), N_("name the band this next step is for"))
                continue
            recommendations = sign.setdefault("recommendations", {})
            if band in recommendations:
                reader.add(row.cell("band"), N_("this sign has a next step for this band already"))
                continue
            loc = ("signs", i, "recommendations", band)
        else:
            if band is not None:
                reader.add(
                    row.cell("band"),
                    N_("leave the band empty when the next step is for %(when)s", when=when),
                )
                continue
            if when in sign:
                reader.add(row.cell("when"), N_("this sign has such a next step already"))
                continue
            loc = ("signs", i, when)
        step = _fields(row, loc, reader, skip=("sign", "when", "band"))
        if when == "band":
            sign["recommendations"][band] = step
        else:
            sign[when] = step


#: The model's most common problems, in the reader's language too (the rest are English,
#: like the file format's own messages).
_MODEL_MESSAGES = {
    str(message): message
    for message in (
        N_("required field is missing"),
        N_("missing translation: every text needs en and zh-CN"),
        N_("translation must not be empty"),
        N_("the last (worst) band must start at 0"),
        N_("a sign needs at least one scored item (likert, number, choice)"),
        N_("missing persisting recommendation"),
        N_("a round kind is listed twice"),
        N_("a client questionnaire gives no recommendations (the team's file does)"),
    )
}


def _located(error: QuestionnaireError, reader: _Reader) -> list[CellProblem]:
    """The model's problems, each at the cell its field came from."""
    cells = {_format_path(loc): where for loc, where in reader.where.items()}
    found: list[CellProblem] = []
    for problem in error.problems:
        path = problem.path
        where = None
        probe = path
        while probe:
            if probe in cells:
                where = cells[probe]
                break
            probe = re.sub(r"(\.[^.\[\]]+|\[[^\]]*\])$", "", probe)
        if where is None:
            where = path or "settings"
        message = _MODEL_MESSAGES.get(problem.message, problem.message)
        found.append(
            (where, N_("%(where)s: %(message)s", where=path, message=message) if path else message)
        )
    return found


# --- the questionnaire file ------------------------------------------------------------------


def toml_text(document: dict[str, Any], source: str | None = None) -> str:
    """A questionnaire file holding ``document`` (as ``read_workbook`` returns it).
    ``source`` (a file name, perhaps an uploader's) is named in a comment, on one line and
    without control characters, so that it cannot add anything to the file."""
    if source is not None:
        source = "".join(ch if ch.isprintable() else " " for ch in source)
        source = " ".join(source.split())[:200] or None
    head = [
        "# A questionnaire (format: docs/questionnaire-format.md), written by"
        " `assessment questions import`" + (f"\n# from {source}" if source else "") + ".",
        "# Check it with `assessment questions check`.",
        "",
    ]
    return "\n".join(head) + tomli_w.dumps(document, multiline_strings=True)

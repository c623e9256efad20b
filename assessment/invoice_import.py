"""The invoices import: an accounting system's CSV or xlsx file → a client's invoices,
all or none.

``parse_invoices`` reads and checks a file (no database); ``import_invoices`` stores a
checked file for a client in one transaction and remembers its column mapping. The CLI
(``assessment invoices import``) and the client's page call the same functions. The
format is described in docs/data.md ("Invoices"). Every row is checked before anything is
stored; a file with any problem is refused as a whole (``InvoiceImportRefused``), each
problem named by its line (the header is line 1) in the user's language.

Re-importing updates invoices by number: a number already stored for the client is
updated, never stored twice.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlite_utils import Database

from .currencies import currency_code
from .evidence import Invoice
from .sqlite import transaction, utc_stamp
from .vocab import N_, Message, Translate, fold

__all__ = [
    "FIELDS",
    "FIELD_LABELS",
    "ImportResult",
    "InvoiceImportRefused",
    "ParsedFile",
    "describe_problem",
    "import_invoices",
    "parse_invoices",
    "remembered_columns",
]

#: The fields of an invoice, in the order the import reports them.
FIELDS = ("number", "issued", "due", "paid", "amount", "currency")
FIELD_LABELS: dict[str, Message] = {
    "number": N_("invoice number"),
    "issued": N_("issue date"),
    "due": N_("due date"),
    "paid": N_("payment date"),
    "amount": N_("amount"),
    "currency": N_("currency"),
}
#: Column names the import recognises without a mapping, folded (``vocab.fold``).
HEADER_ALIASES: dict[str, str] = {
    fold(name): field
    for field, names in {
        "number": (
            "number",
            "invoice number",
            "invoice no",
            "invoice no.",
            "invoice #",
            "invoice",
            "发票号",
            "发票号码",
            "发票编号",
            "单据编号",
        ),
        "issued": ("issued", "issue date", "invoice date", "date", "开票日期", "发票日期"),
        "due": ("due", "due date", "payment due", "到期日", "到期日期", "应付日期"),
        "paid": (
            "paid",
            "paid date",
            "paid on",
            "payment date",
            "付款日期",
            "收款日期",
            "到账日期",
        ),
        "amount": ("amount", "total", "invoice amount", "金额", "发票金额", "价税合计", "总金额"),
        "currency": ("currency", "币种", "货币"),
    }.items()
    for name in names
}
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_NUMBER = 100

#: (line, message); line 1 is the header, 0 the whole file.
Problem = tuple[int, Message]


class InvoiceImportRefused(ValueError):
    """An invoice file with problems; nothing was stored. ``headers``: the file's column
    names when it could be read (so that a person can map them)."""

    def __init__(self, problems: Sequence[Problem], headers: Sequence[str] = ()):
        self.problems = list(problems)
        self.headers = tuple(headers)
        lines = [describe_problem(p) for p in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"... and {len(self.problems) - 50} more problems")
        super().__init__("\n".join(lines))


def describe_problem(problem: Problem, gettext: Translate | None = None) -> str:
    """A problem as one line, in English or, given a ``gettext``, in its language."""
    line, message = problem
    if line:
        text = N_("line %(line)s: %(message)s", line=line, message=message)
    else:
        text = N_("file: %(message)s", message=message)
    return text.localize(gettext) if gettext else str(text)


# --- reading the file ---------------------------------------------------------------------------


class _Formula(str):
    """A spreadsheet cell holding a formula instead of a value."""


_NOT_TEXT = N_(
    "the file is not UTF-8 text, nor Chinese text as Excel saves it (GBK);"
    " save it as \u201cCSV UTF-8\u201d and try again"
)


def _decode(data: bytes) -> str:
    """UTF-8 with or without a byte order mark, else GB18030 (of which GBK is part)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_bad = data[: exc.start].count(b"\n") + 1
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise InvoiceImportRefused([(first_bad, _NOT_TEXT)]) from None
    # See respondent_import._decode: a Western file would read as Chinese nonsense.
    for ch in text:
        if ord(ch) > 127 and any(byte < 0x80 for byte in ch.encode("gb18030")):
            raise InvoiceImportRefused([(first_bad, _NOT_TEXT)])
    return text


def _read_csv(data: bytes) -> list[tuple[int, list[Any]]]:
    text = _decode(data)
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[Any]]] = []
    try:
        line = 1
        for record in reader:
            records.append((line, [_csv_cell(cell) for cell in record]))
            line = reader.line_num + 1
    except csv.Error as exc:
        message = N_("not a readable CSV file: %(error)s", error=str(exc))
        raise InvoiceImportRefused([(reader.line_num, message)]) from None
    return records


_CSV_FORMULA = re.compile(r"^\s*(=|@|[+-]\s*[^\d\s.,])")


def _csv_cell(cell: str) -> Any:
    return _Formula(cell) if _CSV_FORMULA.match(cell) else cell


def _read_xlsx(data: bytes) -> list[tuple[int, list[Any]]]:
    import openpyxl  # only for xlsx files

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        message = N_(
            "not a readable xlsx workbook: %(error)s", error=str(exc) or type(exc).__name__
        )
        raise InvoiceImportRefused([(0, message)]) from None
    try:
        sheet = book.worksheets[0]
        records = []
        for row in sheet.iter_rows():
            cells = []
            line = None
            for cell in row:
                line = getattr(cell, "row", None) or line
                value = cell.value
                if getattr(cell, "data_type", None) == "f" or (
                    isinstance(value, str) and value.startswith("=")
                ):
                    value = _Formula(str(value))
                cells.append(value)
            if line is not None:
                records.append((line, cells))
            if len(records) > MAX_ROWS + 1:
                break
        return records
    finally:
        book.close()


def _is_xlsx(data: bytes, filename: str) -> bool:
    return data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm"))


# --- cells --------------------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SLASHED = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_CHINESE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_DAY_FIRST = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$")


class _Bad(ValueError):
    """A cell that is not what its column needs (the message says why)."""

    def __init__(self, message: Message):
        super().__init__(str(message))
        self.message = message


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    text = (
        text.split("T")[0].split(" ")[0] if _ISO.match(text.split("T")[0].split(" ")[0]) else text
    )
    for pattern in (_ISO, _SLASHED, _CHINESE):
        match = pattern.match(text)
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                raise _Bad(N_("%(value)s is not a day of the calendar", value=text)) from None
    if _DAY_FIRST.match(text):
        raise _Bad(
            N_(
                "%(value)s could be read day-first or month-first; write dates as"
                " YYYY-MM-DD (2026-03-01), YYYY/MM/DD or 2026年3月1日",
                value=text,
            )
        )
    raise _Bad(
        N_(
            "%(value)s is not a date; write dates as YYYY-MM-DD (2026-03-01), YYYY/MM/DD or"
            " 2026年3月1日",
            value=text,
        )
    )


_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise _Bad(N_("%(value)s is not an amount", value=value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
    if not text:
        raise _Bad(N_("no amount"))
    body = text.lstrip("-")
    if _GROUPED.match(body):
        text = text.replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise _Bad(N_("%(value)s is not an amount", value=text)) from None
    if not amount.is_finite():
        raise _Bad(N_("%(value)s is not an amount", value=text))
    return amount


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


# --- columns ------------------------------------------------------------------------------------


def _resolve(
    headers: Sequence[str], mapping: Mapping[str, str], remembered: Mapping[str, str]
) -> tuple[dict[str, int], list[Problem]]:
    """Column index per field: the given mapping, else the remembered one (when the file
    has that column), else a recognised name."""
    folded = [fold(h) for h in headers]
    columns: dict[str, int] = {}
    problems: list[Problem] = []
    for field in FIELDS:
        wanted = mapping.get(field)
        if wanted:
            if fold(wanted) in folded:
                columns[field] = folded.index(fold(wanted))
            else:
                problems.append(
                    (
                        1,
                        N_(
                            "the file has no column %(column)s (for the %(field)s)",
                            column=wanted,
                            field=FIELD_LABELS[field],
                        ),
                    )
                )
            continue
        known = remembered.get(field)
        if known and fold(known) in folded:
            columns[field] = folded.index(fold(known))
            continue
        for i, name in enumerate(folded):
            if HEADER_ALIASES.get(name) == field:
                columns[field] = i
                break
    taken: dict[int, str] = {}
    for field, index in columns.items():
        if index in taken:
            problems.append(
                (
                    1,
                    N_(
                        "the column %(column)s is mapped to both the %(first)s and the %(second)s",
                        column=headers[index],
                        first=FIELD_LABELS[taken[index]],
                        second=FIELD_LABELS[field],
                    ),
                )
            )
        taken[index] = field
    missing = [f for f in FIELDS if f not in columns and f not in mapping]
    if missing:
        problems.append(
            (
                1,
                N_(
                    "no column for the %(fields)s; name the columns (%(names)s) or map them",
                    fields=", ".join(str(FIELD_LABELS[f]) for f in missing),
                    names=", ".join(FIELDS),
                ),
            )
        )
    return columns, problems


# --- the whole file -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedFile:
    """A checked invoice file: its invoices (in file order) and the column each field
    was read from (by the file's header, to remember for the next import)."""

    invoices: tuple[Invoice, ...]
    columns: dict[str, str]


def parse_invoices(
    data: bytes,
    filename: str = "",
    *,
    mapping: Mapping[str, str] | None = None,
    remembered: Mapping[str, str] | None = None,
) -> ParsedFile:
    """Read and check an invoice file (CSV in UTF-8 with or without BOM or GBK, or xlsx);
    ``InvoiceImportRefused`` with every problem found, by line."""
    if len(data) > MAX_BYTES:
        message = N_("the file is larger than %(limit)s MB", limit=MAX_BYTES // (1024 * 1024))
        raise InvoiceImportRefused([(0, message)])
    records = _read_xlsx(data) if _is_xlsx(data, filename) else _read_csv(data)
    records = [(line, cells) for line, cells in records if any(_text(c) for c in cells)]
    if not records:
        raise InvoiceImportRefused([(1, N_("the file is empty: it needs a header row"))])
    header_cells = records[0][1]
    headers = [_text(c) for c in header_cells]
    if len(records) - 1 > MAX_ROWS:
        message = N_("more than %(limit)s invoices in one file", limit=MAX_ROWS)
        raise InvoiceImportRefused([(0, message)], headers)
    columns, problems = _resolve(headers, mapping or {}, remembered or {})
    if problems:
        raise InvoiceImportRefused(problems, headers)

    invoices: list[Invoice] = []
    first_line: dict[str, int] = {}
    for line, cells in records[1:]:
        values = {f: cells[i] if i < len(cells) else None for f, i in columns.items()}
        row_problems: list[Message] = []
        formulas = [f for f, v in values.items() if isinstance(v, _Formula)]
        for field in formulas:
            row_problems.append(
                N_(
                    "the %(field)s is a formula (%(formula)s), not a value; export the values",
                    field=FIELD_LABELS[field],
                    formula=str(values[field])[:40],
                )
            )
        parsed: dict[str, Any] = {}
        for field in FIELDS:
            if field in formulas:
                continue
            value = values[field]
            try:
                parsed[field] = _cell(field, value)
            except _Bad as bad:
                row_problems.append(
                    N_("%(field)s: %(message)s", field=FIELD_LABELS[field], message=bad.message)
                )
        number = parsed.get("number")
        if number:
            if number in first_line:
                row_problems.append(
                    N_(
                        "invoice number %(number)s is already on line %(line)s",
                        number=number,
                        line=first_line[number],
                    )
                )
            else:
                first_line[number] = line
        issued, due, paid = parsed.get("issued"), parsed.get("due"), parsed.get("paid")
        if issued and paid and paid < issued:
            row_problems.append(
                N_(
                    "paid on %(paid)s, before it was issued (%(issued)s)",
                    paid=paid.isoformat(),
                    issued=issued.isoformat(),
                )
            )
        if issued and due and due < issued:
            row_problems.append(
                N_(
                    "due on %(due)s, before it was issued (%(issued)s)",
                    due=due.isoformat(),
                    issued=issued.isoformat(),
                )
            )
        problems.extend((line, message) for message in row_problems)
        if not row_problems:
            invoices.append(
                Invoice(number, issued, due, paid, parsed["amount"], parsed["currency"])
            )
    if problems:
        raise InvoiceImportRefused(problems, headers)
    return ParsedFile(tuple(invoices), {f: headers[i] for f, i in columns.items()})


def _cell(field: str, value: Any) -> Any:
    if field == "number":
        text = _text(value)
        if not text:
            raise _Bad(N_("no invoice number"))
        if len(text) > MAX_NUMBER:
            raise _Bad(N_("longer than %(limit)s characters", limit=MAX_NUMBER))
        return text
    if field in ("issued", "due", "paid"):
        found = _date(value if value is not None else "")
        if found is None and field != "paid":
            raise _Bad(N_("no date"))
        return found
    if field == "amount":
        amount = _amount(value if value is not None else "")
        if amount < 0:
            raise _Bad(N_("%(value)s is negative; a credit note is not an invoice", value=amount))
        return amount
    text = _text(value)
    code = currency_code(text)
    if code is None:
        raise _Bad(N_("%(value)s is not an ISO 4217 currency code (EUR, CNY, USD…)", value=text))
    return code


# --- storing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def remembered_columns(db: Database, client_id: int) -> dict[str, str]:
    """The column mapping of the client's last import (field → the file's header)."""
    row = db.execute(
        "SELECT mapping FROM invoice_columns WHERE client_id = ?", [client_id]
    ).fetchone()
    return json.loads(row[0]) if row else {}


def import_invoices(
    db: Database,
    client_id: int,
    data: bytes,
    filename: str = "",
    *,
    mapping: Mapping[str, str] | None = None,
) -> ImportResult:
    """Check a file and store its invoices for the client in one transaction: new
    numbers are added, known ones updated; nothing is stored if anything is wrong."""
    parsed = parse_invoices(
        data, filename, mapping=mapping, remembered=remembered_columns(db, client_id)
    )
    created = updated = unchanged = 0
    now = utc_stamp()
    with transaction(db, write=True):
        for invoice in parsed.invoices:
            values = [
                invoice.issued.isoformat(),
                invoice.due.isoformat(),
                invoice.paid.isoformat() if invoice.paid else None,
                str(invoice.amount),
                invoice.currency,
            ]
            row = db.execute(
                "SELECT id, issued, due, paid, amount, currency FROM invoices"
                " WHERE client_id = ? AND number = ?",
                [client_id, invoice.number],
            ).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO invoices (client_id, number, issued, due, paid, amount, currency,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [client_id, invoice.number, *values, now, now],
                )
                created += 1
            elif list(row[1:]) == values:
                unchanged += 1
            else:
                db.execute(
                    "UPDATE invoices SET issued = ?, due = ?, paid = ?, amount = ?, currency = ?,"
                    " updated_at = ? WHERE id = ?",
                    [*values, now, row[0]],
                )
                updated += 1
        db.execute(
            "INSERT INTO invoice_columns (client_id, mapping, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (client_id) DO UPDATE SET mapping = excluded.mapping,"
            " updated_at = excluded.updated_at",
            [client_id, json.dumps(parsed.columns, ensure_ascii=False), now],
        )
    return ImportResult(created, updated, unchanged)

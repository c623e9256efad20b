"""Exports: a round's answers and every round's results, as CSV or JSON.

Takes a sqlite-utils Database and returns plain data or text: no Flask, no request. The CLI
(``assessment export ...``) and the web views call the same functions (the respondents
import is ``respondent_import``). File formats and the rules below are in docs/data.md.

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
import dataclasses
import io
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlite_utils import Database

from . import answers as answer_values
from . import results
from .anonymity import agreement_level, visible_free_text, withheld_result
from .figures import score_text
from .scoring import ScoringInputError, item_health
from .sqlite import query_rows, utc_stamp
from .store import rounds

__all__ = [
    "ANSWER_COLUMNS",
    "CSV_ENCODING",
    "FORMATS",
    "FORMAT_VERSION",
    "FORMULA_PREFIXES",
    "RESULT_COLUMNS",
    "Withheld",
    "answer_rows",
    "escape_formula",
    "export_answers",
    "export_results",
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
    "side",
)

RESULT_COLUMNS = (
    "round_id",
    "client",
    "lead",
    "industry",
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
        "exported_at": utc_stamp(),
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
    record = results.load(db, current)
    policy = results.policy(record)
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
    export = _side_answers(db, current, policy, "team", sign_statuses(record))
    # The client's side (docs/scoring.md, "The perception gap"): with the mirror's
    # questions, and only once the client's view may be shown; combined as an anonymous
    # round's rows.
    client_rules = results.client_policy(record)
    if client_rules is not None and client_rules.results_visible:
        scored = results.client_score(record)
        statuses = {s.sign_id: s.status for s in scored.signs} if scored is not None else {}
        # Attributed client answers name their contact (docs/anonymity.md); combined never.
        side = current.for_client()
        if current.client_attributed:
            side = dataclasses.replace(side, anonymous=False)
        theirs = _side_answers(db, side, client_rules, "client", statuses)
        export = AnswerExport(
            export.rows + theirs.rows, export.withheld_items + theirs.withheld_items
        )
    return export


def _side_answers(
    db: Database, current: rounds.Round, policy, side: str, statuses: Mapping[str, str]
) -> AnswerExport:
    """The rows of one side's answers; ``current`` is the round as that side answers it
    (``Round.for_client`` for the client: the mirror's questions, always anonymous)."""
    round_id = current.id
    q = current.questionnaire
    points = len(q.scale.likert)
    items = {item.id: item for item in q.items()}
    order = {item_id: n for n, item_id in enumerate(items)}
    signs = {item.id: sign.id for sign in q.signs for item in sign.items}

    people = db.execute(
        "SELECT respondents.id, respondents.name,"
        " COALESCE(respondents.client_role, respondents.role), responses.submitted_at"
        " FROM responses JOIN respondents ON respondents.id = responses.respondent_id"
        " WHERE respondents.round_id = ? AND responses.status = 'submitted'"
        " AND respondents.side = ?",
        [round_id, side],
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
        " WHERE respondents.round_id = ? AND responses.status = 'submitted'"
        " AND respondents.side = ?",
        [round_id, side],
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
            "questionnaire_id": q.id,
            "questionnaire_version": q.version,
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
            "side": side,
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


def sign_statuses(record: results.RoundRecord) -> dict[str, str]:
    """Each sign's status in the round: ``scored``, ``insufficient``, ``not_asked`` (none
    of its items is asked in this kind of round) or ``withheld`` (an anonymous round's sign
    answered by fewer people than its floor). Should the stored answers not score (a value
    the engine refuses), only ``not_asked`` is known, from the questionnaire. Callers check
    the round's policy first (``_answers`` does)."""
    current = record.round
    try:
        return {s.sign_id: s.status for s in results.score(record).signs}
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
            "signs": sign_statuses(results.load(db, current, every_answer=False)),
        }
    }
    if current.anonymous:
        meta["round"]["anonymity_floor"] = current.anonymity_floor
        meta["round"]["anonymity_text_floor"] = current.anonymity_text_floor
        meta["withheld_items"] = list(exported.withheld_items)
    return to_json(rows, ANSWER_COLUMNS, export="answers", **meta)


# --- results ------------------------------------------------------------------------------


def result_rows(
    db: Database, *, include_open: bool = False, client_ids: Collection[int] | None = None
) -> list[dict]:
    """One row per round and sign, in ``RESULT_COLUMNS``: closed rounds (their stored
    results) by client and date; with ``include_open``, open named rounds too, scored from
    the answers submitted so far (an anonymous round shows nothing while it is open);
    with ``client_ids``, only those clients' rounds (the portfolio page's filters). An
    anonymous round's withheld signs have no counts, and its agreement is given in words
    only (``agreement``), never as the exact ``rwg``. Scores and indexes are rounded as
    the pages show them (``figures.score_text``: whole, unless that would change the band)."""
    where = "" if include_open else " WHERE rounds.status = 'closed'"
    ids = db.execute(
        "SELECT rounds.id, clients.id, users.name, users.email, clients.industry FROM rounds"
        " JOIN clients ON clients.id = rounds.client_id"
        " LEFT JOIN users ON users.id = clients.lead_id"
        + where
        + " ORDER BY clients.name COLLATE NOCASE, clients.id, rounds.created_at, rounds.id"
    ).fetchall()
    rows = []
    for round_id, client_id, lead_name, lead_email, industry in ids:
        if client_ids is not None and client_id not in client_ids:
            continue
        current = rounds.get_round(db, round_id)
        record = results.load(db, current, every_answer=False)
        policy = results.policy(record)
        if policy.state == "open":
            continue
        if policy.results_visible:
            result = results.score(record)
        else:  # closed below its floor: every sign withheld (or not asked), no counts
            result = withheld_result(current.questionnaire, current.kind)
        q = current.questionnaire
        for sign in result.signs:
            withheld = sign.status == "withheld"
            rows.append(
                {
                    "round_id": current.id,
                    "client": current.client_name,
                    "lead": lead_name or lead_email or "",
                    "industry": industry or "",
                    "period": current.period,
                    "round_kind": current.kind,
                    "round_status": current.status,
                    "closed_at": current.closed_at,
                    "questionnaire_id": result.questionnaire_id,
                    "questionnaire_version": result.questionnaire_version,
                    "sign_id": sign.sign_id,
                    "sign_status": sign.status,
                    "score": _shown(q, sign.exact_score),
                    "band": sign.band_id,
                    "coverage": None if withheld else sign.coverage,
                    "respondents": None if withheld else sign.respondents,
                    "rwg": None if current.anonymous else sign.rwg,
                    "agreement": agreement_level(sign.exact_rwg),
                    "trend_delta": sign.trend.delta if sign.trend else None,
                    "trend_direction": sign.trend.direction if sign.trend else None,
                    "round_index": _shown(q, result.exact_index),
                    "round_band": result.band_id,
                    "round_trend_delta": result.trend.delta if result.trend else None,
                }
            )
    return rows


def _shown(q, exact) -> int | float | None:
    """A score as the pages show it, as a number."""
    if exact is None:
        return None
    shown = Decimal(score_text(q, exact))
    return int(shown) if shown == shown.to_integral_value() else float(shown)


def export_results(
    db: Database,
    fmt: str = "csv",
    *,
    include_open: bool = False,
    client_ids: Collection[int] | None = None,
) -> str:
    """Every round's results per sign as CSV or JSON text (see ``result_rows``)."""
    _check_format(fmt)
    rows = result_rows(db, include_open=include_open, client_ids=client_ids)
    if fmt == "csv":
        return to_csv(rows, RESULT_COLUMNS)
    return to_json(rows, RESULT_COLUMNS, export="results", include_open=include_open)

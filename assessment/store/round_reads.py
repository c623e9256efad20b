"""The reads behind ``results.load``: a round and what of its client its pages show.

A results page, a report, an alert or an export of one round needs the round, its
client, its people, the client's other rounds (their stored results and how many
answered on each side), the client's actions, incidents and invoices, and the answers
scored. Read one query at a time that was some thirty statements a page, fifteen of
them ``COUNT(*)``; here it is three (``client_part``, ``client_rounds``,
``submitted_answers``), and ``responses.round_free_text`` a fourth when the round's
free text may be shown. ``results.load`` runs them in one read transaction.

Nothing here decides what may be shown: the rows come back as records, and
``results`` applies the anonymity policy to them. No token, e-mail address or answer
key of a respondent is read.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlite_utils import Database

from .. import answers as answer_values
from ..answers import Response
from ..evidence import Incident, Invoice
from ..sqlite import query_rows
from .actions import Action, _action
from .clients import Client, NotFound, _from_row
from .rounds import _ROUND_SELECT, Round, _round

__all__ = [
    "ClientPart",
    "Person",
    "RoundCounts",
    "client_part",
    "client_rounds",
    "submitted_answers",
]


@dataclass(frozen=True, slots=True)
class Person:
    """One of a round's respondents as its pages may name them (a client contact by name
    only in a round whose client answers are attributed): no token, address or key."""

    id: int
    side: str  # "team" or "client"
    name: str
    role: str
    client_role: str | None
    status: str  # "invited", "draft" or "submitted"


@dataclass(frozen=True, slots=True)
class RoundCounts:
    """How many of a round's people answered: what its anonymity policy is made from."""

    team_invited: int = 0
    team_submitted: int = 0
    client_invited: int = 0
    client_submitted: int = 0


@dataclass(frozen=True, slots=True)
class ClientPart:
    """The client of a round, with its actions, incidents, invoices and the round's people."""

    client: Client
    people: tuple[Person, ...]
    actions: tuple[Action, ...]
    incidents: tuple[Incident, ...]
    invoices: tuple[Invoice, ...]


_PART_SQL = """
SELECT clients.*, COALESCE(NULLIF(users.name, ''), users.email) AS lead_name,
    (SELECT COUNT(*) FROM rounds WHERE rounds.client_id = clients.id) AS round_count,
    (SELECT json_group_array(json_array(p.id, p.side, p.name, p.role, p.client_role,
            COALESCE(x.status, 'invited')))
        FROM respondents AS p LEFT JOIN responses AS x ON x.respondent_id = p.id
        WHERE p.round_id = :round) AS people,
    (SELECT json_group_array(json_object('id', a.id, 'round_id', a.round_id,
            'round_period', r.period, 'round_kind', r.kind, 'sign_id', a.sign_id,
            'title', a.title, 'owner_id', a.owner_id,
            'owner_display', COALESCE(NULLIF(a.owner_name, ''), NULLIF(u.name, ''), u.email, ''),
            'due_date', a.due_date, 'status', a.status, 'completed_at', a.completed_at,
            'created_at', a.created_at, 'step', a.step))
        FROM actions AS a JOIN rounds AS r ON r.id = a.round_id
        LEFT JOIN users AS u ON u.id = a.owner_id
        WHERE r.client_id = clients.id) AS actions,
    (SELECT json_group_array(json_array(i.sign, i.happened, i.moves))
        FROM incidents AS i WHERE i.client_id = clients.id) AS incidents,
    (SELECT json_group_array(json_array(v.number, v.issued, v.due, v.paid, v.amount, v.currency))
        FROM invoices AS v WHERE v.client_id = clients.id) AS invoices
FROM clients LEFT JOIN users ON users.id = clients.lead_id
WHERE clients.id = :client
"""


def client_part(db: Database, client_id: int, round_id: int) -> ClientPart:
    """The client (as ``clients.get_client``), the round's people in the order invited,
    the client's actions (open first, then by due date, as ``actions.client_actions``),
    its incidents (figures only: sign, day, moves) and invoices (by number): one statement.
    ``NotFound`` for an unknown client."""
    rows = list(query_rows(db, _PART_SQL, {"client": client_id, "round": round_id}))
    if not rows:
        raise NotFound(client_id)
    row = rows[0]
    people = sorted(
        (Person(*found) for found in json.loads(row["people"])), key=lambda person: person.id
    )
    actions = sorted(
        (_action(found) for found in json.loads(row["actions"])),
        key=lambda a: (a.status == "done", a.due_date is None, a.due_date or "", a.id),
    )
    incidents = [
        Incident(sign, date.fromisoformat(day), frozenset(m for m in moves.split(",") if m))
        for sign, day, moves in json.loads(row["incidents"])
    ]
    invoices = sorted(
        (
            Invoice(
                number,
                date.fromisoformat(issued),
                date.fromisoformat(due),
                date.fromisoformat(paid) if paid else None,
                Decimal(amount),
                currency,
            )
            for number, issued, due, paid, amount, currency in json.loads(row["invoices"])
        ),
        key=lambda invoice: invoice.number,
    )
    return ClientPart(
        client=_from_row(row),
        people=tuple(people),
        actions=tuple(actions),
        incidents=tuple(incidents),
        invoices=tuple(invoices),
    )


def _count(side: str, submitted: bool) -> str:
    join = " JOIN responses ON responses.respondent_id = respondents.id" if submitted else ""
    status = " AND responses.status = 'submitted'" if submitted else ""
    name = f"{side}_{'submitted' if submitted else 'invited'}"
    return (
        f"(SELECT COUNT(*) FROM respondents{join} WHERE respondents.round_id = rounds.id"
        f" AND respondents.side = '{side}'{status}) AS {name}"
    )


SIDES, NUMBERS = ("team", "client"), ("invited", "submitted")
_COUNTS = ", ".join(_count(side, n == "submitted") for side in SIDES for n in NUMBERS)
#: A snapshot's text is read with the round only when the process does not hold it yet.
_TEXTS = (
    " CASE WHEN rounds.questionnaire_digest IN (SELECT value FROM json_each(:known)) THEN NULL"
    " ELSE (SELECT snapshot FROM questionnaire_snapshots"
    " WHERE digest = rounds.questionnaire_digest) END AS snapshot_text,"
    " CASE WHEN rounds.mirror_digest IS NULL"
    " OR rounds.mirror_digest IN (SELECT value FROM json_each(:known)) THEN NULL"
    " ELSE (SELECT snapshot FROM questionnaire_snapshots"
    " WHERE digest = rounds.mirror_digest) END AS mirror_snapshot_text,"
)


def client_rounds(
    db: Database, client_id: int, known: Collection[str] = ()
) -> list[tuple[Round, RoundCounts, bool]]:
    """The client's rounds, newest first (as ``rounds.list_rounds``), each with how many of
    its people were invited and submitted on each side, and whether the lead includes the
    invoice facts in its client summary: one statement. ``known``: the digests of the
    snapshots the process holds already (``snapshots.held_digests``); the others are read
    in the same statement."""
    sql = (
        _ROUND_SELECT.replace("SELECT rounds.*,", f"SELECT rounds.*, {_COUNTS},{_TEXTS}")
        + " WHERE rounds.client_id = :client ORDER BY rounds.created_at DESC, rounds.id DESC"
    )
    found = []
    for row in query_rows(db, sql, {"client": client_id, "known": json.dumps(list(known))}):
        counts = RoundCounts(
            row["team_invited"],
            row["team_submitted"],
            row["client_invited"],
            row["client_submitted"],
        )
        found.append((_round(db, row), counts, bool(row["client_summary_invoices"])))
    return found


def submitted_answers(
    db: Database, round_ids: Iterable[int], skip_items: Iterable[str] = ()
) -> dict[tuple[int, str], tuple[Response, ...]]:
    """The submitted answers of these rounds as the engine takes them, by (round id, side):
    one statement (``responses.submitted_responses`` for several rounds and both sides).
    ``skip_items``: items whose answers are not read (the open questions: free text is
    read only where it may be shown, by ``responses.round_free_text``)."""
    ids = sorted(set(round_ids))
    if not ids:
        return {}
    rows = db.conn.execute(
        "SELECT respondents.round_id, respondents.side, respondents.id,"
        " COALESCE(respondents.client_role, respondents.role),"
        " answers.item_id, answers.value_number, answers.value_text, answers.not_applicable"
        " FROM responses JOIN respondents ON respondents.id = responses.respondent_id"
        " LEFT JOIN answers ON answers.response_id = responses.id"
        " AND answers.item_id NOT IN (SELECT value FROM json_each(?))"
        " WHERE respondents.round_id IN (SELECT value FROM json_each(?))"
        " AND responses.status = 'submitted' ORDER BY respondents.id",
        [json.dumps(sorted(set(skip_items))), json.dumps(ids)],
    )
    collected: dict[tuple[int, str], dict[int, tuple[str, dict]]] = {}
    for round_id, side, respondent_id, role, item_id, number, text, na in rows:
        people = collected.setdefault((round_id, side), {})
        _role, answers = people.setdefault(respondent_id, (role, {}))
        if item_id is None:
            continue
        value = answer_values.from_columns(number, text, na)
        answers[item_id] = answer_values.for_engine(value)
    return {
        key: tuple(
            Response(respondent_id=str(rid), role=role, answers=answers)
            for rid, (role, answers) in people.items()
        )
        for key, people in collected.items()
    }

"""Demo data, loaded by ``assessment demo`` and ``make run``.

The stories live in ``demo/demo.toml`` (data, not code: nothing here names a sign or an
item). Everything is created through the same store functions the app uses, and loading
again adds nothing that is already there. A round left open invites its team by mail and
reminds those who have not submitted: the messages wait in the outbox for the worker
(``make run`` keeps them in the local outbox, so the demo shows its mail offline).
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlite_utils import Database

from . import clock, results
from .invoice_import import FIELDS, import_invoices
from .mail import kinds
from .paths import PROJECT_ROOT
from .questionnaire import ChoiceItem, LikertItem, NumberItem, Questionnaire
from .store import actions, clients, respondents, responses, rounds, users
from .store import evidence as evidence_store

DEMO_PASSWORD = "partnership-demo"
DEMO_FILE = PROJECT_ROOT / "demo" / "demo.toml"


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: str


DEMO_USERS = (
    DemoUser("admin@demo.example", "Ada Admin", "admin"),
    DemoUser("lead@demo.example", "Lin Lead", "lead"),
    DemoUser("member@demo.example", "Max Member", "member"),
)


def _likert_answer(item: LikertItem, health: float, rng: random.Random) -> int:
    step = health / 25
    a = 1 + step if item.direction == "healthy" else 5 - step
    return max(1, min(5, round(a + rng.uniform(-0.4, 0.4))))


def _number_answer(item: NumberItem, health: float, rng: random.Random) -> int | float:
    candidates = range(int(item.min), int(min(item.max, item.min + 400)) + 1)
    best = min(candidates, key=lambda v: (abs(item.score_for(v) - health), v))
    return best if item.integer else float(best)


def _choice_answer(item: ChoiceItem, health: float, rng: random.Random) -> str:
    return min(item.options, key=lambda o: abs(o.score - health)).id


#: Item type → an answer close to a health; None: the demo leaves such items unanswered.
ANSWER_MAKERS = {
    "likert": _likert_answer,
    "number": _number_answer,
    "choice": _choice_answer,
    "text": None,
}


def _answer(item, health: float, rng: random.Random):
    """An answer whose health is close to ``health`` (0-100) for this item."""
    make = ANSWER_MAKERS[item.type]
    return None if make is None else make(item, max(0.0, min(100.0, health)), rng)


def _round_answers(q: Questionnaire, kind: str, spec: dict, bias: float, rng: random.Random):
    answers = {}
    targets = spec.get("signs", {})
    for sign in q.signs:
        target = targets.get(sign.id, spec["default"]) + bias
        for item in sign.scored_items(kind):
            answers[item.id] = _answer(item, target + rng.gauss(0, 6), rng)
    return answers


def _mail_the_team(db: Database, current: rounds.Round, today) -> None:
    """Invitations for an open round's team, then a reminder to those who have not
    submitted (one with a draft reads "you have a draft")."""
    people = respondents.list_respondents(db, current.id)
    kinds.queue_invitations(db, current, people, by="demo")
    kinds.queue_reminders(db, current, people, by="demo", day=today)


def _client_side(
    db: Database,
    current: rounds.Round,
    mirror: Questionnaire,
    contacts: list[dict],
    spec: dict,
    rng: random.Random,
) -> None:
    """The client's people answering the round's mirror: targets per sign as for the team
    (``default`` and ``signs`` of the round's ``client`` table), moved by each contact's
    ``bias``."""
    for person in contacts[: spec.get("respondents", len(contacts))]:
        contact = respondents.add_respondent(
            db,
            current.id,
            name=person["name"],
            email=person.get("email"),
            side="client",
            client_role=person["role"],
        )
        answers = _round_answers(mirror, current.kind, spec, person.get("bias", 0), rng)
        responses.save_response(db, contact.id, answers, {}, submit=True)


def _load_client(
    db: Database,
    q: Questionnaire,
    spec: dict,
    rng: random.Random,
    today,
    mirror: Questionnaire | None = None,
    client_rng: random.Random | None = None,
) -> None:
    lead = users.find_by_email(db, spec.get("lead", ""))
    client = clients.create_client(
        db,
        name=spec["name"],
        industry=spec.get("industry", ""),
        lead_id=lead.id if lead else None,
        start_date=spec.get("start_date"),
        notes=spec.get("notes", ""),
    )
    team = spec["team"]
    contacts = spec.get("client_contacts", [])
    for round_spec in spec["rounds"]:
        current = rounds.create_round(
            db,
            client_id=client.id,
            kind=round_spec["kind"],
            period=round_spec["period"],
            questionnaire=q,
            anonymous=round_spec.get("anonymous", True),
            mirror=mirror,
        )
        if mirror is not None and "client" in round_spec:
            # Its own random numbers, so that the team's answers stay as they were.
            _client_side(
                db,
                current,
                mirror,
                contacts,
                round_spec["client"],
                client_rng or random.Random(0),
            )
        members = team[: round_spec.get("respondents", len(team))]
        drafts = round_spec.get("drafts", 0)
        for n, person in enumerate(members):
            respondent = respondents.add_respondent(
                db,
                current.id,
                name=person["name"],
                email=person.get("email"),
                role=person["role"],
                language=person.get("language"),
            )
            answers = _round_answers(q, current.kind, round_spec, person.get("bias", 0), rng)
            comments = round_spec.get("comments", {}) if n == 0 else {}
            if n == 0:  # answers to the open (text) questions, like the comments
                answers.update(round_spec.get("text_answers", {}))
            if n >= len(members) - drafts - 1 and n < len(members) - 1 and drafts:
                keep = dict(list(answers.items())[: len(answers) // 2])
                responses.save_response(db, respondent.id, keep, {}, submit=False)
            elif n == len(members) - 1 and drafts:
                continue  # invited, has not opened the link yet
            else:
                responses.save_response(db, respondent.id, answers, comments, submit=True)
        if "opened" in round_spec:
            rounds.set_timestamps(db, current.id, created_at=round_spec["opened"])
        if not round_spec.get("close", True):
            _mail_the_team(db, rounds.get_round(db, current.id), today)
        if round_spec.get("close", True):
            results.close_round(db, rounds.get_round(db, current.id))
            if "closed" in round_spec:
                rounds.set_timestamps(
                    db, current.id, created_at=round_spec["opened"], closed_at=round_spec["closed"]
                )
        for action_spec in round_spec.get("actions", []):
            action = actions.create_action(
                db,
                current.id,
                sign_id=action_spec["sign"],
                title=action_spec["title"],
                owner_name=action_spec["owner"],
                due_date=action_spec.get("due"),
            )
            if "done" in action_spec:
                actions.set_done(db, action.id, True, when=action_spec["done"])
    _load_evidence(db, client.id, spec)


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _load_evidence(db: Database, client_id: int, spec: dict) -> None:
    """The client's invoices (through the import, as a CSV file) and the team's incidents,
    each dated the day it happened."""
    invoices = spec.get("invoices", [])
    if invoices:
        lines = [",".join(FIELDS)]
        lines += [",".join(_csv_cell(str(row.get(f, ""))) for f in FIELDS) for row in invoices]
        import_invoices(db, client_id, ("\n".join(lines) + "\n").encode(), "demo.csv")
    for incident in spec.get("incidents", []):
        author = users.find_by_email(db, incident.get("by", ""))
        created = evidence_store.create_incident(
            db,
            client_id=client_id,
            author_id=author.id if author else None,
            sign=incident["sign"],
            happened=date.fromisoformat(incident["happened"]),
            text=incident["text"],
            moves=incident.get("moves", ()),
            response=incident.get("response", ""),
            signed=incident.get("signed", False),
        )
        db.execute(
            "UPDATE incidents SET created_at = ?, updated_at = ? WHERE id = ?",
            [f"{incident['happened']}T12:00:00+00:00"] * 2 + [created.id],
        )


def load_demo(
    db: Database,
    questionnaires: dict[str, Questionnaire],
    path: Path = DEMO_FILE,
    *,
    config: Mapping | None = None,
):
    """Create what is missing; returns a line per thing created. ``config`` (the app's)
    gives the time zone of the reminders' day (default UTC)."""
    created = []
    for demo in DEMO_USERS:
        if users.find_by_email(db, demo.email) is None:
            users.create_user(
                db, email=demo.email, password=DEMO_PASSWORD, role=demo.role, name=demo.name
            )
            created.append(f"user {demo.email} ({demo.role})")
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    q = questionnaires[data["questionnaire"]]
    mirror = questionnaires.get(q.mirror) if q.mirror else None
    rng = random.Random(20261122)
    today = clock.local_today(config or {})
    client_rng = random.Random(20261128)
    for spec in data["clients"]:
        if clients.find_by_name(db, spec["name"]) is not None:
            continue
        _load_client(db, q, spec, rng, today, mirror, client_rng)
        created.append(f"client {spec['name']} with {len(spec['rounds'])} rounds")
    return created

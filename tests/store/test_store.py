"""The store: clients, rounds, respondents and answers, on a real SQLite file."""

import ast
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from assessment.db import get_db
from assessment.questionnaire import questionnaire_from_snapshot
from assessment.store import clients, respondents, responses, rounds, snapshots
from assessment.store.responses import NA, InvalidAnswers


@pytest.fixture
def db(app):
    with app.app_context():
        yield get_db()


def _likert_ids(questionnaire, kind="quarterly"):
    return [i.id for i in questionnaire.items() if i.type == "likert" and i.applies(kind)]


def test_rounds_of_one_questionnaire_share_one_stored_snapshot(db, questionnaires):
    q = questionnaires["six-signs"]
    client = clients.create_client(db, name="Acme")
    first, second = (
        rounds.create_round(db, client_id=client.id, kind=kind, period="2026-Q4", questionnaire=q)
        for kind in ("kickoff", "quarterly")
    )
    assert first.questionnaire_digest == second.questionnaire_digest
    assert db.execute("SELECT COUNT(*) FROM questionnaire_snapshots").fetchone()[0] == 1
    changed = q.model_copy(update={"version": q.version + 1})
    third = rounds.create_round(
        db, client_id=client.id, kind="quarterly", period="2027-Q1", questionnaire=changed
    )
    assert third.questionnaire_digest != first.questionnaire_digest
    assert third.questionnaire.version == q.version + 1 and first.questionnaire == q
    assert db.execute("SELECT COUNT(*) FROM questionnaire_snapshots").fetchone()[0] == 2


def test_a_snapshot_text_is_read_from_the_database_once(db, questionnaires):
    client = clients.create_client(db, name="Acme")
    created = rounds.create_round(
        db,
        client_id=client.id,
        kind="kickoff",
        period="2026-Q4",
        questionnaire=questionnaires["six-signs"],
    )
    snapshots._snapshots.clear()
    statements = []
    db.conn.set_trace_callback(statements.append)
    texts = [rounds.get_round(db, created.id).snapshot for _ in range(3)]
    db.conn.set_trace_callback(None)
    assert texts[0] is texts[1] is texts[2]
    assert sum("FROM questionnaire_snapshots" in s for s in statements) == 1
    with pytest.raises(clients.NotFound):
        snapshots.snapshot_text(db, "0" * 64)


def test_clients_create_edit_search_archive(db):
    acme = clients.create_client(db, name="  Acme Corp ", industry="Retail", notes="n")
    clients.create_client(db, name="Blue 100% Labs", industry="Biotech")
    assert acme.name == "Acme Corp" and not acme.archived
    assert [c.name for c in clients.list_clients(db)] == ["Acme Corp", "Blue 100% Labs"]
    assert [c.name for c in clients.list_clients(db, search="bio")] == ["Blue 100% Labs"]
    assert [c.name for c in clients.list_clients(db, search="100%")] == ["Blue 100% Labs"]
    assert [c.name for c in clients.list_clients(db, search="%")] == ["Blue 100% Labs"]
    assert clients.list_clients(db, search="_") == []
    updated = clients.update_client(
        db, acme.id, name="Acme", industry="Retail", lead_id=1, start_date="2026-01-05", notes=""
    )
    assert updated.lead_name == "Admin" and updated.start_date == "2026-01-05"
    clients.set_archived(db, acme.id, True)
    assert [c.name for c in clients.list_clients(db)] == ["Blue 100% Labs"]
    assert [c.name for c in clients.list_clients(db, archived=True)] == ["Acme"]
    with pytest.raises(clients.NotFound):
        clients.get_client(db, 999)


@pytest.mark.parametrize(
    ("day", "period"),
    [
        (date(2026, 1, 1), "2026-Q1"),
        (date(2026, 6, 30), "2026-Q2"),
        (date(2026, 11, 22), "2026-Q4"),
    ],
)
def test_suggest_period(day, period):
    assert rounds.suggest_period(day) == period


def test_round_pins_a_snapshot_of_its_questionnaire(db, questionnaires):
    q = questionnaires["six-signs"]
    client = clients.create_client(db, name="Acme")
    created = rounds.create_round(
        db, client_id=client.id, kind="kickoff", period="2026-Q4", questionnaire=q
    )
    stored = db.execute(
        "SELECT snapshot FROM questionnaire_snapshots"
        " JOIN rounds ON rounds.questionnaire_digest = questionnaire_snapshots.digest"
    ).fetchone()[0]
    assert questionnaire_from_snapshot(json.loads(stored)) == q
    assert created.questionnaire == q
    assert (created.questionnaire_id, created.questionnaire_version) == (q.id, q.version)
    with pytest.raises(rounds.DuplicateRound):
        rounds.create_round(
            db, client_id=client.id, kind="kickoff", period="2026-Q4", questionnaire=q
        )


def test_tokens_are_long_unique_and_reissued(db, make_round):
    _round, people = make_round(respondents=5)
    tokens = {p.token for p in people}
    assert len(tokens) == 5
    assert all(len(t) >= 32 for t in tokens)  # 24 random bytes = 192 bits
    old = people[0]
    new = respondents.reissue_token(db, old.id)
    assert new.token != old.token
    assert respondents.find_by_token(db, old.token) is None
    assert respondents.find_by_token(db, new.token).id == old.id
    assert respondents.find_by_token(db, "") is None
    assert respondents.find_by_token(db, "x" * 500) is None


def test_respondent_with_a_user_email_is_linked(db, make_round):
    created, _people = make_round(respondents=0)
    respondent = respondents.add_respondent(db, created.id, name="M", email="member@example.com")
    assert respondent.user_id is not None
    mine = respondents.rounds_for_user(db, respondent.user_id)
    assert [(r.id, p.id) for r, p in mine] == [(created.id, respondent.id)]


def test_draft_then_submit_round_trips_every_answer_type(db, make_round, questionnaires):
    q = questionnaires["six-signs"]
    created, people = make_round()
    likert = _likert_ids(q)
    number = next(i for i in q.items() if i.type == "number" and i.applies("quarterly"))
    answers = {likert[0]: 4, likert[1]: NA, number.id: number.min + 1}
    comments = {q.signs[0].id: "<script>alert(1)</script>"}
    responses.save_response(db, people[0].id, answers, comments, submit=False, language="zh-CN")
    draft = responses.load_draft(db, people[0].id)
    assert draft.status == "draft" and draft.language == "zh-CN"
    assert draft.answers == answers
    assert draft.comments == comments
    assert respondents.get_respondent(db, people[0].id).status == "draft"
    assert responses.submitted_responses(db, created.id) == []

    responses.save_response(db, people[0].id, {likert[0]: 2}, {}, submit=True)
    draft = responses.load_draft(db, people[0].id)
    assert draft.status == "submitted" and draft.answers == {likert[0]: 2}
    assert draft.comments == {}
    assert db.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 1

    # Changing a submission keeps it a submission.
    responses.save_response(db, people[0].id, {likert[0]: 3}, {}, submit=False)
    assert responses.load_draft(db, people[0].id).status == "submitted"
    [scored] = responses.submitted_responses(db, created.id)
    assert dict(scored.answers) == {likert[0]: 3}
    assert scored.role == "delivery"


@pytest.mark.parametrize(
    "bad",
    [
        {"no-such-item": 3},
        {"LIKERT": 6},
        {"LIKERT": 0},
        {"LIKERT": "3"},
        {"LIKERT": True},
        {"LIKERT": 2.5},
        {"NUMBER": -1},
        {"NUMBER": float("nan")},
        {"NUMBER": "12"},
    ],
)
def test_invalid_answers_store_nothing(db, make_round, questionnaires, bad):
    q = questionnaires["six-signs"]
    _created, people = make_round()
    likert = _likert_ids(q)[0]
    number = next(i.id for i in q.items() if i.type == "number" and i.applies("quarterly"))
    bad = {{"LIKERT": likert, "NUMBER": number}.get(key, key): value for key, value in bad.items()}
    good = {_likert_ids(q)[1]: 5}
    with pytest.raises(InvalidAnswers):
        responses.save_response(db, people[0].id, {**good, **bad}, {}, submit=True)
    assert db.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 0


def test_long_comment_and_unknown_sign_are_refused(db, make_round, questionnaires):
    q = questionnaires["six-signs"]
    _created, people = make_round()
    with pytest.raises(InvalidAnswers):
        responses.save_response(db, people[0].id, {}, {q.signs[0].id: "x" * 5001}, submit=False)
    with pytest.raises(InvalidAnswers):
        responses.save_response(db, people[0].id, {}, {"nope": "x"}, submit=False)
    assert db.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 0


def test_items_of_other_round_kinds_are_refused(db, make_round, questionnaires):
    q = questionnaires["six-signs"]
    _created, people = make_round(kind="kickoff")
    not_at_kickoff = next(i.id for i in q.items() if not i.applies("kickoff"))
    with pytest.raises(InvalidAnswers):
        responses.save_response(db, people[0].id, {not_at_kickoff: 1}, {}, submit=True)


def test_closed_round_refuses_answers_and_keeps_old_ones(db, make_round, questionnaires):
    q = questionnaires["six-signs"]
    created, people = make_round()
    likert = _likert_ids(q)[0]
    responses.save_response(db, people[0].id, {likert: 4}, {}, submit=True)
    rounds.set_status(db, created.id, "closed")
    with pytest.raises(rounds.RoundClosed):
        responses.save_response(db, people[0].id, {likert: 1}, {}, submit=True)
    assert responses.load_draft(db, people[0].id).answers == {likert: 4}


def test_open_rounds_counts(db, make_round, questionnaires):
    created, people = make_round(respondents=2, contacts=3)
    team, contacts = people[:2], people[2:]
    responses.save_response(
        db, team[0].id, {_likert_ids(questionnaires["six-signs"])[0]: 4}, {}, submit=True
    )
    mirror_item = _likert_ids(created.mirror)[0]
    for contact in contacts[:2]:
        responses.save_response(db, contact.id, {mirror_item: 2}, {}, submit=True)
    [found] = rounds.open_rounds(db)
    # The sides apart: the home page's "1 of 2 submitted" is the team's, not 3 of 5.
    assert (found.round.id, found.invited, found.submitted) == (created.id, 2, 1)
    assert (found.client_invited, found.client_submitted) == (3, 2)


def test_round_free_text_is_comments_and_open_answers_of_submissions(db, make_round):
    created, people = make_round()
    q = created.questionnaire
    choice = next(i for i in q.items() if i.type == "choice" and i.applies("quarterly"))
    sign = q.items_by_id["mood-example"][0].id
    submitted = {"mood-example": "Line one\nline two 😤", choice.id: choice.options[0].id}
    responses.save_response(db, people[0].id, submitted, {sign: "A comment"}, submit=True)
    responses.save_response(db, people[1].id, {"mood-example": "draft"}, {sign: "d"}, submit=False)

    rows = responses.round_free_text(db, created.id, ["mood-example"])
    assert rows == [
        {"kind": "comment", "sign_id": sign, "item_id": None, "body": "A comment"}
        | {"name": "Person 0", "role": "delivery"},
        {"kind": "answer", "sign_id": None, "item_id": "mood-example"}
        | {"body": "Line one\nline two 😤", "name": "Person 0", "role": "delivery"},
    ]
    # Only the open items asked for: a choice's option id is stored as text too.
    assert [r["kind"] for r in responses.round_free_text(db, created.id)] == ["comment"]


# --- layering -------------------------------------------------------------------------------

PACKAGE = Path(__file__).resolve().parent.parent.parent / "assessment"
#: The store and what it stands on, and what reads and writes data without a request.
NO_WEB = [
    *sorted((PACKAGE / "store").glob("*.py")),
    *(PACKAGE / f"{name}.py" for name in ("sqlite", "migrations", "upgrade", "results")),
    *(PACKAGE / f"{name}.py" for name in ("exports", "respondent_import", "backup")),
]


def _imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function, relative ones
    made absolute."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, node.module] if node.module else parts)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("path", NO_WEB, ids=lambda path: path.name)
def test_the_store_imports_neither_flask_nor_click(path):
    """The store (and the helpers, migrations and data code beside it) is used by the
    CLI, the reports and the tests alike: no Flask, no click, no app context."""
    imported = _imported(path)
    outside = {m for m in imported if m.split(".")[0] in {"flask", "click"}}
    outside |= {m for m in imported if m.split(".")[0].startswith("flask_")}
    glue = {"assessment.db", "assessment.web", "assessment.cli", "assessment.create_app"}
    outside |= {m for m in imported if any(m == g or m.startswith(g + ".") for g in glue)}
    assert not outside, f"{path.name} imports {sorted(outside)}"


def test_the_store_loads_without_flask():
    modules = [".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts) for p in NO_WEB]
    code = "".join(f"import {module}\n" for module in ["sys", *modules])
    code += "print(sorted(m for m in sys.modules if m.split('.')[0] == 'flask'))"
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert found.stdout.strip() == "[]"

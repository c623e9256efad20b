"""store/round_reads.py: the three statements behind ``results.load`` read the same rows as
the store's one-kind-at-a-time functions they replace (on the demo: two sides, earlier
rounds, actions, incidents, invoices, comments)."""

from __future__ import annotations

import sqlite3

from hypothesis import given
from hypothesis import strategies as st

from assessment import results
from assessment.answers import in_own_words
from assessment.db import get_db
from assessment.store import actions, clients, evidence, respondents, responses, round_reads, rounds


def _demo_rounds(db):
    return [r for c in clients.list_clients(db) for r in rounds.list_rounds(db, c.id)]


def test_client_part_reads_what_the_store_reads_one_kind_at_a_time(demo_app):
    with demo_app.app_context():
        db = get_db()
        seen = []
        for current in _demo_rounds(db):
            part = round_reads.client_part(db, current.client_id, current.id)
            seen.append(part)
            assert part.client == clients.get_client(db, current.client_id)
            assert [
                (p.id, p.side, p.name, p.role, p.client_role, p.status) for p in part.people
            ] == [
                (p.id, p.side, p.name, p.role, p.client_role, p.status)
                for p in respondents.list_respondents(db, current.id)
            ]
            assert list(part.actions) == actions.client_actions(db, current.client_id)
            assert sorted(part.incidents, key=repr) == sorted(
                evidence.incidents_since(db, current.client_id, None), key=repr
            )
            assert list(part.invoices) == evidence.client_invoices(db, current.client_id)
        # the demo has all of them, so the comparisons above compared something
        for kind in ("actions", "incidents", "invoices", "people"):
            assert any(getattr(part, kind) for part in seen), kind


def test_client_rounds_read_the_rounds_and_their_counts(demo_app):
    with demo_app.app_context():
        db = get_db()
        client = clients.list_clients(db)[0]
        expected = rounds.list_rounds(db, client.id)
        for known in ([], [r.questionnaire_digest for r in expected]):
            found = round_reads.client_rounds(db, client.id, known)
            assert [r for r, _c, _i in found] == expected
            for r, counts, _invoices in found:
                assert counts.team_submitted == rounds.submitted_count(db, r.id)
                assert counts.client_submitted == rounds.submitted_count(db, r.id, "client")
                assert counts.team_invited == len(respondents.list_respondents(db, r.id, "team"))
                assert counts.client_invited == len(
                    respondents.list_respondents(db, r.id, "client")
                )
        assert any(c.client_submitted for _r, c, _i in found)


def test_submitted_answers_of_several_rounds_and_both_sides_at_once(demo_app):
    with demo_app.app_context():
        db = get_db()
        found = _demo_rounds(db)
        words = {i.id for r in found for i in r.questionnaire.items() if in_own_words(i)}
        read = round_reads.submitted_answers(db, [r.id for r in found], words)
        for r in found:
            for side in ("team", "client"):
                expected = [resp.answers for resp in responses.submitted_responses(db, r.id, side)]
                got = read.get((r.id, side), ())
                assert [g.answers for g in got] == [
                    {k: v for k, v in answers.items() if k not in words} for answers in expected
                ]
                assert [(g.respondent_id, g.role) for g in got] == [
                    (e.respondent_id, e.role) for e in responses.submitted_responses(db, r.id, side)
                ]
        # open questions are left out: their text is read only where it may be shown
        assert words and not any(words & set(g.answers) for got in read.values() for g in got)


@given(st.lists(st.text(alphabet="aAbBzZéÉ _-1", max_size=4), max_size=8))
def test_contacts_are_ordered_as_sqlite_orders_them_nocase(names):
    """``results.contact_views`` orders contacts in Python as the query did in SQL
    (``ORDER BY name COLLATE NOCASE, id``: ASCII letters folded only)."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    conn.executemany("INSERT INTO t (name) VALUES (?)", [(n,) for n in names])
    in_sql = conn.execute("SELECT id FROM t ORDER BY name COLLATE NOCASE, id").fetchall()
    rows = conn.execute("SELECT id, name FROM t").fetchall()
    in_python = sorted(rows, key=lambda row: (results._nocase(row[1]), row[0]))
    assert [row[0] for row in in_sql] == [row[0] for row in in_python]

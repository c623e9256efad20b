"""The results page reads its round once (issue 26, "One read per round").

Who may see the page: leads and admins (``role_required(*LEAD_ROLES)``); every other kind
of visitor (member, team link, client link, share link, nobody) is refused, as the access
matrix (tests/web/test_access_matrix.py) and tests/web/test_client_access.py check. These
tests log in as a lead and count the SQL statements one request runs.
"""

from __future__ import annotations

import pytest
from conftest import PASSWORD, AuthActions

from assessment.db import get_db
from assessment.report.data import round_report
from assessment.store import clients, rounds, users

#: The same request on the code before ``results.load`` (measured with the same trace
#: callback on the same demo round: 32 statements of the round's report, 38 in all).
BEFORE = 38


@pytest.fixture(scope="module")
def apex(demo_app):
    """The demo's richest round: Apex Retail Group's 2026-Q4, closed, both sides answered,
    two earlier closed rounds, actions, incidents, invoices and comments; and a lead."""
    with demo_app.app_context():
        db = get_db()
        users.create_user(db, email="lead@example.com", password=PASSWORD, role="lead", name="L")
        client = clients.find_by_name(db, "Apex Retail Group")
        current = rounds.list_rounds(db, client.id)[0]
        report = round_report(db, current)
        # what makes the round realistic, so that the counts below count a real page
        assert not current.is_open and report.results_visible
        assert len(report.history) == 3 and report.sides_history
        assert report.outcome.perception is not None and report.outcome.previous is not None
        assert report.actions and report.comments
        assert report.evidence is not None and report.evidence.any
    return current.id


def _read_transaction(seen: list[str]) -> list[str]:
    """The statements of the round's read transaction (``results.load``): from its
    BEGIN (a deferred one: writes begin IMMEDIATE) to its COMMIT, both counted."""
    start = seen.index("BEGIN")
    return seen[start : seen.index("COMMIT", start) + 1]


def test_the_results_page_reads_its_round_in_one_transaction_of_six_statements(
    demo_app, apex, sql_statements
):
    """Counted: every statement of the whole GET request of the logged-in lead, BEGIN and
    COMMIT included. The round's read (``results.load``) is one read transaction of at
    most 6: BEGIN, the client with the round's people, actions, incidents and invoices,
    the client's rounds with their counts, the answers scored, the free text (read as it
    may be shown), COMMIT. Around it the request runs 6 more that are not the round's:
    the session's user, the round for the 404 check, the audit entry ("results.viewed":
    BEGIN IMMEDIATE, INSERT, COMMIT) and the round's share links; so the whole request
    runs at most 12 (38 before). A closed round whose stored result lacks its floor is
    scored again from its answers: those are read in the same answers statement, so that
    rare path runs no more."""
    client = demo_app.test_client()
    assert AuthActions(client).login("lead").status_code == 302
    client.get(f"/rounds/{apex}/results")  # the process's caches warm, as on a server
    with sql_statements.counting() as seen:
        page = client.get(f"/rounds/{apex}/results")
    assert page.status_code == 200
    assert "Apex Retail Group" in page.get_data(as_text=True)
    read = _read_transaction(seen)
    assert len(read) <= 6, read
    assert sum(1 for sql in read if sql.startswith("SELECT")) == len(read) - 2
    assert len(seen) <= 12, seen
    assert len(seen) < BEFORE
    # one read transaction: nothing of the round is read outside it but the 404 check
    outside = [sql for sql in seen if sql not in read]
    assert not any("FROM respondents" in sql or "FROM actions" in sql for sql in outside)

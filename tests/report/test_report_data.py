"""The data behind the results page and the PDF: free text (comments and answers to open
questions), with the same anonymity rules for both."""

from __future__ import annotations

import pytest

from assessment import results
from assessment.db import get_db
from assessment.report.data import FreeTextEntry, round_report, tidy
from assessment.store import responses, rounds

MOOD = "mood-example"  # six-signs' open question of the sign "negativity"


@pytest.fixture
def db(app):
    with app.app_context():
        yield get_db()


def _fill(db, created, people, texts, *, close=False):
    """People submit in this order: (comment on the mood item's sign, answer to MOOD);
    `close` closes the round first (an anonymous round shows free text only then)."""
    sign = created.questionnaire.items_by_id[MOOD][0].id
    for person, (comment, answer) in zip(people, texts, strict=False):
        answers = {MOOD: answer} if answer is not None else {}
        comments = {sign: comment} if comment is not None else {}
        responses.save_response(db, person.id, answers, comments, submit=True)
    if close:
        results.close_round(db, rounds.get_round(db, created.id))
    return round_report(db, rounds.get_round(db, created.id))


def test_tidy_keeps_line_breaks_and_drops_runs_of_blank_lines():
    assert tidy("  one\r\ntwo\rthree\n") == "one\ntwo\nthree"
    assert tidy("a\n\n\n \n\nb\n\nc") == "a\n\nb\n\nc"
    assert tidy(" \r\n \n") == ""


def test_named_round_shows_answers_with_their_sign_and_question(db, make_round):
    created, people = make_round(anonymous=False)
    report = _fill(db, created, people, [("Said first", "Answer\r\nover two lines 😤"), (None, "")])
    sign = created.questionnaire.items_by_id[MOOD][0]
    assert not report.free_text.withheld
    assert report.free_text.entries == (
        FreeTextEntry("comment", sign.id, None, "Said first", "Person 0", "delivery"),
        FreeTextEntry("answer", sign.id, MOOD, "Answer\nover two lines 😤", "Person 0", "delivery"),
    )
    assert report.comments == report.free_text.entries[:1]
    assert report.comments_for(sign.id) == list(report.free_text.entries[:1])
    [(item, said)] = report.answers_for(sign.id)
    assert item is sign.item(MOOD) and said == [report.free_text.entries[1]]
    other = next(s for s in created.questionnaire.signs if s.id != sign.id)
    assert report.answers_for(other.id) == [] and report.comments_for(other.id) == []


def test_anonymous_round_hides_names_and_submission_order(db, make_round):
    # Five submit (the text floor), two of them writing nothing; the rounds are closed.
    texts = [("zeta", "Beta\nanswer"), ("alpha", "alpha answer"), (None, "Gamma")]
    texts += [(None, None)] * 2
    first, people = make_round(anonymous=True, period="2026-Q3", respondents=5)
    second, others = make_round(anonymous=True, period="2026-Q4", respondents=5)
    one = _fill(db, first, people, texts, close=True)
    two = _fill(db, second, others, list(reversed(texts)), close=True)
    assert one.free_text == two.free_text and not one.free_text.withheld
    assert all(t.author is None for t in one.free_text)
    assert [t.body for t in one.free_text] == [
        "alpha",
        "zeta",
        "Beta\nanswer",
        "Gamma",
        "alpha answer",
    ]


def test_answers_of_drafts_are_not_shown(db, make_round):
    created, people = make_round(anonymous=False)
    responses.save_response(db, people[0].id, {MOOD: "not yet"}, {}, submit=False)
    report = round_report(db, rounds.get_round(db, created.id))
    assert report.free_text.entries == () and not report.free_text.withheld


@pytest.mark.parametrize(
    ("submitted", "is_open", "shown"), [(5, True, False), (4, False, False), (5, False, True)]
)
def test_comments_and_text_answers_share_one_gate(db, make_round, submitted, is_open, shown):
    """An anonymous round's comments and text answers: withheld together while it is open
    or below its text floor (5), shown together from it; a withheld report never even
    reads them."""
    created, people = make_round(anonymous=True, respondents=submitted)
    texts = [("a comment", "a text answer")] + [(None, None)] * (submitted - 1)
    report = _fill(db, created, people, texts, close=not is_open)
    assert report.free_text.withheld is not shown
    assert {t.kind for t in report.free_text} == ({"comment", "answer"} if shown else set())


def test_a_report_and_its_client_summary_read_their_round_in_six_statements(
    demo_app, sql_statements
):
    """Counted: every statement from asking for the round's report data
    (``round_report``) to both documents' HTML made from it (the leadership report in
    English, the client summary in Chinese; the PDF is WeasyPrint's work on that HTML and
    reads nothing). All of it is the round's one read transaction (``results.load``):
    BEGIN, four SELECTs (the client with its people, actions, incidents and invoices; the
    client's rounds with their counts; the answers scored; the free text), COMMIT. Before
    ``results.load``: 32 (benchmarks/README.md). A closed round whose stored result lacks
    its floor is scored again (``results.score`` → ``compute``); its answers come in the
    same answers statement, so that rare path reads no more statements either."""
    from assessment.report import client_summary
    from assessment.report.pdf import render_html
    from assessment.store import clients

    with demo_app.app_context():
        db = get_db()
        current = rounds.list_rounds(db, clients.find_by_name(db, "Apex Retail Group").id)[0]
        rounds.set_client_summary_shared(db, current.id, True)
        current = rounds.get_round(db, current.id)
        with sql_statements.counting() as seen:
            report = round_report(db, current)
            html = render_html(report, "en", app=demo_app)
            summary = client_summary.render_client_summary_html(report, "zh-CN", app=demo_app)
    assert seen[0] == "BEGIN" and seen[-1] == "COMMIT", seen
    assert len(seen) <= 6, seen
    # a realistic round: both sides compared, earlier rounds, actions, evidence, comments
    assert client_summary.available(report) and report.sides_history
    assert len(report.history) == 3 and report.actions and report.comments
    assert report.evidence is not None and report.evidence.any
    assert "Apex Retail Group" in html and summary


def test_withheld_free_text_is_never_even_read(app, make_round, sql_statements):
    """An anonymous round closed with 3 answers (its floor) but under its text floor (5):
    its scores are shown, its comments are not, and no statement reads them; while it was
    open, not even the scored answers were read."""
    created, people = make_round(respondents=3)
    with app.app_context():
        db = get_db()
        sign = created.questionnaire.items_by_id[MOOD][0].id
        for person in people:
            responses.save_response(
                db, person.id, {MOOD: "a secret"}, {sign: "my own words"}, submit=True
            )
        with sql_statements.counting() as seen:
            record = results.load(db, rounds.get_round(db, created.id))
        assert record.read == frozenset() and not record.answers and record.written is None
        assert not any("answers" in sql or "comments" in sql for sql in seen), seen
        results.close_round(db, rounds.get_round(db, created.id))
        with sql_statements.counting() as seen:
            report = round_report(db, rounds.get_round(db, created.id))
    assert report.results_visible and report.free_text.withheld and not report.comments
    assert not any("comments" in sql or "a secret" in sql for sql in seen), seen
    assert record.round.id == created.id


def test_an_earlier_result_stored_without_its_floor_is_scored_again_in_the_same_read(
    demo_app, sql_statements
):
    """The rare path: an earlier closed anonymous round whose stored result lacks its floor
    (``results.score`` → ``compute``) is scored again from its answers, which ``load`` reads
    in its one answers statement: the report still runs at most 6 statements, and shows
    the same result as when it was stored with its floor."""
    import json

    from assessment.store import clients

    with demo_app.app_context():
        db = get_db()
        found = rounds.list_rounds(db, clients.find_by_name(db, "Harbor & Pine Foods").id)
        current, earlier = found[0], found[1]
        assert earlier.anonymous and not earlier.is_open
        before = round_report(db, current).history
        stored = json.loads(earlier.results)
        del stored[results.FLOOR_KEY]
        db.execute("UPDATE rounds SET results = ? WHERE id = ?", [json.dumps(stored), earlier.id])
        try:
            with sql_statements.counting() as seen:
                after = round_report(db, current).history
            assert len(seen) <= 6, seen
            assert after == before
            record = results.load(db, current)
            assert (earlier.id, "team") in record.read  # its answers were read to score it
        finally:
            db.execute("UPDATE rounds SET results = ? WHERE id = ?", [earlier.results, earlier.id])

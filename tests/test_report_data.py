"""The data behind the results page and the PDF: free text (comments and answers to open
questions), with the same anonymity rules for both."""

from __future__ import annotations

import pytest

from assessment.db import get_db
from assessment.report.data import FreeText, round_report, tidy
from assessment.store import responses, rounds

MOOD = "mood-example"  # six-signs' open question of the sign "negativity"


@pytest.fixture
def db(app):
    with app.app_context():
        yield get_db()


def _fill(db, created, people, texts):
    """People submit in this order: (comment on the mood item's sign, answer to MOOD)."""
    sign = created.questionnaire.sign_of(MOOD).id
    for person, (comment, answer) in zip(people, texts, strict=False):
        answers = {MOOD: answer} if answer is not None else {}
        comments = {sign: comment} if comment is not None else {}
        responses.save_response(db, person.id, answers, comments, submit=True)
    return round_report(db, rounds.get_round(db, created.id))


def test_tidy_keeps_line_breaks_and_drops_runs_of_blank_lines():
    assert tidy("  one\r\ntwo\rthree\n") == "one\ntwo\nthree"
    assert tidy("a\n\n\n \n\nb\n\nc") == "a\n\nb\n\nc"
    assert tidy(" \r\n \n") == ""


def test_named_round_shows_answers_with_their_sign_and_question(db, make_round):
    created, people = make_round(anonymous=False)
    report = _fill(db, created, people, [("Said first", "Answer\r\nover two lines 😤"), (None, "")])
    sign = created.questionnaire.sign_of(MOOD)
    assert report.free_text == (
        FreeText("comment", sign.id, None, "Said first", "Person 0", "delivery"),
        FreeText("answer", sign.id, MOOD, "Answer\nover two lines 😤", "Person 0", "delivery"),
    )
    assert report.comments == report.free_text[:1]
    assert report.comments_for(sign.id) == list(report.free_text[:1])
    [(item, said)] = report.answers_for(sign.id)
    assert item is sign.item(MOOD) and said == [report.free_text[1]]
    other = next(s for s in created.questionnaire.signs if s.id != sign.id)
    assert report.answers_for(other.id) == [] and report.comments_for(other.id) == []


def test_anonymous_round_hides_names_and_submission_order(db, make_round):
    texts = [("zeta", "Beta\nanswer"), ("alpha", "alpha answer"), (None, "Gamma")]
    first, people = make_round(anonymous=True, period="2026-Q3")
    second, others = make_round(anonymous=True, period="2026-Q4")
    one = _fill(db, first, people, texts)
    two = _fill(db, second, others, list(reversed(texts)))
    assert one.free_text == two.free_text
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
    assert report.free_text == ()

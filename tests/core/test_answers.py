"""What an answer is (assessment/answers.py): values, N/A, text limits, the one check, and
the tables keyed by item type that the store, the engine, the form and the demo share."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import factories
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment import answers, demo, scoring
from assessment.answers import NA, InvalidAnswers
from assessment.questionnaire import ITEM_CLASSES, ITEM_TYPES, load_questionnaire
from assessment.scoring import ScoringInputError, exact_item_health

Q = load_questionnaire(Path(__file__).parent.parent / "data" / "scoring" / "mini.toml")
ITEMS = Q.items()


def test_every_table_keyed_by_item_type_covers_every_type():
    from assessment.web.answer_form import FIELD_BUILDERS

    types = set(ITEM_TYPES)
    assert set(ITEM_CLASSES) == types
    tables = {
        "answers.TYPES": answers.TYPES,
        "scoring._HEALTH": scoring._HEALTH,
        "answer_form.FIELD_BUILDERS": FIELD_BUILDERS,
        "demo.ANSWER_MAKERS": demo.ANSWER_MAKERS,
    }
    for name, table in tables.items():
        assert set(table) == types, name


def test_na_is_one_value_that_survives_pickling():
    assert pickle.loads(pickle.dumps(NA)) is NA
    assert repr(NA) == "NA"


# --- check and check_type ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item_id", "value"),
    [
        ("scope_paid", 1),
        ("scope_paid", 5),
        ("scope_paid", NA),
        ("scope_changes", 0),
        ("scope_changes", 50),
        ("scope_changes", 3.0),
        ("scope_changes", NA),
        ("pay_days", 12.5),
        ("voice_channel", "regular"),
        ("voice_channel", NA),
        ("scope_notes", "x" * 500),
        ("scope_notes", "x" * 498 + "\r\n"),  # a line break counts once
    ],
)
def test_check_accepts_what_the_item_allows(item_id, value):
    answers.check(Q.item(item_id), value)


@pytest.mark.parametrize(
    ("item_id", "value", "problem"),
    [
        ("scope_paid", 0, "whole number from 1 to 5"),
        ("scope_paid", 2.5, "whole number from 1 to 5"),
        ("scope_paid", 3.0, "saved as an int"),
        ("scope_paid", "3", "whole number from 1 to 5"),
        ("scope_paid", True, "whole number from 1 to 5"),
        ("scope_paid", None, "whole number from 1 to 5"),
        ("scope_changes", 1.5, "whole numbers"),
        ("scope_changes", 51, "between 0 and 50"),
        ("scope_changes", -1, "between 0 and 50"),
        ("pay_days", math.nan, "finite number"),
        ("pay_days", math.inf, "finite number"),
        ("pay_days", "12", "finite number"),
        ("voice_channel", "sometimes", "unknown option"),
        ("voice_channel", ["regular"], "unknown option"),
        ("scope_notes", 3, "must be a string"),
        ("scope_notes", "x" * 501, "at most 500 characters"),
        ("scope_notes", NA, "N/A is not allowed"),
    ],
)
def test_check_refuses_with_one_error_naming_the_item(item_id, value, problem):
    with pytest.raises(InvalidAnswers) as info:
        answers.check(Q.item(item_id), value)
    assert list(info.value.problems) == [item_id]
    assert problem in info.value.problems[item_id]
    assert isinstance(info.value, ValueError)


def test_check_type_is_what_the_engine_scores():
    # A number beyond the item's range scores as its nearest end, a likert 3.0 as 3:
    # values of the type, which the engine takes though the form never sends them.
    for item_id, value in [("scope_changes", 51), ("pay_days", -5), ("scope_paid", 3.0)]:
        item = Q.item(item_id)
        answers.check_type(item, value)
        assert exact_item_health(item, value) is not None
        with pytest.raises(InvalidAnswers):
            answers.check(item, value)


def _values(item) -> st.SearchStrategy:
    """Anything an answer to ``item`` might be, valid or not."""
    return st.one_of(
        st.sampled_from([NA, None, True, "", "regular", "adhoc", "na"]),
        st.integers(-3, 60),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=8),
    )


@given(st.sampled_from(ITEMS).flatmap(lambda item: st.tuples(st.just(item), _values(item))))
def test_whatever_check_accepts_the_engine_scores(pair):
    """One definition of a valid answer: a value the store accepts never fails scoring."""
    item, value = pair
    try:
        answers.check(item, value)
    except InvalidAnswers:
        return
    engine_value = answers.for_engine(value)
    try:
        health = exact_item_health(item, engine_value)
    except ScoringInputError as exc:  # pragma: no cover - the failure being looked for
        pytest.fail(f"{item.id}: {value!r} accepted by check, refused by the engine: {exc}")
    assert (health is None) is (value is NA or not item.scored)


def test_check_response_lists_every_problem_at_once():
    with pytest.raises(InvalidAnswers) as info:
        answers.check_response(
            Q,
            "quarterly",
            {"ghost": 1, "voice_kickoff": 3, "scope_paid": 9, "scope_free": 2},
            {"scope": "x" * 5001, "nope": "hello", "voice": "fine"},
        )
    assert set(info.value.problems) == {
        "ghost",
        "voice_kickoff",  # a kickoff item in a quarterly round
        "scope_paid",
        "comment:scope",
        "comment:nope",
    }
    answers.check_response(Q, "kickoff", {"voice_kickoff": 3}, {"scope": "x" * 4999 + "\r\n"})


def test_a_submission_needs_a_scored_answer():
    assert not answers.has_scored_answer(Q, ["scope_notes"])
    assert answers.has_scored_answer(Q, ["scope_notes", "pay_days"])
    assert not answers.has_scored_answer(Q, ["ghost"])
    with pytest.raises(InvalidAnswers):
        answers.check_submission(Q, {"scope_notes": "words only"})
    answers.check_submission(Q, {"scope_paid": NA})  # N/A is an answer


@pytest.mark.parametrize(
    ("previous", "submit", "after"),
    [
        (None, False, "draft"),
        (None, True, "submitted"),
        ("draft", False, "draft"),
        ("draft", True, "submitted"),
        ("submitted", False, "submitted"),
    ],
)
def test_a_submission_stays_a_submission(previous, submit, after):
    assert answers.status_after(previous, submit=submit) == after
    assert after in answers.STATUSES


def test_every_response_status_has_a_name_on_the_pages():
    from assessment.web.labels import RESPONSE_STATUS_NAMES

    assert tuple(RESPONSE_STATUS_NAMES) == answers.STATUSES
    assert answers.Draft().status == answers.STATUSES[0]


# --- converting -----------------------------------------------------------------------------


def test_from_form():
    likert, number, choice, text = (
        Q.item(i) for i in ("scope_paid", "pay_days", "voice_channel", "scope_notes")
    )
    assert answers.from_form(likert, "4") == 4
    assert answers.from_form(likert, "na") is NA
    assert answers.from_form(likert, " ") is None
    assert answers.from_form(number, 12.0) == 12.0
    assert answers.from_form(Q.item("scope_changes"), 3.0) == 3
    assert type(answers.from_form(Q.item("scope_changes"), 3.0)) is int
    assert answers.from_form(number, None, na=True) is NA
    assert answers.from_form(choice, "na") is NA
    assert answers.from_form(choice, "regular") == "regular"
    assert answers.from_form(text, "na") == "na"  # a text saying "na" is a text
    assert answers.from_form(text, "") is None


@given(st.sampled_from(ITEMS).flatmap(lambda item: st.tuples(st.just(item), _values(item))))
def test_a_saved_value_comes_back_through_the_form_and_the_database(pair):
    item, value = pair
    try:
        answers.check(item, value)
    except InvalidAnswers:
        return
    assert answers.from_columns(*answers.to_columns(value)) == value
    rules = answers.TYPES[item.type]
    if value is NA:
        posted = {"na": True} if rules.na == "checkbox" else {"data": answers.NA_CHOICE}
        assert answers.from_form(item, posted.get("data"), na=posted.get("na", False)) is NA
        return
    shown = rules.form_value(value)
    if item.type == "number":  # the field shows number_text, the browser posts it back
        shown = float(answers.number_text(shown))
    if item.type == "text" and not value.strip():
        return  # a blank text is no answer
    assert answers.from_form(item, shown) == value


def test_columns_and_the_engine():
    assert answers.to_columns(NA) == (None, None, 1)
    assert answers.to_columns("regular") == (None, "regular", 0)
    assert answers.to_columns(3) == (3.0, None, 0)
    assert answers.from_columns(3.0, None, 0) == 3
    assert type(answers.from_columns(3.0, None, 0)) is int
    assert answers.from_columns(2.5, None, 0) == 2.5
    assert answers.from_columns(None, None, 1) is NA
    assert answers.for_engine(NA) is None
    assert answers.for_engine(4) == 4


def test_choices_and_free_answers():
    assert answers.choices(Q, Q.item("scope_paid")) == (1, 2, 3, 4, 5)
    assert answers.choices(Q, Q.item("voice_channel")) == tuple(
        option.id for option in Q.item("voice_channel").options
    )
    assert answers.choices(Q, Q.item("pay_days")) == ()
    assert [answers.in_own_words(item) for item in ITEMS] == [item.type == "text" for item in ITEMS]
    for item in ITEMS:
        rules = answers.TYPES[item.type]
        assert (rules.sample is None) is bool(answers.choices(Q, item))
        if rules.sample is not None:
            answers.check_type(item, rules.sample)


def test_text_limits_count_a_line_break_once():
    assert answers.text_length("a\r\nb") == answers.text_length("a\nb") == 3
    assert answers.one_newline("a\r\nb\rc") == "a\nb\nc"
    assert answers.one_newline(None) is None
    assert answers.blank(None) and answers.blank("  ") and not answers.blank("0")


# --- progress ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["kickoff", "quarterly", "adhoc"])
def test_progress_counts_the_items_asked_in_the_kind_of_round(kind):
    asked = answers.asked_by_sign(Q, kind)
    assert list(asked) == [sign.id for sign in Q.signs]
    for sign in Q.signs:
        assert asked[sign.id] == {
            item.id for item in sign.items if item.applies(kind) and not item.optional
        }
    every_item = [item.id for item in ITEMS]
    progress = answers.answered_by_sign(Q, kind, every_item)
    assert progress == {sign_id: (len(ids), len(ids)) for sign_id, ids in asked.items()}
    assert answers.answered_by_sign(Q, kind, []) == {
        sign_id: (0, len(ids)) for sign_id, ids in asked.items()
    }


def test_an_optional_open_question_is_not_counted_in_the_progress():
    """A text item not marked required is optional: answered or not, the progress leaves
    it out; a required one counts like any other item."""
    f = factories
    q = f.questionnaire(
        [
            f.sign(
                "a",
                [
                    f.likert("one"),
                    {"id": "note", "type": "text", "text": f.text("Optional: a note")},
                    {"id": "must", "type": "text", "text": f.text("Why?"), "required": True},
                ],
            )
        ]
    )
    note = next(item for item in q.items() if item.id == "note")
    assert note.optional and not next(i for i in q.items() if i.id == "must").optional
    assert answers.asked_by_sign(q, "quarterly") == {"a": frozenset({"one", "must"})}
    assert answers.answered_by_sign(q, "quarterly", ["note"]) == {"a": (0, 2)}
    assert answers.answered_by_sign(q, "quarterly", ["one", "note", "must"]) == {"a": (2, 2)}


def test_progress_counts_an_item_asked_in_another_kind_of_round_nowhere():
    only_kickoff = next(item for item in ITEMS if item.applies_to == ("kickoff",))
    sign = next(sign for sign in Q.signs if only_kickoff in sign.items)
    assert answers.answered_by_sign(Q, "kickoff", [only_kickoff.id])[sign.id][0] == 1
    assert answers.answered_by_sign(Q, "quarterly", [only_kickoff.id])[sign.id][0] == 0


@given(
    st.sets(st.sampled_from([item.id for item in ITEMS])), st.sampled_from(["kickoff", "quarterly"])
)
def test_progress_with_the_asked_items_worked_out_once_is_the_same(answered, kind):
    """The compiled answer page passes ``asked`` once per page; the result is the same as
    working it out on each call, whatever was answered (a set, a list or a dict's keys)."""
    asked = answers.asked_by_sign(Q, kind)
    expected = answers.answered_by_sign(Q, kind, sorted(answered))
    assert answers.answered_by_sign(Q, kind, answered, asked=asked) == expected
    as_keys = dict.fromkeys(answered).keys()
    assert answers.answered_by_sign(Q, kind, as_keys, asked=asked) == expected
    for sign_id, (done, total) in expected.items():
        assert done == len(asked[sign_id] & answered) and total == len(asked[sign_id])

"""The playbook: which next steps a round's result calls for, and in what order.

Fixture: tests/data/scoring/mini.toml (bands healthy ≥ 70, watch ≥ 50, at-risk ≥ 30,
critical ≥ 0; recommendations from watch, escalation from at-risk; trend threshold 5).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from factories import likert
from factories import questionnaire as make_questionnaire
from factories import sign as make_sign
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.playbook import (
    GAP_TEXT,
    JOINT_TEXT,
    ActionRecord,
    NextStep,
    format_change,
    recommend,
    stalled_note,
    step_text,
)
from assessment.questionnaire import LANGUAGES, load_questionnaire
from assessment.scoring import Response, RoundResult, SignResult, score_round

DATA = Path(__file__).parent.parent / "data" / "scoring"
Q = load_questionnaire(DATA / "mini.toml")
WORKED = tuple(
    Response(**row) for row in json.loads((DATA / "worked_example.json").read_text("utf-8"))
)

CLOSED = datetime(2024, 3, 31, 17, 0)


def _result(scores: dict[str, float | None], *, kind: str = "quarterly", qid: str = "mini"):
    """A result with the given sign scores (None = insufficient), banded by mini.toml."""
    signs = tuple(
        SignResult(sign_id, None, None, "insufficient", 0.2, 1, 2, 10)
        if score is None
        else SignResult(sign_id, score, Q.band_for(score).id, "scored", 1.0, 3, 9, 9)
        for sign_id, score in scores.items()
    )
    return RoundResult(qid, 1, kind, signs, None, None, None, False, None, 3)


def _text(step: NextStep) -> str:
    return step.text.en


# --------------------------------------------------------------------------------------
# The worked example of docs/scoring.md


def test_worked_example_first_review():
    # Scope 59.375 (watch), voice 26.5625 (critical), payment insufficient.
    result = score_round(Q, WORKED, kind="quarterly")
    steps = recommend(Q, result)
    voice, scope = Q.sign("voice"), Q.sign("scope")
    assert steps == (
        NextStep(
            sign_id="voice",
            band_id="critical",
            score=26.5625,
            text=voice.recommendations["critical"].text,
            owner=voice.recommendations["critical"].owner,
            escalation=False,
        ),
        NextStep(
            sign_id="scope",
            band_id="watch",
            score=59.375,
            text=scope.recommendations["watch"].text,
            owner=scope.recommendations["watch"].owner,
            escalation=False,
        ),
    )


def test_worked_example_second_review_escalates_and_flags_a_stalled_action():
    # Previous quarter: voice 40 (at-risk) and scope 57.5 (watch); an action on scope was
    # completed after that round closed. Now voice is critical (at-risk or worse twice in a
    # row → escalation) and scope moved 59.375 − 57.5 = +1.875 < 5 → stalled.
    previous = _result({"scope": 57.5, "voice": 40.0, "payment": 80.0})
    result = score_round(Q, WORKED, kind="quarterly", previous=previous)
    done = ActionRecord("scope", "done", CLOSED + timedelta(days=20), "Change log")
    steps = recommend(
        Q,
        result,
        previous=previous,
        actions=[done, ActionRecord("scope", "open", None, "Pricing")],
        previous_closed_at=CLOSED,
    )
    voice, scope = steps
    assert voice.escalation
    assert (voice.text, voice.owner) == (Q.sign("voice").persisting.text, "leadership")
    assert voice.change == 26.5625 - 40.0
    assert voice.note is None  # no action on voice
    assert not scope.escalation
    assert scope.text == Q.sign("scope").recommendations["watch"].text
    assert scope.change == 1.875
    assert scope.stalled_actions == (done,)
    assert scope.stalled
    assert scope.note.get("en") == (
        "A completed action on this sign has not yet moved the score "
        "(+1.9 points since the last review)."
    )
    assert scope.note.get("zh-CN") == (
        "该信号下已有行动完成，但得分尚未随之改善（较上次评估 +1.9 分）。"
    )


def test_a_step_key_gives_its_words_back_in_every_language():
    """An action stores the step's key, not its words: the key finds the same text again
    (a sign's band, its persisting step, a gap or a joint plan); an unknown one nothing."""
    previous = _result({"scope": 57.5, "voice": 40.0, "payment": 80.0})
    result = score_round(Q, WORKED, kind="quarterly", previous=previous)
    voice, scope = recommend(Q, result, previous=previous, previous_closed_at=CLOSED)
    assert (voice.key, scope.key) == ("persisting:voice", "band:scope:watch")
    for step in (voice, scope):
        for lang in LANGUAGES:
            assert step_text(Q, step.key).get(lang) == step.text.get(lang)
    gap = dataclasses.replace(scope, basis="gap", text=GAP_TEXT)
    joint = dataclasses.replace(scope, basis="joint", text=JOINT_TEXT)
    assert (gap.key, joint.key) == ("gap:scope", "joint:scope")
    expected_gap = Q.sign("scope").gap.text if Q.sign("scope").gap else GAP_TEXT
    assert step_text(Q, gap.key) == expected_gap and step_text(Q, joint.key) == JOINT_TEXT
    for unknown in (None, "", "band:scope:nope", "band:nope:watch", "other:scope", "x"):
        assert step_text(Q, unknown) is None


# --------------------------------------------------------------------------------------
# Which signs, which text


def test_healthy_and_insufficient_signs_get_no_step():
    result = _result({"scope": 70.0, "voice": None, "payment": 49.9})
    assert [s.sign_id for s in recommend(Q, result)] == ["payment"]
    assert recommend(Q, result)[0].text == Q.sign("payment").recommendations["at-risk"].text


def test_recommend_from_follows_the_file():
    q = Q.model_copy(
        update={"settings": Q.settings.model_copy(update={"recommend_from": "at-risk"})}
    )
    result = _result({"scope": 60.0, "voice": 35.0, "payment": 10.0})
    assert [s.sign_id for s in recommend(q, result)] == ["payment", "voice"]


@pytest.mark.parametrize(
    ("before", "now", "escalation", "band_text"),
    [
        (40.0, 40.0, True, None),  # at-risk twice
        (10.0, 45.0, True, None),  # critical, then at-risk
        (40.0, 10.0, True, None),  # at-risk, then critical
        (60.0, 10.0, False, "critical"),  # watch, then critical: first time at risk
        (10.0, 60.0, False, "watch"),  # critical, then watch: no longer at risk
        (None, 10.0, False, "critical"),  # insufficient before: nothing to compare
    ],
)
def test_escalation_needs_at_risk_or_worse_in_both_rounds(before, now, escalation, band_text):
    previous = _result({"voice": before})
    (step,) = recommend(Q, _result({"voice": now}), previous=previous)
    assert step.escalation is escalation
    sign = Q.sign("voice")
    expected = sign.persisting if escalation else sign.recommendations[band_text]
    assert (step.text, step.owner) == (expected.text, expected.owner)


def test_a_sign_missing_from_the_previous_version_is_not_escalated():
    previous = _result({"legacy": 5.0})
    (step,) = recommend(Q, _result({"voice": 10.0}), previous=previous)
    assert (step.escalation, step.change) == (False, None)


def test_previous_band_ids_unknown_today_fall_back_to_the_score():
    # An older version named its bands differently: "red" at 20 is critical in today's bands.
    old = dataclasses.replace(
        _result({"voice": 20.0}),
        signs=(SignResult("voice", 20.0, "red", "scored", 1.0, 3, 9, 9),),
    )
    (step,) = recommend(Q, _result({"voice": 40.0}), previous=old)
    assert step.escalation


def test_kickoff_rounds_have_no_escalation_and_no_notes():
    previous = _result({"voice": 10.0})
    result = _result({"voice": 10.0}, kind="kickoff")
    (step,) = recommend(
        Q, result, previous=previous, actions=[ActionRecord("voice", "done", date(2024, 4, 2))]
    )
    assert (step.escalation, step.change, step.stalled_actions, step.note) == (
        False,
        None,
        (),
        None,
    )
    assert step.text == Q.sign("voice").recommendations["critical"].text


# --------------------------------------------------------------------------------------
# Completed actions


def _voice_step(actions, *, change: float = 2.0, closed_at=CLOSED) -> NextStep:
    previous = _result({"voice": 40.0})
    (step,) = recommend(
        Q,
        _result({"voice": 40.0 + change}),
        previous=previous,
        actions=actions,
        previous_closed_at=closed_at,
    )
    return step


def test_only_actions_completed_since_the_previous_round_on_that_sign_count():
    after = ActionRecord("voice", "done", CLOSED + timedelta(hours=1), "after")
    before = ActionRecord("voice", "done", CLOSED - timedelta(hours=1), "before")
    undated = ActionRecord("voice", "done", None, "undated")
    still_open = ActionRecord("voice", "open", None, "open")
    elsewhere = ActionRecord("scope", "done", CLOSED + timedelta(days=1), "elsewhere")
    step = _voice_step([after, before, undated, still_open, elsewhere])
    assert step.stalled_actions == (after,)
    assert step.note.get("en").endswith("(+2.0 points since the last review).")


def test_without_a_closing_moment_every_completed_action_counts():
    done = [ActionRecord("voice", "done", None, "a"), ActionRecord("voice", "done", CLOSED, "b")]
    assert len(_voice_step(done, closed_at=None).stalled_actions) == 2


@pytest.mark.parametrize(
    ("change", "stalled"), [(-12.0, True), (0.0, True), (4.9, True), (5.0, False), (20.0, False)]
)
def test_an_improvement_of_the_trend_threshold_clears_the_note(change, stalled):
    step = _voice_step([ActionRecord("voice", "done", "2024-04-02")], change=change)
    assert step.stalled is stalled
    assert (step.note is not None) is stalled


@pytest.mark.parametrize(
    ("completed_at", "closed_at", "counts"),
    [
        (date(2024, 3, 31), CLOSED, True),  # the same day counts as since
        (date(2024, 3, 30), CLOSED, False),
        ("2024-04-01", "2024-03-31T17:00:00", True),  # ISO strings as stored in the database
        ("2024-03-31T16:59:59", "2024-03-31T17:00:00", False),
        # Naive datetimes are UTC: 18:00 in UTC+2 is 16:00 UTC, before 17:00 UTC.
        (datetime(2024, 3, 31, 18, 0, tzinfo=timezone(timedelta(hours=2))), CLOSED, False),
        (datetime(2024, 3, 31, 18, 0, tzinfo=UTC), CLOSED, True),
    ],
)
def test_completion_moments(completed_at, closed_at, counts):
    assert ActionRecord("voice", "done", completed_at).completed_since(closed_at) is counts


def test_action_status_is_checked():
    with pytest.raises(ValueError, match="action status"):
        ActionRecord("voice", "closed", None)
    with pytest.raises(TypeError):
        ActionRecord("voice", "done", 20240401)


# --------------------------------------------------------------------------------------
# Order


def test_order_is_worst_band_then_lowest_score_then_file_order():
    result = _result({"scope": 55.0, "voice": 55.0, "payment": 10.0})
    assert [s.sign_id for s in recommend(Q, result)] == ["payment", "scope", "voice"]
    result = _result({"scope": 60.0, "voice": 55.0, "payment": 45.0})
    assert [s.sign_id for s in recommend(Q, result)] == ["payment", "voice", "scope"]


def test_equal_scores_keep_the_questionnaire_order_with_decimal_weights():
    # "b" weighs its items 0.1 and 0.2, "a" 1 and 2; everyone answers 2 (health 25): both
    # score exactly 25. In floats "b" came out as 24.999999999999996 and jumped ahead.
    q = make_questionnaire(
        [
            make_sign("a", [likert("a1", 1.0), likert("a2", 2.0)]),
            make_sign("b", [likert("b1", 0.1), likert("b2", 0.2)]),
        ]
    )
    responses = [Response(f"r{n}", None, {"a1": 2, "a2": 2, "b1": 2, "b2": 2}) for n in range(3)]
    result = score_round(q, responses, kind="quarterly")
    assert result.sign("a").exact_score == result.sign("b").exact_score == 25
    assert [step.sign_id for step in recommend(q, result)] == ["a", "b"]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from([0.1, 0.2, 0.3, 1.2, 0.333, 2.5]), min_size=1, max_size=4),
    st.sampled_from([0.1, 0.3, 1.2, 3.0, 7.0]),
    st.lists(st.integers(1, 3), min_size=4, max_size=4),
    st.booleans(),
)
def test_ties_keep_questionnaire_order_whatever_the_weights(weights, factor, answers, swap):
    # Sign "y" has sign "x"'s weights times a factor: the same answers give the same exact
    # score, so their steps come in the order the questionnaire lists the signs.
    x = make_sign("x", [likert(f"x{n}", w) for n, w in enumerate(weights)])
    y = make_sign("y", [likert(f"y{n}", float(f"{w * factor:.6g}")) for n, w in enumerate(weights)])
    q = make_questionnaire([y, x] if swap else [x, y])
    responses = [
        Response(
            f"r{k}",
            None,
            {f"{s}{n}": answers[(n + k) % 4] for s in "xy" for n in range(len(weights))},
        )
        for k in range(2)
    ]
    result = score_round(q, responses, kind="quarterly")
    if result.sign("x").exact_score != result.sign("y").exact_score:
        return  # the rounded product changed a weight's ratio (0.333 × 0.3 …)
    order = [step.sign_id for step in recommend(q, result)]
    if order:
        assert order == (["y", "x"] if swap else ["x", "y"])


@settings(max_examples=150, deadline=None)
@given(
    st.fixed_dictionaries(
        {s.id: st.none() | st.floats(0, 100) for s in Q.signs},
    ),
    st.fixed_dictionaries({s.id: st.none() | st.floats(0, 100) for s in Q.signs}),
)
def test_steps_are_ordered_and_escalate_only_when_at_risk_twice(now, before):
    steps = recommend(Q, _result(now), previous=_result(before))
    keys = [(-Q.band_index(s.band_id), s.score) for s in steps]
    assert keys == sorted(keys)
    watch, at_risk = Q.band_index("watch"), Q.band_index("at-risk")
    expected = {
        k for k, v in now.items() if v is not None and Q.band_index(Q.band_for(v).id) >= watch
    }
    assert {s.sign_id for s in steps} == expected
    for step in steps:
        was = before[step.sign_id]
        twice = (
            was is not None
            and Q.band_index(Q.band_for(was).id) >= at_risk
            and Q.band_index(step.band_id) >= at_risk
        )
        assert step.escalation is twice


# --------------------------------------------------------------------------------------
# Messages and errors


def test_messages_exist_in_every_language():
    # The playbook's own wording lives in the catalogs and is translated where it is shown.
    note = stalled_note("+1.0")
    texts = {lang: note.get(lang) for lang in LANGUAGES}
    assert (
        texts["en"]
        == str(note)
        == (
            "A completed action on this sign has not yet moved the score"
            " (+1.0 points since the last review)."
        )
    )
    assert texts["zh-CN"] == "该信号下已有行动完成，但得分尚未随之改善（较上次评估 +1.0 分）。"
    assert all(texts.values())


@pytest.mark.parametrize(
    ("change", "shown"), [(1.875, "+1.9"), (-3.0, "−3.0"), (0.04, "0.0"), (-0.04, "0.0")]
)
def test_format_change(change, shown):
    assert format_change(change) == shown


def test_the_stalled_note_never_rounds_up_to_the_threshold():
    # 4.96 points is below the threshold of 5: the note says "+4.96", not "+5.0".
    step = _voice_step([ActionRecord("voice", "done", "2024-04-02")], change=4.96)
    assert step.stalled
    assert "(+4.96 points since the last review)" in step.note.get("en")


def test_results_of_another_questionnaire_are_refused():
    with pytest.raises(ValueError, match="result is for questionnaire 'other'"):
        recommend(Q, _result({"voice": 10.0}, qid="other"))
    with pytest.raises(ValueError, match="previous result is for questionnaire 'other'"):
        recommend(Q, _result({"voice": 10.0}), previous=_result({"voice": 10.0}, qid="other"))


def test_speak_ups_count_like_completed_actions_when_the_sign_did_not_improve():
    """Issue 28: the days the team spoke up after the previous round, on a sign that did
    not improve, ride on its step with a note naming them; earlier ones do not count; a
    sign that improved carries none; a completed action's note comes first."""
    from assessment.playbook import spoke_up_note
    from assessment.vocab import translations

    before = _result({"scope": 40.0, "voice": 40.0, "payment": 20.0})
    now = _result({"scope": 60.0, "voice": 41.0, "payment": 20.0})
    days = {
        "payment": [date(2024, 1, 5), date(2024, 4, 3), date(2024, 5, 2)],
        "scope": [date(2024, 4, 9)],
    }
    steps = {
        s.sign_id: s
        for s in recommend(Q, now, previous=before, previous_closed_at=CLOSED, speak_ups=days)
    }
    payment = steps["payment"]
    assert payment.speak_ups == (date(2024, 4, 3), date(2024, 5, 2))
    assert str(payment.note) == (
        "The sign persisted after the team spoke up on 2024-04-03, 2024-05-02."
    )
    assert payment.note.localize(translations("zh-CN").gettext) == (
        "团队已于 2024-04-03、2024-05-02 表明立场，但该信号的问题依然存在。"
    )
    assert steps["scope"].speak_ups == () and steps["scope"].note is None  # it improved
    assert steps["voice"].speak_ups == ()
    done = ActionRecord("payment", "done", datetime(2024, 4, 20))
    with_action = {
        s.sign_id: s
        for s in recommend(
            Q, now, previous=before, previous_closed_at=CLOSED, actions=[done], speak_ups=days
        )
    }["payment"]
    assert with_action.stalled and with_action.speak_ups
    assert str(with_action.note).startswith("A completed action")
    assert spoke_up_note([date(2024, 4, 3)]).msgid.startswith("The sign persisted")

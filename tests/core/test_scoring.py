"""The scoring engine: worked examples computed by hand, edge cases and properties.

The fixture questionnaire is tests/data/scoring/mini.toml: bands healthy ≥ 70, watch ≥ 50,
at-risk ≥ 30, critical ≥ 0; escalation from at-risk; at least 3 respondents and 50 % coverage.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import math
import pickle
from fractions import Fraction
from pathlib import Path

import pytest
from factories import likert
from factories import questionnaire as make_questionnaire
from factories import sign as make_sign
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.questionnaire import load_questionnaire
from assessment.scoring import (
    POOLED_ROLES,
    FrozenMap,
    Response,
    RoundResult,
    ScoringInputError,
    SignResult,
    Trend,
    capped_band,
    item_health,
    role_means,
    rwg_j,
    score_round,
    trend_between,
)

DATA = Path(__file__).parent.parent / "data" / "scoring"
Q = load_questionnaire(DATA / "mini.toml")

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------------------
# The worked example (also in docs/scoring.md)

# Four respondents; r3 marked voice_overruled N/A; only r1 answered the payment items.
WORKED = tuple(
    Response(**row) for row in json.loads((DATA / "worked_example.json").read_text("utf-8"))
)


def test_worked_example():
    result = score_round(Q, WORKED, kind="quarterly")

    # Scope (weight 3). Items: scope_paid (healthy, w 1), scope_free (warning, w 1),
    # scope_changes (number, w 2: 0 → 100, 2 → 75, 10 → 0, flat beyond).
    #   r1: paid 4 → (4−1)/4×100 = 75; free 2 → (5−2)/4×100 = 75;
    #       changes 1 → 100 + (1−0)/(2−0)×(75−100) = 87.5
    #       → (75 + 75 + 2×87.5) / 4 = 325 / 4 = 81.25
    #   r2: paid 2 → 25; free 4 → 25; changes 6 → 75 + (6−2)/(10−2)×(0−75) = 37.5
    #       → (25 + 25 + 75) / 4 = 31.25
    #   r3: paid 3 → 50; free 3 → 50; changes 12 → beyond 10, clamped → 0
    #       → (50 + 50 + 0) / 4 = 25
    #   r4: paid 5 → 100; free 1 → 100; changes 0 → 100 → 100
    #   sign: (81.25 + 31.25 + 25 + 100) / 4 = 237.5 / 4 = 59.375 → watch (50 ≤ s < 70)
    #   coverage 12 / (4 × 3) = 1; the text item is not scored.
    #   rwg(j): paid answers 4, 2, 3, 5: mean 3.5, squares .25 + 2.25 + .25 + 2.25 = 5,
    #           s² = 5/3; free answers 2, 4, 3, 1: also 5/3. Mean s² = 5/3; σ² = 2;
    #           s²/σ² = 5/6; J = 2: 2 × (1/6) / (2 × (1/6) + 5/6) = (2/6) / (7/6) = 2/7
    #           = 0.2857 < 0.70 → raters disagree.
    #   by role: delivery (81.25 + 31.25) / 2 = 56.25; account (25 + 100) / 2 = 62.5.
    scope = SignResult(
        sign_id="scope",
        score=59.375,
        band_id="watch",
        status="scored",
        coverage=1.0,
        respondents=4,
        answered_pairs=12,
        applicable_pairs=12,
        rwg=2 / 7,
        raters_disagree=True,
        lowest=25.0,
        highest=100.0,
        by_role={"account": 62.5, "delivery": 56.25},
        trend=None,
    )
    # Voice (weight 1). voice_heard (healthy, w 1), voice_overruled (warning, w 2),
    # voice_channel (choice: regular 100, adhoc 50, none 0); voice_kickoff does not apply.
    #   r1: heard 2 → 25; overruled 4 → 25; adhoc → 50 → (25 + 2×25 + 50) / 4 = 31.25
    #   r2: heard 2 → 25; overruled 5 → 0; none → 0 → (25 + 0 + 0) / 4 = 6.25
    #   r3: heard 3 → 50; overruled N/A (left out, with its weight); adhoc → 50
    #       → (50 + 50) / 2 = 50
    #   r4: heard 2 → 25; overruled 4 → 25; none → 0 → (25 + 50 + 0) / 4 = 18.75
    #   sign: (31.25 + 6.25 + 50 + 18.75) / 4 = 106.25 / 4 = 26.5625 → critical (< 30)
    #   coverage 11 / 12 = 0.9167.
    #   rwg(j): heard 2, 2, 3, 2: mean 2.25, squares 3 × .0625 + .5625 = .75, s² = .75/3 = 1/4;
    #           overruled 4, 5, 4 (r3 N/A): mean 13/3, squares 1/9 + 4/9 + 1/9 = 2/3,
    #           s² = (2/3)/2 = 1/3. Mean s² = (1/4 + 1/3)/2 = 7/24; s²/σ² = 7/48;
    #           J = 2: 2 × (41/48) / (2 × (41/48) + 7/48) = 82/89 = 0.9213 → agree.
    #   by role: delivery (31.25 + 6.25) / 2 = 18.75; account (50 + 18.75) / 2 = 34.375.
    voice = SignResult(
        sign_id="voice",
        score=26.5625,
        band_id="critical",
        status="scored",
        coverage=11 / 12,
        respondents=4,
        answered_pairs=11,
        applicable_pairs=12,
        rwg=82 / 89,
        raters_disagree=False,
        lowest=6.25,
        highest=50.0,
        by_role={"account": 34.375, "delivery": 18.75},
        trend=None,
    )
    # Payment: only r1 answered (2 of 4 × 2 pairs): coverage 0.25 < 0.5 and 1 respondent < 3
    # → insufficient data, no score, left out of the index.
    payment = SignResult(
        sign_id="payment",
        score=None,
        band_id=None,
        status="insufficient",
        coverage=0.25,
        respondents=1,
        answered_pairs=2,
        applicable_pairs=8,
    )
    # Index: (3 × 59.375 + 1 × 26.5625) / (3 + 1) = 204.6875 / 4 = 51.171875 → watch.
    # Voice is critical (≥ at-risk) → overall at best at-risk: band at-risk, capped.
    assert result == RoundResult(
        questionnaire_id="mini",
        questionnaire_version=Q.version,
        kind="quarterly",
        signs=(scope, voice, payment),
        index=51.171875,
        index_band_id="watch",
        band_id="at-risk",
        capped=True,
        trend=None,
        respondents=4,
    )
    assert result.sign("voice") is result.signs[1]
    assert result.get("nope") is None
    with pytest.raises(KeyError):
        result.sign("nope")


def test_worked_example_trend_against_previous_round():
    # Previous quarter (docs/scoring.md): scope 57.5 (watch), voice 40 (at-risk), payment 90,
    # index 60.
    previous = _result({"scope": 57.5, "voice": 40.0, "payment": 90.0}, index=60.0)
    result = score_round(Q, WORKED, kind="quarterly", previous=previous)
    # scope 59.375 − 57.5 = +1.875 → steady; voice 26.5625 − 40 = −13.4375 → down;
    # payment is insufficient now → no trend; index 51.171875 − 60 = −8.828125 → down.
    assert result.sign("scope").trend == Trend(57.5, 1.875, "steady")
    assert result.sign("voice").trend == Trend(40.0, -13.4375, "down")
    assert result.sign("payment").trend is None
    assert result.trend == Trend(60.0, -8.828125, "down")
    # Signs and index are the same as without a previous round.
    assert result.index == 51.171875
    assert result.sign("scope").score == 59.375


# --------------------------------------------------------------------------------------
# Item health


@pytest.mark.parametrize(
    ("answer", "healthy", "warning"),
    [(1, 0.0, 100.0), (2, 25.0, 75.0), (3, 50.0, 50.0), (4, 75.0, 25.0), (5, 100.0, 0.0)],
)
def test_likert_health(answer, healthy, warning):
    assert item_health(Q.item("scope_paid"), answer) == healthy
    assert item_health(Q.item("scope_free"), answer) == warning
    assert item_health(Q.item("scope_paid"), float(answer)) == healthy  # stored as REAL


@pytest.mark.parametrize(
    ("days", "health"),
    [(-5, 100.0), (0, 100.0), (15, 75.0), (30, 50.0), (60, 25.0), (90, 0.0), (400, 0.0)],
)
def test_number_health_is_piecewise_linear_and_clamped(days, health):
    # pay_days: 0 → 100, 30 → 50, 90 → 0; outside the item's min/max still scored.
    assert item_health(Q.item("pay_days"), days) == health


def test_choice_and_text_health():
    assert item_health(Q.item("voice_channel"), "regular") == 100.0
    assert item_health(Q.item("voice_channel"), "adhoc") == 50.0
    assert item_health(Q.item("scope_notes"), "free text") is None
    assert item_health(Q.item("scope_paid"), None) is None


@pytest.mark.parametrize(
    ("item_id", "value"),
    [
        ("scope_paid", 0),
        ("scope_paid", 6),
        ("scope_paid", 2.5),
        ("scope_paid", "3"),
        ("scope_paid", True),
        ("scope_paid", math.nan),
        ("scope_changes", 1.5),  # whole numbers only
        ("pay_days", math.inf),
        ("pay_days", "12"),
        ("voice_channel", "sometimes"),
        ("voice_channel", 1),
        ("scope_notes", 3),
    ],
)
def test_invalid_answers_raise_naming_respondent_and_item(item_id, value):
    with pytest.raises(ScoringInputError) as info:
        score_round(Q, [Response("alice", None, {item_id: value})], kind="quarterly")
    assert "'alice'" in str(info.value)
    assert repr(item_id) in str(info.value)
    assert (info.value.respondent_id, info.value.item_id) == ("alice", item_id)
    assert isinstance(info.value, ValueError)


def test_unknown_item_and_repeated_respondent_raise():
    with pytest.raises(ScoringInputError, match="unknown item 'ghost'"):
        score_round(Q, [Response("bob", None, {"ghost": 3})], kind="quarterly")
    with pytest.raises(ScoringInputError, match="'bob' appears twice"):
        score_round(Q, [Response("bob"), Response("bob")], kind="quarterly")


def test_unknown_kind_and_foreign_previous_raise():
    with pytest.raises(ValueError, match="unknown round kind"):
        score_round(Q, WORKED, kind="annual")
    foreign = _result({"scope": 50.0}, index=50.0, questionnaire_id="other")
    with pytest.raises(ValueError, match="previous result is for questionnaire 'other'"):
        score_round(Q, WORKED, kind="quarterly", previous=foreign)


# --------------------------------------------------------------------------------------
# Which items count, insufficient data, index


def test_only_items_that_apply_to_the_round_kind_count():
    answers = {"voice_heard": 5, "voice_overruled": 1, "voice_kickoff": 1, "pay_days": 90}
    responses = [Response(f"r{n}", None, answers) for n in range(3)]
    quarterly = score_round(Q, responses, kind="quarterly")
    kickoff = score_round(Q, responses, kind="kickoff")
    # Quarterly: voice_kickoff is ignored: (100 + 2 × 100) / 3 = 100; 2 of 3 items answered.
    assert quarterly.sign("voice").score == 100.0
    assert quarterly.sign("voice").applicable_pairs == 9
    # Kickoff: voice_kickoff 1 → 0 counts: (100 + 2 × 100 + 0) / 4 = 75; 3 of 4 items.
    assert kickoff.sign("voice").score == 75.0
    assert kickoff.sign("voice").coverage == 9 / 12
    # pay_days applies to quarterly and adhoc only: kickoff payment has nothing answered.
    assert quarterly.sign("payment").score == 0.0
    assert kickoff.sign("payment").status == "insufficient"
    assert kickoff.sign("payment").applicable_pairs == 3


def test_coverage_of_exactly_the_minimum_is_enough():
    # Payment has 2 items; each of 4 respondents answers one → coverage 4/8 = 0.5.
    responses = [Response(f"r{n}", None, {"pay_dispute": 1}) for n in range(4)]
    assert score_round(Q, responses, kind="quarterly").sign("payment").status == "scored"
    # 3 of 8 pairs (with 1 more respondent who answered nothing) → 3/8 < 0.5.
    responses = [*responses[:3], Response("r3")]
    payment = score_round(Q, responses, kind="quarterly").sign("payment")
    assert (payment.status, payment.coverage, payment.score) == ("insufficient", 3 / 8, None)


def test_too_few_respondents_is_insufficient_even_with_full_coverage():
    responses = [Response(f"r{n}", None, {"pay_dispute": 1, "pay_days": 0}) for n in range(2)]
    payment = score_round(Q, responses, kind="quarterly").sign("payment")
    assert (payment.status, payment.coverage, payment.respondents) == ("insufficient", 1.0, 2)
    assert (payment.rwg, payment.lowest, payment.highest, dict(payment.by_role)) == (
        None,
        None,
        None,
        {},
    )


def test_no_usable_sign_leaves_the_index_empty():
    for responses in ([], [Response("r1", None, {"scope_paid": 3})]):
        result = score_round(Q, responses, kind="quarterly")
        assert all(s.status == "insufficient" for s in result.signs)
        assert (result.index, result.index_band_id, result.band_id) == (None, None, None)
        assert (result.capped, result.trend) == (False, None)
    assert score_round(Q, [], kind="adhoc").sign("scope").applicable_pairs == 0


def test_respondents_count_once_however_many_items_they_answered():
    # r1 answers all three scope items (health 100), r2 and r3 one item each (health 0):
    # the sign is the mean of respondents, (100 + 0 + 0) / 3, not of answers (4 × 100 / 6).
    responses = [
        Response("r1", None, {"scope_paid": 5, "scope_free": 1, "scope_changes": 0}),
        Response("r2", None, {"scope_paid": 1}),
        Response("r3", None, {"scope_free": 5}),
    ]
    assert score_round(Q, responses, kind="quarterly").sign("scope").score == 100 / 3


# --------------------------------------------------------------------------------------
# Capping


@pytest.mark.parametrize(
    ("index_band", "sign_bands", "expected"),
    [
        ("healthy", [], "healthy"),
        ("healthy", ["watch", "watch"], "healthy"),  # a watch sign caps nothing
        ("healthy", ["at-risk"], "watch"),
        ("healthy", ["critical"], "at-risk"),
        ("watch", ["critical", "at-risk"], "at-risk"),
        ("at-risk", ["at-risk"], "at-risk"),
        ("critical", ["healthy", "at-risk"], "critical"),  # the cap never improves a band
    ],
)
def test_capped_band(index_band, sign_bands, expected):
    assert capped_band(Q, index_band, sign_bands) == expected


def test_capped_band_follows_the_files_settings():
    # Escalating from "watch": a watch sign now holds the overall band at best healthy
    # (no cap), an at-risk one at best watch.
    q = Q.model_copy(update={"settings": Q.settings.model_copy(update={"escalate_from": "watch"})})
    assert capped_band(q, "healthy", ["watch"]) == "healthy"
    q = Q.model_copy(
        update={"settings": Q.settings.model_copy(update={"escalate_from": "critical"})}
    )
    assert capped_band(q, "healthy", ["at-risk"]) == "healthy"
    assert capped_band(q, "healthy", ["critical"]) == "at-risk"


def test_insufficient_signs_cap_nothing():
    # Voice healthy from 3 respondents; scope answered by all 3 but only one item of three:
    # coverage 1/3 → insufficient, so its low answers neither count nor cap.
    answers = {"voice_heard": 5, "voice_overruled": 1, "voice_channel": "regular", "scope_paid": 1}
    result = score_round(Q, [Response(f"r{n}", None, answers) for n in range(3)], kind="adhoc")
    assert result.sign("scope").status == "insufficient"
    assert (result.index, result.band_id, result.capped) == (100.0, "healthy", False)


# --------------------------------------------------------------------------------------
# Rater agreement


def test_rwg_hand_computed():
    # One item, answers 4 and 5: s² = 0.5; σ² = 2; J = 1: (1 − 0.25) / (0.75 + 0.25) = 0.75.
    assert rwg_j([[4, 5]]) == 0.75
    # Two items, 3,3,3 (s² 0) and 1,5 (s² 8): mean s² = 4 ≥ 2 → 0.
    assert rwg_j([[3, 3, 3], [1, 5]]) == 0.0
    # Items with one answer are skipped: only [2, 2] counts → 1.
    assert rwg_j([[1], [2, 2], []]) == 1.0
    assert rwg_j([[1], []]) is None
    assert rwg_j([]) is None
    # Three items, answers (2,3), (2,3), (4,4): s² = (.5 + .5 + 0)/3 = 1/3; ratio 1/6;
    # J = 3: 3 × 5/6 / (3 × 5/6 + 1/6) = 2.5 / (16/6) = 15/16.
    assert rwg_j([[2, 3], [2, 3], [4, 4]]) == 15 / 16


def test_rwg_is_undefined_with_one_respondent_and_uses_likert_items_only():
    one = [Response(f"r{n}", None, {"pay_dispute": 2}) for n in range(1)]
    q = Q.model_copy(update={"settings": Q.settings.model_copy(update={"min_respondents": 1})})
    payment = score_round(q, one, kind="quarterly").sign("payment")
    assert payment.status == "scored"
    assert (payment.rwg, payment.raters_disagree) == (None, None)
    # Different numbers (pay_days) but the same likert answers → perfect agreement.
    two = [
        Response("a", None, {"pay_dispute": 2, "pay_days": 0}),
        Response("b", None, {"pay_dispute": 2, "pay_days": 90}),
    ]
    payment = score_round(q, two, kind="quarterly").sign("payment")
    assert (payment.rwg, payment.raters_disagree) == (1.0, False)
    assert (payment.lowest, payment.highest) == (37.5, 87.5)


# --------------------------------------------------------------------------------------
# Trend


def test_trend_thresholds():
    assert trend_between(55.0, 50.0, 5.0).direction == "up"
    assert trend_between(45.0, 50.0, 5.0).direction == "down"
    assert trend_between(54.9, 50.0, 5.0).direction == "steady"
    assert trend_between(45.1, 50.0, 5.0).direction == "steady"
    # A change of 5 that floating point renders as 4.999999999999993 is still 5.
    assert trend_between(65.1, 60.1, 5.0).direction == "up"
    assert trend_between(60.1, 65.1, 5.0).direction == "down"


def test_trend_matches_signs_by_id_across_versions():
    # An older version had a sign "legacy" and no "payment"; voice was insufficient.
    previous = _result({"scope": 59.375, "legacy": 10.0}, index=51.0, version=0)
    previous = _with_insufficient(previous, "voice")
    result = score_round(Q, WORKED, kind="adhoc", previous=previous)
    assert result.sign("scope").trend == Trend(59.375, 0.0, "steady")
    assert result.sign("voice").trend is None
    assert result.trend == Trend(51.0, 0.171875, "steady")


def test_kickoff_rounds_have_no_trend():
    previous = _result({"scope": 10.0, "voice": 10.0}, index=10.0)
    result = score_round(Q, WORKED, kind="kickoff", previous=previous)
    assert result.trend is None
    assert all(s.trend is None for s in result.signs)


# --------------------------------------------------------------------------------------
# Storing results


def test_results_round_trip_through_json():
    previous = _result({"scope": 50.0, "voice": 40.0}, index=60.0)
    result = score_round(Q, WORKED, kind="quarterly", previous=previous)
    stored = json.dumps(result.to_dict(), ensure_ascii=False)
    assert RoundResult.from_dict(json.loads(stored)) == result
    # Whole numbers stored as JSON integers still come back as floats.
    data = json.loads(stored)
    data["index"] = 51
    assert isinstance(RoundResult.from_dict(data).index, float)


def test_results_are_immutable_hashable_and_picklable():
    result = score_round(Q, WORKED, kind="quarterly")
    with pytest.raises(AttributeError):
        result.index = 0  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.sign("scope").by_role["x"] = 1  # type: ignore[index]
    assert hash(result) == hash(pickle.loads(pickle.dumps(result)))
    assert pickle.loads(pickle.dumps(result)) == result
    assert FrozenMap({"a": 1.0}) == {"a": 1.0}


@pytest.mark.parametrize("data", [{}, {"format": 99}, {"format": 1, "signs": []}, None])
def test_from_dict_rejects_anything_else(data):
    with pytest.raises(ValueError):
        RoundResult.from_dict(data)


# --------------------------------------------------------------------------------------
# Properties


def _answer_strategy(item):
    if item.type == "likert":
        return st.integers(1, 5)
    if item.type == "number":
        if item.integer:
            return st.integers(int(item.min) - 5, int(item.max) + 50)
        return st.floats(item.min - 50, item.max + 500, allow_nan=False)
    if item.type == "choice":
        return st.sampled_from([option.id for option in item.options])
    return st.text(max_size=20)


ROLES = [None, "account", "delivery", "finance"]
_VALUES = {item.id: _answer_strategy(item) for item in Q.items()}
# Mostly diligent respondents (every item, one answer in four N/A), some sparse ones (items
# left out or N/A), so that signs are scored often and insufficient now and then.
ANSWERS = st.one_of(
    st.fixed_dictionaries({k: st.one_of(v, v, v, st.none()) for k, v in _VALUES.items()}),
    st.fixed_dictionaries({}, optional={k: st.none() | v for k, v in _VALUES.items()}),
)
RESPONSES = (
    st.integers(0, 10)
    .flatmap(lambda n: st.lists(st.tuples(st.sampled_from(ROLES), ANSWERS), min_size=n, max_size=n))
    .map(lambda rows: [Response(f"r{n}", role, answers) for n, (role, answers) in enumerate(rows)])
)
KINDS = st.sampled_from(["kickoff", "quarterly", "adhoc"])


@PROPERTY
@given(RESPONSES, KINDS)
def test_every_score_stays_within_0_and_100(responses, kind):
    result = score_round(Q, responses, kind=kind)
    values = [result.index] + [
        v
        for s in result.signs
        for v in (s.score, s.lowest, s.highest, s.coverage * 100, *s.by_role.values())
    ]
    assert all(0 <= v <= 100 for v in values if v is not None)
    for s in result.signs:
        assert (s.score is None) == (s.status != "scored") == (s.band_id is None)
        if s.rwg is not None:
            assert 0 <= s.rwg <= 1
    assert RoundResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


@PROPERTY
@given(st.integers(1, 5), st.integers(2, 11))
def test_swapping_direction_mirrors_health(answer, points):
    answer = min(answer, points)
    item = Q.item("scope_paid")
    mirrored = item.model_copy(update={"direction": "warning"})
    healthy = item_health(item, answer, points=points)
    warning = item_health(mirrored, answer, points=points)
    assert healthy + warning == pytest.approx(100.0, abs=1e-12)
    assert item_health(item, points + 1 - answer, points=points) == warning


@PROPERTY
@given(RESPONSES, KINDS, st.randoms(use_true_random=False))
def test_the_order_of_respondents_changes_nothing(responses, kind, random):
    shuffled = list(responses)
    random.shuffle(shuffled)
    assert score_round(Q, shuffled, kind=kind) == score_round(Q, responses, kind=kind)


@PROPERTY
@given(RESPONSES, KINDS, st.data())
def test_adding_an_na_changes_nothing(responses, kind, data):
    if not responses:
        return
    n = data.draw(st.integers(0, len(responses) - 1))
    r = responses[n]
    unanswered = [item.id for item in Q.items() if item.id not in r.answers]
    if not unanswered:
        return
    item_id = data.draw(st.sampled_from(unanswered))
    with_na = list(responses)
    with_na[n] = Response(r.respondent_id, r.role, {**r.answers, item_id: None})
    assert score_round(Q, with_na, kind=kind) == score_round(Q, responses, kind=kind)


HEALTHY_LIKERT = [i for i in Q.items() if i.type == "likert" and i.direction == "healthy"]


@PROPERTY
@given(RESPONSES, KINDS, st.data())
def test_raising_a_healthy_answer_never_lowers_its_sign(responses, kind, data):
    item = data.draw(st.sampled_from(HEALTHY_LIKERT))
    raisable = [n for n, r in enumerate(responses) if r.answers.get(item.id) in (1, 2, 3, 4)]
    if not raisable:
        return
    n = data.draw(st.sampled_from(raisable))
    higher = list(responses)
    r = higher[n]
    higher[n] = Response(r.respondent_id, r.role, {**r.answers, item.id: r.answers[item.id] + 1})
    sign = Q.items_by_id[item.id][0].id
    before = score_round(Q, responses, kind=kind).sign(sign)
    after = score_round(Q, higher, kind=kind).sign(sign)
    assert before.status == after.status
    if before.score is not None:
        assert after.score >= before.score


@PROPERTY
@given(st.lists(st.lists(st.integers(1, 5), max_size=12), max_size=8))
def test_rwg_stays_within_0_and_1(answers_per_item):
    rwg = rwg_j(answers_per_item)
    usable = [a for a in answers_per_item if len(a) >= 2]
    assert (rwg is None) == (not usable)
    if rwg is not None:
        assert 0 <= rwg <= 1


@PROPERTY
@given(st.lists(st.integers(1, 5), min_size=1, max_size=8), st.integers(2, 30))
def test_rwg_is_1_when_all_raters_agree(answers, raters):
    # Every rater gives the same answer to each item (items may differ from each other).
    assert rwg_j([[a] * raters for a in answers]) == 1.0
    # … and through the engine, on the voice sign.
    responses = [
        Response(f"r{n}", None, {"voice_heard": answers[0], "voice_overruled": answers[-1]})
        for n in range(raters)
    ]
    voice = score_round(Q, responses, kind="quarterly").sign("voice")
    if voice.status == "scored":
        assert (voice.rwg, voice.raters_disagree) == (1.0, False)


def test_the_engine_imports_only_the_standard_library_and_the_model():
    allowed = {"__future__", "collections", "dataclasses", "datetime", "fractions", "math"}
    allowed |= {"decimal", "re", "typing", "unicodedata"}
    allowed |= {"questionnaire", "answers", "scoring", "scores", "figures", "colours", "vocab"}
    allowed |= {"lru"}  # the one bounded cache (assessment/lru.py): standard library only
    allowed |= {"perception"}  # the two sides compared, from results alone
    modules = ("answers", "scoring", "scores", "playbook", "figures", "colours", "perception")
    for module in modules:
        source = (Path(__file__).parent.parent.parent / "assessment" / f"{module}.py").read_text(
            "utf-8"
        )
        imported = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add((node.module or "").split(".")[0])
        assert imported <= allowed, (module, imported - allowed)


# --------------------------------------------------------------------------------------
# Helpers


def _result(
    scores: dict[str, float],
    *,
    index: float | None,
    questionnaire_id: str = "mini",
    version: int = 1,
    kind: str = "quarterly",
) -> RoundResult:
    """A stored-looking previous result with the given sign scores (bands from mini.toml)."""
    signs = tuple(
        SignResult(
            sign_id=sign_id,
            score=score,
            band_id=Q.band_for(score).id,
            status="scored",
            coverage=1.0,
            respondents=3,
            answered_pairs=9,
            applicable_pairs=9,
        )
        for sign_id, score in scores.items()
    )
    band = None if index is None else Q.band_for(index).id
    return RoundResult(questionnaire_id, version, kind, signs, index, band, band, False, None, 3)


def _with_insufficient(result: RoundResult, sign_id: str) -> RoundResult:
    sign = SignResult(sign_id, None, None, "insufficient", 0.1, 1, 1, 10)
    return dataclasses.replace(result, signs=(*result.signs, sign))


def test_the_pure_core_loads_without_flask_sqlite_or_weasyprint():
    import subprocess
    import sys

    code = (
        "import sys, assessment.questionnaire, assessment.scoring, assessment.playbook; "
        "loaded = [m for m in ('flask', 'sqlite_utils', 'weasyprint') if m in sys.modules]; "
        "print(loaded)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------------------
# Exact arithmetic: decimal weights, scores at a band's minimum, trends at the threshold

# Weights as a file may write them: tenths, 1.2, thirds to a few places, halves.
DECIMAL_WEIGHTS = st.sampled_from([0.1, 0.2, 0.3, 0.7, 1.2, 2.5, 0.333, 0.3333333, 1 / 3])


def _one_sign(weights, *, band_min: float = 25.0, kinds=None):
    items = [likert(f"i{n}", w) for n, w in enumerate(weights)]
    bands = (("top", 75.0, "#2e7d32"), ("middle", band_min, "#f9a825"), ("bottom", 0.0, "#c62828"))
    if band_min >= 75:
        bands = (("middle", band_min, "#f9a825"), ("bottom", 0.0, "#c62828"))
    return make_questionnaire([make_sign("s", items, bands=bands)], bands=bands)


def _reference(weights, answers_per_person) -> Fraction:
    """The sign's score computed here, independently, from the decimals as written."""
    people = []
    for answers in answers_per_person:
        given = [
            (Fraction(repr(w)), Fraction(a - 1, 4) * 100)
            for w, a in zip(weights, answers, strict=True)
        ]
        people.append(sum(w * h for w, h in given) / sum(w for w, _ in given))
    return sum(people, Fraction(0)) / len(people)


def test_decimal_weights_score_of_exactly_25_is_in_the_band_from_25():
    # Weights 0.1 and 0.2, everyone answers 2 (health 25) on both: the score is 25. In binary
    # floating point (0.1 × 25 + 0.2 × 25) / (0.1 + 0.2) is 24.999999999999996: the band below.
    q = _one_sign([0.1, 0.2], band_min=25.0)
    responses = [Response(f"r{n}", None, {"i0": 2, "i1": 2}) for n in range(3)]
    result = score_round(q, responses, kind="quarterly")
    s = result.sign("s")
    assert s.exact_score == 25 and s.score == 25.0
    assert s.band_id == "middle"
    assert result.exact_index == 25 and result.index_band_id == result.band_id == "middle"
    # Stored and read back, the exact value survives.
    data = json.loads(json.dumps(result.to_dict()))
    assert data["signs"][0]["exact_score"] == "25"
    assert RoundResult.from_dict(data).sign("s").exact_score == 25


def test_band_minimum_as_written_62_5():
    q = _one_sign([1.0, 1.0], band_min=62.5)
    assert q.band("middle").exact_min == Fraction(125, 2)
    at = score_round(q, [Response("r", None, {"i0": 3, "i1": 4})], kind="adhoc")  # (50 + 75) / 2
    below = score_round(q, [Response("r", None, {"i0": 3, "i1": 3})], kind="adhoc")
    assert (at.sign("s").exact_score, at.sign("s").band_id) == (Fraction(125, 2), "middle")
    assert below.sign("s").band_id == "bottom"


@PROPERTY
@given(
    st.lists(DECIMAL_WEIGHTS, min_size=1, max_size=4).flatmap(
        lambda ws: st.tuples(
            st.just(ws),
            st.lists(
                st.lists(st.integers(1, 5), min_size=len(ws), max_size=len(ws)),
                min_size=1,
                max_size=6,
            ),
        )
    ),
    DECIMAL_WEIGHTS,
)
def test_scores_are_the_exact_value_of_the_decimals_as_written(case, sign_weight):
    weights, people = case
    q = make_questionnaire(
        [make_sign("s", [likert(f"i{n}", w) for n, w in enumerate(weights)], weight=sign_weight)]
    )
    responses = [
        Response(f"r{n}", None, {f"i{k}": a for k, a in enumerate(answers)})
        for n, answers in enumerate(people)
    ]
    result = score_round(q, responses, kind="quarterly")
    expected = _reference(weights, people)
    s = result.sign("s")
    assert s.exact_score == expected == result.exact_index
    assert s.score == float(expected)  # the display float is the exact value, rounded once
    band = next(b for b in q.bands if expected >= Fraction(repr(b.min)))
    assert s.band_id == result.index_band_id == band.id


@PROPERTY
@given(
    st.lists(DECIMAL_WEIGHTS, min_size=1, max_size=4).flatmap(
        lambda ws: st.tuples(
            st.just(ws), st.lists(st.integers(1, 5), min_size=len(ws), max_size=len(ws))
        )
    ),
    st.integers(1, 5),
)
def test_a_score_exactly_at_a_band_minimum_falls_in_that_band(case, people):
    weights, answers = case
    score = _reference(weights, [answers])
    written = _as_decimal(score)
    if written is None or not 0 < score < 100:
        return  # a file can only write a minimum that is a short decimal
    q = _one_sign(weights, band_min=float(written))
    responses = [
        Response(f"r{n}", None, {f"i{k}": a for k, a in enumerate(answers)}) for n in range(people)
    ]
    result = score_round(q, responses, kind="quarterly")
    assert result.sign("s").exact_score == score
    assert result.sign("s").band_id == "middle"  # the band whose minimum the score is


def _as_decimal(value: Fraction) -> str | None:
    """`value` as a decimal of at most 15 significant digits, or None when it has none."""
    text = f"{value.numerator / value.denominator:.15g}"
    return text if Fraction(text) == value else None


@PROPERTY
@given(
    st.lists(st.integers(1, 5), min_size=2, max_size=2),
    st.sampled_from([0.1, 0.2, 1.2, 0.3, 2.5]),
    st.sampled_from([0.1, 2.5, 5.0, 7.5, 12.3]),
)
def test_a_change_of_exactly_the_threshold_is_a_trend(answers, weight, threshold):
    q = make_questionnaire(
        [make_sign("s", [likert("i0", weight), likert("i1", 0.2)])],
        settings={"trend_threshold": threshold},
    )
    responses = [Response("r", None, {"i0": answers[0], "i1": answers[1]})]
    now = score_round(q, responses, kind="quarterly").sign("s").exact_score
    for previous, direction in (
        (now - Fraction(repr(threshold)), "up"),
        (now + Fraction(repr(threshold)), "down"),
    ):
        shown = _as_decimal(previous)
        if shown is None or not 0 <= previous <= 100:
            continue
        before = _result_of(q, {"s": float(shown)})
        result = score_round(q, responses, kind="quarterly", previous=before)
        assert result.sign("s").trend.direction == direction
        assert result.trend.direction == direction


def _result_of(q, scores: dict[str, float]) -> RoundResult:
    signs = tuple(
        SignResult(sign_id, score, q.band_for(score).id, "scored", 1.0, 3, 6, 6)
        for sign_id, score in scores.items()
    )
    index = next(iter(scores.values()))
    band = q.band_for(index).id
    return RoundResult(q.id, 1, "quarterly", signs, index, band, band, False, None, 3)


def test_trend_between_compares_exactly():
    # 65.1 − 60.1 is 5 exactly as written (4.999999999999993 in floats): up.
    assert trend_between(65.1, 60.1, 5.0).direction == "up"
    assert trend_between(Fraction(1, 3) + 5, Fraction(1, 3), 5).direction == "up"
    assert trend_between(Fraction(1, 3) + 5, Fraction(1, 3) + Fraction(1, 10**30), 5).direction == (
        "steady"
    )


def test_exact_values_round_trip_and_older_results_still_read():
    q = _one_sign([0.1, 0.3333333], band_min=25.0)
    responses = [Response(f"r{n}", None, {"i0": n % 5 + 1, "i1": 3}) for n in range(4)]
    result = score_round(q, responses, kind="quarterly")
    assert result.sign("s").exact_score.denominator > 10**6  # not a short decimal at all
    data = json.loads(json.dumps(result.to_dict()))
    assert RoundResult.from_dict(data) == result
    # A result stored before exact values existed: its floats are taken as written.
    for sign in data["signs"]:
        del sign["exact_score"]
    del data["exact_index"]
    old = RoundResult.from_dict(data)
    assert old.sign("s").exact_score == Fraction(repr(result.sign("s").score))
    with pytest.raises(ValueError):
        RoundResult.from_dict({**result.to_dict(), "exact_index": "1/0"})
    with pytest.raises(ValueError):
        RoundResult.from_dict({**result.to_dict(), "exact_index": "1e999999"})


# --------------------------------------------------------------------------------------
# Signs not asked in a kind of round


def test_a_sign_not_asked_in_the_kind_is_not_asked_not_insufficient():
    q = make_questionnaire(
        [
            make_sign("asked", [likert("a1"), likert("a2")]),
            make_sign("later", [likert("l1", kinds=["quarterly", "adhoc"])]),
        ]
    )
    responses = [Response(f"r{n}", None, {"a1": 4, "a2": 5}) for n in range(3)]
    kickoff = score_round(q, responses, kind="kickoff")
    later = kickoff.sign("later")
    assert later.status == "not_asked" and later.not_asked and not later.scored
    assert (later.score, later.band_id, later.trend, later.rwg) == (None, None, None, None)
    assert (later.respondents, later.answered_pairs, later.applicable_pairs) == (0, 0, 0)
    # Out of the index: the index is the asked sign's score alone.
    assert kickoff.exact_index == kickoff.sign("asked").exact_score == Fraction(175, 2)
    assert RoundResult.from_dict(json.loads(json.dumps(kickoff.to_dict()))) == kickoff
    # In a quarterly round nobody answered it: that is insufficient data, not "not asked".
    assert score_round(q, responses, kind="quarterly").sign("later").status == "insufficient"


def test_payment_is_not_asked_at_kickoff_in_the_shipped_questionnaire():
    six = load_questionnaire(Path(__file__).parent.parent.parent / "questions" / "six-signs.toml")
    result = score_round(six, [], kind="kickoff")
    assert result.sign("payment").status == "not_asked"
    assert {s.status for s in result.signs if s.sign_id != "payment"} == {"insufficient"}


# Anonymous rounds: the floor (docs/anonymity.md)


def test_floor_keeps_no_extremes_and_pools_small_role_groups():
    named = score_round(Q, WORKED, kind="quarterly")
    anonymous = score_round(Q, WORKED, kind="quarterly", floor=3)
    for sign in anonymous.signs:
        assert sign.lowest is None and sign.highest is None
    # Two delivery and two account people: each group under the floor, and pooled they are
    # the whole team, whose score is already shown: no breakdown at all.
    assert dict(anonymous.sign("scope").by_role) == {}
    assert dict(named.sign("scope").by_role) == {"account": 62.5, "delivery": 56.25}
    # Four people answered scope and voice: shown, with the same scores and index.
    assert anonymous.sign("scope").score == named.sign("scope").score
    assert anonymous.index == named.index


def test_a_sign_under_the_floor_is_withheld_and_left_out_of_the_index():
    result = score_round(Q, WORKED, kind="quarterly", floor=4)
    assert result.sign("scope").status == "scored"
    assert result.sign("voice").status == "scored"
    fewer = score_round(Q, WORKED[:3], kind="quarterly", floor=4)
    for sign in ("scope", "voice"):
        withheld = fewer.sign(sign)
        assert withheld.status == "withheld" and not withheld.scored
        assert withheld.score is None and withheld.band_id is None and withheld.rwg is None
    assert fewer.sign("payment").status == "insufficient", "too little data stays insufficient"
    assert fewer.index is None and fewer.band_id is None
    assert RoundResult.from_dict(fewer.to_dict()) == fewer


def test_only_a_withheld_sign_is_left_out_of_the_index():
    # Only three people answer scope (r4's scope answers dropped), all four answer voice.
    responses = [
        Response(
            r.respondent_id,
            r.role,
            {k: v for k, v in r.answers.items() if not (k.startswith("scope") and i == 3)},
        )
        for i, r in enumerate(WORKED)
    ]
    full = score_round(Q, responses, kind="quarterly")
    floored = score_round(Q, responses, kind="quarterly", floor=4)
    assert floored.sign("scope").status == "withheld" and full.sign("scope").scored
    assert floored.sign("voice").score == full.sign("voice").score
    # The index is voice alone: the withheld sign cannot be worked out from it.
    assert floored.index == floored.sign("voice").score
    assert full.index != floored.index


def test_all_four_statuses_in_one_anonymous_kickoff():
    """scored, insufficient, not_asked and withheld side by side; a sign not asked is never
    withheld (it had no answers to protect), whatever the floor."""
    q = make_questionnaire(
        [
            make_sign("everyone", [likert("e1")]),
            make_sign("few", [likert("f1")]),
            make_sign("thin", [likert("t1"), likert("t2"), likert("t3")]),
            make_sign("later", [likert("l1", kinds=["quarterly", "adhoc"])]),
        ],
        settings={"min_respondents": 1, "min_coverage": 0.5},
    )
    responses = [
        Response(f"r{n}", "delivery", {"e1": 4, **({"f1": 2} if n < 2 else {}), "t1": 3})
        for n in range(4)
    ]
    result = score_round(q, responses, kind="kickoff", floor=3)
    statuses = {s.sign_id: s.status for s in result.signs}
    assert statuses == {
        "everyone": "scored",
        "few": "withheld",  # two people: under the floor of 3
        "thin": "insufficient",  # a third of its answers: under 50 % coverage
        "later": "not_asked",
    }
    for floor in (None, 3, 50):
        later = score_round(q, responses, kind="kickoff", floor=floor).sign("later")
        assert later.status == "not_asked" and later.respondents == 0
    assert result.index == result.sign("everyone").score
    assert RoundResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_role_means_are_exact():
    thirds = [("delivery", Fraction(1, 3))] * 3 + [("account", Fraction(2, 3))] * 3
    means = role_means(thirds, 3)
    assert means == {"account": Fraction(2, 3), "delivery": Fraction(1, 3)}
    assert all(isinstance(v, Fraction) for v in means.values())
    # Floats (a stored result) are taken as the decimals they show.
    assert role_means([("delivery", 0.1), ("delivery", 0.2)]) == {"delivery": Fraction(3, 20)}


def test_exact_rwg_is_kept_beside_the_float_and_read_from_either_layout():
    result = score_round(Q, WORKED, kind="quarterly")
    scope = result.sign("scope")
    assert scope.exact_rwg == Fraction(2, 7) and scope.rwg == 2 / 7
    data = json.loads(json.dumps(result.to_dict()))
    assert data["signs"][0]["exact_rwg"] == "2/7"
    assert RoundResult.from_dict(data).sign("scope").exact_rwg == Fraction(2, 7)
    del data["signs"][0]["exact_rwg"]  # a result stored before exact_rwg existed
    assert RoundResult.from_dict(data).sign("scope").exact_rwg == Fraction(repr(2 / 7))


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ({"delivery": 3, "finance": 1}, set()),  # finance alone would follow from the rest
        ({"delivery": 3, "account": 3, "finance": 1}, {"delivery", "pooled"}),
        ({"delivery": 3, "account": 3, "finance": 3}, {"account", "delivery", "finance"}),
        ({"delivery": 4, "finance": 2, "leadership": 1}, {"delivery", "pooled"}),
        ({"delivery": 2, "finance": 2}, set()),
        ({"delivery": 5}, set()),  # one group is the whole team
    ],
)
def test_role_groups_under_the_floor_are_never_shown_alone(sizes, expected):
    scores = [
        (role, float(10 * n + k))
        for n, (role, size) in enumerate(sizes.items())
        for k in range(size)
    ]
    means = role_means(scores, 3)
    assert set(means) == expected
    groups = {role: [s for r, s in scores if r == role] for role in sizes}
    shown = {role for role in means if role != POOLED_ROLES}
    pooled = [s for role, v in groups.items() if role not in shown for s in v]
    for role in shown:
        assert len(groups[role]) >= 3 and means[role] == sum(groups[role]) / len(groups[role])
    if POOLED_ROLES in means:
        assert len(pooled) >= 3 and math.isclose(means[POOLED_ROLES], sum(pooled) / len(pooled))
    # Without a floor (named rounds), every role is shown.
    assert set(role_means(scores)) == set(sizes)

"""The perception gap (assessment/perception.py) and the next steps it calls for
(playbook.gap_steps), against numbers worked out by hand."""

from fractions import Fraction
from pathlib import Path

import factories as f
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.perception import like_for_like_index, perception_gap
from assessment.playbook import GAP_TEXT, JOINT_TEXT, gap_steps
from assessment.questionnaire import load_directory, load_questionnaire
from assessment.scoring import Response, person_scores, score_round

QUESTIONS = Path(__file__).resolve().parent.parent.parent / "questions"


@pytest.fixture(scope="module")
def pair():
    found = load_directory(QUESTIONS)
    return found["six-signs"], found["six-signs-client"]


# The team on payment (quarterly): days paid late through the breakpoints, invoice handling
# by its option's score, likert items by (a − 1) / 4 × 100 (healthy) or (5 − a) / 4 × 100.
#   A: 60 days → 10, paid after chasing → 25, process clear 3 → 50, work while overdue
#      4 → 25: (10 + 25 + 50 + 25) / 4 = 27.5
#   B: 90 days → 0, disputed → 0, process clear 1 → 0, work while overdue 5 → 0: 0
#   C: 30 days → 40, work while overdue 4 → 25, fees cut 4 → 25: 90 / 3 = 30
#   coverage 11 of 15 answers; payment = (27.5 + 0 + 30) / 3 = 115/6 ≈ 19.17 (critical)
# On expectations everyone strongly agrees with both warning items and strongly disagrees
# with "process respected" (healthy): 0 each, so 0 (coverage 9 of 15).
_EXPECT = {"impossible-timelines": 5, "unagreed-yardstick": 5, "process-respected": 1}
TEAM = [
    Response(
        "A",
        "finance",
        {
            "days-paid-late": 60,
            "invoice-handling": "paid-after-chasing",
            "invoicing-process-clear": 3,
            "work-while-overdue": 4,
            **_EXPECT,
        },
    ),
    Response(
        "B",
        "account",
        {
            "days-paid-late": 90,
            "invoice-handling": "disputed-or-ignored",
            "invoicing-process-clear": 1,
            "work-while-overdue": 5,
            **_EXPECT,
        },
    ),
    Response(
        "C",
        "delivery",
        {"days-paid-late": 30, "work-while-overdue": 4, "fees-cut-after-delivery": 4, **_EXPECT},
    ),
]
# The client on payment:
#   X: paid within terms 5 → 100, needs clear 4 → 75, paid on receipt → 100,
#      approval delays 2 (warning) → (5 − 2) / 4 × 100 = 75: (100 + 75 + 100 + 75) / 4 = 87.5
#   Y: paid within terms 4 → 75, after one reminder → 65: 70
#   Z: paid within terms 3 → 50: 50
#   payment = (87.5 + 70 + 50) / 3 = 415/6 ≈ 69.17; gap = 415/6 − 115/6 = 50 exactly.
# On expectations the client agrees (4) with both warning items: (5 − 4) / 4 × 100 = 25.
CLIENT = [
    Response(
        "X",
        "procurement",
        {
            "c-paid-within-terms": 5,
            "c-invoicing-needs-clear": 4,
            "c-invoice-handling": "paid-on-receipt",
            "c-approval-delays": 2,
            "c-deadlines-tighter": 4,
            "c-results-sooner": 4,
        },
    ),
    Response(
        "Y",
        "owner",
        {
            "c-paid-within-terms": 4,
            "c-invoice-handling": "paid-after-reminder",
            "c-deadlines-tighter": 4,
            "c-results-sooner": 4,
        },
    ),
    Response(
        "Z", "sponsor", {"c-paid-within-terms": 3, "c-deadlines-tighter": 4, "c-results-sooner": 4}
    ),
]


def _results(team_q, client_q, client=CLIENT):
    team = score_round(team_q, TEAM, kind="quarterly", floor=3)
    theirs = score_round(client_q, client, kind="quarterly", floor=3)
    return team, theirs


def test_the_mirror_scores_on_the_same_scale_by_hand(pair):
    team_q, client_q = pair
    team, client = _results(team_q, client_q)
    assert team.get("payment").exact_score == Fraction(115, 6)
    assert client.get("payment").exact_score == Fraction(415, 6)
    assert client.get("expectations").exact_score == 25
    assert team.get("expectations").exact_score == 0


def test_the_gap_per_sign_and_its_flag(pair):
    team_q, client_q = pair
    both = perception_gap(team_q, *_results(team_q, client_q))

    payment = both.get("payment")
    assert payment.status == "compared"
    assert payment.gap == 50  # exactly: client 415/6 minus team 115/6
    assert payment.flagged  # 50 ≥ 100/3
    assert not payment.agreed_concern
    assert (payment.team_band_id, payment.client_band_id) == ("critical", "watch")

    expectations = both.get("expectations")
    assert expectations.gap == 25 and not expectations.flagged  # 25 < 33⅓
    assert expectations.agreed_concern  # at risk (client) and critical (team)

    # Signs nobody answered on the client's side: not enough client answers, no gap.
    boundaries = both.get("boundaries")
    assert (boundaries.status, boundaries.gap, boundaries.flagged) == (
        "not_enough_client",
        None,
        False,
    )
    assert [s.sign_id for s in both.flagged] == ["payment"]
    assert [s.sign_id for s in both.agreed] == ["expectations"]
    assert both.threshold == Fraction(100, 3)
    assert both.enough_client_answers


def test_the_threshold_comes_from_the_file_and_is_inclusive(pair, tmp_path):
    _team_q, client_q = pair
    text = (QUESTIONS / "six-signs.toml").read_text(encoding="utf-8")
    for threshold, flagged in (("50", True), ("50.000001", False)):
        path = tmp_path / f"t{threshold}.toml"
        path.write_text(
            text.replace(
                "trend_threshold = 5.0", f"trend_threshold = 5.0\ngap_threshold = {threshold}"
            ),
            encoding="utf-8",
        )
        strict = load_questionnaire(path)
        both = perception_gap(strict, *_results(strict, client_q))
        assert both.get("payment").flagged is flagged, threshold


def test_below_the_floor_on_the_client_side_there_is_no_gap(pair):
    team_q, client_q = pair
    both = perception_gap(team_q, *_results(team_q, client_q, client=CLIENT[:2]))
    assert {s.status for s in both.signs} <= {"not_enough_client", "not_asked"}
    assert not both.flagged and not both.agreed
    assert not both.enough_client_answers
    assert gap_steps(team_q, both) == ()


def test_the_gap_trend_against_the_previous_round(pair):
    team_q, client_q = pair
    team, client = _results(team_q, client_q)
    before_client = score_round(
        client_q,
        [
            Response(r.respondent_id, r.role, {**r.answers, "c-paid-within-terms": 5})
            for r in CLIENT
        ],
        kind="quarterly",
        floor=3,
    )
    earlier = perception_gap(team_q, team, before_client)
    # Y and Z now 100 on that item: Y (100 + 65) / 2 = 82.5, Z 100; X unchanged 87.5.
    # Client = (87.5 + 82.5 + 100) / 3 = 90; gap 90 − 115/6 = 425/6 ≈ 70.8 then, 50 now.
    assert earlier.get("payment").gap == Fraction(425, 6)
    now = perception_gap(team_q, team, client, previous=earlier)
    assert now.get("payment").previous_gap == Fraction(425, 6)
    assert now.get("payment").trend == "narrower"
    assert now.get("expectations").trend == "steady"


def test_next_steps_from_the_gap(pair):
    team_q, client_q = pair
    steps = gap_steps(team_q, perception_gap(team_q, *_results(team_q, client_q)))

    gap, joint = steps
    assert (gap.sign_id, gap.basis, gap.escalation) == ("payment", "gap", False)
    # The file's own step for a payment gap: a fact-based conversation with the numbers.
    assert gap.text == team_q.sign("payment").gap.text and gap.owner == "finance"
    assert str(gap.note) == ("The team scores this sign 19, the client 69: a gap of +50 points.")
    assert (joint.sign_id, joint.basis, joint.owner) == ("expectations", "joint", "account")
    assert joint.text == JOINT_TEXT
    assert str(joint.note) == "Both sides score this sign low: the team 0, the client 25."
    # A sign without a step of its own gets the general one.
    assert team_q.sign("expectations").gap is None and GAP_TEXT.msgid.startswith("Compare views")


def test_the_steps_read_natively_in_chinese(pair):
    team_q, client_q = pair
    gap, joint = gap_steps(team_q, perception_gap(team_q, *_results(team_q, client_q)))
    assert gap.note.get("zh-CN") == "团队给这一项打 19 分，客户打 69 分：相差 +50 分。"
    assert "共同" in joint.text.get("zh-CN")
    assert GAP_TEXT.get("zh-CN") != GAP_TEXT.msgid


# --- like-for-like indexes (docs/scoring.md, "Comparable indexes") -------------------------

# The worked example of docs/scoring.md: the team's file weighs scope twice; the client's
# file weighs every sign once and does not ask about payment in a quarterly round.
TEAM_Q = f.questionnaire(
    [
        f.sign("scope", [f.likert("t-scope")], weight=2),
        f.sign("voice", [f.likert("t-voice")]),
        f.sign("pay", [f.likert("t-pay")]),
        f.sign("dark", [f.likert("t-dark")]),
    ],
    qid="team",
)
CLIENT_Q = f.questionnaire(
    [
        f.sign("scope", [f.likert("c-scope")]),
        f.sign("voice", [f.likert("c-voice")]),
        f.sign("pay", [f.likert("c-pay", kinds=["kickoff"])]),
        f.sign("dark", [f.likert("c-dark")]),
    ],
    qid="client",
)


def test_the_worked_example_of_comparable_indexes():
    # Team: scope 2 → 25, voice 3 → 50, pay 5 → 100, dark not answered (no score).
    team = score_round(
        TEAM_Q, [Response("T", None, {"t-scope": 2, "t-voice": 3, "t-pay": 5})], kind="quarterly"
    )
    # Client: scope 4 → 75, voice 3 → 50, pay not asked in a quarterly round, dark 1 → 0.
    client = score_round(
        CLIENT_Q, [Response("C", None, {"c-scope": 4, "c-voice": 3, "c-dark": 1})], kind="quarterly"
    )
    # Each side's own index: the team (2 × 25 + 50 + 100) / 4 = 50, the client with its own
    # weights (75 + 50 + 0) / 3 = 125/3 ≈ 41.7: the client looks less happy than the team.
    assert team.exact_index == 50 and client.exact_index == Fraction(125, 3)
    both = perception_gap(TEAM_Q, team, client)
    assert [(s.sign_id, s.status) for s in both.signs] == [
        ("scope", "compared"),
        ("voice", "compared"),
        ("pay", "not_asked_client"),
        ("dark", "team_unscored"),
    ]
    # Like for like: scope and voice only, the team's weights 2 and 1.
    # Team (2 × 25 + 50) / 3 = 100/3 ≈ 33.3; client (2 × 75 + 50) / 3 = 200/3 ≈ 66.7.
    assert both.team_index == Fraction(100, 3)
    assert both.client_index == Fraction(200, 3)
    assert both.index_gap == Fraction(100, 3)
    assert [s.sign_id for s in both.left_out] == ["pay", "dark"]
    assert [s.sign_id for s in both.compared] == ["scope", "voice"]


def test_a_sign_the_team_is_not_asked_says_so():
    team_q = f.questionnaire(
        [f.sign("a", [f.likert("t-a")]), f.sign("b", [f.likert("t-b", kinds=["kickoff"])])]
    )
    client_q = f.questionnaire([f.sign("a", [f.likert("c-a")]), f.sign("b", [f.likert("c-b")])])
    team = score_round(team_q, [Response("T", None, {"t-a": 3})], kind="quarterly")
    client = score_round(client_q, [Response("C", None, {"c-a": 3, "c-b": 4})], kind="quarterly")
    both = perception_gap(team_q, team, client)
    assert both.get("b").status == "not_asked_team"
    assert both.get("b").gap is None
    # Neither side asked: plain "not asked".
    client = score_round(client_q, [Response("C", None, {"c-a": 3})], kind="quarterly")
    kickoff_only = f.questionnaire(
        [f.sign("a", [f.likert("c-a")]), f.sign("b", [f.likert("c-b", kinds=["kickoff"])])]
    )
    client = score_round(kickoff_only, [Response("C", None, {"c-a": 3})], kind="quarterly")
    assert perception_gap(team_q, team, client).get("b").status == "not_asked"


def test_the_shipped_mirror_not_asking_reads_not_asked_of_the_client(pair):
    team_q, client_q = pair
    asked = {s.id for s in client_q.signs if s.scored_items("kickoff")}
    team = score_round(team_q, TEAM, kind="kickoff", floor=3)
    client = score_round(client_q, CLIENT, kind="kickoff", floor=3)
    both = perception_gap(team_q, team, client)
    for s in both.signs:
        if s.sign_id not in asked:
            assert s.status in ("not_asked_client", "not_asked"), s
        assert s.status != "not_enough_client" or s.sign_id in asked


PROP_Q = f.questionnaire(
    [
        f.sign("s1", [f.likert("i1")], weight=3),
        f.sign("s2", [f.likert("i2")], weight=0.5),
        f.sign("s3", [f.likert("i3", direction="warning")]),
        f.sign("s4", [f.likert("i4")], weight=1.25),
    ]
)
_ANSWER = st.one_of(st.none(), st.integers(1, 5))
_SIDE = st.fixed_dictionaries({f"i{n}": _ANSWER for n in range(1, 5)})


def _score(answers: dict) -> object:
    given_answers = {k: v for k, v in answers.items() if v is not None}
    return score_round(PROP_Q, [Response("R", None, given_answers)], kind="quarterly")


def _expected(team: dict, client: dict, side: dict) -> Fraction | None:
    """An independent computation: the weighted mean, with the team's weights, of one
    side's health on the signs both sides answered."""
    weights = {"i1": Fraction(3), "i2": Fraction(1, 2), "i3": Fraction(1), "i4": Fraction(5, 4)}
    total = weight = Fraction(0)
    for item, w in weights.items():
        if team[item] is None or client[item] is None:
            continue
        a = side[item]
        health = Fraction(5 - a, 4) * 100 if item == "i3" else Fraction(a - 1, 4) * 100
        total += w * health
        weight += w
    return total / weight if weight else None


@settings(max_examples=150, deadline=None)
@given(team=_SIDE, client=_SIDE)
def test_like_for_like_is_the_weighted_mean_over_the_signs_both_scored(team, client):
    both = perception_gap(PROP_Q, _score(team), _score(client))
    assert both.team_index == _expected(team, client, team)
    assert both.client_index == _expected(team, client, client)
    assert {s.sign_id for s in both.compared} == {
        f"s{n}" for n in range(1, 5) if team[f"i{n}"] is not None and client[f"i{n}"] is not None
    }


@settings(max_examples=150, deadline=None)
@given(team=_SIDE, client=_SIDE, other=_SIDE)
def test_signs_only_one_side_scored_change_neither_index(team, client, other):
    """Any answers on signs the other side left unanswered leave both indexes as they are."""
    before = perception_gap(PROP_Q, _score(team), _score(client))
    team2 = {k: other[k] if client[k] is None else team[k] for k in team}
    client2 = {
        k: other[k] if team[k] is None and client[k] is not None else client[k] for k in client
    }
    after = perception_gap(PROP_Q, _score(team2), _score(client2))
    assert (after.team_index, after.client_index) == (before.team_index, before.client_index)


@settings(max_examples=100, deadline=None)
@given(answers=_SIDE)
def test_identical_answers_give_equal_indexes_and_no_gap(answers):
    both = perception_gap(PROP_Q, _score(answers), _score(answers))
    assert both.team_index == both.client_index
    assert both.index_gap in (None, 0)
    assert all(s.gap == 0 for s in both.compared)


def test_like_for_like_index_of_nothing_is_none():
    assert like_for_like_index(PROP_Q, []) is None


def test_person_scores_give_each_contacts_own_view():
    scores = person_scores(
        TEAM_Q,
        [Response("1", None, {"t-scope": 2, "t-voice": 3}), Response("2", None, {"t-pay": 5})],
        kind="quarterly",
    )
    assert scores == {
        "1": {"scope": 25, "voice": 50, "pay": None, "dark": None},
        "2": {"scope": None, "voice": None, "pay": 100, "dark": None},
    }


def test_no_gap_trend_for_a_sign_the_questionnaire_changed(pair):
    """Issue 27: a sign scored differently than in the previous round (a new questionnaire
    version, ``RoundResult.incomparable``) on either side has no gap trend."""
    from dataclasses import replace

    team_q, client_q = pair
    team, client = _results(team_q, client_q)
    earlier = perception_gap(team_q, team, client)
    for changed_team, changed_client in ((("payment",), ()), ((), ("payment",))):
        now = perception_gap(
            team_q,
            replace(team, incomparable=changed_team),
            replace(client, incomparable=changed_client),
            previous=earlier,
        )
        assert now.get("payment").trend is None and now.get("payment").previous_gap is None
        assert now.get("expectations").trend == "steady"

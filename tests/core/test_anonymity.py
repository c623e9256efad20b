"""The anonymity rules (assessment/anonymity.py): states, free text, agreement in words,
the coarse distribution, and the floors as settings. The curious lead's attempts against a
real server are in test_curious_lead.py."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest

from assessment import ConfigError, create_app
from assessment.anonymity import (
    FreeText,
    Policy,
    Spread,
    agreement_level,
    answer_spread,
    check_floors,
    visible_free_text,
    withheld_result,
)
from assessment.questionnaire import load_questionnaire
from assessment.scoring import Response, score_round

DATA = Path(__file__).parent.parent / "data" / "scoring"
Q = load_questionnaire(DATA / "mini.toml")


def _policy(anonymous=True, is_open=False, submitted=3, floor=3, text_floor=5) -> Policy:
    return Policy(anonymous, is_open, submitted, floor, text_floor)


@pytest.mark.parametrize(
    ("anonymous", "is_open", "submitted", "state", "visible", "text", "reopen"),
    [
        (False, True, 1, "live", True, True, True),
        (False, False, 1, "live", True, True, True),
        (True, True, 9, "open", False, False, False),
        (True, False, 2, "withheld", False, False, True),
        (True, False, 3, "shown", True, False, False),
        (True, False, 5, "shown", True, True, False),
    ],
)
def test_policy_states(anonymous, is_open, submitted, state, visible, text, reopen):
    policy = _policy(anonymous=anonymous, is_open=is_open, submitted=submitted)
    assert policy.state == state
    assert policy.results_visible is visible
    assert policy.free_text_visible is text
    if not is_open:
        assert policy.can_reopen is reopen


@dataclass(frozen=True)
class Said:
    sign_id: str
    body: str
    author: str | None


SAID = [Said("b", "zeta", "Ann"), Said("a", "beta", "Bo"), Said("a", "alpha", "Cy")]


def _key(entry):
    return (entry.sign_id, entry.body)


def test_free_text_of_a_named_round_keeps_authors_and_order():
    shown = visible_free_text(_policy(anonymous=False), SAID, key=_key)
    assert shown.entries == tuple(SAID) and not shown.withheld


def test_free_text_of_an_anonymous_round_loses_authors_and_answer_order():
    shown = visible_free_text(_policy(submitted=5), SAID, key=_key)
    assert [(e.sign_id, e.body, e.author) for e in shown] == [
        ("a", "alpha", None),
        ("a", "beta", None),
        ("b", "zeta", None),
    ]


@pytest.mark.parametrize("policy", [_policy(submitted=4), _policy(is_open=True, submitted=9)])
def test_free_text_below_the_text_floor_or_while_open_is_withheld(policy):
    shown = visible_free_text(policy, SAID, key=_key)
    assert shown == FreeText(withheld=True) and not shown and len(shown) == 0


@pytest.mark.parametrize(
    ("rwg", "level"),
    [(None, None), (1.0, "very_strong"), (0.9, "very_strong"), (0.75, "strong"),
     (0.5, "moderate"), (0.31, "weak"), (0.0, "none")],
)  # fmt: skip
def test_agreement_in_words(rwg, level):
    assert agreement_level(rwg) == level


@pytest.mark.parametrize(
    ("counts", "shares"),
    [((7, 3, 2), (58, 25, 17)), ((1, 1, 1), (34, 33, 33)), ((0, 0, 0), (0, 0, 0)),
     ((5, 0, 0), (100, 0, 0))],
)  # fmt: skip
def test_spread_shares_add_up_to_100(counts, shares):
    spread = Spread(*counts)
    assert spread.shares() == shares
    assert sum(spread.shares()) in (0, 100)


def test_answer_spread_pools_every_answer_of_a_scored_sign():
    responses = [
        Response("r1", "delivery", {"scope_paid": 5, "scope_free": 1, "scope_changes": 0}),
        Response("r2", "delivery", {"scope_paid": 3, "scope_free": 2, "scope_changes": 6}),
        Response("r3", "account", {"scope_paid": 1, "scope_free": None, "scope_changes": 12}),
    ]
    result = score_round(Q, responses, kind="quarterly", floor=3)
    spread = answer_spread(Q, result, responses)
    # healths: 100, 100, 100 | 50, 75, 37.5 | 0, –, 0 → 4 favourable, 1 neutral, 3 unfav.
    assert spread["scope"] == Spread(favourable=4, neutral=1, unfavourable=3)
    assert "voice" not in spread and "payment" not in spread, "not scored: no spread"


def test_a_withheld_result_reads_nothing():
    result = withheld_result(Q, "quarterly")
    assert result.index is None and result.respondents == 0
    assert {s.status for s in result.signs} == {"withheld"}
    assert all(s.respondents == 0 and s.score is None for s in result.signs)
    assert all(s.applicable_pairs == 0 for s in result.signs), "no counts at all"


def test_a_withheld_result_keeps_signs_not_asked_as_not_asked():
    six = load_questionnaire(Path(__file__).parent.parent.parent / "questions" / "six-signs.toml")
    result = withheld_result(six, "kickoff")
    statuses = {s.sign_id: s.status for s in result.signs}
    assert statuses.pop("payment") == "not_asked"
    assert set(statuses.values()) == {"withheld"}


@pytest.mark.parametrize(
    ("rwg", "level"),
    [(Fraction(9, 10), "very_strong"), (Fraction(9, 10) - Fraction(1, 10**30), "strong"),
     (Fraction(7, 10), "strong"), (Fraction(699999999999999999, 10**18), "moderate"),
     (Fraction(3, 10), "weak"), (Fraction(0), "none")],
)  # fmt: skip
def test_agreement_levels_are_decided_exactly(rwg, level):
    # A hair under 0.7 rounds to the float 0.7; the exact value decides.
    assert agreement_level(rwg) == level


def test_the_spread_places_an_answer_by_its_exact_health():
    # Health = answer / 3 × 100, from the decimals as typed: 1.8 is exactly 60 and 1.2
    # exactly 40, both neutral (the bounds belong to it); a hair above 1.8 is favourable.
    from factories import questionnaire as make_questionnaire
    from factories import sign as make_sign

    number = {
        "id": "n1",
        "type": "number",
        "min": 0,
        "max": 3,
        "unit": {"en": "days", "zh-CN": "天"},
        "text": {"en": "Days", "zh-CN": "天数"},
        "breakpoints": [{"value": 0, "score": 0}, {"value": 3, "score": 100}],
    }
    q = make_questionnaire([make_sign("s", [number])])
    answers = [1.8, 1.8000000000000003, 2.4, 0.3, 1.2]  # 60, >60, 80, 10, 40
    responses = [Response(f"r{n}", None, {"n1": a}) for n, a in enumerate(answers)]
    result = score_round(q, responses, kind="quarterly", floor=3)
    assert answer_spread(q, result, responses)["s"] == Spread(
        favourable=2, neutral=2, unfavourable=1
    )


def test_spread_shares_are_rounded_exactly():
    # 1/3 each: equal remainders go to the first groups, in order.
    assert Spread(1, 1, 1).shares() == (34, 33, 33)
    assert Spread(2, 2, 3).shares() == (29, 28, 43)


@pytest.mark.parametrize(
    ("floor", "text", "problem"),
    [(3, 5, None), (3, 3, None), (2, 5, "ANONYMITY_FLOOR must be a whole number of at least 3"),
     (3, 2, "ANONYMITY_TEXT_FLOOR must be"), (5, 4, "must not be lower than"),
     ("3", 5, "ANONYMITY_FLOOR"), (True, 5, "ANONYMITY_FLOOR")],
)  # fmt: skip
def test_floors_are_checked(floor, text, problem):
    problems = check_floors(floor, text)
    if problem is None:
        assert problems == []
    else:
        assert problem in " ".join(problems)


def test_floor_settings_in_the_config_file(tmp_path):
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.toml").write_text("ANONYMITY_FLOOR = 4\nANONYMITY_TEXT_FLOOR = 6\n")
    app = create_app(instance_path=str(instance))
    assert (app.config["ANONYMITY_FLOOR"], app.config["ANONYMITY_TEXT_FLOOR"]) == (4, 6)
    (instance / "config.toml").write_text("ANONYMITY_FLOOR = 6\n")
    with pytest.raises(ConfigError, match=r"config\.toml: ANONYMITY_TEXT_FLOOR \(5\)"):
        create_app(instance_path=str(instance))
    (instance / "config.toml").write_text("ANONYMITY_FLOOR = 1\n")
    with pytest.raises(ConfigError, match="at least 3"):
        create_app(instance_path=str(instance))


def test_defaults(app):
    assert (app.config["ANONYMITY_FLOOR"], app.config["ANONYMITY_TEXT_FLOOR"]) == (3, 5)

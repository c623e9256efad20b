"""The questionnaire files and the model that loads them (assessment/questionnaire/)."""

import ast
import json
import tomllib
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from assessment import vocab
from assessment.questionnaire import (
    ITEM_TYPES,
    LANGUAGES,
    OWNER_ROLES,
    ROUND_KINDS,
    Breakpoint,
    LikertItem,
    NumberItem,
    QuestionnaireError,
    Text,
    _LineMap,
    exact,
    load_directory,
    load_questionnaire,
    questionnaire_from_snapshot,
    questionnaire_json_schema,
    scan_directory,
    summarize,
)

REPO = Path(__file__).resolve().parent.parent.parent
QUESTIONS = REPO / "questions"
DATA = Path(__file__).resolve().parent.parent / "data"
VALID = DATA / "valid"
INVALID = DATA / "invalid"

QUESTION_FILES = sorted(QUESTIONS.glob("*.toml"))
VALID_FILES = QUESTION_FILES + sorted(VALID.glob("*.toml"))


def _texts(value):
    """Every Text inside a model, found by walking its fields."""
    if isinstance(value, Text):
        yield value
    elif isinstance(value, tuple | list):
        for element in value:
            yield from _texts(element)
    elif isinstance(value, dict):
        for element in value.values():
            yield from _texts(element)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _texts(getattr(value, name))


# --- every shipped questionnaire ----------------------------------------------------------------


def test_there_are_questionnaires():
    assert {path.name for path in QUESTION_FILES} >= {"six-signs.toml", "pulse.toml"}


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.name)
def test_valid_file_loads_and_round_trips(path):
    questionnaire = load_questionnaire(path)

    snapshot = json.loads(json.dumps(questionnaire.snapshot()))  # JSON-safe
    assert questionnaire_from_snapshot(snapshot) == questionnaire
    assert all(text.en and text.zh_CN for text in _texts(questionnaire))
    assert summarize(questionnaire)["items"] == len(questionnaire.items())


@pytest.mark.parametrize("path", QUESTION_FILES, ids=lambda p: p.name)
def test_shipped_questionnaire_is_complete(path):
    questionnaire = load_questionnaire(path)

    assert questionnaire.version >= 1
    start = questionnaire.band_index(questionnaire.settings.recommend_from)
    for sign in questionnaire.signs:
        assert sign.scored_items(), sign.id
        if questionnaire.audience == "client":  # a mirror: the team's file gives next steps
            assert not sign.recommendations and sign.persisting is None
            continue
        assert set(sign.recommendations) == {band.id for band in questionnaire.bands[start:]}
    # The default bands of the issue: healthy >= 75, watch >= 50, at risk >= 25, critical < 25.
    assert [(band.id, band.min) for band in questionnaire.bands] == [
        ("healthy", 75),
        ("watch", 50),
        ("at-risk", 25),
        ("critical", 0),
    ]


def test_load_directory_finds_the_shipped_questionnaires():
    assert set(load_directory(QUESTIONS)) == {"six-signs", "pulse", "six-signs-client"}


def test_six_signs_content():
    q = load_questionnaire(QUESTIONS / "six-signs.toml")

    assert [sign.id for sign in q.signs] == [
        "boundaries",
        "negativity",
        "payment",
        "power",
        "expectations",
        "kept-in-the-dark",
    ]
    assert all(4 <= len(sign.items) <= 6 for sign in q.signs)
    assert 28 <= len(q.items()) <= 32
    for sign in q.signs:  # a mix of healthy and warning statements in every sign
        directions = [item.direction for item in sign.items if isinstance(item, LikertItem)]
        assert set(directions) == {"healthy", "warning"}, sign.id
    assert isinstance(q.item("days-paid-late"), NumberItem)
    assert isinstance(q.item("unplanned-scope-changes"), NumberItem)
    # Payment cannot be observed at kickoff.
    assert q.sign("payment").scored_items("kickoff") == ()
    assert q.sign("payment").scored_items("quarterly")
    assert q.settings.escalate_from == "at-risk"


def test_pulse_is_short():
    q = load_questionnaire(QUESTIONS / "pulse.toml")

    assert len(q.signs) == 6
    assert all(1 <= len(sign.scored_items()) <= 2 for sign in q.signs)


# --- malformed files ----------------------------------------------------------------------------

# Each file in tests/data/invalid/ is tests/data/valid/minimal.toml with one defect, marked on its
# line with "# <- error". (file, path of the field, part of the message)
MALFORMED = [
    ("syntax-error", "", "TOML syntax error at column"),
    ("missing-translation", "signs[0].items[0].text.zh-CN", "missing translation"),
    ("blank-translation", "title.zh-CN", "must not be empty"),
    ("text-not-translated", "title", "expected a table of translations with en and zh-CN"),
    ("unknown-item-type", "signs[0].items[0].type", "unknown item type 'slider'; allowed: likert"),
    ("bad-direction", "signs[0].items[0].direction", "expected 'healthy' or 'warning'"),
    ("missing-direction", "signs[0].items[0].direction", "required field is missing"),
    ("unknown-field", "signs[0].items[0].wieght", "unknown field 'wieght'; allowed here: id"),
    ("duplicate-item-id", "signs[0].items[1].id", "duplicate item id 'polite'"),
    ("duplicate-sign-id", "signs[1].id", "duplicate sign id 'tone'"),
    ("duplicate-band-id", "bands[1].id", "duplicate band id 'good'"),
    ("duplicate-option-id", "signs[0].items[1].options[1].id", "duplicate option id 'on-time'"),
    ("na-option-id", "signs[0].items[1].options[1].id", "option id 'na' is reserved"),
    ("thresholds-out-of-order", "bands[1].min", "strictly descending"),
    ("last-band-not-zero", "bands[1].min", "must start at 0"),
    ("breakpoints-out-of-order", "signs[0].items[1].breakpoints[1].value", "strictly ascending"),
    ("breakpoint-score-out-of-range", "signs[0].items[1].breakpoints[0].score", "100 (got 120)"),
    ("number-max-below-min", "signs[0].items[1].max", "must be greater than min"),
    ("short-likert-scale", "scale.likert", "needs at least 5 entries (got 4)"),
    ("bad-colour", "bands[0].colour", "use #rrggbb"),
    ("bad-id", "id", "not a valid id: use lowercase letters"),
    ("version-not-integer", "version", "expected an integer (got '1')"),
    ("bool-as-string", "signs[0].items[0].required", "expected true or false"),
    ("zero-weight", "signs[0].items[0].weight", "must be greater than 0"),
    ("bad-applies-to", "signs[0].items[0].applies_to[1]", "expected 'kickoff', 'quarterly' or"),
    ("bad-owner", "signs[0].persisting.owner", "expected 'account', 'delivery', 'finance' or"),
    ("missing-recommendation", "signs[0].recommendations.bad", "missing recommendation"),
    ("recommendation-unknown-band", "signs[0].recommendations.worse", "allowed: bad"),
    ("unknown-escalation-band", "settings.escalate_from", "unknown band 'worst'; allowed: good"),
    ("no-scored-items", "signs[0].items", "at least one scored item"),
]


def _marked_line(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    marked = [n for n, line in enumerate(lines, 1) if line.rstrip().endswith("# <- error")]
    assert len(marked) == 1, f"{path.name} needs exactly one '# <- error' marker"
    return marked[0]


def test_every_malformed_file_is_tested():
    assert {path.stem for path in INVALID.glob("*.toml")} == {name for name, _, _ in MALFORMED}
    assert len(MALFORMED) >= 15


@pytest.mark.parametrize(("name", "field", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_file_is_refused(name, field, message):
    path = INVALID / f"{name}.toml"
    line = _marked_line(path)

    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)

    error = caught.value
    assert error.file == str(path)
    assert [(p.path, p.line) for p in error.problems] == [(field, line)]
    assert message in error.problems[0].message
    assert str(error) == f"{path}:{line}: {field or '(document)'}: {error.problems[0].message}"


def test_missing_file():
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(DATA / "nowhere.toml")

    assert (
        str(caught.value)
        == f"{DATA / 'nowhere.toml'}: (document): cannot read file: No such file or directory"
    )


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'id = "x"\ntitle = "caf\xe9"\n')

    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)

    assert str(caught.value) == f"{path}:2: (document): file must be UTF-8 encoded"


def test_problems_are_reported_together_in_line_order(tmp_path):
    text = (VALID / "minimal.toml").read_text(encoding="utf-8")
    text = text.replace('direction = "healthy"', 'direction = "up"')
    text = text.replace('colour = "#c62828"', 'colour = "red"')
    path = tmp_path / "two.toml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)

    assert [p.path for p in caught.value.problems] == [
        "bands[1].colour",
        "signs[0].items[0].direction",
    ]
    assert len(str(caught.value).splitlines()) == 2


def test_duplicate_questionnaire_ids_in_a_directory(tmp_path):
    for name in ("a.toml", "b.toml"):
        (tmp_path / name).write_bytes((VALID / "minimal.toml").read_bytes())

    with pytest.raises(QuestionnaireError) as caught:
        load_directory(tmp_path)

    assert caught.value.file == str(tmp_path / "b.toml")
    (problem,) = caught.value.problems
    assert (problem.path, problem.line) == ("id", 2)
    assert problem.message == f"id 'minimal' is already used by {tmp_path / 'a.toml'}"


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + (VALID / "minimal.toml").read_bytes())

    assert load_questionnaire(path) == load_questionnaire(VALID / "minimal.toml")
    assert load_directory(tmp_path)["minimal"].id == "minimal"


def test_a_byte_order_mark_keeps_line_numbers(tmp_path):
    text = (VALID / "minimal.toml").read_text(encoding="utf-8")
    path = tmp_path / "bom.toml"
    path.write_bytes(
        b"\xef\xbb\xbf" + text.replace('colour = "#c62828"', 'colour = "red"').encode()
    )
    broken_line = text.splitlines().index('colour = "#c62828"') + 1

    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)

    assert [(p.path, p.line) for p in caught.value.problems] == [("bands[1].colour", broken_line)]


def _minimal_with(tmp_path, extra: str, name: str = "odd.toml") -> Path:
    path = tmp_path / name
    text = (VALID / "minimal.toml").read_text(encoding="utf-8")
    path.write_text(extra + text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("deep = " + "[" * 50_000 + "]" * 50_000 + "\n", "nested too deeply"),
        ("deep = " + "{ a = " * 400 + "1" + " }" * 400 + "\n", "nested too deeply"),
        ("deep = " + "[" * 40 + "]" * 40 + "\n", "nested too deeply"),
        ("wide = [" + "1, " * 200_000 + "]\n", "an array of 200,000 entries; at most 1,000"),
        ('long = "' + "x" * 300_000 + '"\n', "a text of 300,000 characters; at most 20,000"),
        ("# " + "padding " * 130_000 + "\n", "file is larger than 1,000,000 bytes"),
    ],
    ids=[
        "arrays-50000-deep",
        "tables-400-deep",
        "arrays-40-deep",
        "huge-array",
        "huge-string",
        "huge-file",
    ],
)
def test_a_pathological_file_is_refused_with_a_message(tmp_path, extra, message):
    path = _minimal_with(tmp_path, extra)

    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)

    assert caught.value.file == str(path)
    assert message in str(caught.value)
    assert len(str(caught.value)) < 2_000  # a message, not a dump of the file


def test_a_file_with_thousands_of_problems_reports_the_first_fifty(tmp_path):
    items = "".join(f'[[signs.items]]\nid = "x{n}"\ntype = "likert"\n' for n in range(900))
    path = tmp_path / "many.toml"
    path.write_text((VALID / "minimal.toml").read_text(encoding="utf-8") + items, encoding="utf-8")

    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)

    lines = str(caught.value).splitlines()
    assert len(lines) == 51
    assert lines[-1] == f"{path}: (document): ... and 1750 more"  # 900 items × 2 problems


def test_a_snapshot_with_an_na_option_still_loads():
    """Rounds created before option id "na" was refused keep working."""
    snapshot = load_questionnaire(VALID / "minimal.toml").snapshot()
    item = snapshot["signs"][0]["items"][1]
    item.update(
        type="choice",
        options=[
            {"id": "on-time", "score": 100, "label": {"en": "On time", "zh-CN": "按时"}},
            {"id": "na", "score": 0, "label": {"en": "Not yet", "zh-CN": "尚未"}},
        ],
    )
    for key in ("unit", "min", "max", "breakpoints", "integer"):
        item.pop(key, None)

    assert questionnaire_from_snapshot(snapshot).item(item["id"]).options[1].id == "na"


def test_scanning_a_folder_skips_broken_files_and_names_them(tmp_path):
    (tmp_path / "a-good.toml").write_bytes((VALID / "minimal.toml").read_bytes())
    (tmp_path / "b-broken.toml").write_text("id = [", encoding="utf-8")
    (tmp_path / "c-same-id.toml").write_bytes((VALID / "minimal.toml").read_bytes())
    (tmp_path / "d-other.toml").write_bytes((VALID / "other-model.toml").read_bytes())

    scan = scan_directory(tmp_path)

    assert sorted(scan.questionnaires) == sorted(
        ["minimal", load_questionnaire(VALID / "other-model.toml").id]
    )
    assert [Path(error.file).name for error in scan.errors] == ["b-broken.toml", "c-same-id.toml"]
    assert "TOML syntax error" in str(scan.errors[0])
    assert "already used by" in str(scan.errors[1])
    assert scan_directory(tmp_path / "missing").errors[0].file == str(tmp_path / "missing")


def test_invalid_snapshot():
    snapshot = load_questionnaire(VALID / "minimal.toml").snapshot()
    snapshot["signs"][0]["items"][1]["breakpoints"][1]["value"] = -5

    with pytest.raises(QuestionnaireError) as caught:
        questionnaire_from_snapshot(snapshot)

    assert caught.value.file == "<snapshot>"
    assert [(p.path, p.line) for p in caught.value.problems] == [
        ("signs[0].items[1].breakpoints[1].value", None)
    ]


# --- a questionnaire unlike the shipped ones ----------------------------------------------------

OTHER = VALID / "other-model.toml"


def test_other_questionnaire_works_with_no_code_change():
    q = load_questionnaire(OTHER)

    assert summarize(q) == {
        "id": "supplier-trust",
        "version": 3,
        "audience": "team",
        "mirror": None,
        "title": {"en": "Supplier trust", "zh-CN": "供应商信任度"},
        "languages": ["en", "zh-CN"],
        "bands": ["thriving", "strained", "broken"],
        "signs": [{"id": "reciprocity", "items": 2}, {"id": "candour", "items": 3}],
        "items": 5,
        "items_by_type": {"likert": 2, "number": 1, "choice": 1, "text": 1},
    }
    # Settings that default to bands take them from this file's bands.
    assert (q.settings.recommend_from, q.settings.escalate_from) == ("strained", "broken")
    assert q.settings.min_respondents == 2
    assert q.scale.likert[0].get("zh-CN") == "从不"

    assert [q.band_for(s).id for s in (100, 80, 79.99, 40.5, 40.49, 0, -1)] == [
        "thriving",
        "thriving",
        "strained",
        "strained",
        "broken",
        "broken",
        "broken",
    ]
    assert q.band_index("broken") == 2
    assert q.band("strained").colour == "#8e24aa"
    assert q.sign("candour").weight == 1
    assert q.sign("reciprocity").weight == 2
    assert [item.id for item in q.items()] == [
        "returns-favours",
        "response-hours",
        "first-meeting",
        "hides-delays",
        "comment",
    ]
    assert q.items_by_id["hides-delays"][0].id == "candour"
    assert q.item("first-meeting").option("guarded").score == 30
    assert [i.id for i in q.sign("candour").scored_items()] == ["first-meeting", "hides-delays"]
    assert [i.id for i in q.sign("candour").scored_items("kickoff")] == ["first-meeting"]
    assert [i.id for i in q.sign("candour").scored_items("adhoc")] == ["hides-delays"]
    assert q.item("comment").scored is False
    assert q.item("comment").required is True
    assert q.item("returns-favours").weight == 2.5
    assert q.item("response-hours").allow_na is False
    assert q.sign("candour").recommendations["broken"].owner == "finance"


def test_lookups_of_unknown_ids_raise_key_error():
    q = load_questionnaire(OTHER)
    for lookup in (
        q.band,
        q.band_index,
        q.sign,
        q.item,
        q.items_by_id.__getitem__,
        q.signs[0].item,
    ):
        with pytest.raises(KeyError):
            lookup("nope")


def test_number_item_interpolates_and_clamps():
    item = load_questionnaire(OTHER).item("response-hours")  # 4 -> 100, 24 -> 50, 72 -> 0

    assert [item.score_for(v) for v in (0, 4, 14, 24, 48, 72, 240)] == [
        100,
        100,
        75,
        50,
        25,
        0,
        0,
    ]


@given(
    values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=6, unique=True).map(
        sorted
    ),
    scores=st.lists(st.floats(0, 100), min_size=6, max_size=6),
    answer=st.floats(-2e6, 2e6, allow_nan=False),
)
def test_number_score_stays_between_neighbouring_breakpoints(values, scores, answer):
    points = tuple(Breakpoint(value=v, score=s) for v, s in zip(values, scores, strict=False))
    item = NumberItem(
        type="number",
        id="n",
        text=Text(en="n", zh_CN="n"),
        unit=Text(en="u", zh_CN="u"),
        min=-2e6,
        max=2e6,
        breakpoints=points,
    )
    score = item.score_for(answer)

    left = max((p for p in points if p.value <= answer), default=points[0], key=lambda p: p.value)
    right = min((p for p in points if p.value >= answer), default=points[-1], key=lambda p: p.value)
    low, high = sorted((left.score, right.score))
    assert low - 1e-9 <= score <= high + 1e-9


@cache
def _six_signs():
    """Read once for all of a property test's examples (a questionnaire is immutable)."""
    return load_questionnaire(QUESTIONS / "six-signs.toml")


@given(score=st.floats(0, 100))
def test_band_for_returns_the_band_whose_range_holds_the_score(score):
    q = _six_signs()
    band = q.band_for(score)
    index = q.band_index(band.id)

    assert band.min <= score
    assert index == 0 or score < q.bands[index - 1].min


def test_no_code_names_the_content_of_six_signs():
    """assessment/ must work for any questionnaire: it names no sign, item or band of ours.

    Words of the format itself (a likert direction is "healthy" or "warning") are exempt.
    """
    q = load_questionnaire(QUESTIONS / "six-signs.toml")
    content = {s.id for s in q.signs} | {i.id for i in q.items()} | {b.id for b in q.bands}
    content -= set(get_args(LikertItem.model_fields["direction"].annotation))
    found = []
    for path in sorted((REPO / "assessment").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in content:
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: {node.value!r}")
    assert not found


# --- the model's small parts --------------------------------------------------------------------


def test_constants():
    assert LANGUAGES == ("en", "zh-CN")
    assert ROUND_KINDS == ("kickoff", "quarterly", "adhoc")
    assert OWNER_ROLES == ("account", "delivery", "finance", "leadership")
    assert set(vocab.RESPONDENT_ROLES) == {*OWNER_ROLES, "other"}  # every owner is a role
    assert vocab.ROUND_KINDS == ROUND_KINDS
    assert ITEM_TYPES == ("likert", "number", "choice", "text")


def test_text_languages_and_names():
    text = Text.model_validate({"en": " Hello\n", "zh-CN": "你好"})

    assert text == Text(en="Hello", zh_CN="你好")  # field name works as well as the alias
    assert [text.get(lang) for lang in ("en", "zh-CN", "zh_CN", "zh", "fr", None)] == [
        "Hello",
        "你好",
        "你好",
        "你好",
        "Hello",
        "Hello",
    ]
    assert text.model_dump(by_alias=True) == {"en": "Hello", "zh-CN": "你好"}
    with pytest.raises(ValidationError):
        text.en = "changed"  # frozen


def test_json_schema_describes_the_format():
    schema = questionnaire_json_schema()

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["properties"]) == {
        "id",
        "version",
        "title",
        "description",
        "audience",
        "mirror",
        "scale",
        "settings",
        "bands",
        "signs",
    }
    assert "settings" not in schema["required"]
    assert schema["properties"]["audience"]["enum"] == ["team", "client"]
    assert "required" not in schema["$defs"]["Settings"]
    assert schema["$defs"]["Text"]["required"] == ["en", "zh-CN"]
    items = schema["$defs"]["Sign"]["properties"]["items"]["items"]
    assert set(items["discriminator"]["mapping"]) == set(ITEM_TYPES)
    json.dumps(schema)  # serialisable as it stands


def test_line_map_follows_toml_structure():
    text = '''
title = """
[not.a.table]
key = "not a key" # nor a comment
"""
"quoted.key" = 1
[[signs]]
id = "a"
[[signs]]
id = "b"  # the second sign
[[signs.items]]
x = [
  1,
  { y = 2 },
]
[signs.persisting.text]
en = 'it is'
'''
    tomllib.loads(text)  # the scanner only ever sees documents tomllib accepted
    lines = _LineMap(text)

    assert lines.line(("title",)) == 2
    assert lines.line(("quoted.key",)) == 6
    assert lines.line(("signs", 0, "id")) == 8
    assert lines.line(("signs", 1, "id")) == 10
    assert lines.line(("signs", 1, "items", 0)) == 11
    assert lines.line(("signs", 1, "items", 0, "x", 1, "y")) == 14
    assert lines.line(("signs", 1, "items", 0, "missing")) == 11  # falls back to its table
    assert lines.line(("signs", 1, "persisting", "text", "en")) == 17
    assert lines.line(("nowhere",)) is None


def test_the_example_in_the_format_documentation_is_valid(tmp_path):
    doc = (REPO / "docs" / "questionnaire-format.md").read_text(encoding="utf-8")
    example = doc.split("## A complete example", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.toml"
    path.write_text(example, encoding="utf-8")

    q = load_questionnaire(path)

    assert [item.type for item in q.items()] == ["likert", "choice", "text"]


# --- exact numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fraction"),
    [
        (0.1, Fraction(1, 10)),
        (62.5, Fraction(125, 2)),
        (7.5, Fraction(15, 2)),
        (0.3333333, Fraction(3333333, 10**7)),
        (1e-7, Fraction(1, 10**7)),
        (-2.25, Fraction(-9, 4)),
        (5, Fraction(5)),
        (5.0, Fraction(5)),
        (Decimal("0.605"), Fraction(121, 200)),
        (Fraction(1, 3), Fraction(1, 3)),
    ],
)
def test_exact_is_the_decimal_as_written(value, fraction):
    assert exact(value) == fraction


@pytest.mark.parametrize("value", [True, float("nan"), float("inf"), "1", None])
def test_exact_refuses_what_is_not_a_finite_number(value):
    with pytest.raises(ValueError):
        exact(value)


def test_file_numbers_are_kept_exactly():
    q = load_questionnaire(DATA / "valid" / "minimal.toml")
    assert all(band.exact_min == exact(band.min) for band in q.bands)
    assert q.settings.exact_min_coverage == exact(q.settings.min_coverage)
    first = q.bands[0]
    # band_for compares with the minimum as written, whatever float comes in.
    assert q.band_for(first.exact_min).id == first.id
    assert q.band_for(first.exact_min - Fraction(1, 10**20)).id != first.id


# --- the client's mirror ------------------------------------------------------------------------


def test_six_signs_declares_its_client_mirror():
    scan = scan_directory(QUESTIONS)
    team, mirror = scan.questionnaires["six-signs"], scan.questionnaires["six-signs-client"]

    assert not scan.errors
    assert (team.audience, team.mirror) == ("team", "six-signs-client")
    assert (mirror.audience, mirror.mirror) == ("client", None)
    assert [s.id for s in mirror.signs] == [s.id for s in team.signs]
    assert [(b.id, b.min) for b in mirror.bands] == [(b.id, b.min) for b in team.bands]
    # A third of the scale, exactly (not 33.33...).
    assert team.settings.gap_threshold is None
    assert team.settings.exact_gap_threshold == Fraction(100, 3)
    assert team.sign("payment").gap is not None


def test_the_mirror_is_written_for_a_client_reader():
    """Nothing internal or accusatory: the client's people read every word of it."""
    mirror = load_questionnaire(QUESTIONS / "six-signs-client.toml")
    words = " ".join(t.en.lower() + " " + t.zh_CN for t in _texts(mirror))
    for word in ("lord", "老爷", "servant", "下人", "bank", "银行", "blame us", "刁难"):
        assert word not in words
    assert "您" in mirror.description.zh_CN


def _mirror_folder(tmp_path, team_extra="", client_edit=lambda text: text):
    """A folder with six-signs (mirrored) and its client file, the latter edited."""
    team = (QUESTIONS / "six-signs.toml").read_text(encoding="utf-8")
    (tmp_path / "team.toml").write_text(
        team.replace("version = 1\n", "version = 1\n" + team_extra, 1), encoding="utf-8"
    )
    client = (QUESTIONS / "six-signs-client.toml").read_text(encoding="utf-8")
    (tmp_path / "client.toml").write_text(client_edit(client), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('id = "payment"', 'id = "payments"'), "lacks the signs payment"),
        (lambda t: t.replace("min = 75", "min = 80"), "must have the same bands"),
        (
            lambda t: (
                (QUESTIONS / "pulse.toml")
                .read_text(encoding="utf-8")
                .replace('id = "pulse"', 'id = "six-signs-client"')
            ),
            'must have audience = "client"',
        ),
        (lambda t: t.replace('id = "six-signs-client"', 'id = "elsewhere"'), "not a usable"),
    ],
    ids=["sign", "bands", "audience", "missing"],
)
def test_a_team_file_whose_mirror_does_not_match_is_refused(tmp_path, edit, message):
    scan = scan_directory(_mirror_folder(tmp_path, client_edit=edit))

    assert "six-signs" not in scan.questionnaires
    (error,) = [e for e in scan.errors if e.file.endswith("team.toml")]
    assert error.problems[0].path == "mirror"
    assert error.problems[0].line == 8  # the line of `mirror = ...`
    assert message in str(error)


def test_a_client_file_gives_no_recommendations(tmp_path):
    text = (QUESTIONS / "six-signs-client.toml").read_text(encoding="utf-8")
    path = tmp_path / "c.toml"
    path.write_text(
        text + '\n[signs.persisting]\nowner = "account"\ntext = { en = "x", zh-CN = "x" }\n',
        encoding="utf-8",
    )
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    assert "signs[5].persisting: a client questionnaire gives no recommendations" in str(
        caught.value
    )


def test_a_team_file_still_needs_persisting_and_no_self_mirror(tmp_path):
    text = (QUESTIONS / "six-signs.toml").read_text(encoding="utf-8")
    path = tmp_path / "t.toml"
    path.write_text(
        text.replace('mirror = "six-signs-client"', 'mirror = "six-signs"'), encoding="utf-8"
    )
    with pytest.raises(QuestionnaireError, match="cannot be its own mirror"):
        load_questionnaire(path)
    last = text.rindex("[signs.persisting]")
    path.write_text(text[:last], encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"signs\[5\]\.persisting: missing persisting"):
        load_questionnaire(path)


def test_the_gap_threshold_comes_from_the_file(tmp_path):
    text = (QUESTIONS / "six-signs.toml").read_text(encoding="utf-8")
    path = tmp_path / "t.toml"
    path.write_text(
        text.replace("trend_threshold = 5.0", "trend_threshold = 5.0\ngap_threshold = 25.5"),
        encoding="utf-8",
    )
    assert load_questionnaire(path).settings.exact_gap_threshold == Fraction(51, 2)

"""Hostile input: markup and script in every text field stays inert; random posts never
produce a server error or a partial write."""

import csv
import io
import itertools
from pathlib import Path

import pytest
from conftest import csrf_token
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assessment.db import get_db
from assessment.store import actions, clients, respondents, responses

PAYLOADS = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "{{ 7*7 }}{% raw %}",
    '=HYPERLINK("http://evil.example","x")',
    "+1+2",
    "@SUM(A1)",
    "-2+3",
    "'; DROP TABLE users; --",
    "\u202egnp.exe",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_inert_in_every_page(app, client, auth, make_round, payload):
    created, _people = make_round(respondents=1, anonymous=False)
    q = created.questionnaire
    text_item = next((i for i in q.items() if i.type == "text" and i.applies("quarterly")), None)
    with app.app_context():
        db = get_db()
        clients.update_client(
            db,
            created.client_id,
            name=f"Acme {payload}",
            industry=payload,
            lead_id=None,
            start_date=None,
            notes=payload,
        )
        person = respondents.add_respondent(db, created.id, name=payload, role="other")
        answers = {text_item.id: payload} if text_item else {}
        first_likert = next(i.id for i in q.items() if i.type == "likert")
        answers[first_likert] = 3
        responses.save_response(db, person.id, answers, {q.signs[0].id: payload}, submit=True)
        actions.create_action(
            db, created.id, sign_id=q.signs[0].id, title=payload, owner_name=payload
        )
    auth.login("lead")
    pages = [
        "/clients/",
        f"/clients/{created.client_id}",
        f"/clients/{created.client_id}/edit",
        f"/rounds/{created.id}",
        f"/rounds/{created.id}/results",
        "/portfolio/",
        "/",
        f"/r/{person.token}",
    ]
    for url in pages:
        page = client.get(url).get_data(as_text=True)
        if "<" in payload or '"' in payload:
            assert payload not in page, url
    results_page = client.get(f"/rounds/{created.id}/results").get_data(as_text=True)
    assert "&lt;" in results_page or "<" not in payload

    exported = client.get(f"/rounds/{created.id}/answers.csv").data.decode("utf-8-sig")
    for row in csv.reader(io.StringIO(exported)):
        for cell in row:
            assert (
                not cell.startswith(("=", "+", "@", "-"))
                or cell.lstrip("-").replace(".", "", 1).isdigit()
            ), cell


FORM_KEYS = st.sampled_from(
    [
        "q_after-hours-contact",
        "q_courteous-tone",
        "c_boundaries",
        "q_unknown",
        "save",
        "submit_answers",
        "na_unplanned-scope-changes",
        "q_unplanned-scope-changes",
    ]
)
FORM_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["1", "5", "na", "6", "-1", "1e400", "nan", "", "y", "0x10"]),
    st.text(min_size=4990, max_size=5010, alphabet="ab"),
)


_PERIODS = itertools.count()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(form=st.dictionaries(FORM_KEYS, FORM_VALUES, max_size=6))
@example(form={"q_after-hours-contact": " "})  # found by hypothesis: int(" ") was a 500
def test_random_answer_posts_never_fail_or_half_save(app, make_round, form):
    created, people = make_round(respondents=1, period=f"P{next(_PERIODS)}")
    client = app.test_client()
    token = people[0].token
    data = {**form, "csrf_token": csrf_token(client, f"/r/{token}")}
    response = client.post(f"/r/{token}", data=data)
    # 200: a first submission with items left blank gets the review page ("Submit anyway").
    assert response.status_code in (200, 302, 400), response.status_code
    with app.app_context():
        db = get_db()
        stored = responses.load_draft(db, people[0].id)
        if response.status_code == 200 or "q_unknown" in form:  # the review; a tampered form
            assert stored.status == "invited" and stored.answers == {}
        elif response.status_code == 400:
            # A submission refused: nothing stored, or (an answer not valid yet) the draft
            # keeps the valid answers and the invalid ones as typed (issue 25), never submitted.
            assert stored.status == "invited" or (stored.status == "draft" and stored.invalid)
            for item_id, value in stored.answers.items():
                assert created.questionnaire.item(item_id)
                assert value is responses.NA or value is not None
        else:
            for item_id, value in stored.answers.items():
                assert created.questionnaire.item(item_id)
                assert value is responses.NA or value is not None


VALID_FILE = (Path(__file__).parent.parent / "data" / "valid" / "minimal.toml").read_text("utf-8")


@settings(max_examples=150, deadline=None)
@given(
    cut=st.integers(min_value=0, max_value=len(VALID_FILE)),
    insert=st.text(max_size=12),
    drop=st.integers(min_value=0, max_value=40),
)
def test_mangled_questionnaire_files_fail_cleanly(tmp_path_factory, cut, insert, drop):
    """Any edit of a valid file either still loads or raises QuestionnaireError naming the
    file: never another exception."""
    from assessment.questionnaire import QuestionnaireError, load_questionnaire

    text = VALID_FILE[:cut] + insert + VALID_FILE[cut + drop :]
    path = tmp_path_factory.mktemp("mangled") / "mangled.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_questionnaire(path)
    except QuestionnaireError as error:
        assert "mangled.toml" in str(error)

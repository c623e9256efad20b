"""Downloads named after the client and period, in any script (RFC 6266 / RFC 5987)."""

from __future__ import annotations

import io
import json
import re
from urllib.parse import unquote

import pytest
from conftest import csrf_token
from pypdf import PdfReader
from werkzeug.http import parse_options_header

from assessment import results
from assessment.db import get_db
from assessment.store import clients, respondents, responses, rounds
from assessment.web.downloads import content_disposition, file_name

CLIENT = "北京某某科技"
PERIOD = "2026-第四季度"


def _filename(header: str) -> tuple[str, str]:
    """(the name a browser shows, the ASCII fallback) from a Content-Disposition header."""
    header.encode("latin-1")  # what a WSGI server must be able to send
    _value, options = parse_options_header(header)
    fallback = re.search(r'filename="([^"]*)"', header).group(1)
    return options.get("filename", fallback), fallback


@pytest.mark.parametrize(
    ("parts", "shown", "fallback"),
    [
        (("Acme Ltd", "2026-Q4", "answers"), "Acme-Ltd_2026-Q4_answers.csv", None),
        (
            (CLIENT, PERIOD, "answers"),
            f"{CLIENT}_{PERIOD}_answers.csv",
            "partnership-check_2026_answers.csv",
        ),
        (("Café Zürich", "2026-Q4", "answers"), None, "Cafe-Zurich_2026-Q4_answers.csv"),
        (('a/b\\c:"d"<e>|?*', "Q\r\n4", "answers"), "a-b-c-d-e_Q4_answers.csv", None),
        (("\u202eevil\x00", "", "answers"), "evil_answers.csv", None),
    ],
)
def test_names_keep_their_script_with_an_ascii_fallback(parts, shown, fallback):
    name = file_name(*parts, ext="csv")
    header = content_disposition("attachment", name)
    got, ascii_name = _filename(header)
    assert got == (shown or name)
    assert ascii_name == (fallback or got)
    assert ascii_name.isascii() and "/" not in got and "\\" not in got
    if name.isascii():
        assert "filename*" not in header
    else:
        assert "filename*=UTF-8''" in header


@pytest.fixture
def chinese_round(app):
    """A closed round of a Chinese client for the period 2026-第四季度, one submission."""
    with app.app_context():
        db = get_db()
        client = clients.create_client(db, name=CLIENT)
    return client


def _create_round_through_the_form(client, auth, client_id: int) -> int:
    auth.login("lead")
    url = f"/clients/{client_id}/rounds/new"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "kind": "quarterly",
            "period": PERIOD,
            "questionnaire": "six-signs",
            "anonymous": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_a_chinese_period_works_end_to_end(app, client, auth, chinese_round):
    round_id = _create_round_through_the_form(client, auth, chinese_round.id)
    with app.app_context():
        db = get_db()
        current = rounds.get_round(db, round_id)
        assert current.period == PERIOD
        likert = next(i for i in current.questionnaire.items() if i.type == "likert")
        # The form makes an anonymous round: its exports and PDF come once it is closed
        # with its anonymity floor (3) of submissions.
        for n in range(3):
            person = respondents.add_respondent(db, round_id, name=f"张{n}", role="finance")
            responses.save_response(db, person.id, {likert.id: 4}, {}, submit=True)
        results.close_round(db, rounds.get_round(db, round_id))

    page = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert PERIOD in page

    for fmt in ("csv", "json"):
        response = client.get(f"/rounds/{round_id}/answers.{fmt}")
        assert response.status_code == 200, fmt
        shown, fallback = _filename(response.headers["Content-Disposition"])
        kind = current.kind  # a kickoff and a quarterly review of one period differ
        assert shown == f"{CLIENT}_{PERIOD}_{kind}_answers.{fmt}"
        assert fallback == f"partnership-check_2026_{kind}_answers.{fmt}"
        assert str(round_id) not in shown  # named after the client and period, not an id
        text = response.data.decode("utf-8-sig")
        if fmt == "json":
            assert json.loads(text)["round"]["period"] == PERIOD
        else:
            assert PERIOD in text and CLIENT in text

    for lang in ("en", "zh-CN"):
        response = client.get(f"/rounds/{round_id}/report.pdf?lang={lang}")
        assert response.status_code == 200, lang
        assert response.headers["Content-Disposition"].startswith("inline;")
        shown, _fallback = _filename(response.headers["Content-Disposition"])
        assert shown == f"{CLIENT}_{PERIOD}_{current.kind}_partnership-check_{lang}.pdf"
        pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
        assert PERIOD in pdf_text.replace("\n", "")

    share = client.post(
        f"/rounds/{round_id}/share",
        data={
            "csrf_token": csrf_token(client, f"/rounds/{round_id}/results"),
            "language": "zh-CN",
            "days": "3",
        },
    )
    assert share.status_code == 302
    results_page = client.get(f"/rounds/{round_id}/results").get_data(as_text=True)
    token = re.search(r"/s/([A-Za-z0-9_-]{20,})", results_page).group(1)
    auth.logout()
    shared = client.get(f"/s/{token}")
    assert shared.status_code == 200
    shown, _fallback = _filename(shared.headers["Content-Disposition"])
    assert shown == f"{CLIENT}_{PERIOD}_{current.kind}_partnership-check_zh-CN.pdf"
    assert unquote(shared.headers["Content-Disposition"]).count(PERIOD) == 1

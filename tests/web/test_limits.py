"""Bad input refused before any view: ids SQLite cannot hold (404), bodies over the size
limit (413, declared or sent in chunks); each refusal stores nothing."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pytest
from conftest import csrf_token
from test_access_matrix import MATRIX, _visitor, world  # noqa: F401 (world is a fixture)
from werkzeug.routing import IntegerConverter
from werkzeug.test import EnvironBuilder

from assessment.db import get_db
from assessment.store import respondents, responses, rounds
from assessment.web.answer_form import comment_field
from assessment.web.limits import SQLITE_MAX_INTEGER, SQLiteIntConverter

ID_PLACEHOLDERS = ("client", "round", "respondent", "action", "share_id", "user")
TOO_LARGE = [str(SQLITE_MAX_INTEGER + 1), "99999999999999999999", "9" * 5000]
ROUTES_WITH_IDS = [
    (method, template, name)
    for method, template, _expected in MATRIX
    for name in ID_PLACEHOLDERS
    if "{" + name + "}" in template
]


def _counts(app) -> dict[str, int]:
    """Rows per table: what a refused request must leave as it was."""
    with app.app_context():
        db = get_db()
        tables = [
            row[0]
            for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not row[0].startswith("sqlite_")
        ]
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def test_every_route_family_with_an_id_is_tested():
    families = {template.split("/")[1] for _m, template, _n in ROUTES_WITH_IDS}
    assert families == {"clients", "rounds", "actions", "share", "users", "api"}


@pytest.mark.parametrize(("method", "template", "name"), ROUTES_WITH_IDS)
def test_an_id_too_large_for_sqlite_is_no_page(app, world, method, template, name):  # noqa: F811
    client = _visitor(app, "admin", world)
    before = _counts(app)
    # The API asks for its token first: a legal id is a 401 to this (cookie) visitor, and
    # only an id the converter refuses is a 404 before that (tests/web/test_api.py).
    legal = [] if template.startswith("/api/") else [str(SQLITE_MAX_INTEGER)]
    for value in [*TOO_LARGE, *legal]:
        url = template.format(**{**world, name: value})
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": csrf_token(client, "/")})
        assert response.status_code == 404, (url[:80], response.status_code)
        if template.startswith("/api/"):  # the API answers in JSON (web/api.py)
            assert response.get_json()["error"] == {"status": 404, "message": "Not found."}
        else:
            assert "Page not found" in response.get_data(as_text=True)
    assert _counts(app) == before


def test_a_too_large_id_is_no_page_for_a_visitor_who_is_not_logged_in(client):
    response = client.get(f"/rounds/{TOO_LARGE[1]}")
    assert response.status_code == 404


BIG = 2 * 1024 * 1024 + 1  # one byte over MAX_CONTENT_LENGTH


class _ChunkedBuilder(EnvironBuilder):
    """A request whose body has no length: a chunked upload as gunicorn hands it on."""

    def get_environ(self):
        environ = super().get_environ()
        environ.pop("CONTENT_LENGTH", None)
        return environ


def _chunked(client, url: str, body: bytes, content_type: str):
    builder = _ChunkedBuilder(
        path=url,
        method="POST",
        input_stream=io.BytesIO(body),
        headers={"Transfer-Encoding": "chunked", "Content-Type": content_type},
        environ_overrides={"wsgi.input_terminated": True},
    )
    return client.open(builder)


def _bodies(csrf: str, fields: dict[str, str]) -> dict[str, tuple[bytes, str]]:
    """Over-long urlencoded and multipart bodies, the CSRF token and fields first."""
    head = "&".join(f"{k}={v}" for k, v in {"csrf_token": csrf, **fields}.items())
    urlencoded = f"{head}&padding=".encode() + b"x" * BIG
    boundary = "----limit"
    parts = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in {"csrf_token": csrf, **fields}.items()
    )
    multipart = (
        (
            f'{parts}--{boundary}\r\nContent-Disposition: form-data; name="file";'
            f' filename="people.csv"\r\nContent-Type: text/csv\r\n\r\nname,email,role\r\n'
        ).encode()
        + b"x" * BIG
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return {
        "urlencoded": (urlencoded, "application/x-www-form-urlencoded"),
        "multipart": (multipart, f"multipart/form-data; boundary={boundary}"),
    }


@pytest.fixture
def targets(app, world):  # noqa: F811
    """(who posts, where, the fields a real form would send) per route family."""
    return [
        ("anonymous", "/login", {"email": "lead@example.com", "password": "x"}),
        ("anonymous", f"/r/{world['token']}", {"save": "y"}),
        ("anonymous", f"/r/{world['token']}/autosave", {}),
        ("anonymous", "/language", {"language": "zh-CN"}),
        ("lead", f"/rounds/{world['round']}/respondents/import", {}),
        ("lead", f"/rounds/{world['round']}/respondents", {"name": "N", "role": "other"}),
        ("lead", f"/rounds/{world['round']}/actions", {"title": "t", "owner": "o"}),
        ("lead", "/clients/new", {"name": "New client"}),
        ("admin", "/users/", {"email": "n@example.com", "role": "member"}),
        ("admin", f"/users/{world['user']}", {"role": "member", "active": "y"}),
        ("lead", "/logout", {}),
    ]


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
@pytest.mark.parametrize("sent", ["with its length", "in chunks"])
def test_a_body_over_the_limit_is_the_413_page_and_stores_nothing(
    app,
    world,  # noqa: F811
    targets,
    encoding,
    sent,
):
    assert app.config["MAX_CONTENT_LENGTH"] == BIG - 1
    for who, url, fields in targets:
        client = _visitor(app, who if who != "anonymous" else "respondent", world)
        csrf = csrf_token(client, "/" if who != "anonymous" else f"/r/{world['token']}")
        body, content_type = _bodies(csrf, fields)[encoding]
        before = _counts(app)
        if sent == "in chunks":
            response = _chunked(client, url, body, content_type)
        else:
            response = client.post(url, data=body, content_type=content_type)
        page = response.get_data(as_text=True)
        assert response.status_code == 413, (url, response.status_code)
        assert "Too large" in page and "Nothing was saved" in page, url
        assert "form has expired" not in page
        assert _counts(app) == before, url
        if who != "anonymous":  # still logged in: the refusal changed nothing
            assert client.get("/").status_code == 200


def test_a_chunked_body_within_the_limit_is_read_whole(app, world):  # noqa: F811
    """The other side of the chunked check: a respondent's draft sent in chunks is saved,
    every answer of it, with a comment long enough to span several reads."""
    client = app.test_client()
    token = world["token"]
    csrf = csrf_token(client, f"/r/{token}")
    with app.app_context():
        respondent = respondents.find_by_token(get_db(), token)
        sign = rounds.get_round(get_db(), respondent.round_id).questionnaire.signs[0].id
    comment = "a long comment " * 130  # about 2,000 characters
    body = urlencode({"csrf_token": csrf, "save": "y", comment_field(sign): comment}).encode()
    response = _chunked(client, f"/r/{token}", body, "application/x-www-form-urlencoded")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        draft = responses.load_draft(get_db(), respondent.id)
    assert draft.comments == {sign: comment.strip()}


def test_every_int_route_converter_is_limited_to_sqlite_integers(app):
    """Every ``<int:...>`` of every route (outbox, packs and the rest) goes through the
    converter that answers 404 for an id SQLite cannot hold."""
    seen = 0
    for rule in app.url_map.iter_rules():
        for converter in rule._converters.values():
            if isinstance(converter, IntegerConverter):
                assert isinstance(converter, SQLiteIntConverter), rule.rule
                seen += 1
    assert seen > 30


@pytest.mark.parametrize(
    "url",
    [
        "/audit/?page={n}",
        "/outbox/?page={n}",
        "/outbox/?status=failed&page={n}",
        "/outbox/{n}",
        "/outbox/{n}/html",
        "/portfolio/?lead={n}",
        "/portfolio/packs/{n}.json",
        "/portfolio/packs/{n}.pdf",
    ],
)
def test_a_number_in_the_query_or_path_too_large_for_sqlite_is_no_page(app, world, url):  # noqa: F811
    """Admin's pagers and filters (admin may see them all): a too large page number, lead
    or id is a 404, not a 500; so is a page that is not a number or past the last page."""
    client = _visitor(app, "admin", world)
    before = _counts(app)
    values = [*TOO_LARGE, "-1"]
    if "page=" in url:  # one page of entries in this world: page 2 is none
        values += [str(SQLITE_MAX_INTEGER), "0", "abc", "2"]
    for value in values:
        response = client.get(url.format(n=value))
        assert response.status_code == 404, (url, value[:30], response.status_code)
        assert "Page not found" in response.get_data(as_text=True)
    assert _counts(app) == before


def test_the_pagers_still_show_their_pages(app, world):  # noqa: F811
    client = _visitor(app, "admin", world)
    for url in ["/audit/", "/audit/?page=1", "/outbox/?page=1", "/outbox/?status=sent"]:
        assert client.get(url).status_code == 200, url
    with app.app_context():
        db = get_db()
        with db.conn:
            for _n in range(60):
                db.execute(
                    "INSERT INTO audit_log"
                    " (created_at, updated_at, actor, action, object_type, details)"
                    " VALUES (?, ?, 'a@example.com', 'client.created', 'client', '{}')",
                    ["2026-01-01T00:00:00+00:00"] * 2,
                )
    page = client.get("/audit/?page=2")
    assert page.status_code == 200
    assert client.get("/audit/?page=3").status_code == 404

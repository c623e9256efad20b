import pytest
from conftest import csrf_token


def _switch(client, language, next_url="/"):
    return client.post(
        "/language",
        data={"language": language, "next": next_url, "csrf_token": csrf_token(client, "/login")},
    )


def test_default_language_is_english(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Log in" in page


def test_browser_language_picks_chinese(client):
    page = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    text = page.get_data(as_text=True)
    assert '<html lang="zh-CN">' in text
    assert "登录" in text


def test_plain_zh_and_other_regions_fall_back_to_simplified_chinese(client):
    text = client.get("/login", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in text


def test_unsupported_browser_language_uses_default(client):
    text = client.get("/login", headers={"Accept-Language": "fr-FR"}).get_data(as_text=True)
    assert '<html lang="en">' in text


def test_switch_is_remembered_in_the_session(client):
    response = _switch(client, "zh-CN", "/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    text = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in text
    assert "电子邮箱" in text
    _switch(client, "en")
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_logged_in_choice_is_stored_for_the_user(app, client, auth):
    auth.login("member")
    _switch(client, "zh-CN")
    from assessment.db import get_db

    with app.app_context():
        row = get_db().execute("SELECT language FROM users WHERE email = ?", ["member@example.com"])
        assert row.fetchone()[0] == "zh-CN"
    page = client.get("/").get_data(as_text=True)
    assert "欢迎" in page


def test_unknown_language_and_foreign_next_are_ignored(client):
    response = _switch(client, "de", "/login")
    assert response.headers["Location"] == "/"
    response = _switch(client, "zh-CN", "//evil.example/")
    assert response.headers["Location"] == "/"


def test_switch_without_csrf_is_refused(client):
    response = client.post("/language", data={"language": "zh-CN"})
    assert response.status_code == 400
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_every_message_is_translated():
    from pathlib import Path

    from babel.messages.pofile import read_po

    po = Path(__file__).parent.parent / "assessment/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,de;q=0.9,zh-CN;q=0.5", "zh-CN"),
        ("fr", None),
        ("", None),
        ("zh-cn", "zh-CN"),
    ],
)
def test_browser_language_picks_the_best_supported_one(header, expected):
    from assessment.web.fastpath.languages import browser_language

    assert browser_language(header, ("en", "zh-CN")) == expected

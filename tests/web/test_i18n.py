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

    po = (
        Path(__file__).parent.parent.parent
        / "assessment/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
    )
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


def test_chinese_sentences_use_full_width_punctuation_and_one_form_of_address():
    """No half-width , : ; ? ! ( ) beside Chinese text, and 您, never 你, in the catalog."""
    import re
    from pathlib import Path

    from babel.messages.pofile import read_po

    po = (
        Path(__file__).parent.parent.parent
        / "assessment/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
    )
    with po.open("rb") as f:
        catalog = read_po(f, locale="zh_Hans_CN")
    placeholder = re.compile(r"%\([a-z_]+\)[sd]|%%")
    half_width = re.compile(r"[\u4e00-\u9fff“”][,:;?!()]|[,:;?!()][\u4e00-\u9fff“”]")
    found = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            plain = placeholder.sub("X", text or "")
            if half_width.search(plain) or "你" in plain:
                found.append(text)
    assert not found, found


def test_one_and_many_read_right_in_english(app):
    from flask_babel import force_locale, ngettext

    with app.test_request_context(), force_locale("en"):
        assert ngettext("%(num)d client reviewed", "%(num)d clients reviewed", 1) == (
            "1 client reviewed"
        )
        assert ngettext("%(num)d person answered", "%(num)d people answered", 1) == (
            "1 person answered"
        )
        assert ngettext("%(num)d person answered", "%(num)d people answered", 4) == (
            "4 people answered"
        )

"""Issue 25 in a real browser: one personal link used from two devices (a phone, then a
laptop, with a code and with a mailed link), a browser whose cookies are cleared with the
form open, and an invalid answer kept through autosave and a reload. Phone (390 px) and
desktop, English and Chinese. Screenshots go to tests/artifacts/.

Who: the respondent only (their two browsers); what a lead or admin can see of the code
and the link is tested in tests/web/test_draft_transfer.py."""

from __future__ import annotations

import re
import threading

import pytest
from conftest import screenshot
from smtp_helpers import mail_app
from test_browser_collect import (
    DESKTOP,
    PHONE,
    SCOPE_CHANGES,
    _answer_radios,
    _checked,
    _fits_phone,
    open_page,
)

from assessment.db import get_db
from assessment.store import respondents, responses

pytestmark = pytest.mark.browser

__all__ = ["open_page"]  # the fixture, shared with test_browser_collect

SAVED = {"en": "All changes saved", "zh-CN": "所有修改均已保存"}
KEPT = {"en": "kept as you typed them", "zh-CN": "按您输入的原样保留"}
NO_KEY = {"en": "no longer holds the key", "zh-CN": "已不再持有"}
HERE = {"en": "Your saved answers are here.", "zh-CN": "已保存的答卷已在这里。"}
LANGS = [("en-US", "en"), ("zh-CN", "zh-CN")]


def _wait_state(page, text: str) -> None:
    page.locator(".save-state", has_text=text).wait_for(timeout=15_000)


def _comment(page):
    return page.locator("textarea[name^='c_']").first


def _get_code(page, lang: str) -> str:
    page.get_by_test_id("continue-elsewhere").click()
    page.wait_for_load_state()
    with page.expect_navigation():
        page.locator("button[name=how][value=code]").click()
    code = page.get_by_test_id("transfer-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    return code


@pytest.mark.parametrize(("locale", "lang"), LANGS)
def test_start_on_a_phone_continue_on_a_laptop_with_the_code(
    live_server, open_page, make_round, locale, lang
):
    _created, people = make_round(respondents=1)
    link = f"{live_server}/r/{people[0].token}"
    phone = open_page(locale, PHONE)
    phone.goto(link)
    typed = _answer_radios(phone, offset=1, only=slice(0, 4))
    _comment(phone).fill("Started on the phone.")
    _wait_state(phone, SAVED[lang])
    phone.reload()  # the device link shows once something is saved
    code = _get_code(phone, lang)
    _fits_phone(phone)
    screenshot(phone, f"transfer-code-phone-{lang}")

    laptop = open_page(locale, DESKTOP)
    laptop.goto(link)
    assert _checked(laptop) == {}, "nothing shown without the key"
    way = laptop.get_by_test_id("way-forward")
    assert way.is_visible()
    screenshot(laptop, f"transfer-way-forward-desktop-{lang}")
    laptop.locator("#transfer-code").fill(code.lower())
    with laptop.expect_navigation():
        way.locator("button[type=submit]").first.click()
    assert laptop.get_by_text(HERE[lang], exact=False).is_visible()
    assert _checked(laptop) == typed
    assert _comment(laptop).input_value() == "Started on the phone."
    screenshot(laptop, f"transfer-continued-desktop-{lang}")
    # Both devices go on: the laptop's change reaches the phone.
    _comment(laptop).fill("Finished on the laptop.")
    _wait_state(laptop, SAVED[lang])
    phone.goto(link)
    assert _comment(phone).input_value() == "Finished on the laptop."


@pytest.fixture
def mail_server(tmp_path, template_database, smtp):
    """The app with a mail server, served like ``live_server``; one respondent with an email."""
    from werkzeug.serving import make_server

    app = mail_app(tmp_path, template_database, **smtp.config())
    with app.app_context():
        from assessment.questionnaire import load_directory
        from assessment.store import clients, rounds

        db = get_db()
        client = clients.create_client(db, name="Acme")
        current = rounds.create_round(
            db,
            client_id=client.id,
            kind="quarterly",
            period="2026-Q4",
            questionnaire=load_directory(app.config["QUESTIONS_DIR"])["six-signs"],
            anonymous=True,
        )
        person = respondents.add_respondent(
            db, current.id, name="Emma", email="emma@example.com", role="delivery"
        )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", person
    server.shutdown()
    thread.join(timeout=5)


@pytest.mark.parametrize(("locale", "lang"), LANGS)
def test_start_on_a_phone_continue_on_a_laptop_with_the_mailed_link(
    mail_server, smtp, open_page, locale, lang
):
    base, person = mail_server
    link = f"{base}/r/{person.token}"
    phone = open_page(locale, PHONE)
    phone.goto(link)
    typed = _answer_radios(phone, offset=2, only=slice(0, 3))
    _wait_state(phone, SAVED[lang])
    phone.reload()
    phone.get_by_test_id("continue-elsewhere").click()
    phone.wait_for_load_state()
    with phone.expect_navigation():
        phone.locator("button[name=how][value=mail]").click()
    assert "e•••@example.com" in phone.content()
    screenshot(phone, f"transfer-mail-sent-phone-{lang}")
    mails = [m for m in smtp.wait_for(1) if "continue/" in m.text()]
    assert mails, [m.subject for m in smtp.received]
    path = re.search(r"https://check\.example\.com(/r/\S+/continue/\d+/\S+)", mails[-1].text())
    assert path

    laptop = open_page(locale, DESKTOP)
    laptop.goto(base + path.group(1))
    with laptop.expect_navigation():
        laptop.locator("form button[type=submit]").last.click()
    assert laptop.get_by_text(HERE[lang], exact=False).is_visible()
    assert _checked(laptop) == typed
    screenshot(laptop, f"transfer-mailed-continued-desktop-{lang}")
    again = open_page(locale, DESKTOP)
    again.goto(base + path.group(1))
    with again.expect_navigation():
        again.locator("form button[type=submit]").last.click()
    assert _checked(again) == {}, "the link worked once"


@pytest.mark.parametrize(
    ("locale", "lang", "viewport"), [("en-US", "en", DESKTOP), ("zh-CN", "zh-CN", PHONE)]
)
def test_cookies_cleared_mid_form_lose_nothing_and_show_the_way(
    app, live_server, open_page, make_round, locale, lang, viewport
):
    _created, people = make_round(respondents=1)
    link = f"{live_server}/r/{people[0].token}"
    page = open_page(locale, viewport)
    page.goto(link)
    _answer_radios(page, offset=0, only=slice(0, 2))
    _wait_state(page, SAVED[lang])
    page.context.clear_cookies()
    typed = _answer_radios(page, offset=3, only=slice(0, 5))
    _comment(page).fill("Typed after the cookies went.")
    _wait_state(page, NO_KEY[lang])  # autosave says what happened and what to do
    screenshot(page, f"transfer-no-key-autosave-{lang}")
    with page.expect_navigation():
        page.locator("button[name=submit_answers]").click()
    assert page.get_by_test_id("way-forward").is_visible()
    assert _checked(page) == typed, "everything typed is on the page again"
    assert _comment(page).input_value() == "Typed after the cookies went."
    screenshot(page, f"transfer-no-key-submit-{lang}")
    with page.expect_navigation():
        page.get_by_test_id("start-again").click()
    screenshot(page, f"transfer-start-again-confirm-{lang}")
    with page.expect_navigation():
        page.locator("button[name=start_again][value=yes]").click()
    assert _checked(page) == typed
    assert _comment(page).input_value() == "Typed after the cookies went."
    with app.app_context():
        stored = responses.load_draft(get_db(), people[0].id)
    assert len(stored.answers) == len(typed) and stored.status == "draft"


@pytest.mark.parametrize(
    ("locale", "lang", "viewport"), [("en-US", "en", PHONE), ("zh-CN", "zh-CN", DESKTOP)]
)
def test_an_invalid_answer_survives_autosave_and_a_reload(
    live_server, open_page, make_round, locale, lang, viewport
):
    _created, people = make_round(respondents=1)
    link = f"{live_server}/r/{people[0].token}"
    page = open_page(locale, viewport)
    page.goto(link)
    typed = _answer_radios(page, offset=1, only=slice(0, 6))
    page.locator(SCOPE_CHANGES).fill("-5")
    _comment(page).fill("Kept with the rest.")
    _wait_state(page, KEPT[lang])
    error = page.locator("#q_unplanned-scope-changes-error")
    assert error.is_visible()  # beside the field, as the respondent goes
    page.reload()
    assert _checked(page) == typed
    assert page.locator(SCOPE_CHANGES).input_value() == "-5"
    assert error.is_visible() and _comment(page).input_value() == "Kept with the rest."
    screenshot(page, f"transfer-invalid-kept-{lang}")
    with page.expect_navigation():
        page.locator("button[name=submit_answers]").click()
    assert page.locator("#error-summary").is_visible(), "Submit refuses until it is fixed"
    page.locator(SCOPE_CHANGES).fill("5")
    _wait_state(page, SAVED[lang])
    assert page.locator("#q_unplanned-scope-changes-error").count() == 0


def test_autosave_says_why_when_it_cannot_save(app, live_server, open_page, make_round):
    """Submitted from another tab, or the link replaced, while the form is open: autosave
    says what happened and what to do, never "the connection failed"."""
    _created, people = make_round(respondents=2)
    link = f"{live_server}/r/{people[0].token}"
    first = open_page("en-US", DESKTOP)
    first.goto(link)
    _answer_radios(first, offset=0, only=slice(0, 2))
    _wait_state(first, SAVED["en"])
    second = first.context.new_page()
    second.goto(link)
    with second.expect_navigation():
        second.locator("button[name=submit_answers]").click()
    with second.expect_navigation():
        second.locator("button[value=anyway]").click()
    _comment(first).fill("Typed in the first tab.")
    _wait_state(first, "submitted meanwhile")

    other = open_page("en-US", DESKTOP)
    other.goto(f"{live_server}/r/{people[1].token}")
    _answer_radios(other, offset=0, only=slice(0, 1))
    _wait_state(other, SAVED["en"])
    with app.app_context():
        respondents.reissue_token(get_db(), people[1].id)
    _comment(other).fill("Typed after a new link was issued.")
    _wait_state(other, "no longer works")

"""Mail in a real browser: the round page's sending log and the admins' outbox, in English
and Chinese, on a desktop and a phone; and each kind of message as its recipient sees it,
in both languages. Screenshots go to tests/artifacts/ (mail-*.png)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import ARTIFACTS, log_in
from smtp_helpers import SmtpServer, mail_app

from assessment import clock
from assessment.db import get_db
from assessment.jobs import deadlines, reminders
from assessment.jobs.mail import deliver_due
from assessment.mail import kinds
from assessment.questionnaire import load_directory
from assessment.store import clients, respondents, responses, rounds, users

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
LOCALES = {"en": "en-US", "zh-CN": "zh-CN"}


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def app(tmp_path, template_database, smtp):
    smtp.recorder.received.clear()
    smtp.recorder.refuse["chen@example.com"] = "550 5.1.1 <chen@example.com>: user unknown"
    return mail_app(tmp_path, template_database, **smtp.config(), TIMEZONE="Asia/Shanghai")


@pytest.fixture
def story(app, live_server, smtp):
    """An anonymous quarterly review due in ten days: invitations sent (one address refused),
    two drafts (in English and in Chinese), one submission, Remind now pressed; and a round
    that closed on its due date."""
    app.config["PUBLIC_URL"] = live_server
    with app.app_context():
        db = get_db()
        lead = users.find_by_email(db, "lead@example.com")
        client = clients.create_client(db, name="Harbor & Pine Foods", lead_id=lead.id)
        q = load_directory(app.config["QUESTIONS_DIR"])["six-signs"]
        due = clock.local_today(app.config) + timedelta(days=10)
        current = rounds.create_round(
            db,
            client_id=client.id,
            kind="quarterly",
            period="2026-Q4",
            questionnaire=q,
            due_date=due.isoformat(),
        )
        team = [
            ("王芳 (Wang Fang)", "wang@example.com", "zh-CN"),
            ("Tom Becker", "tom@example.com", "en"),
            ("Priya Nair", "priya@example.com", None),
            ("陈磊 (Chen Lei)", "chen@example.com", "zh-CN"),
            ("Max Mustermann", None, None),
            ("李娜 (Li Na)", "lina@example.com", "zh-CN"),
            ("周敏 (Zhou Min)", "zhou@example.com", "zh-CN"),
        ]
        people = [
            respondents.add_respondent(
                db, current.id, name=n, email=e, language=lang, role="delivery"
            )
            for n, e, lang in team
        ]
        kinds.queue_invitations(db, current, people, by="lead@example.com")
        deliver_due(app, db)
        answers = {i.id: 4 for i in q.items() if hasattr(i, "scale")}
        responses.save_response(db, people[0].id, answers, {}, submit=True)
        half = dict(list(answers.items())[:5])
        responses.save_response(db, people[1].id, half, {}, submit=False, language="en")
        responses.save_response(db, people[5].id, half, {}, submit=False, language="zh-CN")
        reminders.remind_now(db, current, by="lead@example.com", config=app.config)
        deliver_due(app, db)
        past = rounds.create_round(
            db,
            client_id=client.id,
            kind="adhoc",
            period="2026-11",
            questionnaire=q,
            due_date=(clock.local_today(app.config) - timedelta(days=1)).isoformat(),
        )
        for n in range(3):
            person = respondents.add_respondent(db, past.id, name=f"R{n}", role="finance")
            responses.save_response(db, person.id, answers, {}, submit=True)
        users.set_language(db, lead.id, "zh-CN")
        deadlines.close_past_due(db, app.config)
        deliver_due(app, db)
        users.set_language(db, lead.id, "en")
        kinds.queue_round_closed(
            db, rounds.get_round(db, past.id), by="test", closed_at="again-in-english"
        )
        deliver_due(app, db)
        users.set_language(db, lead.id, None)  # the pages follow the browser's language
    return current, past, people


def login(browser, base, role, lang, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport, locale=LOCALES[lang], reduced_motion="reduce")
    page = context.new_page()
    log_in(page, base, f"{role}@example.com")
    return context, page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"mail-{name}.png"), full_page=True)


WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .filter(e => !e.closest('table'))
  .slice(0, 8)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def fits_phone(page) -> None:
    """Nothing sticks out sideways on a phone (tables scroll inside their own box)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (width, page.evaluate(WIDEST))


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_round_pages_sending_log(browser, live_server, story, lang):
    current, _past, people = story
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context, page = login(browser, live_server, "lead", lang, viewport)
        # The home page tells the lead which round closed itself on its due date.
        notice = page.get_by_test_id("closed-on-due-date")
        assert "Harbor & Pine Foods · 2026-11" in notice.inner_text()
        shot(page, f"home-{lang}-{size}")
        page.goto(f"{live_server}/rounds/{current.id}")
        assert page.locator("html").get_attribute("lang") == lang
        table = page.locator("table.respondents")
        wang = table.locator("tr", has_text="王芳")
        assert wang.locator('[data-kind="invitation"][data-status="sent"]').count() == 1
        tom = table.locator("tr", has_text="Tom Becker")
        assert tom.locator('[data-kind="reminder"][data-status="sent"]').count() == 1
        # Anonymous round, mail through a server: no link for those who got it by mail.
        for person in people[:3]:
            assert person.token not in page.content()
        assert people[3].token in page.content()  # refused: the lead must deliver it
        assert people[4].token in page.content()  # no email
        alert = page.get_by_test_id("mail-failed")
        expected = "550 5.1.1 <chen@example.com>: user unknown"
        assert expected in alert.inner_text()
        if lang == "zh-CN":
            assert "邮件服务器拒绝了该地址" in alert.inner_text()
        shot(page, f"round-{lang}-{size}")
        if size == "phone":
            fits_phone(page)
        context.close()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_outbox_and_a_message_as_its_recipient_sees_it(browser, live_server, story, lang):
    _current, _past, _people = story
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context, page = login(browser, live_server, "admin", lang, viewport)
        page.goto(f"{live_server}/outbox/")
        assert page.locator("table.outbox tbody tr").count() >= 8
        if size == "phone":
            fits_phone(page)
        shot(page, f"outbox-{lang}-{size}")
        tom = page.locator("table.outbox tbody tr", has_text="Tom Becker")
        tom.locator("a", has_text="Invitation" if lang == "en" else "邀请").click()
        frame = page.frame_locator("iframe.mail-preview")
        # Tom's language, whatever the admin's; sent through a server, so the kept copy
        # says where his personal link was instead of holding it.
        frame.get_by_text("Hello Tom Becker,").wait_for()
        assert frame.get_by_text("Here the recipient found their personal link").count() == 1
        assert frame.locator("a", has_text="Answer the questionnaire").count() == 0
        shot(page, f"outbox-message-{lang}-{size}")
        context.close()


def test_each_kind_of_mail_read_in_both_languages(browser, story, smtp):
    context = browser.new_context(viewport={"width": 700, "height": 900})
    page = context.new_page()
    found = {}
    for mail in smtp.received:
        kind = (
            "closed"
            if "closed" in mail.subject or "到期自动结束" in mail.subject
            else "draft"
            if "draft" in mail.subject or "草稿" in mail.subject
            else "reminder"
            if "reminder" in mail.subject or "提醒" in mail.subject
            else "invitation"
        )
        lang = mail.message.get_body(preferencelist=("html",)).get_content().split('lang="')[1][:2]
        both = " / " in mail.subject
        found.setdefault((kind, "both" if both else lang), mail)
    expected = {
        ("invitation", "en"): "Answer the questionnaire",
        ("invitation", "zh"): "填写问卷",
        ("invitation", "both"): "填写问卷",
        ("draft", "en"): "You have a draft",
        ("draft", "zh"): "中有一份草稿",
        ("reminder", "zh"): "您尚未填写",
        ("reminder", "both"): "尚未填写",
        ("closed", "zh"): "已于当天结束时自动关闭",
        ("closed", "en"): "closed itself at the end of that day",
    }
    for key, words in expected.items():
        assert key in found, (key, sorted(found))
        page.set_content(found[key].html())
        assert words in page.locator("body").inner_text(), key
        page.screenshot(path=str(ARTIFACTS / f"mail-kind-{key[0]}-{key[1]}.png"), full_page=True)
    context.close()

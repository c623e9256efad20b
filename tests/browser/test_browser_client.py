"""A client contact answers the mirror questionnaire in a real browser, in Chinese, on a
phone: a page without the app's navigation, their own answers only."""

from __future__ import annotations

import pytest
from conftest import screenshot

from assessment.db import get_db
from assessment.store import responses

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_a_client_contact_answers_in_chinese(app, live_server, browser, make_round):
    current, people = make_round(respondents=1, anonymous=False, contacts=1)
    contact = people[1]
    mirror = current.mirror
    context = browser.new_context(viewport=PHONE, locale="zh-CN", reduced_motion="reduce")
    try:
        page = context.new_page()
        page.goto(f"{live_server}/r/{contact.token}")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        assert page.locator("h1").inner_text() == mirror.title.get("zh-CN")
        # No way into the app: no menu, and the brand is not a link.
        assert page.locator(".navbar-nav").count() == 0
        assert page.locator("a.navbar-brand").count() == 0
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        assert all(href.startswith("#") for href in links), links
        text = page.locator("main").inner_text()
        assert "您的回答会与同事们的回答合并" in text and "老爷" not in text
        groups = page.locator("form.answer-form fieldset.item").all()
        assert len(groups) == sum(1 for i in mirror.items() if i.applies("quarterly"))
        for number, group in enumerate(groups):
            options = group.locator("input[type=radio]")
            options.nth(number % 4).check()  # never the last: not "not applicable"
        page.get_by_role("button", name="提交答卷").click()
        page.wait_for_load_state()
        assert page.locator(".alert-success").count() == 1
        screenshot(page, "client-answers-zh-CN-phone")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
        # Back through the link in the same browser: their answers, kept.
        page.goto(f"{live_server}/r/{contact.token}")
        assert page.locator("form.answer-form input[type=radio]:checked").count() == len(groups)
    finally:
        context.close()
    with app.app_context():
        draft = responses.load_draft(get_db(), contact.id)
        team = responses.submitted_responses(get_db(), current.id)
    assert draft.status == "submitted" and draft.language == "zh-CN"
    assert set(draft.answers) <= {item.id for item in mirror.items()}
    assert team == []  # nothing reached the team's side
    # Another browser with the same link sees none of it (always anonymous).
    other = browser.new_context(viewport=PHONE, locale="zh-CN")
    try:
        page = other.new_page()
        page.goto(f"{live_server}/r/{contact.token}")
        assert page.locator("form.answer-form input[type=radio]:checked").count() == 0
    finally:
        other.close()

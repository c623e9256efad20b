"""A lead's typed respondent survives a lost session, in a real browser (issue 25, item 3).

The lead types a name and an email on the round page; the browser's cookies are cleared
before they press *Add respondent*; they are asked to log in, the name and email come back
as typed, and one click adds the person. Desktop and phone, English and Chinese.
Who sees these pages: the lead whose browser typed the form (tests/web/test_resume.py)."""

from __future__ import annotations

import pytest
from conftest import PASSWORD, screenshot

from assessment.db import get_db
from assessment.store import respondents

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
TEXTS = {
    "en-US": ("Your session has expired", "Add respondent", "Emma Li added."),
    "zh-CN": ("您的会话已过期", "添加答题人", "已添加 Emma Li"),
}


def _log_in(page):
    page.locator("#email").fill("lead@example.com")
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()


@pytest.mark.parametrize("locale", TEXTS)
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_typed_person_comes_back_after_login_and_one_click_adds_them(
    app, live_server, browser, make_round, locale, viewport
):
    expired, button, added = TEXTS[locale]
    current, _ = make_round(respondents=0)
    context = browser.new_context(
        viewport=VIEWPORTS[viewport], locale=locale, reduced_motion="reduce"
    )
    page = context.new_page()
    page.goto(f"{live_server}/login")
    _log_in(page)
    page.goto(f"{live_server}/rounds/{current.id}")
    page.locator("#name").fill("Emma Li")
    page.locator("#email").fill("emma@example.com")
    page.locator("#language").select_option("zh-CN")
    context.clear_cookies()  # the session is gone before the lead presses the button
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_url(f"{live_server}/login?next=/resume")
    assert expired in page.locator("main").inner_text()
    with app.app_context():
        assert respondents.list_respondents(get_db(), current.id) == []
    _log_in(page)
    page.wait_for_url(f"{live_server}/resume")
    assert page.locator("#resume-name").input_value() == "Emma Li"
    assert page.locator("#resume-email").input_value() == "emma@example.com"
    assert page.locator("#resume-language").input_value() == "zh-CN"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[viewport]["width"], f"{width}px wide"
    screenshot(page, f"resume-{locale}-{viewport}")
    page.get_by_test_id("resumed-form").get_by_role("button", name=button).click()
    page.wait_for_url(f"{live_server}/rounds/{current.id}")
    assert added in page.locator("main").inner_text()
    with app.app_context():
        (emma,) = respondents.list_respondents(get_db(), current.id)
    assert (emma.name, emma.email, emma.language) == ("Emma Li", "emma@example.com", "zh-CN")
    # One person, one link: EMMA@ again is refused beside the field, the typing kept.
    page.locator("#name").fill("E. Li")
    page.locator("#email").fill("EMMA@example.com")
    page.get_by_role("button", name=button, exact=True).click()
    error = page.get_by_test_id("email-error").inner_text()
    assert "Emma Li" in error and "emma@example.com" in error
    assert page.locator("#name").input_value() == "E. Li"
    screenshot(page, f"round-duplicate-{locale}-{viewport}")
    with app.app_context():
        assert len(respondents.list_respondents(get_db(), current.id)) == 1
    context.close()

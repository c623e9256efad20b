"""Changing one's own password in a real browser, in both languages, desktop and phone."""

import pytest
from conftest import PASSWORD, log_in, screenshot

pytestmark = pytest.mark.browser

NEW = "purple elephant tea"


@pytest.mark.parametrize(
    ("locale", "heading", "mistyped", "done"),
    [
        ("en-US", "Change password", "The two new passwords differ.", "Your password is changed."),
        ("zh-CN", "修改密码", "两次输入的新密码不一致。", "密码已修改。"),
    ],
)
@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_a_user_changes_their_password_from_their_name(
    live_server, browser, locale, heading, mistyped, done, viewport
):
    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    page = context.new_page()
    log_in(page, live_server, "member@example.com")

    if width < 768:
        page.locator(".navbar-toggler").click()
    page.get_by_test_id("current-user").click()
    assert page.get_by_role("heading", level=1).inner_text() == heading
    page.locator("#current").fill(PASSWORD)
    page.locator("#new").fill(NEW)
    page.locator("#confirm").fill(NEW + "!")
    page.locator("#submit").click()
    assert mistyped in page.locator("main").inner_text()
    name = f"account-password-{locale}-{width}"
    screenshot(page, name)

    page.locator("#current").fill(PASSWORD)
    page.locator("#new").fill(NEW)
    page.locator("#confirm").fill(NEW)
    page.locator("#submit").click()
    page.wait_for_url(f"{live_server}/")
    assert done in page.locator("main").inner_text()
    context.close()

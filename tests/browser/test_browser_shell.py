"""The page shell in a real browser: log in, switch language, log out."""

import pytest
from conftest import PASSWORD, screenshot

pytestmark = pytest.mark.browser


def test_login_switch_language_and_logout(live_server, page):
    page.goto(f"{live_server}/")
    assert page.url.startswith(f"{live_server}/login")
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "shell-login-en")

    page.get_by_label("Email").fill("lead@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Lead"
    assert page.title() == "Home · Partnership Check"
    screenshot(page, "shell-home-en")

    page.get_by_role("button", name="简体中文").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("heading", level=1).inner_text() == "欢迎，Lead"  # full-width comma
    assert page.title() == "首页 · 合作关系体检"
    screenshot(page, "shell-home-zh-CN")

    page.reload()
    assert page.locator("html").get_attribute("lang") == "zh-CN", "the choice is remembered"

    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(f"{live_server}/login")
    assert page.get_by_role("alert").inner_text() == "您已退出登录。"
    screenshot(page, "shell-login-zh-CN")


def test_wrong_password_message_in_the_browser(live_server, page):
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill("lead@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text() == "The email or password is not right."


def test_home_on_a_phone(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.get_by_label("电子邮箱").fill("member@example.com")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/")
    screenshot(page, "shell-home-phone-zh-CN")
    context.close()

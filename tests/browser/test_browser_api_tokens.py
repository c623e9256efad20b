"""Making and revoking an API token in a real browser, in both languages, desktop and phone:
the token is shown once, copies with one click, and works in the Authorization header."""

import json
import urllib.error
import urllib.request

import pytest
from conftest import log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("locale", "heading", "once", "revoked"),
    [
        ("en-US", "API tokens", "it is shown only this once", "The token is revoked"),
        ("zh-CN", "API 令牌", "它只显示这一次", "令牌已撤销"),
    ],
)
@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_a_member_makes_uses_and_revokes_a_token(
    live_server, browser, locale, heading, once, revoked, viewport
):
    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    page = context.new_page()
    log_in(page, live_server, "member@example.com")
    page.goto(f"{live_server}/account/password")
    page.locator("main a[href='/account/tokens']").click()
    assert page.get_by_role("heading", level=1).inner_text() == heading
    page.locator("#name").fill("BI <export>")
    page.locator("#days").select_option("30")
    page.locator("#submit").click()
    assert once in page.locator("main").inner_text()
    secret = page.locator("#new-token").input_value()
    assert secret.startswith("pc_")
    screenshot(page, f"api-tokens-{locale}-{width}")

    request = urllib.request.Request(
        f"{live_server}/api/v1/rounds", headers={"Authorization": f"Bearer {secret}"}
    )
    with urllib.request.urlopen(request) as response:
        assert json.load(response)["total"] == 0

    page.goto(f"{live_server}/account/tokens")
    assert secret not in page.content()
    page.locator("main form button.text-danger").click()
    assert revoked in page.locator("main").inner_text()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 401
    context.close()

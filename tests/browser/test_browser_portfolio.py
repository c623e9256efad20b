"""The portfolio and a client's history in a real browser, in both languages."""

import pytest
from conftest import log_in, screenshot

from assessment.db import get_db
from assessment.demo import DEMO_PASSWORD, load_demo

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(app, questionnaires):
    with app.app_context():
        load_demo(get_db(), questionnaires)


@pytest.mark.parametrize(
    ("locale", "lang", "title", "apex_band", "history"),
    [
        ("en-US", "en", "Portfolio", "At risk", "Review rounds"),
        ("zh-CN", "zh-CN", "客户总览", "有风险", "评估轮次"),
    ],
)
def test_portfolio_then_client_history(
    live_server, browser, demo, locale, lang, title, apex_band, history
):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale=locale, reduced_motion="reduce"
    )
    page = context.new_page()
    log_in(page, live_server, "lead@demo.example", DEMO_PASSWORD)

    page.goto(f"{live_server}/portfolio/")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.get_by_role("heading", level=1).inner_text() == title
    rows = page.locator("table.portfolio tbody tr")
    assert rows.count() == 3
    first = rows.first
    assert "Apex Retail Group" in first.inner_text(), "the riskiest client comes first"
    assert apex_band in first.inner_text()
    assert page.locator("table.heatmap td.heat").count() == 18
    screenshot(page, f"portfolio-{lang}")

    page.locator("#band").select_option(index=1)  # the healthiest band
    page.locator("form[aria-label] button[type=submit]").last.click()
    page.wait_for_url("**/portfolio/?*")
    assert page.locator("table.portfolio tbody tr").count() == 1
    assert "Harbor & Pine Foods" in page.locator("table.portfolio tbody").inner_text()

    page.goto(f"{live_server}/portfolio/")
    page.get_by_role("link", name="Apex Retail Group").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Apex Retail Group")
    assert page.get_by_role("heading", name=history).is_visible()
    assert page.locator("tbody tr").count() >= 3
    chart = page.locator("figure.charts img")
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0"), "trend chart loads"
    assert "Move to milestone billing" in page.content()
    screenshot(page, f"client-history-{lang}")
    context.close()

"""A kickoff round's results page in a real browser: signs not asked, badges, the radar."""

import pytest
from conftest import screenshot

from assessment.db import get_db
from assessment.demo import DEMO_PASSWORD, load_demo
from assessment.store import clients, rounds

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def kickoff(app, questionnaires):
    with app.app_context():
        db = get_db()
        load_demo(db, questionnaires)
        found = clients.find_by_name(db, "Apex Retail Group")
        return next(r for r in rounds.list_rounds(db, found.id) if r.kind == "kickoff")


@pytest.mark.parametrize(
    ("locale", "lang", "label", "title"),
    [
        ("en-US", "en", "Not asked in a kickoff", "Paying on time"),
        ("zh-CN", "zh-CN", "启动评估中未询问", "按时付款"),
    ],
)
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_kickoff_results_page(live_server, browser, kickoff, locale, lang, label, title, viewport):
    context = browser.new_context(
        viewport=VIEWPORTS[viewport], locale=locale, reduced_motion="reduce"
    )
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.locator("#email").fill("lead@demo.example")
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#submit").click()
    page.wait_for_url(f"{live_server}/")

    page.goto(f"{live_server}/rounds/{kickoff.id}/results")
    assert page.locator("html").get_attribute("lang") == lang
    row = page.locator('tr[data-sign="payment"]')
    assert row.get_by_role("rowheader").inner_text() == title
    assert label in row.inner_text()
    assert row.locator(".not-asked").is_visible()
    assert title in page.locator(".not-asked-note").inner_text()
    # Badges: the text colour the page computed is the one the browser paints.
    for badge in page.locator(".band-badge").all()[:6]:
        colours = badge.evaluate(
            "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]"
        )
        assert colours[0] in ("rgb(0, 0, 0)", "rgb(255, 255, 255)"), colours
    radar = page.locator("figure img").first
    assert radar.evaluate("img => img.complete && img.naturalWidth > 0"), "the radar loads"
    screenshot(page, f"kickoff-results-{lang}-{viewport}")

    # The radar on its own: every label inside its drawing, as Chromium lays it out.
    page.goto(f"{live_server}/rounds/{kickoff.id}/charts/radar.svg?lang={lang}")
    outside = page.evaluate(
        """() => {
            const svg = document.querySelector('svg');
            const [x, y, w, h] = svg.getAttribute('viewBox').split(' ').map(Number);
            return [...svg.querySelectorAll('text')].map(t => {
                const b = t.getBBox();
                return [t.textContent, b.x, b.y, b.x + b.width, b.y + b.height];
            }).filter(([_, l, t, r, b]) => l < x || t < y || r > x + w || b > y + h);
        }"""
    )
    assert outside == []
    context.close()

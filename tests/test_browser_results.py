"""The results page in a real browser: comments and answers to open questions keep their line
breaks and draw their emoji, in both languages, on a desktop and a phone."""

import pytest
from conftest import screenshot

from assessment.db import get_db
from assessment.demo import DEMO_PASSWORD, load_demo
from assessment.store import clients, rounds

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(app, questionnaires):
    with app.app_context():
        db = get_db()
        load_demo(db, questionnaires)
        client = clients.find_by_name(db, "Apex Retail Group")
        return next(r for r in rounds.list_rounds(db, client.id) if r.period == "2026-Q4")


@pytest.mark.parametrize(
    ("locale", "lang", "viewport"),
    [
        ("en-US", "en", {"width": 1280, "height": 900}),
        ("zh-CN", "zh-CN", {"width": 1280, "height": 900}),
        ("en-US", "en", {"width": 390, "height": 844}),
        ("zh-CN", "zh-CN", {"width": 390, "height": 844}),
    ],
)
def test_free_text_keeps_line_breaks_and_draws_emoji(
    live_server, browser, demo, locale, lang, viewport
):
    context = browser.new_context(viewport=viewport, locale=locale, reduced_motion="reduce")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.locator("#email").fill("lead@demo.example")
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#submit").click()
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/rounds/{demo.id}/results")
    assert page.locator("html").get_attribute("lang") == lang

    q = demo.questionnaire
    question = page.locator(".said-question")
    assert question.inner_text() == q.item("mood-example").text.get(lang)
    # Demo data: a three-line comment and a three-line answer, each with an emoji.
    comment = page.locator(".comment-body", has_text="Weekend calls")
    answer = page.locator(".text-answers .comment-body")
    for body in (comment, answer):
        assert body.inner_text().count("\n") == 2
        lines = body.evaluate("span => span.getClientRects().length")
        assert lines >= 3, "each written line on a line of its own"
    # Drawn by the colour emoji font, a glyph is wider than the font size (Noto Color Emoji:
    # 1.25 em); the empty box of a missing glyph is about 0.6 em.
    width, size = page.evaluate(
        """() => {
            const probe = document.createElement('span');
            probe.textContent = '😤';
            document.querySelector('.text-answers .comment-body').append(probe);
            const width = probe.getBoundingClientRect().width;
            const size = parseFloat(getComputedStyle(probe).fontSize);
            probe.remove();
            return [width, size];
        }"""
    )
    assert width >= size, f"😤 is {width}px wide at {size}px: an empty box, not an emoji"
    page.locator("#comments-title").scroll_into_view_if_needed()
    shape = "phone" if viewport["width"] < 500 else "desktop"
    screenshot(page, f"results-free-text-{lang}-{shape}")
    context.close()

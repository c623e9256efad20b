"""The results page in a real browser: a kickoff round (signs not asked, badges, the radar), and
comments and answers to open questions that keep their line breaks and draw their emoji, in both
languages, on a desktop and a phone."""

import pytest
from conftest import log_in, screenshot

from assessment import results
from assessment.db import get_db
from assessment.demo import DEMO_PASSWORD, load_demo
from assessment.store import clients, respondents, responses, rounds

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
    log_in(page, live_server, "lead@demo.example", DEMO_PASSWORD)

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


COMMENT = "Weekend calls have become the norm.\nSaturday 22:40: “just a quick one” 📞\nSunday 🙄"
ANSWER = "Steering meeting, 12 November:\n“You are a supplier, not a partner.” 😤\nNobody objected."


@pytest.fixture
def demo(app, questionnaires):
    """The demo data, and a closed round of Apex Retail Group with a three-line comment and a
    three-line answer to the open question, each with emoji. Anonymous, so five people answer:
    its free text is shown from the text floor (docs/anonymity.md)."""
    with app.app_context():
        db = get_db()
        load_demo(db, questionnaires)
        q = questionnaires["six-signs"]
        client = clients.find_by_name(db, "Apex Retail Group")
        current = rounds.create_round(
            db, client_id=client.id, kind="quarterly", period="2027-Q1", questionnaire=q
        )
        answers = {i.id: 2 for i in q.items() if i.type == "likert" and i.applies("quarterly")}
        for n in range(5):
            person = respondents.add_respondent(db, current.id, name=f"P{n}", role="delivery")
            texts = {"mood-example": ANSWER} if n == 0 else {}
            comments = {"boundaries": COMMENT} if n == 0 else {}
            responses.save_response(db, person.id, answers | texts, comments, submit=True)
        results.close_round(db, rounds.get_round(db, current.id))
        return rounds.get_round(db, current.id)


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
    log_in(page, live_server, "lead@demo.example", DEMO_PASSWORD)
    page.goto(f"{live_server}/rounds/{demo.id}/results")
    assert page.locator("html").get_attribute("lang") == lang

    q = demo.questionnaire
    question = page.locator(".said-question")
    assert question.inner_text() == q.item("mood-example").text.get(lang)
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

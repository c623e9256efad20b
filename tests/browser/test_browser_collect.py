"""Collecting answers in a real browser, end to end, with screenshots and an axe audit.

A lead creates a client and a kickoff round and invites three people; each answers through
their own personal link in a fresh browser without logging in (one in Chinese, one across
two visits with a saved draft, one straight away after fixing an out-of-range number); the
lead follows the progress, closes the round and reads the summary. Every page of the flow is
saved under tests/artifacts/ in English and in Chinese, and axe-core checks the answer form
and the round page for serious or critical accessibility problems.
"""

from __future__ import annotations

import json
import re

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from conftest import ARTIFACTS, PASSWORD, screenshot

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCOPE_CHANGES = 'input[name="q_unplanned-scope-changes"]'
MOOD_TEXT = 'textarea[name="q_mood-example"]'
CHECKED = "els => Object.fromEntries(els.map(e => [e.name, e.value]))"  # radio name → chosen value
BLOCKING = ("serious", "critical")
TITLE_ZH = "是伙伴还是“老爷”？客户关系六大警示信号"


@pytest.fixture
def open_page(browser):
    """A page in a fresh browser context (no cookies: a new person or a new visit); every
    context still open when the test ends, even by failing, is closed. Reduced motion turns
    off Bootstrap's smooth scrolling, which would slow down every click below the fold."""
    contexts = []

    def open_page(
        locale: str, viewport: dict = DESKTOP, storage_state=None, *, javascript: bool = True
    ):
        context = browser.new_context(
            viewport=viewport,
            locale=locale,
            reduced_motion="reduce",
            storage_state=storage_state,
            java_script_enabled=javascript,
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def _fits_phone(page) -> None:
    """Nothing sticks out sideways on a phone: no horizontal scrolling."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"


def _checked(page) -> dict[str, str]:
    return page.eval_on_selector_all("form.answer-form input[type=radio]:checked", CHECKED)


def _answer_radios(page, offset: int, only: slice = slice(None)) -> dict[str, str]:
    """Pick one option in each radio group of the answer form; returns name → value."""
    groups = page.locator("form.answer-form fieldset.item").all()[only]
    assert groups, "the answer form has no radio groups"
    for number, group in enumerate(groups):
        options = group.locator("input[type=radio]")
        options.nth((number + offset) % options.count()).check()
    return _checked(page)


def _audit(page, name: str) -> list[dict]:
    """Run axe-core on the page; keep its findings in tests/artifacts/ and return them."""
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    found = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [
                {"target": n["target"], "html": n["html"], "why": n["failureSummary"]}
                for n in v["nodes"]
            ],
        }
        for v in results["violations"]
    ]
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"axe-{name}.json"
    path.write_text(json.dumps(found, indent=2, ensure_ascii=False), encoding="utf-8")
    return found


class Audits:
    """axe-core runs over the flow; serious or critical findings fail the test at its end,
    after every page has been audited, so one run lists them all."""

    def __init__(self):
        self.blocking: dict[str, list[dict]] = {}

    def check(self, page, name: str) -> None:
        found = [v for v in _audit(page, name) if v["impact"] in BLOCKING]
        if found:
            self.blocking[name] = found

    def assert_none_blocking(self) -> None:
        assert not self.blocking, "axe found serious problems: " + json.dumps(
            self.blocking, indent=1, ensure_ascii=False
        )


def _switch_language(page, name: str, lang: str) -> None:
    page.get_by_role("button", name=name).click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == lang


def _submit(page):
    with page.expect_navigation():
        page.locator("button[name=submit_answers]").click()


def _error_in_view(page, name: str) -> None:
    """The page as a person sees it with the refused field in the middle of the screen: the
    message is readable, not under the sticky buttons; saved as a viewport screenshot."""
    error = page.locator("#q_unplanned-scope-changes-error")
    page.locator(SCOPE_CHANGES).evaluate(
        "el => el.scrollIntoView({block: 'center', behavior: 'instant'})"
    )
    box = error.bounding_box()
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).id",
        [box["x"] + 5, box["y"] + box["height"] / 2],
    )
    assert on_top == "q_unplanned-scope-changes-error"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _expect_number_error(page, typed: str, radios: dict[str, str], text: str) -> None:
    """The out-of-range number is refused beside its field, and nothing typed is lost."""
    field = page.locator(SCOPE_CHANGES)
    error = page.locator("#q_unplanned-scope-changes-error")
    assert error.is_visible()
    assert re.search(r"\b0\b.*\b100\b", error.inner_text()), error.inner_text()
    assert "q_unplanned-scope-changes-error" in (field.get_attribute("aria-describedby") or "")
    assert "is-invalid" in (field.get_attribute("class") or "")
    field_box, error_box = field.bounding_box(), error.bounding_box()
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 40, "error is beside"
    assert abs(error_box["x"] - field_box["x"]) < 40
    assert field.input_value() == typed
    assert _checked(page) == radios
    assert page.locator(MOOD_TEXT).input_value() == text
    assert page.locator(".alert-danger[role=alert]").count() >= 1


def test_collect_answers_close_and_summary(live_server, open_page):
    base = live_server
    audits = Audits()
    lead = open_page("en-US")

    # --- the lead sets up a client, a kickoff round and three respondents (English) ---
    lead.goto(f"{base}/login")
    lead.get_by_label("Email").fill("lead@example.com")
    lead.get_by_label("Password").fill(PASSWORD)
    lead.get_by_role("button", name="Log in").click()
    lead.wait_for_url(f"{base}/")

    lead.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Clients"
    ).click()
    lead.get_by_role("link", name="New client").click()
    assert lead.get_by_role("heading", level=1).inner_text() == "New client"
    screenshot(lead, "collect-client-form-en")
    lead.get_by_label("Name").fill("Acme Logistics")
    lead.get_by_label("Industry").fill("Freight")
    lead.get_by_role("button", name="Save").click()
    lead.wait_for_url(re.compile(r"/clients/\d+$"))
    client_url = lead.url
    assert lead.get_by_role("heading", level=1).inner_text() == "Acme Logistics"
    screenshot(lead, "collect-client-page-en")

    lead.get_by_role("navigation", name="breadcrumb").get_by_role("link", name="Clients").click()
    assert lead.get_by_role("link", name="Acme Logistics").is_visible()
    screenshot(lead, "collect-client-list-en")
    lead.get_by_role("link", name="Acme Logistics").click()

    lead.get_by_role("link", name="New round").click()
    round_form_url = lead.url
    assert lead.get_by_label("Kind").input_value() == "kickoff"
    lead.get_by_label("Questionnaire").select_option("six-signs")
    screenshot(lead, "collect-round-form-en")
    lead.get_by_role("button", name="Create round").click()
    lead.wait_for_url(re.compile(r"/rounds/\d+$"))
    round_url = lead.url

    links = {}
    for name, role in (("Ana", "delivery"), ("Bo", "account"), ("Chen", "finance")):
        adding = lead.get_by_role("form", name="Add respondent")
        adding.get_by_label("Name").fill(name)
        adding.get_by_label("Role").select_option(role)
        adding.get_by_role("button", name="Add respondent").click()
        lead.wait_for_url(round_url)
        row = lead.locator(f'tr[data-respondent="{name}"]')
        links[name] = row.locator("input[readonly]").input_value()
        assert links[name].startswith(f"{base}/r/")
    assert len(set(links.values())) == 3
    assert "3 invited" in lead.get_by_test_id("progress").inner_text()
    screenshot(lead, "collect-round-page-en")

    # --- Ana answers in Chinese; looks on a phone first ---
    ana = open_page("zh-CN", PHONE)
    ana.goto(links["Ana"])
    assert ana.locator("html").get_attribute("lang") == "zh-CN"
    _fits_phone(ana)
    screenshot(ana, "collect-answer-form-phone-zh-CN")
    ana.context.close()

    ana = open_page("zh-CN")
    ana.goto(links["Ana"])
    assert ana.get_by_role("heading", level=1).inner_text() == TITLE_ZH
    assert ana.get_by_role("heading", name="1. 尊重边界").is_visible()
    assert ana.get_by_label("非常同意").first.is_visible()
    assert ana.get_by_label("不适用／不清楚").first.is_visible()
    assert "Strongly agree" not in ana.content()
    screenshot(ana, "collect-answer-form-zh-CN")
    audits.check(ana, "answer-form-zh-CN")
    radios = _answer_radios(ana, offset=3)
    ana.locator(SCOPE_CHANGES).fill("500")
    ana.locator(MOOD_TEXT).fill("沟通还算顺畅。")
    _submit(ana)
    _expect_number_error(ana, "500", radios, "沟通还算顺畅。")
    screenshot(ana, "collect-answer-form-error-zh-CN")
    _error_in_view(ana, "collect-answer-form-error-in-view-zh-CN")
    ana.locator(SCOPE_CHANGES).fill("1")
    _submit(ana)
    assert ana.locator(".alert-success[role=alert]").is_visible()
    assert _checked(ana) == radios
    ana.context.close()

    # --- Bo saves a draft, leaves, comes back through the same link and submits ---
    bo = open_page("en-GB", PHONE)
    bo.goto(links["Bo"])
    _fits_phone(bo)
    screenshot(bo, "collect-answer-form-phone-en")
    bo.context.close()

    bo = open_page("en-GB")
    bo.goto(links["Bo"])
    assert bo.get_by_role("heading", level=1).inner_text() == "Partner or lord? Six warning signs"
    assert bo.get_by_label("Strongly agree").first.is_visible()
    screenshot(bo, "collect-answer-form-en")
    audits.check(bo, "answer-form-en")
    first_half = _answer_radios(bo, offset=1, only=slice(0, 10))
    bo.locator(SCOPE_CHANGES).fill("2")
    bo.get_by_label("Anything to add about this sign? (optional)").first.fill("Late calls.")
    with bo.expect_navigation():
        bo.locator("button[name=save]").click()
    assert bo.get_by_role("alert").inner_text().startswith("Draft saved.")
    # The same browser later (its cookies kept): an anonymous round shows saved answers
    # only to the browser that saved them (docs/anonymity.md).
    cookies = bo.context.storage_state()
    bo.context.close()

    elsewhere = open_page("en-GB")
    elsewhere.goto(links["Bo"])
    assert "from another browser" in elsewhere.get_by_role("alert").inner_text()
    assert _checked(elsewhere) == {}
    elsewhere.context.close()

    bo = open_page("en-GB", storage_state=cookies)
    bo.goto(links["Bo"])
    assert bo.get_by_text("Draft saved", exact=True).is_visible()
    assert _checked(bo) == first_half
    assert bo.locator(SCOPE_CHANGES).input_value() == "2"
    assert bo.locator('textarea[name="c_boundaries"]').input_value() == "Late calls."
    _answer_radios(bo, offset=1, only=slice(10, None))
    bo.locator(MOOD_TEXT).fill("Calm.")  # every question answered: no review of skipped ones
    _submit(bo)
    assert bo.get_by_role("alert").inner_text().startswith("Thank you")
    assert bo.get_by_text("Submitted", exact=True).is_visible()
    bo.context.close()

    # --- Chen submits at once, after fixing a number out of range ---
    chen = open_page("en-US")
    chen.goto(links["Chen"])
    radios = _answer_radios(chen, offset=0)
    chen.locator(SCOPE_CHANGES).fill("150")
    chen.locator(MOOD_TEXT).fill("Tense but fair.")
    _submit(chen)
    _expect_number_error(chen, "150", radios, "Tense but fair.")
    assert "between 0" in chen.locator("#q_unplanned-scope-changes-error").inner_text()
    screenshot(chen, "collect-answer-form-error-en")
    _error_in_view(chen, "collect-answer-form-error-in-view-en")
    audits.check(chen, "answer-form-error-en")
    chen.locator(SCOPE_CHANGES).fill("4")
    _submit(chen)
    assert chen.get_by_role("alert").inner_text().startswith("Thank you")
    chen.context.close()

    # --- the lead follows the progress, closes the round and reads the summary ---
    lead.goto(round_url)
    progress = lead.get_by_test_id("progress").inner_text()
    assert "3 submitted" in progress and "0 with a draft" in progress
    for name in links:
        status = lead.locator(f'tr[data-respondent="{name}"] .badge').inner_text()
        assert status == "Submitted"
    screenshot(lead, "collect-round-progress-en")
    audits.check(lead, "round-page-en")
    _switch_language(lead, "简体中文", "zh-CN")
    screenshot(lead, "collect-round-progress-zh-CN")
    audits.check(lead, "round-page-zh-CN")
    _switch_language(lead, "English", "en")

    lead.get_by_role("link", name="Close round…").click()  # asks first, saying what it does
    assert (
        "3 of 3 team members have submitted." in lead.get_by_test_id("close-progress").inner_text()
    )
    screenshot(lead, "collect-close-confirm-en")
    audits.check(lead, "close-confirm-en")
    lead.get_by_role("button", name="Close round").click()
    lead.wait_for_url(round_url)
    assert lead.get_by_role("alert").inner_text().startswith("Round closed.")
    # Anonymous, and its results are now shown: it cannot be reopened (docs/anonymity.md).
    assert lead.get_by_role("button", name="Reopen round").count() == 0
    assert lead.get_by_text("cannot be reopened").is_visible()
    assert re.fullmatch(r"\d{1,3}", lead.get_by_test_id("index").inner_text())
    assert lead.get_by_test_id("verdict").inner_text().strip()
    summary = lead.get_by_role("region", name="Summary")
    sign_rows = summary.locator("tbody tr")
    # A kickoff round asks nothing about payment yet: that sign says so, with no score.
    assert sign_rows.count() == 6
    payment = summary.locator('tr[data-sign="payment"]')
    assert payment.get_by_role("rowheader").inner_text() == "Paying on time"
    assert "Not asked in a kickoff" in payment.inner_text()
    assert "Insufficient data" not in summary.inner_text()
    assert sign_rows.first.get_by_role("rowheader").inner_text() == "Respect for boundaries"
    screenshot(lead, "collect-round-summary-en")

    # --- a personal link of a closed round, in both languages: each in the language its
    # person answered in, whatever the browser's (issue 25: a language per person) ---
    for locale, name, lang in (("zh-CN", "Bo", "en"), ("en-US", "Ana", "zh-CN")):
        person = open_page(locale)
        person.goto(links[name])
        assert person.locator("html").get_attribute("lang") == lang
        assert person.locator("form.answer-form").count() == 0
        assert person.locator("textarea, input[type=radio]").count() == 0
        screenshot(person, f"collect-closed-round-{lang}")
        person.context.close()

    # --- every lead page again, in Chinese ---
    _switch_language(lead, "简体中文", "zh-CN")
    assert lead.get_by_test_id("verdict").inner_text().strip()
    assert lead.get_by_role("rowheader").first.inner_text() == "尊重边界"
    screenshot(lead, "collect-round-summary-zh-CN")
    for url, name in (
        (f"{base}/clients/", "client-list"),
        (f"{base}/clients/new", "client-form"),
        (client_url, "client-page"),
        (round_form_url, "round-form"),
    ):
        lead.goto(url)
        assert lead.locator("html").get_attribute("lang") == "zh-CN"
        screenshot(lead, f"collect-{name}-zh-CN")
    audits.assert_none_blocking()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_switching_language_keeps_what_is_typed(live_server, open_page, make_round, javascript):
    """A respondent types, switches to Chinese and back: nothing typed is lost, with or
    without JavaScript; Enter in a field still saves a draft (not a language switch)."""
    _created, people = make_round(respondents=1, kind="kickoff", period="2026-Q1")
    page = open_page("en-US", javascript=javascript)
    page.goto(f"{live_server}/r/{people[0].token}")
    radios = _answer_radios(page, offset=2, only=slice(0, 4))
    page.locator(SCOPE_CHANGES).fill("3")
    page.locator(MOOD_TEXT).fill("Line one\nline two, 好")
    page.locator('textarea[name="c_boundaries"]').fill("Not saved yet.")
    with page.expect_navigation():
        page.get_by_role("button", name="简体中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("heading", level=1).inner_text() == TITLE_ZH
    assert _checked(page) == radios
    assert page.locator(SCOPE_CHANGES).input_value() == "3"
    assert page.locator(MOOD_TEXT).input_value() == "Line one\nline two, 好"
    assert page.locator('textarea[name="c_boundaries"]').input_value() == "Not saved yet."
    # saved on the way (by the switch, or by autosave just before it), and said once
    assert "语言已切换。" in page.locator(".alert").first.inner_text()
    assert "但尚未保存" not in page.content()
    screenshot(page, f"collect-language-switch-kept-{'js' if javascript else 'nojs'}-zh-CN")

    with page.expect_navigation():
        page.locator(SCOPE_CHANGES).press("Enter")  # the form's default button: save a draft
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("alert").first.inner_text().startswith("草稿已保存")
    assert _checked(page) == radios
    assert page.locator(SCOPE_CHANGES).input_value() == "3"

    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(MOOD_TEXT).input_value() == "Line one\nline two, 好"

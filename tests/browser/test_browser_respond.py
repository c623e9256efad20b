"""The respondent's ten minutes in a real browser: progress, autosave, the warning before
leaving, the review of skipped items, keyboard-only answering and an axe audit of the
whole form (both languages, desktop and phone). Screenshots go to tests/artifacts/."""

from __future__ import annotations

import pytest
from conftest import ARTIFACTS, PASSWORD, screenshot
from test_browser_collect import DESKTOP, PHONE, Audits, _answer_radios, _checked, open_page

pytestmark = pytest.mark.browser

__all__ = ["open_page"]  # the fixture, shared with test_browser_collect

SAVED = {"en": "All changes saved", "zh-CN": "所有修改均已保存"}


def _wait_saved(page, lang: str = "en") -> None:
    page.locator(".save-state", has_text=SAVED[lang]).wait_for(timeout=10_000)


def _progress(page) -> str:
    return page.locator("#progress-text").inner_text()


def test_half_the_form_on_a_phone_survives_closing_the_tab(live_server, open_page, make_round):
    """Done when: a respondent on a 390×844 viewport answers half the form, closes the
    tab, reopens the link and finds every answer (saved by autosave, no button pressed)."""
    _created, people = make_round(respondents=1)
    link = f"{live_server}/r/{people[0].token}"
    page = open_page("en-US", PHONE)
    page.goto(link)
    groups = page.locator("form.answer-form fieldset.item").count()
    assert "0 of" in _progress(page)
    half = _answer_radios(page, offset=2, only=slice(0, groups // 2))
    page.locator('textarea[name="c_boundaries"]').fill("Typed, never saved by hand.")
    _wait_saved(page)
    assert _progress(page).startswith(f"{len(half)} of")
    first_section = page.locator(".section-nav li").first.inner_text()
    assert "of" in first_section and "answered" in first_section
    screenshot(page, "respond-autosaved-phone-en")
    context = page.context
    page.close()  # the tab, not the browser: its cookies (the answer key) stay

    again = context.new_page()
    again.goto(link)
    assert _checked(again) == half
    assert again.locator('textarea[name="c_boundaries"]').input_value() == (
        "Typed, never saved by hand."
    )
    assert _progress(again).startswith(f"{len(half)} of")
    assert again.get_by_text("Draft saved", exact=True).is_visible()


def test_leaving_with_unsaved_changes_asks_first(live_server, open_page, make_round):
    _created, people = make_round(respondents=1)
    page = open_page("en-US")
    page.goto(f"{live_server}/r/{people[0].token}")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.locator("form.answer-form fieldset.item input[type=radio]").first.check()
    assert "Changes not saved yet" in page.locator(".save-state").inner_text()
    page.evaluate("location.href = '/login'")  # leaving before the autosave: asked
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    assert page.url.endswith(people[0].token)
    _wait_saved(page)
    page.goto(f"{live_server}/login")  # once saved, nothing to ask
    assert asked == ["beforeunload"]


@pytest.mark.parametrize(("locale", "lang"), [("en-US", "en"), ("zh-CN", "zh-CN")])
def test_submitting_with_skipped_items_shows_the_review(
    live_server, open_page, make_round, locale, lang
):
    _created, people = make_round(respondents=1)
    audits = Audits()
    page = open_page(locale, PHONE)
    page.goto(f"{live_server}/r/{people[0].token}")
    audits.check(page, f"respond-form-phone-{lang}")
    _answer_radios(page, offset=1, only=slice(0, 1))
    with page.expect_navigation():
        page.locator("button[name=submit_answers]").click()
    review = page.get_by_test_id("review")
    assert review.is_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    counted = page.locator("form .item:not([data-optional])").count()  # optional: no gap
    assert review.locator("li").count() == counted - 1
    screenshot(page, f"respond-review-phone-{lang}")
    audits.check(page, f"respond-review-phone-{lang}")
    review.locator("li a").first.click()  # back to the first skipped question
    with page.expect_navigation():
        review.locator("button[value=anyway]").click()
    assert page.get_by_test_id("review").count() == 0
    assert page.locator(".badge.text-bg-success").is_visible()  # submitted
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"respond-submitted-{lang}")
    audits.check(page, f"respond-submitted-{lang}")
    audits.assert_none_blocking()


@pytest.mark.parametrize(("locale", "lang"), [("en-US", "en"), ("zh-CN", "zh-CN")])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_whole_form_passes_axe(live_server, open_page, make_round, locale, lang, viewport):
    _created, people = make_round(respondents=1)
    audits = Audits()
    page = open_page(locale, viewport)
    page.goto(f"{live_server}/r/{people[0].token}")
    size = "phone" if viewport == PHONE else "desktop"
    screenshot(page, f"respond-form-{size}-{lang}")
    audits.check(page, f"respond-form-{size}-{lang}")
    _answer_radios(page, offset=0, only=slice(0, 5))
    page.locator('input[name="q_unplanned-scope-changes"]').fill("500")
    _wait_failed = page.locator(".save-state", has_text="answers" if lang == "en" else "答案")
    _wait_failed.wait_for(timeout=10_000)  # autosave refused the number: said so
    with page.expect_navigation():
        page.locator("button[name=save]").click()
    screenshot(page, f"respond-form-error-{size}-{lang}")
    audits.check(page, f"respond-form-error-{size}-{lang}")
    audits.assert_none_blocking()


def test_keyboard_only_completion_keeps_focus_in_view(live_server, open_page, make_round):
    """Tab through the whole form, answering with the keyboard only; every focused control
    is on screen and above the sticky bar; Enter on "Submit answers" submits."""
    _created, people = make_round(respondents=1, kind="kickoff")
    page = open_page("en-US", PHONE)
    page.goto(f"{live_server}/r/{people[0].token}")
    page.locator("#main").focus()
    hidden = []
    for _step in range(400):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
              const el = document.activeElement;
              const box = el.getBoundingClientRect();
              const bar = document.querySelector('.sticky-actions').getBoundingClientRect();
              return {tag: el.tagName, type: el.type || '', name: el.name || '',
                      checked: !!el.checked, top: box.top, bottom: box.bottom,
                      inBar: !!el.closest('.sticky-actions'), barTop: bar.top,
                      height: innerHeight, value: el.value || ''};
            }"""
        )
        if focused["inBar"] and focused["name"] == "submit_answers":
            break
        if focused["tag"] in ("INPUT", "TEXTAREA") and not focused["inBar"]:
            if focused["bottom"] > focused["barTop"] or focused["top"] < 0:
                hidden.append(focused["name"])
            if focused["type"] == "radio" and not focused["checked"]:
                page.keyboard.press("Space")
            elif focused["type"] == "number" and not focused["value"]:
                page.keyboard.type("2")
            elif focused["tag"] == "TEXTAREA" and focused["name"].startswith("q_"):
                page.keyboard.type("Typed with the keys.")
    else:
        pytest.fail("Tab never reached Submit answers")
    assert not hidden, f"focus went under the sticky bar or off screen: {hidden}"
    assert "of" in _progress(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_test_id("review").count() == 0, "every question was answered"
    assert page.get_by_role("alert").first.inner_text().startswith("Thank you")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "respond-keyboard-done-phone-en.png"))


@pytest.mark.parametrize(("locale", "lang"), [("en-US", "en"), ("zh-CN", "zh-CN")])
def test_after_close_the_team_view_shows_no_individual_answer(
    app, live_server, open_page, make_round, locale, lang
):
    """Done when: after close, a respondent opens the team view from their link and sees
    no individual answer; the lead's switch, the member's home page; axe on each."""
    from test_team import SECRET, _round, _steps

    from assessment.db import get_db
    from assessment.store import team_views

    created, people = _round(app, make_round)
    steps = _steps(app, created.id)
    with app.app_context():
        team_views.save(get_db(), created.id, shared=True, steps=[steps[0].sign_id], user_id=None)
    audits = Audits()
    for viewport, size in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = open_page(locale, viewport)
        page.goto(f"{live_server}/r/{people[1].token}")
        screenshot(page, f"team-closed-link-{size}-{lang}")
        with page.expect_navigation():
            page.locator(f'a[href$="/r/{people[1].token}/team"]').click()
        text = page.locator("main").inner_text()
        assert SECRET not in text
        assert page.locator("main input, main textarea").count() == 0
        assert page.get_by_test_id("index").is_visible()
        assert steps[0].text.get(lang) in text
        screenshot(page, f"team-view-{size}-{lang}")
        audits.check(page, f"team-view-{size}-{lang}")

    # The member (an account invited with the same email) finds it on the home page.
    member = open_page(locale, PHONE)
    member.goto(f"{live_server}/login")
    member.locator("input[name=email]").fill("member@example.com")
    member.locator("input[name=password]").fill(PASSWORD)
    with member.expect_navigation():
        member.locator("main form [type=submit]").click()
    screenshot(member, f"team-member-home-phone-{lang}")
    audits.check(member, f"team-member-home-phone-{lang}")
    with member.expect_navigation():
        member.locator(f'a[href="/team/{created.id}"]').click()
    assert SECRET not in member.locator("main").inner_text()

    lead = open_page(locale, DESKTOP)
    lead.goto(f"{live_server}/login")
    lead.locator("input[name=email]").fill("lead@example.com")
    lead.locator("input[name=password]").fill(PASSWORD)
    with lead.expect_navigation():
        lead.locator("main form [type=submit]").click()
    lead.goto(f"{live_server}/rounds/{created.id}#team-view")
    assert lead.get_by_test_id("team-shared").is_visible()
    lead.locator("#team-view").screenshot(path=str(ARTIFACTS / f"team-switch-{lang}.png"))
    audits.check(lead, f"team-round-page-{lang}")
    audits.assert_none_blocking()


@pytest.mark.parametrize(("locale", "lang"), [("en-US", "en"), ("zh-CN", "zh-CN")])
def test_an_autosave_over_the_size_limit_says_so(live_server, open_page, make_round, locale, lang):
    """A respondent (on their own link) whose autosave the server refuses with 413 is told
    it is too large, not that the connection failed or the form expired."""
    _created, people = make_round(respondents=1)
    page = open_page(locale)
    page.route("**/autosave", lambda route: route.fulfill(status=413, body="Too large"))
    page.goto(f"{live_server}/r/{people[0].token}")
    page.locator("form.answer-form fieldset.item input[type=radio]").first.check()
    words = {"en": "too large", "zh-CN": "过大"}[lang]
    page.locator(".save-state", has_text=words).wait_for(timeout=10_000)
    text = page.locator(".save-state").inner_text()
    assert "connection" not in text and "连接" not in text and "expired" not in text


def test_typing_in_an_optional_open_question_leaves_the_progress_as_it_was(
    live_server, open_page, make_round
):
    """The respondent's own link: the count kept by app.js leaves the optional open
    question out, as the server does."""
    _created, people = make_round(respondents=1)
    page = open_page("en-US", PHONE)
    page.goto(f"{live_server}/r/{people[0].token}")
    before = _progress(page)
    optional = page.locator(".item[data-optional] textarea").first
    optional.fill("A note nobody has to write.")
    _wait_saved(page)
    assert _progress(page) == before
    page.reload()
    assert _progress(page) == before


def test_back_after_submitting_asks_to_resend_nothing(live_server, open_page, make_round):
    """The respondent on their own link: Submit (with a blank, so the review comes first),
    Submit anyway, then Back twice: every page comes back without a resubmission prompt
    (each POST answered by a redirect)."""
    _created, people = make_round(respondents=1)
    page = open_page("en-US", PHONE)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(f"{live_server}/r/{people[0].token}")
    _answer_radios(page, offset=1, only=slice(0, 1))
    with page.expect_navigation():
        page.locator("button[name=submit_answers]").click()
    assert page.get_by_test_id("review").is_visible()
    assert page.url.endswith("?review=1")
    with page.expect_navigation():
        page.get_by_test_id("review").locator("button[value=anyway]").click()
    assert page.locator(".badge.text-bg-success").is_visible()  # submitted
    for _ in range(2):
        response = page.go_back()
        assert response is not None and response.request.method == "GET"
        assert response.status == 200
        assert page.locator("form#answer-form").is_visible()
    assert len([u for u in posts if "/autosave" not in u]) == 2


@pytest.mark.parametrize(("locale", "lang"), [("en-US", "en"), ("zh-CN", "zh-CN")])
def test_after_a_language_switch_the_save_status_agrees_with_itself(
    live_server, open_page, make_round, locale, lang
):
    """The respondent switches language with an answer typed: the page says it is saved
    and nothing on it says otherwise; with an answer still to fix it says "not saved"
    everywhere and never "All changes saved"."""
    _created, people = make_round(respondents=1)
    page = open_page(locale)
    page.goto(f"{live_server}/r/{people[0].token}")
    _answer_radios(page, offset=2, only=slice(0, 2))
    other = {"en": "简体中文", "zh-CN": "English"}[lang]
    with page.expect_navigation():
        page.get_by_role("button", name=other).click()
    page.wait_for_timeout(1500)  # past the autosave delay: nothing left to save
    alert = page.locator(".alert").first.inner_text()
    assert {"zh-CN": "Your answers are saved.", "en": "您的答案已保存。"}[lang] in alert  # switched
    state = page.locator(".save-state").inner_text()
    assert "not saved" not in state.lower() and "未保存" not in state
    assert page.locator("form#answer-form").get_attribute("data-dirty") is None

    number = page.locator("form input[type=number]").first
    number.fill("-5")  # out of range: kept as typed, not valid yet
    back = {"en": "English", "zh-CN": "简体中文"}[lang]
    with page.expect_navigation():
        page.get_by_role("button", name=back).click()
    page.wait_for_load_state()
    alert = page.locator(".alert").first.inner_text()
    # Saving never waits for every answer to be valid (issue 25): the valid ones are saved,
    # the invalid one kept as typed, and the page says so instead of "all saved".
    assert "kept as you typed" in alert or "按您输入的原样保留" in alert, alert
    assert page.locator("form input[type=number]").first.input_value() == "-5"
    page.wait_for_timeout(1500)  # past the autosave delay
    assert SAVED[lang] not in page.locator(".save-state").inner_text()

"""The firm's logo and name in the bar, in a real browser (assessment/branding.py): on a
phone and on a wide screen, in both languages, the brand and the language switch share one
line, the logo loads, and nothing widens the page. A client contact (no login) sees the
firm's name and logo; a logged-in lead sees them too (beside the product's name on the
widest screens; on a phone, beside the menu button, the logo alone, the name kept for
screen readers)."""

from __future__ import annotations

import pytest
from conftest import log_in, screenshot
from test_branding import make_app, png_bytes, write

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 800}
LOCALES = {"en": "en-US", "zh-CN": "zh-CN"}


@pytest.fixture
def app(tmp_path, template_database):
    """A long firm name and a wide logo: the hardest case for a phone's bar."""
    write(tmp_path / "instance", "logo.png", png_bytes(360, 96))
    return make_app(
        tmp_path,
        template_database,
        FIRM_NAME="Acme Strategy & Management Consulting",
        FIRM_NAME_ZH="艾克米战略与管理咨询有限公司",
        FIRM_LOGO="logo.png",
    )


def _bar(page) -> dict:
    """Where the brand, the language switch and the logo are, and whether the logo drew."""
    return page.evaluate(
        """() => {
          const box = (s) => { const e = document.querySelector(s);
            return e ? e.getBoundingClientRect().toJSON() : null; };
          const img = document.querySelector('.navbar-brand img');
          return {brand: box('.navbar-brand'), switch: box('.navbar .btn-group'),
                  nav: box('.navbar-nav'), language: box('.navbar .btn-group button'),
                  logo: img ? img.naturalWidth : 0, name: box('.brand-firm'),
                  width: document.documentElement.scrollWidth};
        }"""
    )


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_client_page_bar_holds_the_logo_the_name_and_the_switch(
    live_server, browser, make_round, lang, viewport
):
    _current, people = make_round(respondents=0, contacts=1)
    context = browser.new_context(viewport=viewport, locale=LOCALES[lang])
    try:
        page = context.new_page()
        page.goto(f"{live_server}/r/{people[0].token}")
        name = "艾克米战略与管理咨询有限公司" if lang == "zh-CN" else "Acme Strategy"
        assert name in page.locator(".navbar-brand").inner_text()
        assert name.split(" ")[0] in page.title()
        bar = _bar(page)
        assert bar["logo"] == 360  # loaded, at its own size
        assert bar["name"]["width"] > 40  # the name shows, not squeezed away
        # One line: the switch sits beside the brand, not under it.
        assert bar["switch"]["top"] < bar["brand"]["bottom"]
        assert bar["brand"]["right"] <= bar["switch"]["left"]
        assert bar["width"] <= viewport["width"]
        assert bar["language"]["height"] < 40
        screenshot(page, f"branding-client-{lang}-{viewport['width']}")
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
@pytest.mark.parametrize("role", ["lead", "admin"])  # an admin's menu is the longest
def test_a_users_bar_keeps_the_menu_button_and_the_switch_on_one_line(
    live_server, browser, viewport, role
):
    context = browser.new_context(viewport=viewport, locale="en-US")
    try:
        page = context.new_page()
        log_in(page, live_server, f"{role}@example.com")
        bar = _bar(page)
        assert bar["logo"] == 360
        assert bar["switch"]["top"] < bar["brand"]["bottom"]
        assert bar["width"] <= viewport["width"]
        firm = page.locator(".brand-firm")
        assert firm.inner_text() == "Acme Strategy & Management Consulting"  # for readers
        if viewport is PHONE:
            toggler = page.locator(".navbar-toggler").bounding_box()
            assert toggler["y"] < bar["brand"]["bottom"]
            assert bar["name"]["width"] <= 1  # the logo alone, beside the menu button
        else:
            # The product's name joins the firm's only on the widest screens (xxl).
            assert "Partnership Check" not in page.locator(".navbar-brand").inner_text()
            logout = page.get_by_role("button", name="Log out").bounding_box()
            assert logout["height"] < 40  # nothing squeezed onto two lines
            assert bar["brand"]["right"] <= bar["nav"]["left"]  # nothing overlaps the menu
            assert bar["language"]["height"] < 40  # each language on one line
        screenshot(page, f"branding-{role}-{viewport['width']}")
    finally:
        context.close()

"""The leads' pages on a 390 px phone, in both languages: nothing makes the whole page
scroll sideways (a wide table may scroll inside its own box). Seen by a lead of the demo
data (the account lead of every demo client); the audit log and outbox by an admin."""

from __future__ import annotations

import pytest
from conftest import PASSWORD, log_in, screenshot

from assessment.db import get_db
from assessment.demo import DEMO_PASSWORD, load_demo
from assessment.store import clients, rounds

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo_pages(app, questionnaires):
    """The demo data, and the pages of a lead: (name, path) for each."""
    with app.app_context():
        db = get_db()
        load_demo(get_db(), questionnaires)
        apex = clients.find_by_name(db, "Apex Retail Group")
        meridian = clients.find_by_name(db, "Meridian Tech")
        closed = next(r for r in rounds.list_rounds(db, apex.id) if not r.is_open)
        open_round = next(r for r in rounds.list_rounds(db, meridian.id) if r.is_open)
    return [
        ("home", "/"),
        ("clients", "/clients/"),
        ("client", f"/clients/{apex.id}"),
        ("client-edit", f"/clients/{apex.id}/edit"),
        ("client-new", "/clients/new"),
        ("round-new", f"/clients/{apex.id}/rounds/new"),
        ("round-closed", f"/rounds/{closed.id}"),
        ("round-open", f"/rounds/{open_round.id}"),
        ("round-close", f"/rounds/{open_round.id}/confirm-close"),
        ("results", f"/rounds/{closed.id}/results"),
        ("portfolio", "/portfolio/"),
        ("password", "/account/password"),
    ]


def _overflow(page) -> list[str]:
    """What sticks out past the viewport's right edge (outside a scrolling box)."""
    return page.evaluate(
        """() => {
          const out = [];
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.right <= innerWidth + 0.5 || r.width === 0) continue;
            let box = el.parentElement, inside = false;
            while (box) {
              const o = getComputedStyle(box).overflowX;
              if (o === 'auto' || o === 'scroll' || o === 'hidden') { inside = true; break; }
              box = box.parentElement;
            }
            if (!inside) out.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right));
          }
          return out.slice(0, 5);
        }"""
    )


@pytest.mark.parametrize(("locale", "lang"), [("en-US", "en"), ("zh-CN", "zh-CN")])
def test_every_lead_page_fits_a_phone(live_server, browser, demo_pages, locale, lang):
    context = browser.new_context(viewport=PHONE, locale=locale, reduced_motion="reduce")
    page = context.new_page()
    log_in(page, live_server, "lead@demo.example", DEMO_PASSWORD)
    wide = {}
    for name, path in demo_pages:
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, (name, response.status)
        assert page.locator("html").get_attribute("lang") == lang
        width = page.evaluate("document.documentElement.scrollWidth")
        inner = page.evaluate("innerWidth")
        screenshot(page, f"phone-{name}-{lang}")
        if width > inner:
            wide[name] = (width, _overflow(page))
    context.close()
    assert not wide, wide


@pytest.mark.parametrize(("locale", "lang"), [("en-US", "en"), ("zh-CN", "zh-CN")])
def test_the_admins_pages_fit_a_phone(live_server, browser, demo_pages, locale, lang):
    context = browser.new_context(viewport=PHONE, locale=locale, reduced_motion="reduce")
    page = context.new_page()
    log_in(page, live_server, "admin@example.com", PASSWORD)
    wide = {}
    for path in ("/audit/", "/outbox/", "/users/"):
        page.goto(f"{live_server}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > page.evaluate("innerWidth"):
            wide[path] = (width, _overflow(page))
    context.close()
    assert not wide, wide

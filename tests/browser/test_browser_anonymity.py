"""Anonymous rounds in a real browser: the round page open and closed, below and above the
floor, and the results page, in both languages, on a desktop and a phone. The screenshots
go to tests/artifacts/ for a person to look at."""

from __future__ import annotations

import pytest
from conftest import log_in, screenshot

from assessment import results
from assessment.db import get_db
from assessment.questionnaire import ChoiceItem, LikertItem, NumberItem, TextItem
from assessment.store import clients, respondents, responses, rounds

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _answers(q, kind: str, n: int, *, skip_sign: str | None = None) -> dict:
    answers = {}
    for sign in q.signs:
        if sign.id == skip_sign:
            continue
        for item in sign.items:
            if not item.applies(kind):
                continue
            if isinstance(item, LikertItem):
                answers[item.id] = 1 + (n + len(answers)) % 5
            elif isinstance(item, NumberItem):
                answers[item.id] = int(item.min) + 3 * n
            elif isinstance(item, ChoiceItem):
                answers[item.id] = item.options[n % len(item.options)].id
            elif isinstance(item, TextItem):
                answers[item.id] = f"Text answer of person {n}"
    return answers


@pytest.fixture
def rounds_by_state(app, questionnaires):
    """Four anonymous rounds of one client: open and closed, below and above the floor."""
    q = questionnaires["six-signs"]
    made = {}
    with app.app_context():
        db = get_db()
        client = clients.create_client(db, name="Northwind Logistics", industry="Logistics")
        plans = {
            "open-below": ("2026-Q1", 4, 2, False),
            "open-above": ("2026-Q2", 5, 4, False),
            "closed-below": ("2026-Q3", 4, 2, True),
            "closed-above": ("2026-Q4", 4, 4, True),
        }
        roles = ("delivery", "delivery", "delivery", "finance", "account")
        for state, (period, invited, submitted, close) in plans.items():
            current = rounds.create_round(
                db, client_id=client.id, kind="quarterly", period=period, questionnaire=q
            )
            for n in range(invited):
                person = respondents.add_respondent(
                    db, current.id, name=f"Person {n} ({state})", role=roles[n]
                )
                if n < submitted:
                    skip = "payment" if n >= 2 else None  # two people only: withheld
                    answers = _answers(q, current.kind, n, skip_sign=skip)
                    comment = {q.signs[0].id: f"Comment of person {n}"}
                    responses.save_response(db, person.id, answers, comment, submit=True)
            if close:
                results.close_round(db, rounds.get_round(db, current.id))
            made[state] = current.id
    return made


def _log_in(page, live_server):
    log_in(page, live_server, "lead@example.com")


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize(("locale", "lang"), [("en-US", "en"), ("zh-CN", "zh-CN")])
def test_round_pages_of_an_anonymous_round(
    live_server, browser, rounds_by_state, size, locale, lang
):
    context = browser.new_context(viewport=SIZES[size], locale=locale, reduced_motion="reduce")
    page = context.new_page()
    _log_in(page, live_server)
    for state, round_id in rounds_by_state.items():
        page.goto(f"{live_server}/rounds/{round_id}")
        assert page.locator('[data-testid="floor"]').is_visible()
        shown = page.locator('[data-testid="index"]').count() == 1
        assert shown is (state == "closed-above"), state
        if not shown:
            assert page.locator('[data-testid="withheld"]').is_visible()
        assert "Comment of person" not in page.content()
        screenshot(page, f"anonymity-round-{state}-{lang}-{size}")
    page.goto(f"{live_server}/rounds/{rounds_by_state['closed-above']}/results")
    body = page.content()
    assert page.locator(".badge-withheld").count() >= 1, "the payment sign is withheld"
    assert page.locator('[data-testid="comments-withheld"]').is_visible()
    assert "Comment of person" not in body and "r<sub>wg</sub>" not in body
    assert page.locator(".spread").count() >= 4
    screenshot(page, f"anonymity-results-closed-above-{lang}-{size}")
    context.close()

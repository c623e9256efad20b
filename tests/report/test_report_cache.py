"""Reports cached by content (report/cache.py): the key changes with everything the PDF
shows, and with everything that gates what an anonymous round may show; the files stay
within their bound; downloads, share links and the pack are served from the cache."""

from __future__ import annotations

import dataclasses
import os
import stat
import time
from datetime import UTC, datetime, timedelta

import pytest
from factories import every_answer

from assessment import results
from assessment.db import get_db
from assessment.report import cache, pack, pdf
from assessment.report.cache import ReportCache, report_key
from assessment.report.data import round_report
from assessment.store import actions, respondents, responses, rounds, share_links
from assessment.store import users as users_store

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def db(app):
    with app.app_context():
        yield get_db()


@pytest.fixture
def answered(db, make_round):
    """A round with ``n`` submissions (comment ``comment`` from the first), optionally closed."""

    def make(*, n=3, anonymous=False, close=False, client="Acme", comment="Fine", period="2026-Q4"):
        current, people = make_round(
            anonymous=anonymous, respondents=n, client=client, period=period
        )
        q = current.questionnaire
        sign = q.signs[0].id
        for i, person in enumerate(people):
            comments = {sign: comment} if i == 0 and comment else {}
            responses.save_response(
                db, person.id, every_answer(q, current.kind, i), comments, submit=True
            )
        if close:
            results.close_round(db, rounds.get_round(db, current.id))
        return rounds.get_round(db, current.id), people

    return make


def _key(db, round_id, lang="en", *, now=NOW, pack_title=None):
    report = round_report(db, rounds.get_round(db, round_id), now=now)
    return report_key(report, lang, pack_title=pack_title)


# --- the key ------------------------------------------------------------------------------


def test_same_content_same_key_across_the_day_but_not_the_next(db, answered):
    current, _ = answered()
    first = _key(db, current.id)
    assert _key(db, current.id, now=NOW + timedelta(hours=5)) == first
    assert _key(db, current.id, now=NOW + timedelta(days=1)) != first


def test_language_and_pack_title_are_in_the_key(db, answered):
    current, _ = answered()
    en = _key(db, current.id)
    assert _key(db, current.id, "zh-CN") != en
    assert _key(db, current.id, "zh") == _key(db, current.id, "zh-CN")
    assert _key(db, current.id, pack_title="Leadership pack 2026-Q4") != en


def test_a_new_submission_changes_the_key(db, answered):
    current, _ = answered(n=3)
    before = _key(db, current.id)
    late = respondents.add_respondent(db, current.id, name="Late", role="delivery")
    invited = _key(db, current.id)
    assert invited != before  # the report counts who was invited
    responses.save_response(
        db, late.id, every_answer(current.questionnaire, current.kind, 7), {}, submit=False
    )
    assert _key(db, current.id) == invited  # a draft shows nowhere in the report
    responses.save_response(
        db, late.id, every_answer(current.questionnaire, current.kind, 7), {}, submit=True
    )
    assert _key(db, current.id) != invited


def test_a_changed_comment_changes_the_key(db, answered):
    current, people = answered(n=3, comment="Fine")
    before = _key(db, current.id)
    q = current.questionnaire
    responses.save_response(
        db,
        people[0].id,
        every_answer(q, current.kind, 0),
        {q.signs[0].id: "Fine, mostly"},
        submit=True,
    )
    assert _key(db, current.id) != before


def test_actions_change_the_key(db, answered):
    current, _ = answered()
    before = _key(db, current.id)
    sign = current.questionnaire.signs[0].id
    action = actions.create_action(db, current.id, sign_id=sign, title="Talk to finance")
    added = _key(db, current.id)
    assert added != before
    actions.set_done(db, action.id, True)
    done = _key(db, current.id)
    assert done not in (before, added)
    # An action of another client is not in this report.
    other, _ = answered(client="Other Co")
    actions.create_action(db, other.id, sign_id=sign, title="Elsewhere")
    assert _key(db, current.id) == done


def test_the_questionnaire_is_in_the_key(db, answered):
    current, _ = answered()
    report = round_report(db, current, now=NOW)
    q = report.questionnaire
    newer = q.model_copy(update={"version": q.version + 1})
    assert report_key(dataclasses.replace(report, questionnaire=newer), "en") != report_key(
        report, "en"
    )
    retitled = q.model_copy(update={"title": q.title.model_copy(update={"en": "Another title"})})
    assert report_key(dataclasses.replace(report, questionnaire=retitled), "en") != report_key(
        report, "en"
    )


def test_the_templates_and_code_are_in_the_key(monkeypatch, tmp_path):
    before = cache.rendering_fingerprint.__wrapped__()
    templates = tmp_path / "templates"
    (templates / "report").mkdir(parents=True)
    for path in (cache.TEMPLATE_FOLDER / "report").glob("*.html"):
        (templates / "report" / path.name).write_text(path.read_text(encoding="utf-8"))
    monkeypatch.setattr(cache, "TEMPLATE_FOLDER", templates)
    assert cache.rendering_fingerprint.__wrapped__() == before
    page = templates / "report" / "report.html"
    page.write_text(page.read_text(encoding="utf-8") + "<!-- changed -->")
    assert cache.rendering_fingerprint.__wrapped__() != before


def test_anonymous_round_every_gate_is_in_the_key(db, answered):
    # Open: nothing shown. Closed below the floor: still nothing, but another state.
    current, _ = answered(n=2, anonymous=True)
    open_key = _key(db, current.id)
    assert not round_report(db, current).results_visible
    results.close_round(db, current)
    withheld = _key(db, current.id)
    assert withheld != open_key
    # Reopened, a third submission, closed again: results shown, another key.
    results.reopen_round(db, rounds.get_round(db, current.id))
    third = respondents.add_respondent(db, current.id, name="Third", role="delivery")
    responses.save_response(
        db, third.id, every_answer(current.questionnaire, current.kind, 5), {}, submit=True
    )
    results.close_round(db, rounds.get_round(db, current.id))
    shown = round_report(db, rounds.get_round(db, current.id), now=NOW)
    assert shown.results_visible and shown.free_text.withheld  # text floor is 5
    assert report_key(shown, "en") not in (open_key, withheld)
    # The policy alone (floors, state, count) changes the key, whatever else is equal.
    for change in ({"floor": 4}, {"text_floor": 6}, {"submitted": 4}, {"is_open": True}):
        policy = dataclasses.replace(shown.policy, **change)
        other = dataclasses.replace(shown, policy=policy)
        assert report_key(other, "en") != report_key(shown, "en"), change


def test_comments_reaching_the_text_floor_change_the_key(db, answered):
    current, _ = answered(n=4, anonymous=True, close=True)
    below = round_report(db, current, now=NOW)
    assert below.results_visible and below.free_text.withheld
    # Results were shown (4 ≥ 3), so the round cannot be reopened: a new round it is.
    later, _ = answered(n=5, anonymous=True, close=True, period="2027-Q1")
    shown = round_report(db, later, now=NOW)
    assert not shown.free_text.withheld and shown.comments
    assert report_key(shown, "en") != report_key(below, "en")


# --- the files ----------------------------------------------------------------------------


KEYS = [f"{n:064x}" for n in range(1, 6)]


def test_files_are_private_whole_and_bounded(tmp_path):
    store = ReportCache(tmp_path / "report-cache", max_bytes=2500)
    assert store.get(KEYS[0]) is None
    store.put(KEYS[0], b"a" * 1000)
    folder = tmp_path / "report-cache"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / f"{KEYS[0]}.pdf").stat().st_mode) == 0o600
    store.put(KEYS[1], b"b" * 1000)
    old = time.time() - 100
    os.utime(folder / f"{KEYS[0]}.pdf", (old, old))
    os.utime(folder / f"{KEYS[1]}.pdf", (old - 50, old - 50))
    assert store.get(KEYS[1]) == b"b" * 1000  # a hit makes it the most recently used
    store.put(KEYS[2], b"c" * 1000)  # 3000 > 2500: the least recently used goes
    assert store.get(KEYS[0]) is None
    assert store.get(KEYS[1]) == b"b" * 1000 and store.get(KEYS[2]) == b"c" * 1000
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{k}.pdf" for k in KEYS[1:3])
    store.put(KEYS[3], b"d" * 3000)  # larger than the whole cache: not kept
    assert store.get(KEYS[3]) is None


def test_a_key_must_be_a_digest(tmp_path):
    store = ReportCache(tmp_path, max_bytes=1000)
    for bad in ("../../etc/passwd", "ABC", "0" * 63, "g" * 64):
        with pytest.raises(ValueError):
            store.get(bad)


def test_a_render_that_fails_stores_nothing(tmp_path):
    store = ReportCache(tmp_path / "c", max_bytes=10_000)

    def broken() -> bytes:
        raise RuntimeError("WeasyPrint fell over")

    with pytest.raises(RuntimeError):
        store.get_or_render(KEYS[0], broken)
    assert store.entries() == []


def test_the_setting_turns_it_off_and_sizes_it(app):
    assert cache.app_cache(app).max_bytes == 200 * 1024 * 1024
    app.config["REPORT_CACHE_MB"] = 0
    assert cache.app_cache(app) is None


# --- where it is used ---------------------------------------------------------------------


@pytest.fixture
def renders(monkeypatch):
    """Count WeasyPrint layouts (each call still renders for real)."""
    calls = []
    real = pdf.html_to_pdf

    def counting(html: str, **options) -> bytes:
        calls.append(html)
        return real(html, **options)

    monkeypatch.setattr(pdf, "html_to_pdf", counting)
    return calls


def test_download_and_share_link_render_once_until_something_changes(
    app, client, auth, answered, renders
):
    with app.app_context():
        current, _ = answered(close=True)
    auth.login("lead")
    first = client.get(f"/rounds/{current.id}/report.pdf?lang=en")
    assert first.status_code == 200 and first.data.startswith(b"%PDF") and len(renders) == 1
    again = client.get(f"/rounds/{current.id}/report.pdf?lang=en")
    assert again.data == first.data and len(renders) == 1
    with app.app_context():
        db = get_db()
        lead = users_store.find_by_email(db, "lead@example.com")
        _, token = _share(db, current.id, lead.id)
    shared = client.get(f"/s/{token}")
    assert shared.status_code == 200 and shared.data == first.data and len(renders) == 1
    assert client.get(f"/rounds/{current.id}/report.pdf?lang=zh-CN").status_code == 200
    assert len(renders) == 2  # another language is another PDF
    with app.app_context():
        sign = current.questionnaire.signs[0].id
        actions.create_action(get_db(), current.id, sign_id=sign, title="Escalate")
    changed = client.get(f"/s/{token}")
    assert changed.data != first.data and len(renders) == 3
    assert len(cache.app_cache(app).entries()) == 3


def _share(db, round_id, user_id):
    created = share_links.create_link(db, round_id, language="en", days=14, created_by=user_id)
    return created, created.token


def test_the_pack_renders_only_what_changed(app, answered, renders):
    with app.app_context():
        db = get_db()
        a, _ = answered(close=True, client="Alpha")
        b, _ = answered(close=True, client="Beta")
        reports = pack.period_reports(db, "2026-Q4", now=NOW)
        first = pack.render_pack(reports, "en", period="2026-Q4", jobs=1, generated_at=NOW)
        rendered = len(renders)
        assert rendered >= 3  # two reports and the portfolio page
        done = []
        again = pack.render_pack(
            reports, "en", period="2026-Q4", jobs=1, generated_at=NOW, progress=done.append
        )
        assert again == first and len(renders) == rendered  # read back whole
        assert [r.client.name for r in done] == [r.client.name for r in reports]
        actions.create_action(db, b.id, sign_id=b.questionnaire.signs[0].id, title="Call")
        reports = pack.period_reports(db, "2026-Q4", now=NOW)
        third = pack.render_pack(reports, "en", period="2026-Q4", jobs=1, generated_at=NOW)
        assert third != first
        redone = renders[rendered:]
        # Beta's report and the portfolio page; Alpha's report came from the cache.
        titles = [html.split("<title>")[1].split("</title>")[0] for html in redone]
        assert sum("Beta" in title for title in titles) == 1
        assert not any("Alpha" in title for title in titles)
        # The single report (no pack title) is a different PDF from the pack's page.
        single = round_report(db, rounds.get_round(db, a.id), now=NOW)
        assert report_key(single, "en") != cache.report_key(
            single, "en", pack_title=pack.pack_title("2026-Q4", "en")
        )

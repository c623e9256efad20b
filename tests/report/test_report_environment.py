"""What rendering needs without the web app (report/environment.py), and the pack's workers."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

import assessment
from assessment import db, sqlite, upgrade
from assessment.db import get_db
from assessment.migrations import migrations
from assessment.report import pdf
from assessment.report.environment import report_app
from assessment.report.pack import _picklable_config, period_reports, render_pack

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
#: What may differ between two renders of the same document: when it was written.
TIMESTAMPS = re.compile(rb"/(CreationDate|ModDate) \(D:[^)]*\)")


def _undated(data: bytes) -> bytes:
    return TIMESTAMPS.sub(rb"/\1 ()", data)


@pytest.fixture(scope="module")
def reports(demo_app):
    with demo_app.app_context():
        return period_reports(get_db(), "2026-Q4", now=NOW)


@pytest.fixture(scope="module")
def bare(demo_app):
    return report_app(_picklable_config(demo_app))


def test_a_report_renders_the_same_in_the_web_app_and_in_report_app(demo_app, bare, reports):
    shown = next(r for r in reports if r.results_visible)
    for lang in ("en", "zh-CN"):
        web_html = pdf.render_html(shown, lang, app=demo_app)
        assert pdf.render_html(shown, lang, app=bare) == web_html, lang
        assert ("按时付款" in web_html) == (lang == "zh-CN"), "translated in both"
        web_pdf = pdf.render_pdf(shown, lang, app=demo_app, pack_title="Pack")
        bare_pdf = pdf.render_pdf(shown, lang, app=bare, pack_title="Pack")
        assert _undated(bare_pdf) == _undated(web_pdf), lang


def test_report_app_is_only_what_rendering_needs(bare, tmp_path):
    assert bare.blueprints == {}
    assert set(bare.extensions) == {"babel"}, "no database, logins, CSRF or Bootstrap"
    assert [rule.endpoint for rule in bare.url_map.iter_rules()] == []


def test_pack_workers_build_no_web_app_and_touch_no_database(demo_app, reports, monkeypatch):
    """Workers fork from this process, so what is patched here holds in them too: neither
    the app factory nor an upgrade, a migration or a new connection may happen there."""
    with demo_app.app_context():
        one_process = render_pack(reports, "zh-CN", period="2026-Q4", jobs=1, generated_at=NOW)

    def refuse(*_args, **_kwargs):
        raise AssertionError("a pack worker must not build the web app or open the database")

    monkeypatch.setattr(assessment, "create_app", refuse)
    monkeypatch.setattr(upgrade, "upgrade", refuse)
    monkeypatch.setattr(migrations, "apply", refuse)
    monkeypatch.setattr(sqlite, "connect", refuse)
    monkeypatch.setattr(db, "connect", refuse)
    with demo_app.app_context():
        workers = render_pack(reports, "zh-CN", period="2026-Q4", jobs=2, generated_at=NOW)
    assert _undated(workers) == _undated(one_process)

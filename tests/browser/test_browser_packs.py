"""The leadership pack's progress bar in a real browser, through to the download: the
pack is made by a real worker process (``assessment worker``) on the same instance."""

from __future__ import annotations

import os
import signal
import subprocess
import threading

import pytest
from conftest import log_in, screenshot
from live_server_helpers import make_instance
from werkzeug.serving import make_server

from assessment.db import get_db
from assessment.demo import DEMO_PASSWORD, load_demo
from assessment.jobs.process import worker_command
from assessment.questionnaire import load_directory

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The demo on an instance folder, served in a thread, with a real worker beside it."""
    base = tmp_path_factory.mktemp("packs")
    folder = base / "instance"
    app = make_instance(folder, base / "db.sqlite3")
    with app.app_context():
        load_demo(get_db(), load_directory(app.config["QUESTIONS_DIR"]))
    env = {**os.environ, "ASSESSMENT_INSTANCE_PATH": str(folder)}
    log = (base / "worker.log").open("wb")
    worker = subprocess.Popen(worker_command(), env=env, stdout=log, stderr=log)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    worker.send_signal(signal.SIGINT)
    worker.wait(timeout=60)
    log.close()


@pytest.mark.parametrize(
    ("locale", "lang", "button", "ready", "download"),
    [
        ("en-US", "en", "Make the leadership pack", "Ready: 3 reports.", "Download PDF"),
        ("zh-CN", "zh-CN", "生成管理层汇报包", "已完成：共 3 份报告。", "下载 PDF"),
    ],
)
def test_pack_progress_survives_a_reload_and_ends_in_a_download(
    live_server, browser, tmp_path, locale, lang, button, ready, download
):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale=locale, accept_downloads=True
    )
    page = context.new_page()
    log_in(page, live_server, "lead@demo.example", DEMO_PASSWORD)

    page.goto(f"{live_server}/portfolio/#pack")
    page.locator("#period").select_option("2026-Q4")
    page.locator("#include_open").check()  # Meridian's open round too: three reports
    page.get_by_role("button", name=button).click()
    page.wait_for_url("**/portfolio/#pack")
    job = page.locator(".pack-job").first
    # Made in the background: the page is back before the pack is done.
    assert job.get_attribute("data-finished") == "false"
    screenshot(page, f"pack-progress-{lang}")
    page.reload()  # closing or reloading the page loses nothing
    job = page.locator(".pack-job").first
    link = job.locator(".pack-download")
    link.wait_for(state="visible", timeout=180_000)
    assert job.get_attribute("data-status") == "done"
    assert job.locator(".pack-message").inner_text() == ready
    assert job.locator(".progress").get_attribute("aria-valuenow") == "3"
    assert link.inner_text() == download
    job.scroll_into_view_if_needed()
    screenshot(page, f"pack-ready-{lang}")
    with page.expect_download() as info:
        link.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == f"leadership-pack_2026-Q4_{lang}.pdf"
    assert saved.read_bytes().startswith(b"%PDF")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale=locale)
    phone.add_cookies(context.cookies())
    small = phone.new_page()
    small.goto(f"{live_server}/portfolio/#pack")
    small.locator("#pack").scroll_into_view_if_needed()
    screenshot(small, f"pack-phone-{lang}")
    phone.close()
    context.close()

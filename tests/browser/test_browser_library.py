"""The questionnaire library in a real browser, in both languages: an admin uploads a
workbook with mistakes (every problem shown at its cell), then a new version (the diff
says which sign's scores are no longer comparable), previews it and publishes it."""

import io
import re
from pathlib import Path

import openpyxl
import pytest
from axe_playwright_python.base import AXE_SCRIPT
from conftest import log_in, screenshot

from assessment.questionnaire import load_questionnaire
from assessment.questionnaire.workbook import workbook_bytes

pytestmark = pytest.mark.browser

PULSE = Path(__file__).resolve().parent.parent.parent / "questions" / "pulse.toml"

TEXTS = {
    "en-US": {
        "nav": "Questionnaires",
        "refused": "pulse.xlsx was not uploaded",
        "cell": "items!E3: must be a number, found 'high'",
        "uploaded": "Version 2 of pulse is uploaded and checked.",
        "incomparable": "Scores of this sign are not comparable with earlier rounds.",
        "preview": "Preview in Chinese",
        "preview_text": "非常同意",
        "publish": "Publish for new rounds",
        "published": "Version 2 of pulse is published: new rounds use it.",
        "offered": "Used for new rounds",
    },
    "zh-CN": {
        "nav": "问卷",
        "refused": "pulse.xlsx 未上传",
        "cell": "items!E3：必须是数字，实际为 'high'",
        "uploaded": "pulse 的第 2 版已上传并通过检查。",
        "incomparable": "此信号的得分不能与以往各轮比较。",
        "preview": "英文预览",
        "preview_text": "Strongly agree",
        "publish": "发布，供新一轮评估使用",
        "published": "pulse 的第 2 版已发布：新一轮评估将使用它。",
        "offered": "新一轮评估使用此版本",
    },
}


def _blocking(page) -> list[tuple[str, str]]:
    """axe-core's serious and critical findings on the page (id, first element)."""
    page.evaluate(AXE_SCRIPT)
    found = page.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]
    return [
        (v["id"], v["nodes"][0]["html"][:120])
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def _files(tmp_path: Path) -> tuple[Path, Path]:
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(load_questionnaire(PULSE))))
    book["items"]["E3"] = "high"
    bad = tmp_path / "pulse.xlsx"
    book.save(bad)
    text = PULSE.read_text(encoding="utf-8")
    first = re.search(r'\[\[signs\.items\]\]\nid = "([^"]+)"', text).group(1)
    v2 = text.replace("version = 1", "version = 2", 1).replace(
        f'id = "{first}"\n', f'id = "{first}"\nweight = 2\n', 1
    )
    good = tmp_path / "pulse-v2.toml"
    good.write_text(v2, encoding="utf-8")
    return bad, good


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_an_admin_uploads_compares_previews_and_publishes(live_server, browser, locale, tmp_path):
    texts = TEXTS[locale]
    bad, good = _files(tmp_path)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    page = context.new_page()
    log_in(page, live_server, "admin@example.com")
    page.get_by_role("link", name=texts["nav"], exact=True).click()
    page.wait_for_url(f"{live_server}/questionnaires/")

    page.locator("#file").set_input_files(str(bad))
    page.locator("#submit").click()
    problems = page.get_by_test_id("upload-problems").inner_text()
    assert texts["refused"] in problems and texts["cell"] in problems
    screenshot(page, f"library-refused-{locale}")
    assert _blocking(page) == []

    page.locator("#file").set_input_files(str(good))
    page.locator("#submit").click()
    page.wait_for_url(re.compile(r".*/questionnaires/pulse/[0-9a-f]{64}$"))
    main = page.locator("main").inner_text()
    assert texts["uploaded"] in main and texts["incomparable"] in main
    screenshot(page, f"library-diff-{locale}")
    assert _blocking(page) == []
    version_url = page.url

    page.get_by_role("link", name=texts["preview"]).click()
    assert texts["preview_text"] in page.get_by_test_id("preview").inner_text()
    assert page.locator("fieldset[disabled]").count() == 1
    screenshot(page, f"library-preview-{locale}")
    assert _blocking(page) == []

    page.goto(version_url)
    page.get_by_role("button", name=texts["publish"]).click()
    main = page.locator("main").inner_text()
    assert texts["published"] in main and texts["offered"] in main
    screenshot(page, f"library-published-{locale}")
    context.close()

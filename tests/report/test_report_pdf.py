"""The PDF report: content, fonts, metadata, what the HTML may load, escaping of user text.

A few PDFs are rendered once per module from the demo data and read back with pypdf and
pdfplumber; each render takes about a second.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import re
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from flask_babel import force_locale, gettext
from PIL import Image

from assessment.db import get_db
from assessment.questionnaire import load_directory
from assessment.report import fetcher, pdf
from assessment.report.data import round_report
from assessment.store import actions, clients, respondents, responses, rounds

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
FONT_NAME = re.compile(r"^/[A-Z]{6}\+")
SCRIPT = "<script>alert('x')</script>"
INJECTED = (
    '</p><img src="file:///etc/passwd"><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
)


def _report(app, client_name: str, period: str = "2026-Q4"):
    with app.app_context():
        db = get_db()
        client = clients.find_by_name(db, client_name)
        current = next(r for r in rounds.list_rounds(db, client.id) if r.period == period)
        return round_report(db, current)


@pytest.fixture(scope="module")
def apex(demo_app):
    return _report(demo_app, "Apex Retail Group")


@pytest.fixture(scope="module")
def rendered(demo_app, apex):
    """Apex Retail Group's 2026-Q4 report in both languages: {lang: (bytes, text)}."""
    out = {}
    with demo_app.app_context():
        for lang in ("en", "zh-CN"):
            data = pdf.render_pdf(apex, lang)
            out[lang] = (data, _text(data))
    return out


def _text(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as doc:
        return [page.extract_text() or "" for page in doc.pages]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _dense(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_page_one_is_an_executive_summary(rendered, apex):
    _, pages = rendered["en"]
    assert 4 <= len(pages) <= 8
    first = _flat(pages[0])
    result = apex.result
    band = apex.questionnaire.band(result.band_id)
    assert "EXECUTIVE SUMMARY" in first
    assert "Apex Retail Group" in first and "2026-Q4" in first
    assert band.verdict.en in first
    assert re.search(rf"\b{result.index:.0f} {re.escape(band.label.en)}\b", first)  # 30 At risk
    assert "/100" in first and "Fairness index" in first
    assert "5 of 5 submitted" in first
    for step in apex.outcome.next_steps[:3]:
        assert step.text.en in first
    for step in apex.outcome.next_steps[3:]:
        assert step.text.en not in first


def test_every_sign_has_its_title_score_and_recommendation(rendered, apex):
    _, pages = rendered["en"]
    glance = _flat(pages[0])
    body = _flat(" ".join(pages[1:]))
    steps = {step.sign_id: step for step in apex.outcome.next_steps}
    for sign in apex.questionnaire.signs:
        score = f"{apex.result.sign(sign.id).score:.0f}"
        assert re.search(re.escape(sign.title.en) + r"\s+" + score + r"\b", glance), sign.id
        assert re.search(re.escape(sign.title.en) + r"\s+" + score + r"\s*/100", body), sign.id
        assert steps[sign.id].text.en in body
    assert "What the raters said" in body
    assert "Two invoices are now more than 60 days overdue." in body


def test_actions_trend_and_appendix(rendered, apex):
    _, pages = rendered["en"]
    body = _flat(" ".join(pages[1:]))
    assert apex.actions, "the demo has actions for this client"
    for action in apex.actions:
        assert " ".join(action.title.split()[:4]) in body
        assert action.owner_name in body
    assert "Trend across rounds" in body
    assert "2026-Q2" in body and "2026-Q3" in body
    assert "Appendix: how the scores are made" in body
    assert "5 of 5 invited people submitted their answers." in body


def test_running_header_and_page_footer(rendered):
    _, pages = rendered["en"]
    total = len(pages)
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {total}" in page
        assert "Generated" in page
        if n > 1:  # page one has its own title instead of the running header
            assert page.startswith("Apex Retail Group")


def test_chinese_report(rendered, apex):
    data, pages = rendered["zh-CN"]
    text = _dense(" ".join(pages))
    q = apex.questionnaire
    assert _dense(q.band(apex.result.band_id).verdict.get("zh-CN")) in text
    for sign in q.signs:
        assert _dense(sign.title.get("zh-CN")) in text
        assert _dense(sign.description.get("zh-CN")) in text
    for step in apex.outcome.next_steps[:3]:
        assert _dense(step.text.get("zh-CN")) in _dense(pages[0])
    # Every Chinese character is set in Noto Sans CJK SC (not a Japanese or fallback face).
    with pdfplumber.open(io.BytesIO(data)) as doc:
        cjk = [c for page in doc.pages for c in page.chars if "\u4e00" <= c["text"] <= "\u9fff"]
    assert len(cjk) > 500
    assert {c["fontname"].split("+", 1)[1] for c in cjk} <= {
        "Noto-Sans-CJK-SC",
        "Noto-Sans-CJK-SC-Bold",
    }


def _fonts(reader: pypdf.PdfReader) -> dict[str, pypdf.generic.DictionaryObject]:
    found = {}

    def walk(resources):
        if not resources:
            return
        resources = resources.get_object()
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            found[str(font["/BaseFont"])] = font
        for xobject in (resources.get("/XObject") or {}).values():
            walk(xobject.get_object().get("/Resources"))

    for page in reader.pages:
        walk(page.get("/Resources"))
    return found


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_fonts_are_embedded_subsets_with_identity_h(rendered, lang):
    data, _ = rendered[lang]
    fonts = _fonts(pypdf.PdfReader(io.BytesIO(data)))
    assert fonts
    for name, font in fonts.items():
        assert FONT_NAME.match(name), f"{name} is not a subset"
        assert font["/Subtype"] == "/Type0" and font["/Encoding"] == "/Identity-H", name
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, f"{name} not embedded"
        assert "/ToUnicode" in font, name
    names = " ".join(fonts)
    if lang == "zh-CN":
        assert "Noto-Sans-CJK-SC" in names
    else:
        assert "Liberation-Sans" in names
    assert not any(bad in names for bad in ("CJK-JP", "CJK-KR", "CJK-TC", "Oblique", "Italic"))


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_metadata(demo_app, rendered, lang):
    data, _ = rendered[lang]
    reader = pypdf.PdfReader(io.BytesIO(data))
    meta = reader.metadata
    with demo_app.app_context(), force_locale(pdf.BABEL_LOCALES[lang]):
        product = gettext("Partnership Check")
    assert "Apex Retail Group" in meta.title and "2026-Q4" in meta.title
    assert meta.author == product
    assert lang == "en" or product != "Partnership Check"  # translated
    assert reader.trailer["/Root"]["/Lang"] == lang


def test_band_colours_always_come_with_the_band_name(demo_app, apex):
    with demo_app.app_context():
        html = pdf.render_html(apex, "en", inline_css=False)
    labels = {band.colour.lower()[1:]: band.label.en for band in apex.questionnaire.bands}
    chips = re.findall(r'<span class="chip c-(\w{6})">([^<]+)</span>', html)
    assert len(chips) >= 12
    for colour, label in chips:
        assert labels[colour] == label
    for band in apex.questionnaire.bands:  # the charts' band zones are named in the legends
        assert f"{band.label.en} {band.min:g}–" in html
        assert f">{band.label.en}</text>" in html


# --- free text: comments and answers to open questions ------------------------------------
# The demo's Apex 2026-Q4 round has a three-line comment and a three-line answer to the open
# question "mood-example" (demo/demo.toml); `with_emoji` is a named round whose texts have emoji.

MOOD = "mood-example"
EMOJI = ("😤", "📞", "🙄")


def _named_quarterly(app, db, client_name: str, *, answer: int):
    """A new client's named 2026-Q4 quarterly round of the six-signs questionnaire, and
    every likert item asked in it answered ``answer``."""
    q = load_directory(app.config["QUESTIONS_DIR"])["six-signs"]
    client = clients.create_client(db, name=client_name, industry="x")
    current = rounds.create_round(
        db,
        client_id=client.id,
        kind="quarterly",
        period="2026-Q4",
        questionnaire=q,
        anonymous=False,
    )
    answers = {i.id: answer for i in q.items() if i.type == "likert" and i.applies("quarterly")}
    return current, answers


@pytest.fixture(scope="module")
def with_emoji(demo_app):
    """A named round's PDFs, {lang: bytes}: a comment and an answer with emoji, by 李娜."""
    with demo_app.app_context():
        db = get_db()
        current, answers = _named_quarterly(demo_app, db, "Emoji & Co", answer=3)
        for n in range(3):
            person = respondents.add_respondent(db, current.id, name=f"李娜 {n}", role="account")
            texts = {MOOD: "Steering meeting:\n“You are a supplier.” 😤"} if n == 0 else {}
            comments = {"boundaries": "Saturday 22:40 📞\nSunday 09:15 🙄"} if n == 0 else {}
            responses.save_response(db, person.id, answers | texts, comments, submit=True)
        report = round_report(db, rounds.get_round(db, current.id))
        return {lang: pdf.render_pdf(report, lang) for lang in ("en", "zh-CN")}


def test_who_wrote_it_reads_naturally_in_each_language(with_emoji):
    en, zh = (_flat(" ".join(_text(with_emoji[lang]))) for lang in ("en", "zh-CN"))
    assert "— 李娜 0, Account lead" in en
    assert "— 李娜 0，客户负责人" in zh  # the role as the app names it everywhere


def _page_with(pages: list[str], needle: str) -> str:
    return next(page for page in pages if needle in page)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_free_text_keeps_its_line_breaks(rendered, lang):
    _, pages = rendered[lang]
    page = _page_with(pages, "Weekend calls")
    for line in (
        "Weekend calls have become the norm.",
        "Saturday 22:40:",
        "Sunday 09:15:",
        "Steering meeting, 12 November:",
        "Nobody on their side disagreed.",
    ):
        assert re.search(rf"^{re.escape(line)}", page, re.MULTILINE), (line, page)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_text_answers_show_under_their_sign_with_the_question(rendered, apex, lang):
    _, pages = rendered[lang]
    q = apex.questionnaire
    sign = q.items_by_id[MOOD][0]
    page = _dense(_page_with(pages, "Steering meeting"))
    title, asked = _dense(sign.title.get(lang)), _dense(q.item(MOOD).text.get(lang))
    assert page.index(title) < page.index(asked) < page.index("Steeringmeeting,12November")
    after = _dense(q.signs[q.signs.index(sign) + 1].title.get(lang))
    assert after not in page or page.index(after) > page.index("Nobodyontheirside")


def _emoji_chars(data: bytes) -> list[tuple[int, dict]]:
    with pdfplumber.open(io.BytesIO(data)) as doc:
        return [
            (number, char)
            for number, page in enumerate(doc.pages, start=1)
            for char in page.chars
            if char["text"] in EMOJI
        ]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_emoji_are_drawn_by_the_colour_emoji_font(with_emoji, lang):
    data = with_emoji[lang]
    found = _emoji_chars(data)
    assert {char["text"] for _, char in found} == set(EMOJI)
    for _, char in found:
        assert "Noto-Color-Emoji" in char["fontname"], char["fontname"]
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert sum(len(page.images) for page in reader.pages) >= len(EMOJI), (
        "Noto Color Emoji's glyphs are bitmaps, placed as images"
    )


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_emoji_are_in_colour_on_the_rendered_page(with_emoji, lang, tmp_path):
    """Rendered by poppler, the box of each yellow face is filled with colour: not the black
    outline of an empty box, not nothing."""
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: install the Debian package poppler-utils")
    data = with_emoji[lang]
    source = tmp_path / "report.pdf"
    source.write_bytes(data)
    dpi = 100
    faces = [(number, char) for number, char in _emoji_chars(data) if char["text"] != "📞"]
    assert len(faces) == 2
    for number, char in faces:
        prefix = tmp_path / f"page-{number}"
        if not prefix.with_suffix(".png").exists():
            subprocess.run(
                [
                    *("pdftoppm", "-png", "-r", str(dpi), "-f", str(number), "-l", str(number)),
                    *("-singlefile", str(source), str(prefix)),
                ],
                check=True,
            )
        box = [round(char[key] * dpi / 72) for key in ("x0", "top", "x1", "bottom")]
        with Image.open(prefix.with_suffix(".png")) as image:
            rgb = image.convert("RGB").crop(box).tobytes()
        pixels = [rgb[i : i + 3] for i in range(0, len(rgb), 3)]
        coloured = sum(1 for pixel in pixels if max(pixel) - min(pixel) > 90)
        assert coloured > len(pixels) / 5, (char["text"], coloured, len(pixels))


# --- the URL fetcher ------------------------------------------------------------------------


class RecordingFetcher(fetcher.StaticFilesFetcher):
    def __init__(self):
        super().__init__()
        self.asked: list[str] = []

    def fetch(self, url, headers=None):
        self.asked.append(url)
        return super().fetch(url, headers)


def test_raw_html_cannot_reach_files_or_network(monkeypatch):
    recorder = RecordingFetcher()
    monkeypatch.setattr(pdf, "safe_url_fetcher", recorder)
    html = (
        '<html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
        '<link rel="stylesheet" href="/static/../../etc/passwd"></head><body><p>x</p>'
        '<img src="file:///etc/passwd"><img src="https://example.com/a.png"></body></html>'
    )
    data = pdf.html_to_pdf(html)
    assert data.startswith(b"%PDF")
    assert len(recorder.asked) == 4  # WeasyPrint asked for each, and each was refused:
    for url in recorder.asked:
        with pytest.raises(fetcher.ResourceRefused):
            fetcher.StaticFilesFetcher().resolve(url)


# --- user text ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(demo_app):
    """A named (not anonymous) round whose user texts are HTML and script payloads."""
    with demo_app.app_context():
        db = get_db()
        current, answers = _named_quarterly(demo_app, db, f"<b>Evil</b> & Co {SCRIPT}", answer=2)
        for n in range(3):
            person = respondents.add_respondent(
                db, current.id, name=f"<i>Rater {n}</i>", role="delivery"
            )
            comments = {"payment": f"{SCRIPT}{INJECTED}"} if n == 0 else {}
            texts = {"mood-example": f"{INJECTED}\n{SCRIPT} 😤"} if n == 0 else {}
            responses.save_response(db, person.id, answers | texts, comments, submit=True)
        actions.create_action(db, current.id, sign_id="payment", title=INJECTED, owner_name=SCRIPT)
        report = round_report(db, rounds.get_round(db, current.id))
        html = pdf.render_html(report, "en")
        return report, html, pdf.render_pdf(report, "en")


def test_user_text_is_escaped_in_the_html(hostile):
    _, html, _ = hostile
    assert "<script" not in html
    assert "<img" not in html and "<link" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in html


def test_user_text_shows_as_text_in_the_pdf(hostile):
    _, _, data = hostile
    text = _flat(" ".join(_text(data)))
    assert "<b>Evil</b> & Co <script>alert('x')</script>" in text
    assert "<i>Rater 0</i>" in text
    assert '<img src="file:///etc/passwd">' in text
    assert _dense(INJECTED) in _dense(text)
    assert "<script>alert('x')</script> 😤" in text  # the answer to the open question
    assert "— <i>Rater 0</i>, Delivery" in text  # a named round says who wrote what


# --- layering -----------------------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    package = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_report_and_cli_never_import_the_web_layer():
    files = [*sorted((REPO_ROOT / "assessment" / "report").glob("*.py"))]
    files += sorted((REPO_ROOT / "assessment" / "cli").glob("*.py"))
    for path in files:
        web = sorted(m for m in _imports(path) if m.split(".")[:2] == ["assessment", "web"])
        assert not web, f"{path.name} imports {web}"


def test_one_font_configuration_per_process():
    config = pdf.font_config()
    pdf.html_to_pdf('<html lang="zh-CN"><body><p>预热：<b>加粗</b> Latin</p></body></html>')
    assert pdf.font_config() is config
    assert pdf.stylesheet() is pdf.stylesheet()


# --- a kickoff: signs it does not ask about ------------------------------------------------


def _pages_as_png(data: bytes, name: str) -> None:
    """The PDF's pages as PNG under tests/artifacts/, for a person to look at."""
    import subprocess

    from conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(ARTIFACTS / f"{name}.pdf"), str(ARTIFACTS / name)],
        check=True,
    )


@pytest.fixture(scope="module")
def kickoff(demo_app):
    return _report(demo_app, "Apex Retail Group", "2026-Q2")


@pytest.mark.parametrize(
    ("lang", "label", "leftover"),
    [
        ("en", "Not asked in a kickoff", "Collect more answers"),
        ("zh-CN", "启动评估中未询问", "下次先多收集一些答卷"),
    ],
)
def test_a_kickoff_report_shows_signs_not_asked_as_such(demo_app, kickoff, lang, label, leftover):
    assert kickoff.round.kind == "kickoff"
    assert kickoff.result.sign("payment").not_asked
    with demo_app.app_context():
        data = pdf.render_pdf(kickoff, lang)
    _pages_as_png(data, f"report-kickoff-{lang}")
    pages = _text(data)
    text = _dense(" ".join(pages))
    # The verdict's note, the signs at a glance, the sign's own block, the coverage list.
    assert text.count(_dense(label)) >= 4
    assert _dense(leftover) not in text  # no "collect more answers" advice for it
    insufficient = _dense("Insufficient data" if lang == "en" else "数据不足")
    assert text.count(insufficient) == (lang == "zh-CN")  # the appendix's explanation only
    title = kickoff.questionnaire.sign("payment").title.get(lang)
    assert _dense(f"{label}{'：' if lang == 'zh-CN' else ': '}{title}") in text
    assert ("not asked" if lang == "en" else "未询问") in pages[0]  # the radar's label


def test_the_report_states_the_files_numbers_as_written(demo_app, apex):
    q = apex.questionnaire.model_copy(
        update={
            "settings": apex.questionnaire.settings.model_copy(
                update={"min_coverage": 0.605, "trend_threshold": 7.5, "agreement_threshold": 0.725}
            )
        }
    )
    report = dataclasses.replace(apex, questionnaire=q)
    with demo_app.app_context():
        html = pdf.render_html(report, "en", inline_css=False)
    text = _flat(re.sub(r"<[^>]+>", "", html))
    assert "at least 2 people and 60.5% of its possible answers" in text
    assert "a change of 7.5 points or more" in text
    assert "Below 0.725 the report says" in text
    for band in q.bands:
        assert f"{band.label.en} {band.min:g}–" in html  # the radar legend: 75–100, 50–75 …


def test_chinese_dates_never_break_inside(rendered):
    """ "2026年12月20日" stays on one line (a narrow column once broke it before "日")."""
    _data, pages = rendered["zh-CN"]
    lines = [line for page in pages for line in page.splitlines()]
    started = [line for line in lines if re.search(r"20\d\d年\d{1,2}月\d{0,2}$", line)]
    assert not started, started
    assert any(re.search(r"20\d\d年\d{1,2}月\d{1,2}日", line) for line in lines)


@pytest.fixture(scope="module")
def stepped(demo_app):
    """A named round with an action made from a next step (its key stored, its English
    words as title), due and done on dates, rendered in both languages."""
    with demo_app.app_context():
        db = get_db()
        current, answers = _named_quarterly(demo_app, db, "Step & Co", answer=2)
        for n in range(3):
            person = respondents.add_respondent(db, current.id, name=f"R{n}", role="delivery")
            responses.save_response(db, person.id, answers, {}, submit=True)
        step = round_report(db, rounds.get_round(db, current.id)).outcome.next_steps[0]
        made = actions.create_action(
            db,
            current.id,
            sign_id=step.sign_id,
            title=step.text.get("en"),
            owner_name="Lin",
            due_date="2026-12-20",
            step=step.key,
        )
        actions.set_done(db, made.id, True, when="2026-12-21T10:00:00+00:00")
        report = round_report(db, rounds.get_round(db, current.id))
        return step, {lang: pdf.render_pdf(report, lang) for lang in ("en", "zh-CN")}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_an_action_from_a_step_reads_in_the_reports_language(stepped, lang):
    step, rendered = stepped
    text = _dense(" ".join(_text(rendered[lang])))
    part = text[text.rindex(_dense({"en": "Agreed actions", "zh-CN": "已商定的行动"}[lang])) :]
    assert _dense(step.text.get(lang))[:12] in part  # the cell's first line
    if lang == "zh-CN":
        assert _dense(step.text.get("en"))[:12] not in part


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_date_in_the_actions_table_never_runs_into_the_next_word(stepped, lang):
    """The due date and the status on one line of the actions table: a clear gap (2 mm)
    between the date's last character and the next word's first."""
    _step, rendered = stepped
    date_text = {"en": "Dec 20, 2026", "zh-CN": "2026年12月20日"}[lang]
    with pdfplumber.open(io.BytesIO(rendered[lang])) as doc:
        lines: dict[int, list] = {}
        for page in doc.pages:
            for c in page.chars:
                lines.setdefault((page.page_number, round(c["top"])), []).append(c)
    found = []
    for chars in lines.values():
        chars.sort(key=lambda c: c["x0"])
        line = "".join(c["text"] for c in chars)
        if date_text in line and line.index(date_text) + len(date_text) < len(line):
            found.append((chars, line))
    assert found, "no line with the due date and a word after it"
    for chars, line in found:
        start = line.index(date_text)
        last, after = chars[start + len(date_text) - 1], chars[start + len(date_text)]
        gap_mm = (after["x0"] - last["x1"]) * 25.4 / 72
        assert gap_mm >= 2, (line, round(gap_mm, 2))


LONG_URL = "https://example.com/" + "a" * 300
LONG_WORD = "W" * 5000


@pytest.fixture(scope="module")
def long_strings(demo_app):
    """A named round whose user texts are long unbroken strings: a 120-character client
    name, a URL of 320 characters (comment and action), a 5,000-character word (comment),
    a 1,990-character one (text answer) and a 90-character owner name."""
    with demo_app.app_context():
        db = get_db()
        current, answers = _named_quarterly(demo_app, db, "Long" + "L" * 116, answer=2)
        for n in range(3):
            person = respondents.add_respondent(db, current.id, name=f"R{n}", role="delivery")
            comments = {"payment": LONG_URL, "power": LONG_WORD} if n == 0 else {}
            texts = {"mood-example": "X" * 1990} if n == 0 else {}
            responses.save_response(db, person.id, answers | texts, comments, submit=True)
        actions.create_action(
            db, current.id, sign_id="payment", title=LONG_URL, owner_name="O" * 90
        )
        report = round_report(db, rounds.get_round(db, current.id))
        return {lang: pdf.render_pdf(report, lang) for lang in ("en", "zh-CN")}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_long_unbroken_strings_wrap_inside_the_page(long_strings, lang):
    """Every character of the PDF lies within the page's margins (17 mm each side, a
    little slack for glyph edges), and the long strings are there whole: wrapped, not
    cut off."""
    with pdfplumber.open(io.BytesIO(long_strings[lang])) as doc:
        text = ""
        for page in doc.pages:
            right = page.width - 17 * 72 / 25.4 + 2
            outside = [c["text"] for c in page.chars if c["x1"] > right or c["x0"] < 40]
            assert not outside, (page.page_number, "".join(outside)[:80])
            text += page.extract_text() or ""
    dense = _dense(text)
    assert dense.count("W") >= 5000 and dense.count("X") >= 1990
    assert LONG_URL in dense  # whole (wrapped), in the comment
    assert "Long" + "L" * 116 in dense

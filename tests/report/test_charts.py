"""The report charts: valid, escaped SVG that reads in black and white."""

from __future__ import annotations

import dataclasses
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from factories import likert
from factories import questionnaire as make_questionnaire
from factories import sign as make_sign
from markupsafe import Markup

from assessment import vocab
from assessment.questionnaire import load_questionnaire
from assessment.report.charts import (
    SERIES,
    label_box,
    radar_chart,
    radar_svg,
    text_width,
    trend_chart,
    trend_svg,
    wrap_to_width,
)
from assessment.scoring import RoundResult, SignResult

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def q():
    return load_questionnaire(REPO_ROOT / "questions" / "six-signs.toml")


def result(q, scores: dict[str, float | None], index: float | None = 50.0) -> RoundResult:
    signs = []
    for sign in q.signs:
        score = scores.get(sign.id, 60.0)
        signs.append(
            SignResult(
                sign_id=sign.id,
                score=score,
                band_id=None if score is None else q.band_for(score).id,
                status="insufficient" if score is None else "scored",
                coverage=1.0,
                respondents=4,
                answered_pairs=20,
                applicable_pairs=20,
            )
        )
    band = None if index is None else q.band_for(index).id
    return RoundResult(
        q.id, q.version, "quarterly", tuple(signs), index, band, band, False, None, 4
    )


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text
    return root


def texts(root: ET.Element) -> list[str]:
    return [el.text for el in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_radar_labels_every_sign_with_its_score(q, lang):
    now = result(q, {"payment": 12.4, "power": None})
    root = parse(radar_svg(q, now, result(q, {}), lang, current_period="2026-Q4"))
    words = texts(root)
    joined = " ".join(words)
    for sign in q.signs:
        assert all(part in joined for part in sign.title.get(lang).split())
    assert "12" in words
    assert "–" in words  # the sign without a score
    for band in q.bands:  # every band colour is named in the legend
        assert any(w.startswith(band.label.get(lang)) for w in words)
    assert ("This round (2026-Q4)" if lang == "en" else "本轮（2026-Q4）") in words


def test_radar_draws_this_round_solid_and_the_previous_dashed(q):
    svg = radar_svg(q, result(q, {}), result(q, {"payment": 30}), "en")
    strokes = re.findall(
        r'<path d="[^"]*Z" fill="none" stroke="(#\w+)" stroke-width="([\d.]+)"'
        r'( stroke-linejoin="round")?( stroke-dasharray="([^"]+)")?',
        svg,
    )
    widths = {colour: (float(width), dash) for colour, width, _, _, dash in strokes}
    assert len(widths) == 2
    (solid_width, solid_dash), (dashed_width, dashed_dash) = sorted(
        widths.values(), key=lambda v: v[1]
    )
    assert solid_dash == "" and dashed_dash == "6 4"
    assert solid_width > dashed_width >= 2


def test_guides_are_light_and_thin(q):
    svg = radar_svg(q, result(q, {}), None, "en")
    guides = re.findall(r'stroke="#c9ced6" stroke-width="([\d.]+)"', svg)
    assert guides and all(float(w) < 1 for w in guides)
    assert not re.search(r'stroke="#c9ced6"[^>]*stroke-dasharray', svg)  # solid, not dashed


def test_trend_series_differ_by_dash_and_marker_too():
    assert len({s.dash for s in SERIES}) == len(SERIES)
    assert len({s.marker for s in SERIES}) == len(SERIES)
    assert len({s.colour for s in SERIES}) == len(SERIES)


def test_trend_chart(q):
    history = [
        ("2026-Q2", result(q, {"payment": None}, index=70)),
        ("2026-Q3", result(q, {"payment": 40}, index=55)),
        ("2026-Q4", result(q, {"payment": 20}, index=None)),
    ]
    root = parse(trend_svg(q, history, "en"))
    words = texts(root)
    assert [w for w in words if w.startswith("2026")] == ["2026-Q2", "2026-Q3", "2026-Q4"]
    assert "70" in words and "55" in words  # the index values are written on the line
    for band in q.bands:
        assert band.label.en in words
    assert "Fairness index" in words
    for sign in q.signs:
        assert sign.title.en in words
    # The index line stops where there is no index; sign lines where a sign had no score.
    svg = trend_svg(q, history, "en")
    assert svg.count('stroke-width="3.4"') == 2  # the index line and its legend sample


def test_user_text_in_charts_is_escaped(q):
    history = [("<script>x</script>", result(q, {})), ("Q&A", result(q, {}))]
    svg = trend_svg(q, history, "en")
    assert "<script>" not in svg
    assert "&lt;script&gt;x&lt;/script&gt;" in svg and "Q&amp;A" in svg
    parse(svg)
    html = trend_chart(q, history, "en").html(170)
    assert isinstance(html, Markup) and "<script>" not in html


def test_html_form_has_text_labels_and_a_legend(q):
    html = radar_chart(q, result(q, {}), result(q, {}), "zh-CN").html(90)
    assert html.count('class="chart-label"') == len(q.signs)
    assert "尊重边界" in html and "<text" in html  # ring values stay in the SVG
    assert html.count('class="chart-key"') == 2 + len(q.bands)
    assert 'style="width:90.0mm"' in html


# --------------------------------------------------------------------------------------
# The radar's labels are never cut off: 3 to 8 signs with long names, in both languages

LONG_NAMES = [
    (
        "Respect for agreed working hours and the boundaries of the team",
        "尊重团队约定的工作时间与边界，不在深夜和周末打电话",
    ),
    (
        "Constructive tone in meetings, emails and feedback rounds",
        "会议、邮件和反馈中的语气是否建设性，是否对事不对人",
    ),
    (
        "Paying invoices on time without repeated chasing",
        "按时付款，无需反复催促，也不在交付后压价",
    ),
    (
        "Power: we-pay-you-obey attitudes and decisions made alone",
        "权力姿态：“我付钱你听话”，以及单方面做决定",
    ),
    (
        "Realistic expectations about timelines, budget and scope",
        "对工期、预算和范围的期望是否现实，是否尊重流程",
    ),
    (
        "Kept informed about plans, changes and decisions early",
        "是否及早告知计划、变更和决定，而不是让我们从第三方得知",
    ),
    (
        "Recognition of good work and of extra effort by the team",
        "是否认可团队的出色工作和额外付出",
    ),
    (
        "Supercalifragilisticexpialidociousness of stakeholder alignment",
        "利益相关方之间的协调一致程度（特别长的名称用于测试换行）",
    ),
]


def many_signs(count: int):
    signs = [
        make_sign(
            f"s{n}",
            [likert(f"s{n}-i")],
            title={"en": LONG_NAMES[n][0], "zh-CN": LONG_NAMES[n][1]},
        )
        for n in range(count)
    ]
    return make_questionnaire(signs)


def scored(q, *, not_asked=(), score=62.5):
    signs = tuple(
        SignResult(s.id, None, None, "not_asked", 0.0, 0, 0, 0)
        if s.id in not_asked
        else SignResult(s.id, score, q.band_for(score).id, "scored", 1.0, 3, 3, 3)
        for s in q.signs
    )
    return RoundResult(q.id, 1, "kickoff", signs, 62.5, "watch", "watch", False, None, 3)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("count", range(3, 9))
def test_radar_label_boxes_lie_inside_the_drawing(count, lang):
    q = many_signs(count)
    chart = radar_chart(q, scored(q, not_asked={"s1"}), scored(q), lang)
    assert len(chart.labels) == count
    for label in chart.labels:
        left, top, right, bottom = label_box(label)
        assert left >= 0 and right <= chart.width, (label.lines, left, right, chart.width)
        assert top >= 0 and bottom <= chart.height, (label.lines, top, bottom, chart.height)
        for line in label.lines[:-1]:  # titles are wrapped, the score stays on its own line
            assert text_width(line, label.size) <= 190 or " " not in line
    root = parse(chart.svg())
    view = [float(v) for v in root.get("viewBox").split()]
    assert view[2] == chart.width and view[3] >= chart.height


def test_radar_shows_not_asked_and_scores_as_they_fall_in_their_band():
    q = many_signs(4)
    chart = radar_chart(q, scored(q, not_asked={"s1"}, score=74.6), None, "en")
    values = [label.lines[-1] for label in chart.labels]
    # 74.6 is "watch" (healthy from 75): "75" would put the figure in the other band.
    assert values == ["74.6", "not asked", "74.6", "74.6"]
    zh = radar_chart(q, scored(q, not_asked={"s1"}), None, "zh-CN")
    assert zh.labels[1].lines[-1] == "未询问"


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", ["not asked", "withheld", "–"]), ("zh-CN", ["未询问", "不予显示", "–"])],
)
def test_radar_names_each_status_without_a_score(lang, words):
    q = many_signs(4)
    result = scored(q, not_asked={"s1"})
    signs = list(result.signs)
    signs[2] = SignResult("s2", None, None, "withheld", 0.0, 0, 0, 0)
    signs[3] = SignResult("s3", None, None, "insufficient", 0.2, 1, 1, 5)
    chart = radar_chart(q, dataclasses.replace(result, signs=tuple(signs)), None, lang)
    assert [label.lines[-1] for label in chart.labels][1:] == words


def test_wrapping_breaks_chinese_between_characters_and_keeps_punctuation():
    lines = wrap_to_width("尊重团队约定的工作时间与边界，不在深夜和周末打电话", 60, 12)
    assert all(text_width(line, 12) <= 60 for line in lines)
    assert "".join(lines) == "尊重团队约定的工作时间与边界，不在深夜和周末打电话"
    assert not any(line.startswith("，") for line in lines)
    assert wrap_to_width("Paying on time", 1000, 12) == ("Paying on time",)


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_radar_labels_inside_the_svg_in_a_browser(page, lang):
    """Chromium lays the standalone SVG out with the real fonts: every text inside."""
    for count in range(3, 9):
        q = many_signs(count)
        svg = radar_svg(q, scored(q, not_asked={"s0"}), scored(q), lang, current_period="2026-Q4")
        page.set_content(f'<html lang="{lang}"><body style="margin:0">{svg}</body></html>')
        outside = page.evaluate(
            """() => {
                const svg = document.querySelector('svg');
                const [x, y, w, h] = svg.getAttribute('viewBox').split(' ').map(Number);
                return [...svg.querySelectorAll('text')].map(t => {
                    const b = t.getBBox();
                    return [t.textContent, b.x, b.y, b.x + b.width, b.y + b.height];
                }).filter(([_, l, t, r, b]) => l < x || t < y || r > x + w || b > y + h);
            }"""
        )
        assert outside == [], (count, outside)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_radar_labels_inside_the_chart_in_the_pdf(lang):
    """WeasyPrint lays the PDF's chart out (HTML labels over the SVG) with the report's fonts
    and stylesheet; every character of every label lies inside the chart's plot box."""
    import pdfplumber
    from weasyprint import HTML

    from assessment.report.context import RADAR_WIDTH_MM
    from assessment.report.fetcher import safe_url_fetcher
    from assessment.report.pdf import font_config, stylesheet

    for count in (3, 5, 8):
        q = many_signs(count)
        chart = radar_chart(q, scored(q, not_asked={"s2"}), None, lang)
        html = (
            f'<html lang="{lang}"><head><style>@page {{ size: 200mm 300mm; margin: 0 }}'
            f" body {{ margin: 0 }}</style></head><body>{chart.html(RADAR_WIDTH_MM)}</body></html>"
        )
        pdf = HTML(string=html, url_fetcher=safe_url_fetcher).write_pdf(
            stylesheets=[stylesheet()], font_config=font_config()
        )
        width_pt = RADAR_WIDTH_MM / 25.4 * 72
        height_pt = width_pt * chart.height / chart.width
        with pdfplumber.open(io.BytesIO(pdf)) as document:
            chars = [c for c in document.pages[0].chars if c["top"] < height_pt]
        labels = "".join("".join(label.lines) for label in chart.labels)
        inside = [c for c in chars if c["text"].strip() and c["text"] in labels]
        assert len(inside) >= len(labels.replace(" ", "")) * 0.9  # the labels are all there
        for c in inside:
            assert c["x0"] >= -0.5 and c["x1"] <= width_pt + 0.5, (count, c["text"], c["x1"])
            assert c["bottom"] <= height_pt + 0.5, (count, c["text"], c["bottom"])


@pytest.mark.parametrize(
    ("lang", "title", "legend"),
    [
        (
            "en",
            "Fairness index and sign scores per review round, 0 to 100",
            ["Fairness index"],
        ),
        ("zh-CN", "各轮评估的公平指数与各信号得分，0 至 100", ["公平指数"]),
    ],
)
def test_the_charts_words_come_from_the_catalogs(q, lang, title, legend):
    radar = radar_chart(q, result(q, {}), result(q, {}), lang, previous_period="2026-Q3")
    radar_title = {
        "en": "Sign scores from 0 (lord) to 100 (partner)",
        "zh-CN": "各信号得分，0（“老爷”）至 100（伙伴）",
    }
    before = {"en": "Previous round (2026-Q3)", "zh-CN": "上一轮（2026-Q3）"}
    assert radar.title == radar_title[lang]
    assert before[lang] in [item.text for item in radar.legend]
    trend = trend_chart(q, [("2026-Q3", result(q, {})), ("2026-Q4", result(q, {}))], lang)
    assert trend.title == title
    assert [item.text for item in trend.legend][: len(legend)] == legend
    from assessment.report.charts import _LABELS

    for label in _LABELS.values():  # every word marked for the catalogs, and translated
        assert isinstance(label, vocab.Message)
        assert label.get(lang) == (label.msgid if lang == "en" else label.get("zh-CN"))
        assert lang == "en" or not label.get(lang).isascii()

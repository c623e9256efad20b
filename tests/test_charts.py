"""The report charts: valid, escaped SVG that reads in black and white."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from markupsafe import Markup

from assessment.questionnaire import load_questionnaire
from assessment.report.charts import SERIES, radar_chart, radar_svg, trend_chart, trend_svg
from assessment.scoring import RoundResult, SignResult

REPO_ROOT = Path(__file__).resolve().parent.parent
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
    assert ("This round (2026-Q4)" if lang == "en" else "本轮 (2026-Q4)") in words


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

"""Tagged PDFs (PDF/UA-1): the report and the leadership pack carry a structure tree that a
screen reader follows, with the document's language, headings, tables as tables and charts
whose text alternative states their numbers; checked by walking the tree with pikepdf."""

from __future__ import annotations

import io
import re
from collections import Counter

import pikepdf
import pytest

from assessment.db import get_db
from assessment.figures import score_text
from assessment.report import pdf
from assessment.report.data import round_report
from assessment.report.pack import period_reports, render_pack
from assessment.store import clients, rounds

LANGS = ["en", "zh-CN"]


def _apex(app):
    db = get_db()
    client = clients.find_by_name(db, "Apex Retail Group")
    current = next(r for r in rounds.list_rounds(db, client.id) if r.period == "2026-Q4")
    return round_report(db, current)


@pytest.fixture(scope="module")
def reports(demo_app):
    out = {}
    with demo_app.app_context():
        apex = _apex(demo_app)
        for lang in LANGS:
            out[lang] = (apex, pdf.render_pdf(apex, lang))
    return out


@pytest.fixture(scope="module")
def pack(demo_app):
    with demo_app.app_context():
        found = period_reports(get_db(), "2026-Q4")
        return found, render_pack(found, "zh-CN", period="2026-Q4", jobs=1)


def _walk(node, found: list, depth: int = 0) -> None:
    """Every structure element under ``node``, in reading order, as (depth, element)."""
    if isinstance(node, pikepdf.Array):
        for kid in node:
            _walk(kid, found, depth)
        return
    if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
        return  # marked content (an MCID number) or a reference to it
    found.append((depth, node))
    if "/K" in node:
        _walk(node.K, found, depth + 1)


def _structure(data: bytes):
    document = pikepdf.open(io.BytesIO(data))
    elements: list = []
    _walk(document.Root.StructTreeRoot.K, elements)
    return document, elements


def _text(element) -> str:
    return str(element.get("/Alt", ""))


@pytest.mark.parametrize("lang", LANGS)
def test_the_report_is_tagged_with_its_language(reports, lang):
    _report, data = reports[lang]
    document, elements = _structure(data)
    assert str(document.Root.Lang) == lang
    assert document.Root.MarkInfo.Marked
    roles = Counter(str(e.S) for _depth, e in elements)
    assert roles["/H1"] == 1 and roles["/H2"] >= 4 and roles["/P"] > 10
    first_heading = next(str(e.S) for _d, e in elements if str(e.S).startswith("/H"))
    assert first_heading == "/H1", "reading order starts with the title"
    # Every page's marked content is tied to the tree (its StructParents in the parent tree).
    nums = document.Root.StructTreeRoot.ParentTree.Nums
    keys = {int(nums[i]) for i in range(0, len(nums), 2)}
    assert {int(page.obj.StructParents) for page in document.pages} <= keys


@pytest.mark.parametrize("lang", LANGS)
def test_tables_are_tables_with_headers(reports, lang):
    _report, data = reports[lang]
    _document, elements = _structure(data)
    roles = Counter(str(e.S) for _depth, e in elements)
    assert roles["/Table"] >= 2  # the signs at a glance, the actions
    assert roles["/TH"] >= 9 and roles["/TD"] >= 18 and roles["/TR"] >= 8


@pytest.mark.parametrize("lang", LANGS)
def test_charts_state_their_numbers(reports, lang):
    report, data = reports[lang]
    _document, elements = _structure(data)
    figures = [_text(e) for _d, e in elements if str(e.S) == "/Figure"]
    assert figures and all(figures), "every figure has a text alternative"
    q = report.questionnaire
    radar = next(f for f in figures if q.signs[0].title.get(lang) in f and "2026-Q4" in f)
    for sign in q.signs:
        found = report.result.get(sign.id)
        assert f"{sign.title.get(lang)} {score_text(q, found.exact_score)}" in radar
    trend = max(figures, key=len)
    index = score_text(q, report.result.exact_index)
    assert re.search(rf"2026-Q4 {index}\b", trend), trend[:200]
    if lang == "zh-CN":
        assert "（" in radar and " (" not in radar


def test_the_pack_keeps_every_parts_tags(pack):
    found, data = pack
    document, elements = _structure(data)
    assert str(document.Root.Lang) == "zh-CN"
    tops = [e for depth, e in elements if depth == 0]
    assert len(tops) == 1 + len(found), "the portfolio page, then one part per report"
    roles = Counter(str(e.S) for _depth, e in elements)
    assert roles["/H1"] == 1 + len(found)
    assert roles["/Table"] >= 1 + len(found)
    assert all(_text(e) for _d, e in elements if str(e.S) == "/Figure")
    # Each page's marked content maps to elements, and numbers are not shared by two pages.
    parents = [int(page.obj.StructParents) for page in document.pages]
    assert len(set(parents)) == len(parents)
    nums = document.Root.StructTreeRoot.ParentTree.Nums
    keys = {int(nums[i]) for i in range(0, len(nums), 2)}
    assert set(parents) <= keys
    page_ids = {page.obj.objgen for page in document.pages}
    assert all(e.Pg.objgen in page_ids for _d, e in elements if "/Pg" in e)
    with document.open_metadata() as meta:
        assert meta.get("{http://www.aiim.org/pdfua/ns/id/}part") == "1"


def test_page_count_is_what_a_reader_finds(reports, pack):
    from pypdf import PdfReader

    from assessment.report.tagged import page_count

    for data in [*(pdf_data for _report, pdf_data in reports.values()), pack[1]]:
        assert page_count(data) == len(PdfReader(io.BytesIO(data)).pages) > 0
    with pytest.raises(pikepdf.PdfError):
        page_count(b"%PDF-1.7 not really")

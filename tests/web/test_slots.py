"""Pages compiled once with slots and filled per request."""

import pytest
from flask import flash
from jinja2 import ChoiceLoader, DictLoader
from markupsafe import escape

from assessment.web.fastpath.slots import SlotError, compile_page, flash_messages, slot_key

PAGE = (
    "<p title=\"{{ slot('title', title) }}\">{{ slot(('text', 'c_1'), body) }}</p>"
    "<p>{{ fixed }}</p>{{ slot('flashes', flash_messages) }}"
)


@pytest.fixture
def templates(app):
    app.jinja_env.loader = ChoiceLoader(
        [
            DictLoader(
                {
                    "page.html": PAGE,
                    "cut.html": "<p>{{ slot('x', 1)|string|truncate(5, end='') }}</p>",
                }
            ),
            app.jinja_env.loader,
        ]
    )
    app.jinja_env.cache.clear()
    return app.jinja_env


def test_filled_page_equals_the_live_page(app, templates):
    values = {"title": 'Q&A "x"', "body": "</p><script>alert(1)</script>", "fixed": "<b>"}
    with app.test_request_context("/"):
        live = templates.get_template("page.html").render(**values)
        page = compile_page("page.html", fixed=values["fixed"])
        filled = page.fill(
            {
                "title": escape(values["title"]),
                slot_key("text", "c_1"): escape(values["body"]),
            }
        ).decode()
    assert filled == live
    assert "<script>" not in filled and "&lt;script&gt;" in filled
    assert page.keys == {"title", slot_key("text", "c_1"), "flashes"}


def test_a_slot_without_a_value_is_empty(app, templates):
    with app.test_request_context("/"):
        page = compile_page("page.html", fixed="f")
    assert page.fill({}) == b'<p title=""></p><p>f</p>'


def test_text_that_looks_like_a_marker_is_not_a_slot(app, templates):
    fake = "\x00" + "0" * 16 + "\x1ftitle\x00"
    with app.test_request_context("/"):
        page = compile_page("page.html", fixed=fake)
    assert fake in page.fill({"title": "t"}).decode()
    assert page.keys == {"title", slot_key("text", "c_1"), "flashes"}


def test_a_marker_cut_by_the_template_is_an_error(app, templates):
    with app.test_request_context("/"), pytest.raises(SlotError, match=r"cut\.html"):
        compile_page("cut.html")


def test_compiling_does_not_consume_the_flashed_messages(app, templates):
    with app.test_request_context("/"):
        flash("<b>Saved</b>", "success")
        page = compile_page("page.html", fixed="f")
        filled = page.fill({"flashes": flash_messages()}).decode()
    assert 'class="alert alert-success"' in filled
    assert "&lt;b&gt;Saved&lt;/b&gt;" in filled


def test_no_flashed_messages_render_nothing(app):
    with app.test_request_context("/"):
        assert flash_messages() == ""
    with app.test_request_context("/"):
        flash("Odd category", "<script>")
        assert 'class="alert alert-info"' in flash_messages()

"""Stand-ins: a compiled page can show a person's field only through a slot."""

from __future__ import annotations

import pytest
from jinja2 import ChoiceLoader, DictLoader
from markupsafe import escape

from assessment.answers import Draft
from assessment.store.respondents import Respondent
from assessment.web.fastpath.slots import compile_page
from assessment.web.fastpath.standin import NotASlot, SlotValue, StandIn, stand_in


def _respondent() -> StandIn:
    return stand_in(Respondent, slots=["name"])


def test_a_stand_in_has_only_the_fields_it_declares():
    respondent = _respondent()
    draft = stand_in(Draft, fixed={"status": "draft"})
    assert isinstance(respondent.name, SlotValue)
    assert draft.status == "draft"
    for name in ("email", "role", "token", "user_id", "answer_key", "_fields", "nickname"):
        with pytest.raises(NotASlot, match=rf"respondent\.{name}\b"):
            getattr(respondent, name)
    for name in ("answers", "comments", "language", "submitted_at"):
        with pytest.raises(NotASlot, match=rf"draft\.{name}\b"):
            getattr(draft, name)
    assert respondent.__class__ is StandIn and "name" in repr(respondent)
    with pytest.raises(AttributeError):
        respondent.email = "x"


def test_only_fields_of_the_class_can_be_declared():
    with pytest.raises(TypeError, match="nickname"):
        stand_in(Respondent, slots=["name", "nickname"])
    with pytest.raises(TypeError, match="score"):
        stand_in(Draft, fixed={"score": 1})


@pytest.mark.parametrize(
    "use",
    [
        str,
        escape,
        bool,
        len,
        iter,
        hash,
        lambda v: f"{v}",
        lambda v: v == "Ann",
        lambda v: "Dear " + v,
        lambda v: v + "!",
        lambda v: "%s" % v,  # noqa: UP031 - the old operator is refused too
        lambda v: v.upper(),
        lambda v: v[0],
        lambda v: "A" in v,
    ],
)
def test_a_slot_value_is_refused_anywhere_but_in_a_slot(use):
    with pytest.raises(NotASlot, match=r"respondent\.name"):
        use(_respondent().name)


@pytest.fixture
def templates(app):
    sources = {
        "slot.html": "<p>{{ slot('name', respondent.name) }}</p><p>{{ draft.status }}</p>",
        "printed.html": "<p>{{ respondent.name }}</p>",
        "filtered.html": "<p>{{ respondent.name|upper }}</p>",
        "tested.html": "{% if respondent.name %}<p>hello</p>{% endif %}",
        "email.html": "<p>{{ respondent.email }}</p>",
        "defined.html": "{% if respondent.email is defined %}<p>x</p>{% endif %}",
        "linked.html": "{% if respondent.user_id %}<p>your account</p>{% endif %}",
        "answers.html": "<p>{{ draft.answers|length }}</p>",
    }
    app.jinja_env.loader = ChoiceLoader([DictLoader(sources), app.jinja_env.loader])
    app.jinja_env.cache.clear()
    return app


def _compile(app, name: str):
    with app.test_request_context("/"):
        return compile_page(
            name, respondent=_respondent(), draft=stand_in(Draft, fixed={"status": "submitted"})
        )


def test_a_slot_compiles(templates):
    page = _compile(templates, "slot.html")
    assert page.keys == {"name"}
    assert page.fill({"name": "Ann"}) == b"<p>Ann</p><p>submitted</p>"


@pytest.mark.parametrize(
    ("template", "field"),
    [
        ("printed.html", "respondent.name"),
        ("filtered.html", "respondent.name"),
        ("tested.html", "respondent.name"),
        ("email.html", "respondent.email"),
        ("defined.html", "respondent.email"),
        ("linked.html", "respondent.user_id"),
        ("answers.html", "draft.answers"),
    ],
)
def test_a_template_showing_a_person_outside_a_slot_does_not_compile(templates, template, field):
    with pytest.raises(NotASlot, match=field.replace(".", r"\.")):
        _compile(templates, template)

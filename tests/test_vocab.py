"""The fixed vocabularies, defined once: pages, PDF, import and exports name roles alike."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale

from assessment import vocab
from assessment.questionnaire import OWNER_ROLES, ROUND_KINDS
from assessment.report.context import common_context
from assessment.report.pdf import BABEL_LOCALES
from assessment.store.respondents import RESPONDENT_ROLES
from assessment.web.labels import AGREEMENT_NAMES, KIND_NAMES, RESPONDENT_ROLE_NAMES

PACKAGE = Path(vocab.__file__).resolve().parent


def test_ids_are_the_ones_the_rest_of_the_code_uses():
    assert RESPONDENT_ROLES == vocab.ROLES
    assert set(OWNER_ROLES) < set(vocab.ROLES)
    assert vocab.KINDS == ROUND_KINDS
    assert set(vocab.ROLE_LABELS) == set(vocab.ROLES) == set(vocab.ROLE_ALIASES)
    assert set(vocab.KIND_LABELS) == set(vocab.KINDS)
    from assessment.anonymity import AGREEMENT_LEVELS

    assert set(vocab.AGREEMENT_LABELS) == {level for _, level in AGREEMENT_LEVELS}


@pytest.mark.parametrize("lang", vocab.LANGUAGES)
def test_pages_pdf_and_import_name_each_role_alike(app, lang):
    with app.test_request_context(), force_locale(BABEL_LOCALES[lang]):
        pdf_label = common_context(lang, [], datetime.now(UTC))["role_label"]
        for role in vocab.ROLES:
            page = str(RESPONDENT_ROLE_NAMES[role])
            assert page == pdf_label(role) == vocab.role_label(role, lang)
            assert vocab.role_names()[vocab.fold(page)] == role
        for kind in vocab.KINDS:
            assert str(KIND_NAMES[kind]) == vocab.translations(lang).gettext(
                vocab.KIND_LABELS[kind].msgid
            )


@pytest.mark.parametrize("lang", vocab.LANGUAGES)
def test_pages_and_pdf_word_agreement_alike(app, lang):
    from assessment.report.context import agreement_detail
    from assessment.scoring import SignResult

    translate = vocab.translations(lang).gettext
    with (
        app.test_request_context(headers={"Accept-Language": lang}),
        force_locale(BABEL_LOCALES[lang]),
    ):
        for level, label in vocab.AGREEMENT_LABELS.items():
            words = translate(label.msgid)
            assert str(AGREEMENT_NAMES[level]) == words
            assert lang == "en" or not words.isascii(), words
        sign = SignResult("s", 80.0, "healthy", "scored", 1.0, 3, 3, 3, rwg=0.75)
        assert translate("strong agreement") in agreement_detail(None, sign, True, lang)


def test_every_name_is_translated_and_no_two_roles_share_one():
    for lang in vocab.LANGUAGES:
        names = [vocab.role_label(role, lang) for role in vocab.ROLES]
        assert len(set(names)) == len(names), lang
    chinese = [vocab.role_label(role, "zh-CN") for role in vocab.ROLES]
    assert all(not name.isascii() for name in chinese), chinese
    spellings: dict[str, str] = {}
    for role in vocab.ROLES:
        for alias in (role, *vocab.ROLE_ALIASES[role]):
            assert spellings.setdefault(vocab.fold(alias), role) == role, alias
    assert vocab.role_label("no-such-role", "en") == "Other"


def test_messages_keep_their_english_and_translate_later():
    message = vocab.N_("row %(row)s: %(message)s", row=3, message=vocab.N_("a name is required"))
    assert message == "row 3: a name is required"
    assert isinstance(message, str)
    assert message.localize(vocab.translations("zh-CN").gettext) == "第 3 行：必须填写姓名"
    listed = vocab.Joined(vocab.ROLE_LABELS[role] for role in ("finance", "other"))
    assert str(listed) == "Finance, Other"
    assert listed.localize(vocab.translations("zh-CN").gettext) == "财务、其他"


def test_vocab_is_pure():
    tree = ast.parse((PACKAGE / "vocab.py").read_text(encoding="utf-8"))
    imported = {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not imported & {"flask", "flask_babel", "sqlite_utils", "weasyprint", "click"}, imported

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
    assert RESPONDENT_ROLES == vocab.RESPONDENT_ROLES
    assert set(OWNER_ROLES) < set(vocab.RESPONDENT_ROLES)
    assert vocab.ROUND_KINDS == ROUND_KINDS
    assert set(vocab.ROLE_LABELS) == set(vocab.RESPONDENT_ROLES) == set(vocab.ROLE_ALIASES)
    assert set(vocab.KIND_LABELS) == set(vocab.ROUND_KINDS)
    from assessment.anonymity import AGREEMENT_LEVELS

    assert set(vocab.AGREEMENT_LABELS) == {level for _, level in AGREEMENT_LEVELS}


@pytest.mark.parametrize("lang", vocab.LANGUAGES)
def test_pages_pdf_and_import_name_each_role_alike(app, lang):
    with app.test_request_context(), force_locale(BABEL_LOCALES[lang]):
        pdf_label = common_context(lang, [], datetime.now(UTC))["role_label"]
        for role in vocab.RESPONDENT_ROLES:
            page = str(RESPONDENT_ROLE_NAMES[role])
            assert page == pdf_label(role) == vocab.role_label(role, lang)
            assert vocab.role_names()[vocab.fold(page)] == role
        for kind in vocab.ROUND_KINDS:
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
        names = [vocab.role_label(role, lang) for role in vocab.RESPONDENT_ROLES]
        assert len(set(names)) == len(names), lang
    chinese = [vocab.role_label(role, "zh-CN") for role in vocab.RESPONDENT_ROLES]
    assert all(not name.isascii() for name in chinese), chinese
    spellings: dict[str, str] = {}
    for role in vocab.RESPONDENT_ROLES:
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


# --- languages: one list, one reading of Chinese tags ---------------------------------------


@pytest.mark.parametrize(
    ("tag", "lenient", "strict"),
    [
        ("en", "en", "en"),
        ("en-GB", "en", "en"),
        ("zh-CN", "zh-CN", "zh-CN"),
        ("zh", "zh-CN", "zh-CN"),
        ("zh_CN", "zh-CN", "zh-CN"),
        ("zh-Hans", "zh-CN", "zh-CN"),
        ("ZH-tw", "zh-CN", "zh-CN"),
        ("fr", "en", None),
        ("", "en", None),
        (None, "en", None),
    ],
)
def test_a_language_tag_is_read_one_way_everywhere(tag, lenient, strict):
    from assessment.questionnaire import Text
    from assessment.report import charts, pdf

    assert vocab.language_of(tag) == lenient
    text = Text.model_validate({"en": "English", "zh-CN": "中文"})
    assert text.get(tag) == ("中文" if lenient == "zh-CN" else "English")
    assert charts.font_stack(tag) == charts.FONT_STACKS[lenient]
    if strict is None:
        with pytest.raises(ValueError, match="language must be one of en, zh-CN"):
            vocab.normalize_lang(tag)
    else:
        assert vocab.normalize_lang(tag) == pdf.normalize_lang(tag) == strict


def test_every_language_has_a_babel_locale_a_name_and_a_catalog(app):
    from assessment.questionnaire import LANGUAGES
    from assessment.report import pdf
    from assessment.web import i18n

    assert LANGUAGES == pdf.LANGUAGES == vocab.LANGUAGES
    assert pdf.BABEL_LOCALES is vocab.BABEL_LOCALES
    assert set(vocab.BABEL_LOCALES) == set(vocab.LANGUAGE_NAMES) == set(vocab.LANGUAGES)
    assert tuple(app.config["LANGUAGES"]) == vocab.LANGUAGES
    for lang in vocab.LANGUAGES:
        catalog = vocab.translations(lang)
        assert (catalog.gettext("Draft") != "Draft") is (lang != "en")
        with app.test_request_context(headers={"Accept-Language": lang}):
            assert i18n.babel_locale() == vocab.BABEL_LOCALES[lang]
            assert i18n.template_context()["list_separator"] == vocab.LIST_SEPARATOR.get(lang)
    assert vocab.LIST_SEPARATOR.get("zh-CN") == "、"


@pytest.mark.parametrize("lang", vocab.LANGUAGES)
def test_not_asked_and_trends_are_named_once_for_pages_and_pdfs(app, lang):
    """The web app and a report app (the PDF's, report/environment.py) show the same words
    and arrows, from vocab."""
    from assessment.report.environment import report_app

    assert set(vocab.NOT_ASKED_LABELS) == set(vocab.ROUND_KINDS)
    assert set(vocab.TREND_ARROWS) == set(vocab.TREND_LABELS) == {"up", "down", "steady"}
    for rendering in (app, report_app(app.config)):
        helpers = rendering.jinja_env.globals
        with rendering.test_request_context(), force_locale(BABEL_LOCALES[lang]):
            for kind, label in vocab.NOT_ASKED_LABELS.items():
                words = helpers["not_asked_text"](kind)
                assert words == label.get(lang)
                assert lang == "en" or not words.isascii(), words
            assert helpers["not_asked_text"](None) == ("Not asked" if lang == "en" else "未询问")
            for direction, label in vocab.TREND_LABELS.items():
                assert helpers["trend_word"](direction) == label.get(lang)
            assert helpers["trend_arrows"] is vocab.TREND_ARROWS


def test_owner_roles_are_respondent_roles():
    assert vocab.OWNER_ROLES == OWNER_ROLES == vocab.RESPONDENT_ROLES[:4]
    assert vocab.ROUND_KINDS is ROUND_KINDS


@pytest.mark.parametrize("lang", vocab.LANGUAGES)
def test_user_roles_are_named_once(app, lang):
    from assessment.store import users
    from assessment.web.main import ROLE_NAMES

    assert (
        users.USER_ROLES == vocab.USER_ROLES == tuple(vocab.USER_ROLE_LABELS) == tuple(ROLE_NAMES)
    )
    assert set(vocab.LEAD_ROLES) < set(vocab.USER_ROLES)
    leads = {
        r for r in vocab.USER_ROLES if users.User(1, "x@example.com", "X", r, "en", True).is_lead
    }
    assert leads == set(vocab.LEAD_ROLES)
    with app.test_request_context(), force_locale(BABEL_LOCALES[lang]):
        for role, label in vocab.USER_ROLE_LABELS.items():
            assert str(ROLE_NAMES[role]) == label.get(lang)
            assert lang == "en" or not label.get(lang).isascii()

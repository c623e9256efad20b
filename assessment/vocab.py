"""The product's fixed vocabularies, defined once: languages (and how Chinese tags are
read), round kinds, respondent roles, agreement levels.

The questionnaire model, pages, the PDF, the respondents import and the exports all take
their ids and names from here. Names are English message ids marked with ``N_`` (which
``make translations`` extracts into the catalogs); each place translates them in its own
way: pages with Flask-Babel's ``lazy_gettext``, the PDF inside ``force_locale``, and code
without Flask (the import, the charts) with ``translations(lang)``, which reads the same
compiled catalog.

``Message`` carries a text a pure module produces (an import problem, a playbook note) in
English together with its message id and parameters, so that the web layer or the PDF
can show it in the reader's language later (``localize``, or ``get(lang)``).

Part of the pure core: standard library only.
"""

from __future__ import annotations

import gettext as gettext_module
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path

__all__ = [
    "AGREEMENT_LABELS",
    "BABEL_LOCALES",
    "CLIENT_DISPLAYS",
    "CLIENT_ROLES",
    "CLIENT_ROLE_LABELS",
    "DEFAULT_CLIENT_FLOOR",
    "DEFAULT_FLOOR",
    "DEFAULT_TEXT_FLOOR",
    "KIND_LABELS",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "LANGUAGE_SPELLINGS",
    "LEAD_ROLES",
    "MIN_CLIENT_FLOOR",
    "MIN_FLOOR",
    "NOT_ASKED_LABELS",
    "N_",
    "OWNER_ROLES",
    "RESPONDENT_ROLES",
    "ROLE_ALIASES",
    "ROLE_LABELS",
    "ROUND_KINDS",
    "SIDES",
    "SIDE_LABELS",
    "TREND_ARROWS",
    "TREND_LABELS",
    "USER_ROLES",
    "USER_ROLE_LABELS",
    "Joined",
    "Message",
    "email_key",
    "fold",
    "language_of",
    "localized",
    "normalize_lang",
    "role_label",
    "role_names",
    "round_name",
    "translations",
]

Translate = Callable[[str], str]

# --- languages ------------------------------------------------------------------------------

#: Every language of the app: questionnaire texts, pages, PDFs. zh-CN is the one tag for
#: Chinese (``<html lang="zh-CN">`` picks the Simplified glyph shapes).
LANGUAGES = ("en", "zh-CN")
#: How Babel (and the catalogs' folder names) spell each language.
BABEL_LOCALES = {"en": "en", "zh-CN": "zh_Hans_CN"}
#: Each language named in itself, for the language switch.
LANGUAGE_NAMES = {"en": "English", "zh-CN": "简体中文"}
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


def language_of(tag: str | None) -> str:
    """The language to show for any tag, never failing: any Chinese tag (``zh``, ``zh_CN``,
    ``zh-Hans``) is zh-CN, anything else (or nothing) English."""
    return "zh-CN" if tag and tag.lower().startswith("zh") else "en"


def normalize_lang(lang: str | None) -> str:
    """ "en" or "zh-CN" from any spelling (zh, zh_CN, zh-Hans, en-GB…); ValueError for any
    other language (a command line or a URL asked for one the app does not have)."""
    if lang:
        code = lang.strip().lower().replace("_", "-")
        if code.startswith("zh"):
            return "zh-CN"
        if code == "en" or code.startswith("en-"):
            return "en"
    raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")


class Message(str):
    """A text in English (it *is* that ``str``) that can also be shown in another
    language: ``localize(gettext)`` looks up ``msgid`` and fills in ``params``, translating
    parameters that are themselves translatable (a ``Message``, a ``Joined``)."""

    msgid: str
    params: Mapping[str, object]

    def __new__(cls, msgid: str, **params: object) -> Message:
        text = msgid % {k: str(v) for k, v in params.items()} if params else msgid
        self = super().__new__(cls, text)
        self.msgid = msgid
        self.params = params
        return self

    def localize(self, gettext: Translate) -> str:
        text = gettext(self.msgid)
        if not self.params:
            return text
        return text % {key: localized(value, gettext) for key, value in self.params.items()}

    def get(self, lang: str | None) -> str:
        """The text in ``lang`` (read as ``language_of`` does), from the compiled catalog:
        like a questionnaire's ``Text.get``, so templates show either the same way."""
        return self.localize(translations(language_of(lang)).gettext)


def N_(msgid: str, **params: object) -> Message:
    """Mark ``msgid`` for extraction (pybabel knows ``N_``); translated where shown."""
    return Message(msgid, **params)


class Joined:
    """Several translatable texts joined by a separator (a list inside a message)."""

    def __init__(self, parts: Iterable[object]):
        self.parts = tuple(parts)

    def __str__(self) -> str:
        return LIST_SEPARATOR.join(map(str, self.parts))

    def localize(self, gettext: Translate) -> str:
        return LIST_SEPARATOR.localize(gettext).join(localized(p, gettext) for p in self.parts)


#: Between the entries of a list in a sentence (Chinese uses 、).
LIST_SEPARATOR = N_(", ")


def localized(value: object, gettext: Translate) -> str:
    """``value`` in the language ``gettext`` translates into (plain values as they are)."""
    if isinstance(value, Message | Joined):
        return value.localize(gettext)
    return str(value)


# --- round kinds ----------------------------------------------------------------------------

ROUND_KINDS = ("kickoff", "quarterly", "adhoc")
KIND_LABELS: dict[str, Message] = {
    "kickoff": N_("Kickoff"),
    "quarterly": N_("Quarterly review"),
    "adhoc": N_("Ad hoc"),
}


def round_name(period: str, kind: str) -> Message:
    """A round as titles, mail subjects, file names and chart axes name it: its period
    and its kind ("2026-Q1 · Kickoff"), as a kickoff and a quarterly review of one period
    are two rounds of a client."""
    return N_("%(period)s · %(kind)s", period=period, kind=KIND_LABELS.get(kind, kind))


#: What a sign shows instead of a score when none of its items is asked in a kind of round.
NOT_ASKED_LABELS: dict[str, Message] = {
    "kickoff": N_("Not asked in a kickoff"),
    "quarterly": N_("Not asked in a quarterly review"),
    "adhoc": N_("Not asked in an ad hoc review"),
}

# --- trends ---------------------------------------------------------------------------------

#: A trend's direction (``scores.Trend.direction``) as the pages and the PDF show it: one
#: arrow and one word each, the same on the web and on paper.
TREND_ARROWS = {"up": "▲", "down": "▼", "steady": "▶"}
TREND_LABELS: dict[str, Message] = {"up": N_("up"), "down": N_("down"), "steady": N_("steady")}

# --- agreement levels -----------------------------------------------------------------------

#: How an anonymous round words rater agreement (the levels of ``anonymity.agreement_level``).
AGREEMENT_LABELS: dict[str, Message] = {
    "very_strong": N_("very strong agreement"),
    "strong": N_("strong agreement"),
    "moderate": N_("moderate agreement"),
    "weak": N_("weak agreement"),
    "none": N_("no real agreement"),
}

# --- respondent roles -----------------------------------------------------------------------

#: A respondent's role in the team; the first four also own recommendations.
RESPONDENT_ROLES = ("account", "delivery", "finance", "leadership", "other")
#: The roles a questionnaire's recommendations may name as their owner.
OWNER_ROLES = RESPONDENT_ROLES[:4]
ROLE_LABELS: dict[str, Message] = {
    "account": N_("Account lead"),
    "delivery": N_("Delivery lead"),
    "finance": N_("Finance"),
    "leadership": N_("Leadership"),
    "other": N_("Other"),
}
#: Names earlier versions showed (the round page and the PDF named roles differently), still
#: understood in imported files.
ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    "account": ("Account", "客户服务", "客户经理"),
    "delivery": ("Delivery", "项目交付", "交付负责人"),
    "finance": (),
    "leadership": ("公司管理层",),
    "other": (),
}


# --- the two sides of a round ----------------------------------------------------------------

#: Who a respondent is: one of the team, or one of the client's people (who answer the
#: questionnaire's mirror, see docs/questionnaire-format.md).
SIDES = ("team", "client")
SIDE_LABELS: dict[str, Message] = {
    "team": N_("Team"),
    "client": N_("Client"),
}
#: A client contact's role on the client's side.
CLIENT_ROLES = ("sponsor", "owner", "procurement", "other")
CLIENT_ROLE_LABELS: dict[str, Message] = {
    "sponsor": N_("Executive sponsor"),
    "owner": N_("Project owner"),
    "procurement": N_("Finance / procurement"),
    "other": N_("Other"),
}


# --- user accounts ------------------------------------------------------------------------

#: What a user account may do: an admin everything, a lead clients and rounds, a member answer.
USER_ROLES = ("admin", "lead", "member")
USER_ROLE_LABELS: dict[str, Message] = {
    "admin": N_("administrator"),
    "lead": N_("lead"),
    "member": N_("member"),
}
#: The accounts that manage clients and rounds (an admin may do all a lead may).
LEAD_ROLES = ("admin", "lead")


@lru_cache(maxsize=8)
def translations(lang: str) -> gettext_module.NullTranslations:
    """The compiled catalog of ``lang`` (English, or a missing catalog: the msgids)."""
    locale = BABEL_LOCALES.get(lang)
    if locale is None or locale == "en":
        return gettext_module.NullTranslations()
    return gettext_module.translation(
        "messages", localedir=TRANSLATIONS_DIR, languages=[locale], fallback=True
    )


def role_label(role: str, lang: str) -> str:
    """A role's name in ``lang`` (an unknown role is "Other")."""
    return translations(lang).gettext(ROLE_LABELS.get(role, ROLE_LABELS["other"]).msgid)


def fold(text: str) -> str:
    """A name as it is compared: compatibility forms folded (full-width letters), case
    and surrounding or repeated spaces ignored."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def email_key(email: str | None) -> str | None:
    """An email as it is compared: trimmed, compatibility forms folded (full-width
    letters) and case ignored, so ``EMMA@x`` and ``ｅｍｍａ@x`` are ``emma@x``; None for
    no email."""
    key = unicodedata.normalize("NFKC", (email or "").strip()).casefold()
    return key or None


#: A respondent's language, as a lead or a respondents file gives it: every way it may be
#: written (folded) to its tag; unknown (both languages) is None.
LANGUAGE_SPELLINGS = {
    "en": "en",
    "english": "en",
    "英文": "en",
    "英语": "en",
    "zh-cn": "zh-CN",
    "zh": "zh-CN",
    "zh_cn": "zh-CN",
    "zh-hans": "zh-CN",
    "chinese": "zh-CN",
    "中文": "zh-CN",
    "简体中文": "zh-CN",
    "汉语": "zh-CN",
}


@lru_cache(maxsize=1)
def role_names() -> dict[str, str]:
    """Every way a role may be written (id, name in each language, earlier names),
    folded, to its id."""
    names: dict[str, str] = {}
    for role in RESPONDENT_ROLES:
        spellings = [role, *(role_label(role, lang) for lang in LANGUAGES), *ROLE_ALIASES[role]]
        for spelling in spellings:
            names.setdefault(fold(spelling), role)
    return names


# --- anonymity floors (the rules that apply them: anonymity.py; docs/anonymity.md) ----------

#: The fewest submitted answers an anonymous round shows results for (``ANONYMITY_FLOOR``).
DEFAULT_FLOOR = 3
#: The fewest for comments and text answers (``ANONYMITY_TEXT_FLOOR``): words can be
#: recognised where numbers cannot, so text asks for a larger group.
DEFAULT_TEXT_FLOOR = 5
#: No floor may be lower: with two people, each can work out the other's answers.
MIN_FLOOR = 3

#: How a round shows its client contacts' answers (chosen when it is created): "combined",
#: anonymous within the client group from the round's client floor; "attributed", each
#: contact's view shown to the team by name (docs/anonymity.md, "The client's side").
CLIENT_DISPLAYS = ("combined", "attributed")
#: The fewest client answers a combined client view is shown from (``CLIENT_FLOOR``). Two,
#: not the team's three: a client usually names two contacts (sponsor and project owner),
#: and a floor of three would withhold their view for good. With two, each contact can work
#: out the other's answers from the combined view if it is shared back with them: the lead
#: is told so before sharing, and the contacts are told on their form.
DEFAULT_CLIENT_FLOOR = 2
#: No client floor may be lower: a "combined" view of one person is that person's answers.
MIN_CLIENT_FLOOR = 2

"""Translated names for the product's fixed vocabularies (round kinds, roles, statuses)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from .. import vocab

# Round kinds, respondent roles and "not asked" are named once, in ``vocab``; these translate
# them lazily.
KIND_NAMES = {kind: _l(label.msgid) for kind, label in vocab.KIND_LABELS.items()}
RESPONDENT_ROLE_NAMES = {role: _l(label.msgid) for role, label in vocab.ROLE_LABELS.items()}
CLIENT_ROLE_NAMES = {role: _l(label.msgid) for role, label in vocab.CLIENT_ROLE_LABELS.items()}
SIDE_NAMES = {side: _l(label.msgid) for side, label in vocab.SIDE_LABELS.items()}
#: What a sign that none of a kind of round's items ask about shows instead of a score.
RESPONSE_STATUS_NAMES = {
    "invited": _l("Invited"),
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
}
#: review_calendar.CADENCES → what the client form and page call them
CADENCE_NAMES = {
    "quarterly": _l("Every quarter"),
    "half-yearly": _l("Every six months"),
    "yearly": _l("Once a year"),
    "off": _l("No scheduled reviews"),
}
#: anonymity.agreement_level → words (named once, in ``vocab``)
AGREEMENT_NAMES = {level: _l(label.msgid) for level, label in vocab.AGREEMENT_LABELS.items()}


def template_context() -> dict:
    from ..anonymity import agreement_level
    from .main import ROLE_NAMES

    return {
        "role_names": ROLE_NAMES,
        "kind_names": KIND_NAMES,
        "respondent_role_names": RESPONDENT_ROLE_NAMES,
        "client_role_names": CLIENT_ROLE_NAMES,
        "side_names": SIDE_NAMES,
        "response_status_names": RESPONSE_STATUS_NAMES,
        "cadence_names": CADENCE_NAMES,
        "agreement_names": AGREEMENT_NAMES,
        "agreement_level": agreement_level,
        "round_name": round_name,
    }


def round_name(current) -> str:
    """A round's period and kind in the page's language (``vocab.round_name``)."""
    from flask_babel import gettext

    return vocab.round_name(current.period, current.kind).localize(gettext)


def select_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]

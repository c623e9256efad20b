"""Translated names for the product's fixed vocabularies (round kinds, roles, statuses)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

KIND_NAMES = {"kickoff": _l("Kickoff"), "quarterly": _l("Quarterly review"), "adhoc": _l("Ad hoc")}
RESPONDENT_ROLE_NAMES = {
    "account": _l("Account"),
    "delivery": _l("Delivery"),
    "finance": _l("Finance"),
    "leadership": _l("Leadership"),
    "other": _l("Other"),
}
RESPONSE_STATUS_NAMES = {
    "invited": _l("Invited"),
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
}
TREND_NAMES = {"up": _l("up"), "down": _l("down"), "steady": _l("steady")}
#: anonymity.agreement_level → words
AGREEMENT_NAMES = {
    "very_strong": _l("very strong agreement"),
    "strong": _l("strong agreement"),
    "moderate": _l("moderate agreement"),
    "weak": _l("weak agreement"),
    "none": _l("no real agreement"),
}


def template_context() -> dict:
    from ..anonymity import agreement_level
    from .main import ROLE_NAMES

    return {
        "role_names": ROLE_NAMES,
        "kind_names": KIND_NAMES,
        "respondent_role_names": RESPONDENT_ROLE_NAMES,
        "response_status_names": RESPONSE_STATUS_NAMES,
        "trend_names": TREND_NAMES,
        "agreement_names": AGREEMENT_NAMES,
        "agreement_level": agreement_level,
    }


def select_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]

"""The page shown instead of results that an anonymous round may not show (yet)."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from ..anonymity import Policy
from ..store.rounds import Round


def withheld_reason(policy: Policy) -> str:
    """Why the round's results are not shown, in a sentence."""
    if policy.state == "open":
        return _(
            "This round is anonymous and still open: its results, exports and report come"
            " when it closes, so that nobody can watch the scores move with each answer."
        )
    return _(
        "Fewer than %(floor)s people submitted answers in this anonymous round, so its results"
        " are withheld to protect anonymity.",
        floor=policy.floor,
    )


def refuse_withheld(current: Round, policy: Policy, *, status: int = 403):
    """The withheld page (403 by default): nothing of the round's answers is read."""
    return (
        render_template(
            "rounds/withheld.html", round=current, policy=policy, reason=withheld_reason(policy)
        ),
        status,
    )

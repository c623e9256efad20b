"""The team view: what the people who answered a round get back once it is closed.

The lead decides per round whether to share a read-only summary (a switch on the round
page) and which of the round's next steps it shows. The summary holds the round's index,
verdict, each sign's score, band and trend, the index of the client's earlier rounds and
the chosen next steps: aggregates only, under the same gate as every other view of scores
(``results.policy``: closed, and at or above the anonymity floor; below it the page says
the results are withheld). No answer, comment or text answer of anyone is ever on it.

Respondents open it from their personal link (``/r/<token>/team``, linked from the page
the link shows once the round is closed); members with an account from their home page
(``/team/<round_id>``, for rounds they were invited to); leads and admins may look too.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import gettext as _
from flask_login import current_user

from .. import results
from ..db import get_db
from ..report.data import history_before, withheld_outcome
from ..sqlite import transaction
from ..store import respondents, rounds, team_views
from ..vocab import LEAD_ROLES, round_name
from .access import public, role_required
from .audit import log
from .lookups import PostForm, round_or_404

bp = Blueprint("team", __name__)


def summary(db, current: rounds.Round) -> dict | None:
    """What the team view shows of a closed round whose lead shares it, or None."""
    view = team_views.get(db, current.id)
    if current.is_open or not view.shared:
        return None
    record = results.load(db, current, every_answer=False)
    policy = results.policy(record)
    if policy.results_visible:
        outcome = results.outcome(record)
        earlier = [
            (round_name(period, result.kind).localize(gettext), result.exact_index)
            for period, result in history_before(record)
            if result.index is not None
        ]
    else:
        outcome, earlier = withheld_outcome(current), []
    steps = [step for step in outcome.next_steps if step.sign_id in view.steps]
    return {
        "round": current,
        "policy": policy,
        "result": outcome.result,
        "earlier": earlier,
        "steps": steps,
    }


def _page(db, current: rounds.Round):
    found = summary(db, current)
    if found is None:
        return render_template("team/unshared.html", round=current), 404
    return render_template("team/show.html", **found)


@bp.get("/r/<token>/team")
@public
def from_link(token: str):
    """The summary through the personal link that answered the round: a team member's
    link only. A client contact's link never reaches it (nor anything else of the team's:
    ``client_access``), whatever is shared."""
    db = get_db()
    respondent = respondents.find_by_token(db, token)
    if respondent is None or respondent.side != "team":
        abort(404)
    return _page(db, rounds.get_round(db, respondent.round_id))


@bp.get("/team/<int:round_id>")
def for_member(round_id: int):
    """The summary for a logged-in member invited to the round (or a lead or admin)."""
    db = get_db()
    current = round_or_404(round_id)
    if current_user.role not in LEAD_ROLES:
        invited = {r.id for r, _p in respondents.rounds_for_user(db, current_user.id)}
        if round_id not in invited:
            abort(404)
    return _page(db, current)


@bp.post("/rounds/<int:round_id>/team-view")
@role_required(*LEAD_ROLES)
def share(round_id: int):
    """The round page's switch: share the summary or not, and which next steps."""
    current = round_or_404(round_id)
    if not PostForm().validate_on_submit():
        abort(400)
    db = get_db()
    shared = request.form.get("shared") == "y"
    if current.is_open:
        abort(409)
    steps = [
        step.sign_id
        for step in results.outcome(results.load(db, current, every_answer=False)).next_steps
        if step.sign_id in request.form.getlist("steps")
    ]
    with transaction(db, write=True):
        team_views.save(db, round_id, shared=shared, steps=steps, user_id=current_user.id)
        log("team_view.shared" if shared else "team_view.hidden", "round", round_id, steps=steps)
    if shared:
        flash(_("The team can now open the summary of this round."), "success")
    else:
        flash(_("The summary of this round is no longer shared with the team."), "success")
    return redirect(url_for("rounds.show", round_id=round_id) + "#team-view")

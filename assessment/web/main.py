"""The home page: a member's own rounds (open ones to answer, closed ones with the team
summary their lead shares), a lead's open rounds."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import clock, vocab
from ..db import get_db
from ..store import deadlines, respondents, rounds, team_views

bp = Blueprint("main", __name__)

#: How long the home page tells leads that a round closed itself on its due date.
CLOSED_NOTICE_DAYS = 14
#: A user account's role, named once in ``vocab``, translated lazily.
ROLE_NAMES = {role: _l(label.msgid) for role, label in vocab.USER_ROLE_LABELS.items()}


@bp.get("/")
def index():
    db = get_db()
    mine = respondents.rounds_for_user(db, current_user.id)
    open_rounds = rounds.open_rounds(db) if current_user.is_lead else []
    since = clock.stamp(clock.utc_now() - timedelta(days=CLOSED_NOTICE_DAYS))
    closed_on_due = deadlines.closed_on_due_date_since(db, since) if current_user.is_lead else []
    closed = [(r, p) for r, p in mine if not r.is_open]
    return render_template(
        "main/index.html",
        role_label=ROLE_NAMES[current_user.role],
        to_answer=[(r, p) for r, p in mine if r.is_open],
        closed=closed,
        shared=team_views.shared_rounds(db, (r.id for r, _p in closed)),
        open_rounds=open_rounds,
        closed_on_due_date=closed_on_due,
    )

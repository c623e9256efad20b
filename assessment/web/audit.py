"""Recording what users do, and the audit log page (admins)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..db import get_db
from ..store import audit
from .access import role_required
from .limits import page_number

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 50

ACTION_NAMES = {
    "client.created": _l("created a client"),
    "client.changed": _l("changed a client"),
    "client.archived": _l("archived a client"),
    "client.restored": _l("restored a client"),
    "round.created": _l("created a round"),
    "round.closed": _l("closed a round"),
    "round.reopened": _l("reopened a round"),
    "round.invitations_confirmed": _l("confirmed the respondents of a scheduled round"),
    "action.created": _l("added an action"),
    "action.done": _l("marked an action done"),
    "action.reopened": _l("reopened an action"),
    "team_view.shared": _l("shared a round's summary with the team"),
    "team_view.hidden": _l("stopped sharing a round's summary with the team"),
    "share_link.created": _l("created a share link"),
    "share_link.revoked": _l("revoked a share link"),
    "user.created": _l("created a user"),
    "user.changed": _l("changed a user"),
    "user.password_changed": _l("changed their own password"),
    "personal_link.issued": _l("issued a personal link"),
    "personal_link.reissued": _l("issued a new personal link (the old one stopped working)"),
    "personal_link.revoked": _l("revoked a personal link"),
    "personal_link.refused": _l("was refused answering through someone else's link"),
    "personal_link.replaced": _l("answers replaced through a new personal link"),
    "answers.exported": _l("exported a round's answers"),
    "results.exported": _l("exported every round's results"),
    "results.viewed": _l("opened a round's results"),
    "client_summary.downloaded": _l("downloaded a round's summary for the client"),
    "client_summary.shared": _l("shared a round's summary with the client"),
    "client_summary.withdrawn": _l("stopped sharing a round's summary with the client"),
    "round.due_date_changed": _l("changed a round's due date or reminders"),
    "mail.invitations_queued": _l("sent invitations"),
    "mail.invitation_queued": _l("sent an invitation again"),
    "mail.reminders_queued": _l("sent reminders"),
    "mail.retried": _l("sent a failed message again"),
}


def log(action: str, object_type: str, object_id: int | None, **details) -> None:
    """Record an action of the logged-in user (call inside the change's transaction)."""
    audit.record(
        get_db(),
        user_id=current_user.id,
        actor=current_user.email,
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=details,
    )


@bp.get("/")
@role_required("admin")
def index():
    db = get_db()
    page, pages = page_number(audit.count(db), PAGE_SIZE)
    found = audit.entries(db, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "audit/index.html",
        entries=found,
        page=page,
        pages=pages,
        action_names=ACTION_NAMES,
    )

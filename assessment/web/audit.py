"""Recording what users do: ``log``, which every blueprint calls inside the transaction of
the change, and the name of each action (``ACTION_NAMES``; a test checks every recorded
action has one). The admins' page that reads the log is ``audit_page``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..db import get_db
from ..store import audit

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
    "sso.login": _l("signed in through single sign-on"),
    "sso.account_created": _l("signed in through single sign-on for the first time (account made)"),
    "sso.account_linked": _l(
        "signed in through single sign-on for the first time (linked to their account by email)"
    ),
    "sso.refused": _l("was refused signing in through single sign-on"),
    "user.changed": _l("changed a user"),
    "user.password_changed": _l("changed their own password"),
    "user.reset_link_sent": _l("sent a user a password reset link"),
    "user.reset_link_shown": _l(
        "was shown a user's password reset link (their anonymous answers put out of reach)"
    ),
    "user.password_reset": _l("set their password through a reset link"),
    "user.password_set_by_operator": _l(
        "set a user's password on the command line (their anonymous answers put out of reach)"
    ),
    "personal_link.issued": _l("issued a personal link"),
    "personal_link.reissued": _l("issued a new personal link (the old one stopped working)"),
    "personal_link.revoked": _l("revoked a personal link"),
    "personal_link.refused": _l("was refused answering through someone else's link"),
    "personal_link.replaced": _l("answers replaced through a new personal link"),
    "personal_link.draft_discarded": _l(
        "a draft whose browser was lost discarded through the personal link (started again)"
    ),
    "answers.exported": _l("exported a round's answers"),
    "results.exported": _l("exported every round's results"),
    "results.viewed": _l("opened a round's results"),
    "client_summary.downloaded": _l("downloaded a round's summary for the client"),
    "client_summary.shared": _l("shared a round's summary with the client"),
    "client_summary.withdrawn": _l("stopped sharing a round's summary with the client"),
    "invoices.imported": _l("imported a client's invoices"),
    "incident.logged": _l("logged an incident"),
    "incident.changed": _l("changed an incident"),
    "incidents.exported": _l("exported a client's incidents"),
    "client_summary.invoices_included": _l("included the invoice facts in a client summary"),
    "client_summary.invoices_left_out": _l("left the invoice facts out of a client summary"),
    "round.due_date_changed": _l("changed a round's due date or reminders"),
    "mail.invitations_queued": _l("sent invitations"),
    "mail.invitation_queued": _l("sent an invitation again"),
    "mail.reminders_queued": _l("sent reminders"),
    "mail.retried": _l("sent a failed message again"),
    "alerts.channel_added": _l("added an alert channel"),
    "alerts.channel_paused": _l("paused an alert channel"),
    "alerts.channel_resumed": _l("resumed an alert channel"),
    "alerts.channel_deleted": _l("deleted an alert channel"),
    "alerts.test_sent": _l("sent a test alert"),
    "api_token.created": _l("created an API token"),
    "api_token.revoked": _l("revoked an API token"),
    "questionnaire.uploaded": _l("uploaded a questionnaire version"),
    "questionnaire.published": _l("published a questionnaire version for new rounds"),
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

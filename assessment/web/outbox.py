"""The outbox (admins): every message the app sends, where mail goes, and the worker.

With no mail server configured this is where mail is delivered: the demo and a trial
installation show invitations and reminders here, links included. With a server, each
message is kept as sent but without the recipient's personal link (``mail.kinds``).

A message's HTML is shown as the recipient sees it, in a sandboxed frame: the page that
serves it allows styles and nothing else (no script, no requests, no forms), and only
this site may frame it.
"""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import clock
from ..db import get_db
from ..jobs import queue
from ..jobs.tasks import deliver_soon
from ..mail import kinds, transport, uses_smtp
from ..sqlite import transaction
from ..store import outbox
from ..store.clients import NotFound
from .access import role_required
from .audit import log
from .limits import page_number
from .lookups import PostForm

bp = Blueprint("outbox", __name__, url_prefix="/outbox")
PAGE_SIZE = 50

STATUS_NAMES = {
    "queued": _l("Waiting"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "cancelled": _l("Not needed"),
}
STATUS_BADGES = {
    "queued": "text-bg-secondary",
    "sending": "text-bg-info",
    "sent": "text-bg-success",
    "failed": "text-bg-danger",
    "cancelled": "text-bg-light border",
}
#: The framed message: its own styles, nothing else; framed by this site only.
MESSAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none';"
    " form-action 'none'; frame-ancestors 'self';"
    " sandbox allow-popups allow-popups-to-escape-sandbox"
)


def kind_name(kind: str) -> str:
    found = kinds.MAIL_KINDS.get(kind)
    return _(found.label.msgid) if found else kind


def mail_reason(text: str | None) -> str:
    """Why a message was not sent, in the page's language: the app's reason translated,
    the server's own words after it as they came (``mail.transport``)."""
    if not text:
        return ""
    reason, separator, details = text.partition(": ")
    if not separator:
        return _(reason)
    return _("%(reason)s: %(details)s", reason=_(reason), details=details)


def local_time(stored: str | None) -> str:
    """A stored UTC timestamp in the instance's time zone, to the minute."""
    if not stored:
        return ""
    moment = datetime.fromisoformat(stored).astimezone(clock.zone(current_app.config))
    return moment.strftime("%Y-%m-%d %H:%M")


def worker_seen() -> str | None:
    """When a worker last said it was alive (None in immediate mode, or never)."""
    app = current_app._get_current_object()
    if app.config["JOBS_IMMEDIATE"]:
        return None
    return queue.queue_for(app).last_beat()


@bp.get("/")
@role_required("admin")
def index():
    db = get_db()
    status = request.args.get("status")
    if status not in outbox.STATUSES:
        status = None
    counts = outbox.counts(db)
    page, pages = page_number(counts[status] if status else sum(counts.values()), PAGE_SIZE)
    found, _total = outbox.listing(
        db, status=status, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return render_template(
        "outbox/index.html",
        messages=found,
        counts=counts,
        status=status,
        page=page,
        pages=pages,
        smtp=uses_smtp(current_app.config),
        destination=transport.describe(current_app.config),
        seen=worker_seen(),
        immediate=current_app.config["JOBS_IMMEDIATE"],
    )


def _message_or_404(message_id: int) -> outbox.Message:
    try:
        return outbox.get(get_db(), message_id)
    except NotFound:
        abort(404)


@bp.get("/<int:message_id>")
@role_required("admin")
def show(message_id: int):
    message = _message_or_404(message_id)
    return render_template(
        "outbox/show.html",
        message=message,
        sender=message.details.get("from") or current_app.config["MAIL_DEFAULT_SENDER"],
        post_form=PostForm(),
    )


@bp.get("/<int:message_id>/html")
@role_required("admin")
def html(message_id: int):
    message = _message_or_404(message_id)
    if not message.body_html:
        abort(404)
    # Links open in a new tab, outside the sandboxed frame.
    body = message.body_html.replace("<head>", '<head>\n<base target="_blank">', 1)
    response = make_response(body)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = MESSAGE_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.post("/<int:message_id>/retry")
@role_required("admin")
def retry(message_id: int):
    message = _message_or_404(message_id)
    if not PostForm().validate_on_submit():
        abort(400)
    db = get_db()
    with transaction(db, write=True):
        retried = outbox.retry(db, message.id)
        if retried:
            log("mail.retried", "outbox", message.id, kind=message.kind, to=message.to_address)
    if retried:
        deliver_soon()
        flash(_("The message will be sent again."), "success")
    return redirect(url_for("outbox.show", message_id=message.id), 303)


def template_context() -> dict:
    return {
        "mail_status_names": STATUS_NAMES,
        "mail_status_badges": STATUS_BADGES,
        "mail_kind_name": kind_name,
        "local_time": local_time,
        "mail_reason": mail_reason,
    }

"""The leadership pack in the web app: asked for on the portfolio page, made in the
background (``pack_jobs.make_pack``), followed with a progress bar, then downloaded.

The pack is made by the background worker (``jobs.tasks.make_leadership_pack``). The
page polls ``/portfolio/packs/<id>.json`` (reports done of total) once a second while
a pack is being made (``static/app.js``); the state is in the database, so a reload, or
closing the page and coming back, shows the same bar and loses nothing.
"""

from __future__ import annotations

import logging
import re

from email_validator import EmailNotValidError, validate_email
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from .. import pack_jobs
from ..db import get_db
from ..jobs import tasks
from ..jobs.queue import enqueue
from ..sqlite import transaction
from ..store import clients, packs
from ..vocab import LANGUAGES, LEAD_ROLES
from .access import role_required
from .downloads import content_disposition, file_name
from .i18n import current_language
from .labels import select_choices

bp = Blueprint("packs", __name__, url_prefix="/portfolio/packs")
log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"en": "English", "zh-CN": "简体中文"}


MAX_RECIPIENTS = 50
_SEPARATORS = re.compile(r"[\s,;，；、]+")


def addresses(text: str) -> list[str]:
    """The addresses in what was typed (one per line, or separated by commas, semicolons
    or spaces; Chinese punctuation too), each once, in the order given."""
    found: list[str] = []
    for part in _SEPARATORS.split(text or ""):
        if part and part.casefold() not in {a.casefold() for a in found}:
            found.append(part)
    return found


def _valid_addresses(_form, field) -> None:
    found = addresses(field.data)
    if len(found) > MAX_RECIPIENTS:
        raise ValidationError(_("At most %(n)s addresses.", n=MAX_RECIPIENTS))
    for address in found:
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError:
            raise ValidationError(
                _("%(address)s is not an email address.", address=address)
            ) from None


class PackForm(FlaskForm):
    period = SelectField(_l("Period"), validators=[DataRequired()])
    language = SelectField(_l("Language"), choices=select_choices(LANGUAGE_NAMES.items()))
    recipients = TextAreaField(
        _l("Also send it by mail to"),
        validators=[Length(max=5000), _valid_addresses],
        description=_l("Optional: email addresses, one per line or separated by commas."),
        render_kw={"rows": 2},
    )
    include_open = BooleanField(
        _l("Include rounds still open (their results provisional)"),
        description=_l(
            "Without it, each client's latest closed round of the period, as on the portfolio."
        ),
    )
    submit = SubmitField(_l("Make the leadership pack"))


def periods(db) -> list[str]:
    """The periods that have rounds, latest first (what a pack can be made of)."""
    rows = db.execute("SELECT DISTINCT period FROM rounds ORDER BY period DESC").fetchall()
    return [row[0] for row in rows]


def pack_form(db) -> PackForm:
    form = PackForm()
    form.period.choices = select_choices((p, p) for p in periods(db))
    if not form.is_submitted():
        form.language.data = current_language() if current_language() in LANGUAGES else "en"
        form.recipients.data = "\n".join(current_app.config.get("LEADERSHIP_ADDRESSES", []))
    return form


def status(job: packs.PackJob) -> dict:
    """What the progress bar shows, as JSON."""
    return {
        "id": job.id,
        "title": f"{job.period} · {LANGUAGE_NAMES.get(job.language, job.language)}",
        "recipients": len(job.recipients),
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "finished": job.finished or job.stalled(),
        "download": url_for("packs.download", job_id=job.id) if job.file else None,
        "message": describe(job),
    }


def describe(job: packs.PackJob) -> str:
    """The state of a pack in words, in the visitor's language."""
    if job.stalled():
        return _("The pack was interrupted. Make it again.")
    if job.status == "queued":
        return _("Waiting for the background worker…")
    if job.status == "running":
        return _("%(done)s of %(total)s reports done", done=job.done, total=job.total)
    if job.status == "failed" and job.error == "empty":
        return _("No client was reviewed in %(period)s.", period=job.period)
    if job.status == "failed":
        return _("The pack could not be made. Try again, or ask an administrator.")
    if not job.file:
        return _("Made, but no longer kept: make it again.")
    return _("Ready: %(total)s reports.", total=job.total)


@bp.post("/")
@role_required(*LEAD_ROLES)
def create():
    db = get_db()
    form = pack_form(db)
    if not form.validate_on_submit():
        if form.period.errors:
            flash(_("Choose a period with review rounds."), "danger")
        for error in form.recipients.errors:
            flash(error, "danger")
        return redirect(url_for("portfolio.index") + "#pack"), 303
    with transaction(db, write=True):
        job = packs.create_job(
            db,
            period=form.period.data,
            language=form.language.data,
            recipients=tuple(addresses(form.recipients.data)),
            requested_by=current_user.id,
            include_open=form.include_open.data,
        )
    dispatch(current_app._get_current_object(), job.id)
    return redirect(url_for("portfolio.index") + "#pack"), 303


@bp.get("/<int:job_id>.json")
@role_required(*LEAD_ROLES)
def progress(job_id: int):
    response = jsonify(status(_job_or_404(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:job_id>.pdf")
@role_required(*LEAD_ROLES)
def download(job_id: int):
    job = _job_or_404(job_id)
    path = pack_jobs.pack_path(current_app, job)
    if path is None or not path.exists():
        abort(404)
    name = file_name("leadership-pack", job.period, job.language, ext="pdf")
    response = send_file(path, mimetype="application/pdf", max_age=0)
    attachment = "attachment" if request.args.get("inline") is None else "inline"
    response.headers["Content-Disposition"] = content_disposition(attachment, name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _job_or_404(job_id: int) -> packs.PackJob:
    try:
        return packs.get_job(get_db(), job_id)
    except clients.NotFound:
        abort(404)


# --- running it ---------------------------------------------------------------------------


def dispatch(app: Flask, job_id: int) -> None:
    """Hand the pack to the background worker (in Huey's immediate mode, the tests', it is
    made before this returns). If the queue cannot take it, the pack is marked failed at
    once rather than left waiting for ever."""
    try:
        enqueue(tasks.make_leadership_pack, job_id)
    except Exception:
        log.exception("leadership pack %s could not be queued", job_id)
        db = get_db()
        with transaction(db, write=True):
            packs.fail(db, job_id, "error")

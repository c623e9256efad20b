"""A round's mail on its page: the sending log, invitations, *Remind now*, the due date.

Invitations are queued where respondents are added (``web.rounds``, the import); this
module offers what a lead does afterwards, and builds what the round page shows about
mail (``panel``). In an anonymous round whose mail goes through a server, the page
offers *Send the invitation again* instead of the personal link: the lead never needs
to see a link to deliver it (docs/anonymity.md). The link is shown again when its
invitation could not be delivered, or for someone without an email.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlite_utils import Database
from wtforms import DateField, IntegerField, SubmitField
from wtforms.validators import NumberRange, Optional

from .. import clock
from ..db import get_db
from ..jobs import reminders
from ..jobs.tasks import deliver_soon
from ..mail import kinds, uses_smtp
from ..sqlite import transaction
from ..store import clients, deadlines, outbox, respondents, rounds
from .access import role_required
from .audit import log
from .lookups import PostForm, flash_errors, round_or_404

bp = Blueprint("round_mail", __name__)
LEADS = ("admin", "lead")


class ScheduleForm(FlaskForm):
    due_date = DateField(_l("Answers due"), validators=[Optional()])
    reminder_days = IntegerField(
        _l("Reminder, days before"),
        validators=[Optional(), NumberRange(min=0, max=60)],
        description=_l("0: no automatic reminder."),
    )
    submit = SubmitField(_l("Save"))


@dataclass
class PersonMail:
    """What the round page shows about one person's mail."""

    messages: list[outbox.Message] = field(default_factory=list)
    refused: str | None = None
    invited: bool = False  # an invitation for their current link is sent or on its way
    hide_link: bool = False


@dataclass
class RoundMail:
    smtp: bool
    people: dict[int, PersonMail]
    failed: list[tuple[outbox.Message, str]]  # each with the name it was for
    uninvited: list[int]  # who "Send invitations" invites (see ``panel``)
    remindable: int
    reminder_days: int
    reminder_day: date | None
    to_lead: list[outbox.Message]
    schedule_form: ScheduleForm


def panel(db: Database, current: rounds.Round, people: list[respondents.Respondent]) -> RoundMail:
    """The round's mail as its page shows it: per person, oldest message first."""
    config = current_app.config
    smtp = uses_smtp(config)
    refused = outbox.refused_addresses(db, current.id)
    links = {person.id: kinds.invitation_key(person) for person in people}
    by_person = {person.id: PersonMail(refused=refused.get(person.id)) for person in people}
    names = {person.id: person.name for person in people}
    failed, to_lead = [], []
    for message in outbox.for_round(db, current.id):
        if message.status == "failed":
            failed.append((message, names.get(message.respondent_id, message.to_name)))
        if message.respondent_id is None:
            if message.user_id is not None:
                to_lead.append(message)
            continue
        mine = by_person.get(message.respondent_id)
        if mine is None:
            continue
        mine.messages.append(message)
        current_link = links[message.respondent_id]
        if message.key.startswith(current_link) and message.status in ("queued", "sending", "sent"):
            mine.invited = True
    uninvited, remindable = [], 0
    for person in people:
        mine = by_person[person.id]
        if person.email and not mine.refused and person.status != "submitted":
            # No invitation for their link yet (none, or one not sent as it was not
            # needed then): someone who has submitted needs none.
            if not mine.invited:
                uninvited.append(person.id)
            remindable += 1
        # A client contact is anonymous within the client group in every round.
        anonymous = current.anonymous or person.side == "client"
        mine.hide_link = bool(
            anonymous and smtp and person.email and mine.invited and not mine.refused
        )
    form = ScheduleForm(formdata=None)
    form.due_date.data = clock.parse_day(current.due_date)
    form.reminder_days.data = reminders.days_before(current, config)
    return RoundMail(
        smtp=smtp,
        people=by_person,
        failed=failed,
        uninvited=uninvited if current.is_open else [],
        remindable=remindable if current.is_open else 0,
        reminder_days=reminders.days_before(current, config),
        reminder_day=reminders.next_reminder_day(current, config),
        to_lead=to_lead,
        schedule_form=form,
    )


def _open_round_or_403(round_id: int) -> rounds.Round:
    current = round_or_404(round_id)
    if not current.is_open:
        abort(403)
    if not PostForm().validate_on_submit():
        abort(400)
    return current


def _back(round_id: int):
    return redirect(url_for("rounds.show", round_id=round_id), 303)


@bp.post("/rounds/<int:round_id>/invitations")
@role_required(*LEADS)
def send_invitations(round_id: int):
    """Invite everyone with an email who has no invitation for their current link and
    has not submitted (an address refused is tried again one by one, ``invite_again``)."""
    current = _open_round_or_403(round_id)
    db = get_db()
    with transaction(db, write=True):
        people = respondents.list_respondents(db, current.id)
        mail = panel(db, current, people)
        waiting = [p for p in people if p.id in mail.uninvited]
        queued = kinds.queue_invitations(db, current, waiting, by=current_user.email)
        if queued:
            log(
                "mail.invitations_queued",
                "round",
                current.id,
                count=len(queued),
                client=current.client_name,
                period=current.period,
            )
    deliver_soon()
    flash(
        ngettext(
            "%(num)s invitation is on its way.",
            "%(num)s invitations are on their way.",
            len(queued),
        ),
        "success",
    )
    return _back(round_id)


@bp.post("/rounds/<int:round_id>/respondents/<int:respondent_id>/invite")
@role_required(*LEADS)
def invite_again(round_id: int, respondent_id: int):
    """Send one person's invitation again (at most once a day per link); a refused
    address is tried again too."""
    current = _open_round_or_403(round_id)
    db = get_db()
    try:
        person = respondents.get_respondent(db, respondent_id)
    except clients.NotFound:
        abort(404)
    if person.round_id != current.id:
        abort(404)
    if not person.email:
        abort(400)
    today = clock.local_today(current_app.config)
    with transaction(db, write=True):
        queued = kinds.queue_invitations(db, current, [person], by=current_user.email, again=today)
        if queued:
            outbox.set_address_refused(db, person.id, None)
            log(
                "mail.invitation_queued",
                "round",
                current.id,
                respondent=person.id,
                name=person.name,
                client=current.client_name,
                period=current.period,
            )
    if queued:
        deliver_soon()
        flash(_("The invitation of %(name)s is on its way again.", name=person.name), "success")
    else:
        flash(
            _("The invitation of %(name)s was already sent again today.", name=person.name),
            "info",
        )
    return _back(round_id)


@bp.post("/rounds/<int:round_id>/remind")
@role_required(*LEADS)
def remind(round_id: int):
    """*Remind now*: everyone who has not submitted and was not reminded today."""
    current = _open_round_or_403(round_id)
    db = get_db()
    with transaction(db, write=True):  # the reminders and the audit entry, or neither
        done = reminders.remind_now(db, current, by=current_user.email, config=current_app.config)
        if done.queued:
            log(
                "mail.reminders_queued",
                "round",
                current.id,
                count=len(done.queued),
                client=current.client_name,
                period=current.period,
            )
    if done.queued:
        deliver_soon()
        flash(
            ngettext(
                "%(num)s reminder is on its way.",
                "%(num)s reminders are on their way.",
                len(done.queued),
            ),
            "success",
        )
    elif done.already_today or done.no_email or done.refused:
        flash(_("Nobody was reminded, for the reasons below."), "info")
    else:
        flash(_("Nobody was reminded: everyone has submitted."), "info")
    if done.already_today:
        flash(
            ngettext(
                "%(num)s person was already reminded today (never twice a day).",
                "%(num)s people were already reminded today (never twice a day).",
                done.already_today,
            ),
            "info",
        )
    if done.no_email:
        flash(
            ngettext(
                "%(num)s person without an email has not submitted: send them their link.",
                "%(num)s people without an email have not submitted: send them their link.",
                done.no_email,
            ),
            "warning",
        )
    if done.refused:
        flash(
            ngettext(
                "%(num)s person was not reminded: the mail server refused their address."
                " Correct it in the list of people.",
                "%(num)s people were not reminded: the mail server refused their addresses."
                " Correct them in the list of people.",
                done.refused,
            ),
            "warning",
        )
    return _back(round_id)


@bp.post("/rounds/<int:round_id>/schedule")
@role_required(*LEADS)
def schedule(round_id: int):
    """Change the due date (extend it, while the round is open) and the reminder days."""
    current = round_or_404(round_id)
    if not current.is_open:
        abort(403)
    form = ScheduleForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return _back(round_id)
    if form.due_date.data and form.due_date.data < clock.local_today(current_app.config):
        flash(_("The due date cannot be in the past."), "danger")
        return _back(round_id)
    due = form.due_date.data.isoformat() if form.due_date.data else None
    days = form.reminder_days.data
    if days == current_app.config["REMINDER_DAYS"] and current.reminder_days is None:
        days = None  # keep following the setting
    db = get_db()
    try:
        with transaction(db, write=True):
            changed = deadlines.set_schedule(db, current.id, due_date=due, reminder_days=days)
            log(
                "round.due_date_changed",
                "round",
                current.id,
                client=current.client_name,
                period=current.period,
                due_date=due,
                was=current.due_date,
                reminder_days=days,
            )
    except rounds.RoundClosed:  # closed since the page was loaded
        abort(403)
    if changed.due_date:
        flash(
            _(
                "Answers are now due %(date)s; the round closes itself at the end of that day.",
                date=changed.due_date,
            ),
            "success",
        )
    else:
        flash(_("The round has no due date now: it stays open until a lead closes it."), "success")
    return _back(round_id)


@bp.post("/rounds/<int:round_id>/mail/<int:message_id>/retry")
@role_required(*LEADS)
def retry(round_id: int, message_id: int):
    """Send a message of the round that failed again, from its first try."""
    current = _open_round_or_403(round_id)
    db = get_db()
    try:
        message = outbox.get(db, message_id)
    except clients.NotFound:
        abort(404)
    if message.round_id != current.id:
        abort(404)
    with transaction(db, write=True):
        retried = outbox.retry(db, message.id)
        if retried:
            if message.respondent_id is not None:
                outbox.set_address_refused(db, message.respondent_id, None)
            log("mail.retried", "outbox", message.id, kind=message.kind, round=current.id)
    if retried:
        deliver_soon()
        flash(_("The message will be sent again."), "success")
    return _back(round_id)

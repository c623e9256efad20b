"""The kinds of message the app sends: who gets one, its slot, and what it says.

Each kind has a ``queue_*`` function, called in the transaction of what causes the
message (it only writes outbox rows: fast, and nothing is sent inside a request), and a
renderer the worker calls just before sending. The renderer reads the round and the
person as they are then: a message no longer needed (the round closed, the person
submitted or was removed) is cancelled, and an invitation carries the link that works
now. The link itself is left out of the copy kept in the outbox when mail goes through
a server (``keep_link`` false): admins read the outbox, and a personal link belongs to
its owner alone (docs/anonymity.md).

Slots (``idempotency_key``): an invitation per personal link (``invitation:<respondent>:
<link mark>``, plus ``:again:<day>`` when a lead sends it again), a reminder per
person and day (``reminder:<respondent>:<day>``), a closing notice per round closing and
recipient. A second message for a taken slot is never written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from flask import Flask
from flask_babel import format_date, get_locale, gettext, ngettext
from sqlite_utils import Database

from .. import branding
from ..store import outbox, password_resets, respondents, rounds
from ..store.clients import NotFound
from ..vocab import KIND_LABELS, N_, Message, round_name
from . import compose

Renderer = Callable[[Flask, Database, outbox.Message, bool], "compose.Rendered | compose.Cancel"]


@dataclass(frozen=True)
class Kind:
    name: str
    label: Message  # what the outbox and the sending log call it
    render: Renderer


MAIL_KINDS: dict[str, Kind] = {}
UNKNOWN_KIND = N_("unknown kind of message")


def register(name: str, label: Message) -> Callable[[Renderer], Renderer]:
    """Declare a kind of message and its renderer (other parts add theirs the same way)."""

    def decorate(render: Renderer) -> Renderer:
        MAIL_KINDS[name] = Kind(name, label, render)
        return render

    return decorate


def render(app: Flask, db: Database, message: outbox.Message, *, keep_link: bool):
    kind = MAIL_KINDS.get(message.kind)
    if kind is None:
        return compose.Cancel(f"{UNKNOWN_KIND}: {message.kind}")
    return kind.render(app, db, message, keep_link)


# --- who gets what ------------------------------------------------------------------------


def _for_respondent(kind: str, key: str, current: rounds.Round, person: respondents.Respondent):
    return outbox.NewMessage(
        key=key,
        kind=kind,
        to_address=person.email,
        to_name=compose.one_line(person.name),
        round_id=current.id,
        respondent_id=person.id,
    )


def link_mark(token: str) -> str:
    """Names a personal link in a slot without giving it away (a link replaced in the
    same second as it was issued still gets a slot of its own)."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def invitation_key(person: respondents.Respondent, again: date | None = None) -> str:
    key = f"invitation:{person.id}:{link_mark(person.token)}"
    return f"{key}:again:{again.isoformat()}" if again else key


def queue_invitations(
    db: Database,
    current: rounds.Round,
    people: Iterable[respondents.Respondent],
    *,
    by: str,
    again: date | None = None,
) -> list[int]:
    """An invitation for each person with an email; ``again`` (today) for a lead sending
    one again, at most once a day per link. Returns the ids of the messages written.
    None while the round's invitations are held (a round the review calendar opened,
    until the lead confirms its respondents: ``web/scheduled.py``)."""
    if current.invitations_held:
        return []
    messages = [
        _for_respondent("invitation", invitation_key(person, again), current, person)
        for person in people
        if person.email
    ]
    return outbox.queue(db, messages, queued_by=by)


def reminder_key(person: respondents.Respondent, day: date) -> str:
    return f"reminder:{person.id}:{day.isoformat()}"


def queue_reminders(
    db: Database,
    current: rounds.Round,
    people: Iterable[respondents.Respondent],
    *,
    by: str,
    day: date,
) -> list[int]:
    """A reminder for each person with an email who has not submitted, unless they had
    one ``day`` (the instance's today) already."""
    messages = [
        _for_respondent("reminder", reminder_key(person, day), current, person)
        for person in people
        if person.email and person.status != "submitted"
    ]
    return outbox.queue(db, messages, queued_by=by)


def queue_round_closed(
    db: Database, current: rounds.Round, *, by: str, closed_at: str
) -> list[int]:
    """Tell the client's account lead (else whoever created the round) that the round
    closed on its due date."""
    row = db.execute(
        "SELECT users.id, users.email, users.name FROM users WHERE users.active = 1 AND"
        " users.id = COALESCE((SELECT lead_id FROM clients WHERE id = ?),"
        " (SELECT created_by FROM rounds WHERE id = ?))",
        [current.client_id, current.id],
    ).fetchone()
    if row is None:
        return []
    user_id, email, name = row
    message = outbox.NewMessage(
        key=f"round-closed:{current.id}:{closed_at}:{user_id}",
        kind="round_closed",
        to_address=email,
        to_name=compose.one_line(name),
        round_id=current.id,
        user_id=user_id,
    )
    return outbox.queue(db, [message], queued_by=by)


# --- what they say ------------------------------------------------------------------------


def _language_of(db: Database, person: respondents.Respondent) -> str | None:
    """The respondent's language: the one they answered in, the one given when they were
    invited, their account's; None (both) when none is known."""
    row = db.execute(
        "SELECT (SELECT language FROM responses WHERE respondent_id = ?),"
        " (SELECT language FROM users WHERE id = ?)",
        [person.id, person.user_id],
    ).fetchone()
    return row[0] or person.language or row[1]


def _due_text(due: str | None) -> str | None:
    """A due date in words, in the language being written (call inside force_locale)."""
    return format_date(date.fromisoformat(due), format="full") if due else None


def _respondent_context(app, db, message, keep_link):
    """The round and person a message is about, or the reason it is no longer needed."""
    if message.respondent_id is None:
        return compose.Cancel(N_("the person was removed from the round"))
    try:
        person = respondents.get_respondent(db, message.respondent_id)
        current = rounds.get_round(db, person.round_id)
    except NotFound:
        return compose.Cancel(N_("the person was removed from the round"))
    if not current.is_open:
        return compose.Cancel(N_("the round is closed"))
    if person.status == "submitted":
        return compose.Cancel(N_("they have submitted their answers"))
    link = compose.public_url(app, "respond.answer", token=person.token) if keep_link else None
    return current, person, link


def _template(kind: str, person: respondents.Respondent) -> str:
    """A client contact's mail is written for the client: it asks how the work together
    is going, never how the client treats the team (``templates/mail/*_client.*``)."""
    return f"{kind}_client" if person.side == "client" else kind


def _respondent_values(current: rounds.Round, person: respondents.Respondent, link) -> dict:
    """What an invitation's and a reminder's templates are given."""
    return {
        "name": person.name,
        "client": current.client_name,
        "period": current.period,
        "kind_name": _kind_name,
        "round": current,
        "due": _due_text,
        "link": link,
    }


@dataclass(frozen=True)
class Sender:
    """Who a message is from, as its recipient reads it: the firm (``FIRM_NAME``) and the
    client's account lead, whose address replies go to. Empty parts are simply left out:
    without the settings and a lead, a message reads as it always did."""

    firm: branding.Branding
    lead_name: str = ""
    lead_email: str = ""

    def firm_name(self, lang: str) -> str:
        return self.firm.name(lang)

    @property
    def reply_to(self) -> str | None:
        return compose.address(self.lead_name, self.lead_email) if self.lead_email else None

    def masthead(self, lang: str, *, client_side: bool) -> str:
        """The line above the message: the firm's name to a client; to the team, the
        firm's and the product's."""
        firm = self.firm_name(lang)
        if not firm:
            return gettext("Partnership Check")
        return firm if client_side else f"{firm} · {gettext('Partnership Check')}"

    def values(self) -> dict:
        return {"lead": self.lead_name, "reply": bool(self.lead_email), "firm": self.firm}


def account_lead(db: Database, client_id: int) -> tuple[str, str] | None:
    """(name, email) of the client's account lead, if the client has one who may still
    log in (someone who left is no one to reply to)."""
    row = db.execute(
        "SELECT users.name, users.email FROM clients JOIN users ON users.id = clients.lead_id"
        " WHERE clients.id = ? AND users.active = 1",
        [client_id],
    ).fetchone()
    if row is None:
        return None
    name, email = row
    return (compose.one_line(name or email), email)


def sender_of(app: Flask, db: Database, current: rounds.Round, *, client_side: bool) -> Sender:
    """Who a message about ``current`` is from: the firm always; to a client contact,
    also their account lead (by name, and as the Reply-To address)."""
    firm = branding.of(app.config)
    lead = account_lead(db, current.client_id) if client_side else None
    if lead is None:
        return Sender(firm)
    return Sender(firm, lead_name=lead[0], lead_email=lead[1])


def _render_for(app, db, kind, person, current, subject, values) -> compose.Rendered:
    """An invitation or reminder, with the firm and (to a client) the account lead."""
    client_side = person.side == "client"
    sender = sender_of(app, db, current, client_side=client_side)
    return compose.render(
        app,
        _template(kind, person),
        _language_of(db, person),
        subject,
        {**values, **sender.values()},
        masthead=lambda lang: sender.masthead(lang, client_side=client_side),
        reply_to=sender.reply_to if client_side else None,
        from_name=sender.firm_name if client_side and sender.firm else None,
    )


def _round_name(current: rounds.Round) -> str:
    """The round in a subject: its period and kind (``vocab.round_name``)."""
    return round_name(current.period, current.kind).localize(gettext)


def _kind_name(current: rounds.Round) -> str:
    return gettext(KIND_LABELS[current.kind].msgid)


@register("invitation", N_("Invitation"))
def render_invitation(app, db, message, keep_link):
    found = _respondent_context(app, db, message, keep_link)
    if isinstance(found, compose.Cancel):
        return found
    current, person, link = found
    if not message.key.startswith(invitation_key(person)):
        return compose.Cancel(N_("a new link replaced this one; its own invitation follows"))
    client_side = person.side == "client"
    firm = branding.of(app.config)

    def subject() -> str:
        if client_side and firm:
            return gettext(
                "%(firm)s · %(period)s: how is our work together going?",
                firm=firm.name(str(get_locale())),
                period=_round_name(current),
            )
        if client_side:
            return gettext(
                "%(period)s: how is our work together going?", period=_round_name(current)
            )
        return gettext(
            "%(client)s · %(period)s: your view, please",
            client=current.client_name,
            period=_round_name(current),
        )

    return _render_for(
        app, db, "invitation", person, current, subject, _respondent_values(current, person, link)
    )


@register("reminder", N_("Reminder"))
def render_reminder(app, db, message, keep_link):
    found = _respondent_context(app, db, message, keep_link)
    if isinstance(found, compose.Cancel):
        return found
    current, person, link = found
    firm = branding.of(app.config)

    def subject() -> str:
        if person.side == "client" and firm:
            return gettext(
                "%(firm)s · %(period)s: a reminder, your view of our work together",
                firm=firm.name(str(get_locale())),
                period=_round_name(current),
            )
        if person.side == "client":
            return gettext(
                "%(period)s: a reminder, your view of our work together",
                period=_round_name(current),
            )
        if person.status == "draft":
            return gettext(
                "%(client)s · %(period)s: you have a draft, please submit it",
                client=current.client_name,
                period=_round_name(current),
            )
        return gettext(
            "%(client)s · %(period)s: a reminder to answer",
            client=current.client_name,
            period=_round_name(current),
        )

    return _render_for(
        app,
        db,
        "reminder",
        person,
        current,
        subject,
        {**_respondent_values(current, person, link), "draft": person.status == "draft"},
    )


def closing_paragraphs(cost) -> list[str]:
    """What closing gave, per side (``closing.Cost``), in the language being written:
    each side counted apart ("3 of 4 team members and 3 of 3 client contacts"), then what
    is withheld and whether for good."""
    team, client = cost.team, cost.client
    people = ngettext(
        "%(submitted)d of %(num)d team member",
        "%(submitted)d of %(num)d team members",
        team.invited,
        submitted=team.submitted,
    )
    if client is None:
        counted = gettext("%(team)s submitted their answers.", team=people)
    else:
        contacts = ngettext(
            "%(submitted)d of %(num)d client contact",
            "%(submitted)d of %(num)d client contacts",
            client.invited,
            submitted=client.submitted,
        )
        counted = gettext(
            "%(team)s and %(client)s submitted their answers.", team=people, client=contacts
        )
    found = [counted]
    withheld = []
    if not team.results_shown:
        withheld.append(
            gettext(
                "The team's results are withheld to protect anonymity: this anonymous round"
                " shows them from %(floor)d answers.",
                floor=team.floor,
            )
        )
    elif not team.free_text_shown:
        withheld.append(
            gettext(
                "The team's comments and text answers are withheld: they are shown from"
                " %(floor)d answers.",
                floor=team.text_floor,
            )
        )
    if client is not None and not client.results_shown and client.submitted < client.floor:
        withheld.append(
            gettext(
                "The client's view is withheld: it is shown from %(floor)d client answers.",
                floor=client.floor,
            )
        )
    if withheld and cost.can_reopen:
        withheld.append(gettext("The answers are kept: reopen the round to collect more."))
    elif withheld:
        withheld.append(
            gettext(
                "The round cannot be reopened (results shown once are never shown again one"
                " answer apart), so what is withheld is withheld for good."
            )
        )
    if team.results_shown:
        withheld.insert(0, gettext("Its results are stored and ready on the round page."))
    return found + withheld


@register("round_closed", N_("Round closed on its due date"))
def render_round_closed(app, db, message, keep_link):
    from .. import closing

    try:
        current = rounds.get_round(db, message.round_id)
    except NotFound:
        return compose.Cancel(N_("the round was deleted"))
    if current.is_open:
        return compose.Cancel(N_("the round was reopened"))
    row = db.execute("SELECT language FROM users WHERE id = ?", [message.user_id]).fetchone()

    def subject() -> str:
        return gettext(
            "%(client)s · %(period)s closed on its due date",
            client=current.client_name,
            period=_round_name(current),
        )

    return compose.render(
        app,
        "round_closed",
        row[0] if row else None,
        subject,
        {
            "name": message.to_name,
            "client": current.client_name,
            "period": current.period,
            "kind_name": _kind_name,
            "round": current,
            "cost": closing.of_round(db, current),
            "paragraphs": closing_paragraphs,
            "due": _due_text,
            "link": compose.public_url(app, "rounds.show", round_id=current.id),
        },
    )


# --- password reset links (store/password_resets.py) --------------------------------------


def queue_password_reset(
    db: Database, user, reset_id: int, *, by: str, new_account: bool = False
) -> list[int]:
    """The reset link ``reset_id`` to the user's own address (written by the worker, which
    makes the link from the instance's key: the outbox never holds it); for a
    ``new_account``, worded as the welcome to it."""
    message = outbox.NewMessage(
        key=f"password-reset:{reset_id}",
        kind="password_reset",
        to_address=user.email,
        to_name=compose.one_line(user.name),
        user_id=user.id,
        language=user.language,
        details={"reset": reset_id, "new_account": new_account},
    )
    return outbox.queue(db, [message], queued_by=by)


@register("password_reset", N_("Password reset link"))
def render_password_reset(app, db, message, keep_link):
    secret = password_resets.secret_for(db, message.details.get("reset", 0), app.secret_key)
    if secret is None:
        return compose.Cancel(N_("the reset link was used, replaced or has expired"))

    new_account = bool(message.details.get("new_account"))

    def subject() -> str:
        if new_account:
            return gettext("Your Partnership Check account: choose your password")
        return gettext("Set your password for Partnership Check")

    link = compose.public_url(app, "password_reset.reset", secret=secret) if keep_link else None
    return compose.render(
        app,
        "password_reset",
        message.language,
        subject,
        {
            "name": message.to_name,
            "email": message.to_address,
            "link": link,
            "hours": password_resets.RESET_HOURS,
            "new_account": new_account,
        },
    )

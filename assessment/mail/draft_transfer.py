"""The one-time link to continue a draft on another device (``store.draft_transfers``).

Queued when a respondent asks for it from their form (``web.draft_transfer``), in the
transaction that stores the offer; written by the worker just before sending, when the
link's secret is read from the offer (sealed under the server's secret key until then).
The link carries the respondent's answer key: it belongs to them alone. So the copy kept
in the outbox never has it (``keep_link`` false, as for personal links), and without a
mail server, where the outbox copy is all there is, no such message is ever written: the
form offers a code instead, and a message queued anyway is cancelled here.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext
from sqlite_utils import Database

from ..store import draft_transfers, outbox, respondents, rounds
from ..store.clients import NotFound
from ..vocab import N_
from . import compose, uses_smtp
from .kinds import _language_of, register

KIND = "draft_transfer"


def queue_transfer_mail(
    db: Database, person: respondents.Respondent, current: rounds.Round, offer_id: int
) -> list[int]:
    """The message for offer ``offer_id`` (call it in the transaction that made it)."""
    return outbox.queue(
        db,
        [
            outbox.NewMessage(
                key=f"{KIND}:{person.id}:{offer_id}",
                kind=KIND,
                to_address=person.email or "",
                to_name=compose.one_line(person.name),
                round_id=current.id,
                respondent_id=person.id,
                details={"offer": offer_id},
            )
        ],
        queued_by="personal link",
    )


@register(KIND, N_("Link to continue on another device"))
def render_transfer(app: Flask, db: Database, message: outbox.Message, keep_link: bool):
    if not uses_smtp(app.config):
        return compose.Cancel(N_("no mail server: such a link is never kept in the outbox"))
    if message.respondent_id is None:
        return compose.Cancel(N_("the person was removed from the round"))
    try:
        person = respondents.get_respondent(db, message.respondent_id)
        current = rounds.get_round(db, person.round_id)
    except NotFound:
        return compose.Cancel(N_("the person was removed from the round"))
    if not current.is_open:
        return compose.Cancel(N_("the round is closed"))
    offer_id = int(message.details.get("offer") or 0)
    secret = draft_transfers.link_secret(db, offer_id, app.secret_key)
    if secret is None:
        return compose.Cancel(N_("the link was used or has expired"))
    link = None
    if keep_link:
        link = compose.public_url(
            app, "draft_transfer.mailed", token=person.token, offer=offer_id, secret=secret
        )

    def subject() -> str:
        return gettext("Continue your answers on another device")

    return compose.render(
        app,
        KIND,
        _language_of(db, person),
        subject,
        {
            "name": person.name,
            "client": current.client_name,
            "period": current.period,
            "link": link,
            "hours": draft_transfers.LINK_HOURS,
        },
    )

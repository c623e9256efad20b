"""Rounds the review calendar opened (``review_rounds``): the lead confirms their
respondents, after editing them on the round page if need be, and the invitations go out.

Until then the round page says the invitations are held, and who would get them.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..db import get_db
from ..jobs.tasks import deliver_soon
from ..mail import kinds
from ..sqlite import transaction
from ..store import respondents, rounds
from ..vocab import LEAD_ROLES
from .access import role_required
from .audit import log
from .lookups import PostForm, round_or_404

bp = Blueprint("scheduled", __name__)


@bp.post("/rounds/<int:round_id>/invitations/confirm")
@role_required(*LEAD_ROLES)
def confirm(round_id: int):
    """The respondents are right: release the round's held invitations."""
    current = round_or_404(round_id)
    if not PostForm().validate_on_submit():
        abort(400)
    if not current.is_open:
        abort(403)
    db = get_db()
    with transaction(db, write=True):  # released, invitations written and logged, or none
        released = rounds.release_invitations(db, round_id)
        if released:
            current = rounds.get_round(db, round_id)
            people = respondents.list_respondents(db, round_id)
            waiting = [person for person in people if person.status != "submitted"]
            invited = kinds.queue_invitations(db, current, waiting, by=current_user.email)
            log(
                "round.invitations_confirmed",
                "round",
                round_id,
                client=current.client_name,
                period=current.period,
                invitations=len(invited),
            )
    if released:
        deliver_soon()
        flash(_("Respondents confirmed. Their invitations go out now."), "success")
    return redirect(url_for("rounds.show", round_id=round_id))

"""What a client contact's personal link reaches, and what it may send.

A client contact (``side="client"``) answers the round's mirror through a personal link
and has no account. The link reaches their own answer page (and its autosave) and
nothing else: no team summary, no results, no other round, nothing a lead sees, before
or after the round closes, whatever the lead shares. Two rules keep that:

- **Routes, by side.** Every view needs a login unless marked ``public``
  (``web._require_login``); a public view reached with a personal link's ``token`` is
  refused (404) to a client contact's link unless it is also marked ``client_link`` with
  the reason it may be (``refuse_client_links``, run before every request). A route added
  later is closed to client links until someone decides otherwise and says why.
- **Fields, by side.** The answer page takes only the fields it offers that side
  (``offered_fields``): a client contact's page offers the mirror's items and no comment
  boxes (the client's side shows aggregates only). Anything else posted, with the form or
  through autosave, refuses the whole request (400) before anything is stored.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import abort, request
from flask_babel import gettext as _

from ..answers import Draft
from ..db import get_db
from ..store import respondents, rounds
from .access import client_link_reason, is_public
from .answer_form import AnswerForm, comment_field, form_data_from_draft
from .fastpath.answer_page import render_live


def refuse_client_links() -> None:
    """Before every request: a client contact's token on a public view that does not
    take client links (``access.client_link``) is not found, as an unknown link is."""
    endpoint = request.url_rule.endpoint if request.url_rule else None
    if not is_public(endpoint) or client_link_reason(endpoint):
        return
    token = (request.view_args or {}).get("token")
    if not isinstance(token, str):
        return
    respondent = respondents.find_by_token(get_db(), token)
    if respondent is not None and respondent.side != "team":
        abort(404)


def offered_fields(form: AnswerForm, current: rounds.Round) -> frozenset[str]:
    """The names the answer page offers ``current``'s side (``Round.audience``): every
    field of its form, without the comment boxes on the client's side."""
    names = set(form._fields) | {"csrf_token"}
    if current.audience != "team":
        names -= {comment_field(sign.id) for sign in form.questionnaire.signs}
    return frozenset(names)


def refused_fields(form: AnswerForm, current: rounds.Round, submitted: Iterable[str]) -> set[str]:
    """The names posted that the page does not offer this side: a tampered or stale form,
    refused whole (nothing of it is stored)."""
    return set(submitted) - offered_fields(form, current)


def refused_page(form_class: type[AnswerForm], respondent, current: rounds.Round, draft: Draft):
    """The answer page again, as saved (``draft``: what this browser may see of it), with a
    clear message instead of a bare error: nothing of the request was stored."""
    form = form_class(
        formdata=None, data=form_data_from_draft(current.questionnaire, current.kind, draft)
    )
    notice = _(
        "Nothing was saved: what was sent holds fields this page does not offer (it may have"
        " been changed outside this page). Your answers as saved before are kept; please"
        " answer again on this page."
    )
    return render_live(form, respondent, current, draft, notice=notice), 400

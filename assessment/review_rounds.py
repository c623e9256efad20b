"""Opening the review rounds the calendar says are due (``review_calendar``), and each
client's next review as the portfolio and the client page show it.

At the start of each period the worker calls ``open_due_reviews`` (any other day it finds
nothing to do, so it may run daily, and again after an outage). For each active client
whose cadence makes a review due by today and who has no periodic round of that quarter
yet, it opens one: a ``quarterly`` round of the quarter (``2027-Q1``), with the
questionnaire the client's previous round used (its newest version in ``QUESTIONS_DIR``),
anonymous if that round was, due ``ANSWER_DAYS`` days later, and the previous round's
respondents invited again (name, email, role and language; each gets a new personal
link). Unless the client opted into automatic sending, the round's invitations are held:
the round page asks the lead to confirm or edit the respondents first. Each round and
each link is recorded in the audit log by the "review calendar".

Opening is safe to repeat and to run in two processes at once: a client has at most one
round of a kind per period (``rounds.DuplicateRound``), and a round with its
respondents and audit entries is written in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlite_utils import Database

from .anonymity import DEFAULT_FLOOR, DEFAULT_TEXT_FLOOR
from .questionnaire import Questionnaire
from .review_calendar import REVIEW_KIND, REVIEW_KINDS, Review, next_review, quarter_of_round
from .sqlite import query_rows, transaction
from .store import audit, clients, respondents, rounds
from .vocab import LANGUAGES

__all__ = [
    "ACTOR",
    "ANSWER_DAYS",
    "Due",
    "client_next_review",
    "due_reviews",
    "next_reviews",
    "open_due_reviews",
]

ACTOR = "review calendar"  # who the audit log says opened the round
ANSWER_DAYS = 21  # a round the calendar opens is due three weeks later

_LAST_REVIEWS = f"""
    SELECT clients.id AS client_id, clients.review_cadence, clients.archived_at,
           review.period, review.created_at
    FROM clients LEFT JOIN rounds review ON review.id = (
        SELECT id FROM rounds WHERE rounds.client_id = clients.id
            AND kind IN ({", ".join(f"'{kind}'" for kind in REVIEW_KINDS)})
        ORDER BY created_at DESC, id DESC LIMIT 1)
"""


def _review_of(row: Mapping, today: date) -> Review | None:
    last = quarter_of_round(row["period"], row["created_at"]) if row["period"] else None
    return next_review(
        row["review_cadence"],
        archived=row["archived_at"] is not None,
        last_review=last,
        today=today,
    )


def next_reviews(db: Database, today: date) -> dict[int, Review | None]:
    """Every client's next review (None: no cadence, archived, or no review yet)."""
    return {row["client_id"]: _review_of(row, today) for row in query_rows(db, _LAST_REVIEWS)}


def client_next_review(db: Database, client_id: int, today: date) -> Review | None:
    """One client's next review (None as in ``next_reviews``, or no such client)."""
    rows = list(query_rows(db, _LAST_REVIEWS + " WHERE clients.id = ?", [client_id]))
    return _review_of(rows[0], today) if rows else None


@dataclass(frozen=True)
class Due:
    """A review the calendar should open: the client, its quarter, the round it follows."""

    client: clients.Client
    review: Review
    previous: rounds.Round


def due_reviews(db: Database, today: date) -> list[Due]:
    """The reviews due by ``today`` that have no round yet, by client name."""
    found = []
    for client_id, review in next_reviews(db, today).items():
        if review is None or not review.is_due(today):
            continue
        if rounds.find_round(db, client_id, REVIEW_KIND, review.period) is not None:
            continue
        client = clients.get_client(db, client_id)
        previous = rounds.list_rounds(db, client_id)  # newest first; a review exists
        found.append(Due(client, review, previous[0]))
    return sorted(found, key=lambda due: due.client.name.casefold())


def open_due_reviews(
    db: Database,
    questionnaires: Mapping[str, Questionnaire],
    *,
    today: date,
    floor: int = DEFAULT_FLOOR,
    text_floor: int = DEFAULT_TEXT_FLOOR,
    invite: Callable[[rounds.Round, list[respondents.Respondent]], None] | None = None,
) -> list[rounds.Round]:
    """Open every review due by ``today`` (see the module's docstring); the rounds opened.

    ``questionnaires`` are the usable ones by id; a client whose questionnaire is no
    longer among them keeps the version its previous round used. ``floor`` and
    ``text_floor`` are the instance's anonymity floors. ``invite(round, respondents)`` is
    called for each round whose client sends invitations at once, inside the transaction
    that stores the round (the invitations are written with it, or neither)."""
    opened = []
    for due in due_reviews(db, today):
        previous = due.previous
        questionnaire = questionnaires.get(previous.questionnaire_id) or previous.questionnaire
        mirror = _mirror(questionnaire, questionnaires, previous)
        try:
            with transaction(db, write=True):
                created = rounds.create_round(
                    db,
                    client_id=due.client.id,
                    kind=REVIEW_KIND,
                    period=due.review.period,
                    questionnaire=questionnaire,
                    due_date=(today + timedelta(days=ANSWER_DAYS)).isoformat(),
                    anonymous=previous.anonymous,
                    floor=floor,
                    text_floor=text_floor,
                    invitations_held=not due.client.review_auto_send,
                    mirror=mirror,
                    # As the lead chose for this client's last round (the contacts were
                    # told how their answers are shown).
                    client_display=previous.client_display,
                    client_floor=previous.client_floor,
                )
                _record(
                    db, "round.created", created.id, client=due.client.name, period=created.period
                )
                added_people = []
                for person in respondents.list_respondents(db, previous.id):
                    if person.side == "client" and mirror is None:
                        continue  # no client questionnaire to answer this time
                    try:
                        added = respondents.add_respondent(
                            db,
                            created.id,
                            name=person.name,
                            email=person.email,
                            role=person.role,
                            language=person.language if person.language in LANGUAGES else None,
                            side=person.side,
                            client_role=person.client_role,
                        )
                    except respondents.AlreadyInRound:
                        continue  # one person twice in a round from before 0014_people
                    _record(
                        db,
                        "personal_link.issued",
                        created.id,
                        respondent=added.id,
                        name=added.name,
                        client=due.client.name,
                        period=created.period,
                    )
                    added_people.append(added)
                if invite is not None and not created.invitations_held:
                    invite(created, added_people)
        except rounds.DuplicateRound:  # opened meanwhile by another process or a lead
            continue
        opened.append(created)
    return opened


def _mirror(
    questionnaire: Questionnaire,
    questionnaires: Mapping[str, Questionnaire],
    previous: rounds.Round,
) -> Questionnaire | None:
    """The client questionnaire the new round pins beside ``questionnaire``: the current
    file of its mirror, else the one the previous round pinned if it still matches."""
    if not questionnaire.mirror:
        return None
    found = questionnaires.get(questionnaire.mirror)
    if found is not None:
        return found
    if previous.mirror_snapshot is not None:
        pinned = previous.for_client().questionnaire
        if pinned.id == questionnaire.mirror:
            return pinned
    return None


def _record(db: Database, action: str, round_id: int, **details) -> None:
    audit.record(
        db,
        user_id=None,
        actor=ACTOR,
        action=action,
        object_type="round",
        object_id=round_id,
        details=details,
    )

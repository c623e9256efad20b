"""What the firm's chat is told, and when: alerts built from a round's aggregates.

Events (``EVENTS``): a round closed; an escalation among its next steps; a wide perception
gap; an action past its due date; a client's review overdue by its calendar. Each is
queued once per channel that takes it (the firm's channels, and the client's own), written
in the channel's language, and sent by the worker (``jobs/alerts.py``).

An alert carries what the round's page shows a lead, never more: aggregates only, and
only when the round may show them (``results.policy``; docs/anonymity.md). A round whose
results are withheld for anonymity tells only that it closed and that its results are
withheld; the client's view is told only when the round shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from flask import Flask
from flask_babel import force_locale, gettext, ngettext
from sqlite_utils import Database

from . import results
from .alert_formats import Alert
from .figures import gap_text, score_text
from .mail.compose import public_url
from .portfolio import portfolio
from .sqlite import query_rows
from .store import alerts as store
from .store import rounds
from .vocab import BABEL_LOCALES

EVENTS = ("round_closed", "escalation", "perception_gap", "action_overdue", "review_overdue")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _queue(
    db: Database,
    event: str,
    client_id: int | None,
    key: str,
    write: Callable[[str], Alert],
) -> int:
    """Queue the alert ``write(lang)`` for every channel that takes ``event``; how many
    deliveries are new (a key queued before for a channel is not queued again)."""
    queued = 0
    for channel in store.channels_for(db, event, client_id):
        with force_locale(BABEL_LOCALES[channel.language]):
            alert = write(channel.language)
        queued += store.queue(db, channel.id, key, event, alert_dict(alert))
    return queued


def alert_dict(alert: Alert) -> dict:
    return {
        "key": alert.key,
        "event": alert.event,
        "title": alert.title,
        "lines": list(alert.lines),
        "url": alert.url,
        "language": alert.language,
        "occurred_at": alert.occurred_at,
        "data": alert.data,
    }


def alert_from(stored: dict) -> Alert:
    return Alert(**{**stored, "lines": tuple(stored["lines"])})


def _round_title(current: rounds.Round) -> str:
    return f"{current.client_name} · {current.period}"


def round_closed(app: Flask, db: Database, round_id: int) -> int:
    """Queue the alerts of a round that just closed; how many deliveries were queued."""
    current = rounds.get_round(db, round_id)
    if current.is_open:
        return 0
    url = public_url(app, "results.show", round_id=current.id)
    record = results.load(db, current, every_answer=False)
    policy = results.policy(record)
    visible = policy.results_visible
    found = results.outcome(record) if visible else None
    stamp = current.closed_at or _now()
    base = f"round:{current.id}:{stamp}"
    q = current.questionnaire
    titles = {sign.id: sign.title for sign in q.signs}

    def alert(lang: str, event: str, suffix: str, title: str, lines, data: dict) -> Alert:
        """One of this round's alerts: each kind has its own key (``base:suffix``)."""
        return Alert(
            key=f"{base}:{suffix}",
            event=event,
            title=title,
            lines=tuple(lines),
            url=url,
            language=lang,
            occurred_at=stamp,
            data=data,
        )

    def tell(event: str, suffix: str, write: Callable[[str], Alert]) -> int:
        return _queue(db, event, current.client_id, f"{base}:{suffix}", write)

    def closed(lang: str) -> Alert:
        lines = [
            ngettext(
                "%(num)d team member submitted.",
                "%(num)d team members submitted.",
                policy.submitted,
            )
        ]
        data: dict = {"round_id": current.id, "client": current.client_name}
        data["period"] = current.period
        if found is None:
            lines.append(
                gettext(
                    "Fewer than %(floor)s people submitted: its results are withheld to"
                    " protect anonymity.",
                    floor=policy.floor,
                )
            )
            data["withheld"] = True
        elif found.result.index is not None:
            band = q.band(found.result.band_id)
            lines.append(
                gettext(
                    "Fairness index %(index)s: %(band)s.",
                    index=score_text(q, found.result.index),
                    band=band.label.get(lang),
                )
            )
            data.update(index=float(found.result.index), band=found.result.band_id)
        title = gettext("Round closed: %(round)s", round=_round_title(current))
        return alert(lang, "round_closed", "closed", title, lines, data)

    queued = tell("round_closed", "closed", closed)
    if found is None:
        return queued
    escalated = [step for step in found.next_steps if step.escalation]
    if escalated:

        def escalation(lang: str) -> Alert:
            lines = [
                gettext(
                    "%(sign)s: %(score)s. %(step)s",
                    sign=titles[step.sign_id].get(lang),
                    score=score_text(q, step.score),
                    step=step.text.get(lang),
                )
                for step in escalated
            ]
            title = gettext("Escalation: %(round)s", round=_round_title(current))
            data = {"round_id": current.id, "signs": [s.sign_id for s in escalated]}
            return alert(lang, "escalation", "escalation", title, lines, data)

        queued += tell("escalation", "escalation", escalation)
    both = found.perception
    flagged = both.flagged if both is not None else ()
    if flagged:

        def gap(lang: str) -> Alert:
            lines = [
                gettext(
                    "%(sign)s: team %(team)s, client %(client)s (gap %(gap)s).",
                    sign=titles[s.sign_id].get(lang),
                    team=score_text(q, s.team),
                    client=score_text(q, s.client),
                    gap=gap_text(q, s.gap, True),
                )
                for s in flagged
            ]
            title = gettext("Wide perception gap: %(round)s", round=_round_title(current))
            data = {"round_id": current.id, "signs": [s.sign_id for s in flagged]}
            return alert(lang, "perception_gap", "gap", title, lines, data)

        queued += tell("perception_gap", "gap", gap)
    return queued


_OVERDUE_ACTIONS = """
SELECT actions.id, actions.title, actions.due_date, rounds.id AS round_id,
       COALESCE(NULLIF(actions.owner_name, ''), NULLIF(users.name, ''), users.email) AS owner,
       rounds.client_id, rounds.period, clients.name AS client_name
FROM actions JOIN rounds ON rounds.id = actions.round_id
JOIN clients ON clients.id = rounds.client_id
LEFT JOIN users ON users.id = actions.owner_id
WHERE actions.status = 'open' AND actions.due_date < ? AND clients.archived_at IS NULL
ORDER BY actions.due_date, actions.id
"""


def overdue(app: Flask, db: Database, today: date) -> int:
    """Queue an alert for each action past its due date and each review overdue by its
    client's calendar (once per action and due date, once per client and period)."""
    queued = 0
    for row in query_rows(db, _OVERDUE_ACTIONS, [today.isoformat()]):
        url = public_url(app, "results.show", round_id=row["round_id"])
        key = f"action:{row['id']}:{row['due_date']}"

        def action(lang: str, row=row, url=url, key=key) -> Alert:
            return Alert(
                key=key,
                event="action_overdue",
                title=gettext(
                    "Action overdue: %(client)s · %(period)s",
                    client=row["client_name"],
                    period=row["period"],
                ),
                lines=(
                    gettext(
                        "%(title)s (owner: %(owner)s) was due on %(date)s.",
                        title=row["title"],
                        owner=row["owner"] or "–",
                        date=row["due_date"],
                    ),
                ),
                url=url,
                language=lang,
                occurred_at=_now(),
                data={"action_id": row["id"], "due_date": row["due_date"]},
            )

        queued += _queue(db, "action_overdue", row["client_id"], key, action)
    for client in portfolio(db, today=today).rows:
        if not client.review_overdue:
            continue
        url = public_url(app, "clients.show", client_id=client.client_id)
        key = f"review:{client.client_id}:{client.next_review_period}"

        def review(lang: str, client=client, url=url, key=key) -> Alert:
            return Alert(
                key=key,
                event="review_overdue",
                title=gettext("Review overdue: %(client)s", client=client.name),
                lines=(
                    gettext(
                        "The %(period)s review was due on %(date)s and no round is open.",
                        period=client.next_review_period,
                        date=client.next_review_due.isoformat(),
                    ),
                ),
                url=url,
                language=lang,
                occurred_at=_now(),
                data={"client_id": client.client_id, "period": client.next_review_period},
            )

        queued += _queue(db, "review_overdue", client.client_id, key, review)
    return queued


def test_alert(app: Flask, db: Database, channel: store.Channel) -> bool:
    """Queue a test message to one channel (the test button), whatever its events."""
    stamp = _now()
    with force_locale(BABEL_LOCALES[channel.language]):
        alert = Alert(
            key=f"test:{channel.id}:{stamp}",
            event="test",
            title=gettext("Partnership Check: a test alert"),
            lines=(gettext("This channel receives Partnership Check's alerts."),),
            url=public_url(app, "main.index"),
            language=channel.language,
            occurred_at=stamp,
        )
    return store.queue(db, channel.id, alert.key, "test", alert_dict(alert))

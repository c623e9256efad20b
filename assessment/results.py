"""A round's results: stored answers → scoring engine → next steps.

The one place that feeds the pure core from the store, so the round page, the report
and the CLI all show the same numbers. A closed round's result is stored when it closes
and read back from there; an open round is scored from its answers on each call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from .db import write_transaction
from .playbook import ActionRecord, NextStep, recommend
from .scoring import RoundResult, score_round
from .store import responses, rounds


@dataclass(frozen=True)
class RoundOutcome:
    """Everything the screens and reports show about one round's scores."""

    result: RoundResult
    previous: RoundResult | None
    previous_round: rounds.Round | None
    next_steps: tuple[NextStep, ...]


def _stored(current: rounds.Round) -> RoundResult | None:
    return RoundResult.from_dict(json.loads(current.results)) if current.results else None


def score(db: Database, current: rounds.Round) -> RoundResult:
    """The round's result: stored when closed, else computed from submitted answers."""
    stored = _stored(current)
    if stored is not None and not current.is_open:
        return stored
    previous_round = rounds.previous_closed_round(db, current)
    previous = score(db, previous_round) if previous_round else None
    return score_round(
        current.questionnaire,
        responses.submitted_responses(db, current.id),
        kind=current.kind,
        previous=previous,
    )


def _actions(db: Database, client_id: int) -> list[ActionRecord]:
    rows = db.execute(
        "SELECT actions.sign_id, actions.status, actions.completed_at, actions.title"
        " FROM actions JOIN rounds ON rounds.id = actions.round_id WHERE rounds.client_id = ?",
        [client_id],
    ).fetchall()
    return [ActionRecord(sign_id=r[0], status=r[1], completed_at=r[2], title=r[3]) for r in rows]


def outcome(db: Database, current: rounds.Round) -> RoundOutcome:
    result = score(db, current)
    previous_round = rounds.previous_closed_round(db, current)
    previous = score(db, previous_round) if previous_round else None
    steps = recommend(
        current.questionnaire,
        result,
        previous=previous if current.kind != "kickoff" else None,
        actions=_actions(db, current.client_id),
        previous_closed_at=previous_round.closed_at if previous_round else None,
    )
    return RoundOutcome(result, previous, previous_round, steps)


def summary(outcome: RoundOutcome) -> dict:
    """What the portfolio shows of a closed round, small enough to read for every client."""
    result = outcome.result
    return {
        "index": result.index,
        "band": result.band_id,
        "trend": result.trend.delta if result.trend else None,
        "trend_direction": result.trend.direction if result.trend else None,
        "escalations": sum(1 for step in outcome.next_steps if step.escalation),
        "signs": {s.sign_id: [s.band_id, s.score] for s in result.signs},
    }


def close_round(db: Database, current: rounds.Round) -> RoundResult:
    """Close the round and store its result and summary, so later views read one row.

    The answers are scored and the round closed under one write lock, so no answer can
    be saved between the scoring and the close: each submission is either in the stored
    result or refused because the round is closed (``store.responses.save_response``
    checks the status under the same lock).
    """
    with write_transaction(db):
        closing = outcome(db, current)
        rounds.set_status(
            db,
            current.id,
            "closed",
            json.dumps(closing.result.to_dict()),
            json.dumps(summary(closing)),
        )
    return closing.result


def reopen_round(db: Database, current: rounds.Round) -> None:
    """Reopen: answers can change again, so the stored result is dropped."""
    with write_transaction(db):
        rounds.set_status(db, current.id, "open", None)


def fill_missing_summaries(db: Database) -> int:
    """Store the summary of every closed round that has none (rounds closed before
    summaries existed); returns how many were filled."""
    missing = [
        row[0]
        for row in db.execute(
            "SELECT rounds.id FROM rounds LEFT JOIN round_summaries"
            " ON round_summaries.round_id = rounds.id"
            " WHERE rounds.status = 'closed' AND round_summaries.round_id IS NULL"
            " ORDER BY rounds.created_at, rounds.id"
        ).fetchall()
    ]
    for round_id in missing:
        current = rounds.get_round(db, round_id)
        rounds.save_summary(db, round_id, json.dumps(summary(outcome(db, current))))
    return len(missing)

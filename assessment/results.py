"""A round's results: stored answers → scoring engine → next steps.

The one place that feeds the pure core from the store, so the round page, the report
and the CLI all show the same numbers. A closed round's result is stored when it closes
and read back from there; an open round is scored from its answers on each call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

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


def close_round(db: Database, current: rounds.Round) -> RoundResult:
    """Close the round and store its result, so later views read one row."""
    result = score(db, current)
    rounds.set_status(db, current.id, "closed", json.dumps(result.to_dict()))
    return result


def reopen_round(db: Database, current: rounds.Round) -> None:
    """Reopen: answers can change again, so the stored result is dropped."""
    rounds.set_status(db, current.id, "open", None)

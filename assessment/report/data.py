"""Everything one round's results page and PDF show, gathered from the store.

The web view and the PDF renderer both call :func:`round_report`, so both always show
the same numbers, recommendations, comments and actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlite_utils import Database

from .. import results
from ..questionnaire import Questionnaire
from ..scoring import RoundResult
from ..store import actions, clients, responses, rounds


@dataclass(frozen=True)
class Comment:
    sign_id: str
    body: str
    author: str | None  # None when the round is anonymous
    role: str


@dataclass(frozen=True)
class RoundReport:
    round: rounds.Round
    client: clients.Client
    questionnaire: Questionnaire
    outcome: results.RoundOutcome
    history: tuple[tuple[str, RoundResult], ...]  # (period, result), oldest first
    comments: tuple[Comment, ...]
    actions: tuple[actions.Action, ...]
    respondents: int
    submitted: int
    generated_at: datetime

    @property
    def result(self) -> RoundResult:
        return self.outcome.result

    def comments_for(self, sign_id: str) -> list[Comment]:
        return [c for c in self.comments if c.sign_id == sign_id]

    def actions_for(self, sign_id: str) -> list[actions.Action]:
        return [a for a in self.actions if a.sign_id == sign_id]


def history(db: Database, current: rounds.Round) -> list[tuple[str, RoundResult]]:
    """The client's closed rounds of the same questionnaire up to this one, and this one."""
    found = []
    for other in reversed(rounds.list_rounds(db, current.client_id)):
        if other.questionnaire_id != current.questionnaire_id:
            continue
        if other.id == current.id:
            found.append((other.period, results.score(db, other)))
            break
        if not other.is_open:
            found.append((other.period, results.score(db, other)))
    return found


def round_report(db: Database, current: rounds.Round, *, now: datetime | None = None):
    people = rounds.list_respondents(db, current.id)
    comments = [
        Comment(
            sign_id=row["sign_id"],
            body=row["body"],
            author=None if current.anonymous else row["name"],
            role=row["role"],
        )
        for row in responses.round_comments(db, current.id)
    ]
    if current.anonymous:
        # Not in answer order: the order must not hint at who wrote what.
        comments.sort(key=lambda c: (c.sign_id, c.body))
    return RoundReport(
        round=current,
        client=clients.get_client(db, current.client_id),
        questionnaire=current.questionnaire,
        outcome=results.outcome(db, current),
        history=tuple(history(db, current)),
        comments=tuple(comments),
        actions=tuple(actions.client_actions(db, current.client_id)),
        respondents=len(people),
        submitted=sum(1 for p in people if p.status == "submitted"),
        generated_at=now or datetime.now(UTC),
    )

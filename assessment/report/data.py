"""Everything one round's results page and PDF show, gathered from the store.

The web view and the PDF renderer both call :func:`round_report`, so both always show
the same numbers, recommendations, comments and actions. The round's anonymity policy is
applied here, once (docs/anonymity.md): a report of a round whose results are withheld
holds no score and no free text, whoever renders it; every kind of free text (comments,
text answers) goes through :func:`visible_free_text`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlite_utils import Database

from .. import results
from ..anonymity import FreeText, Policy, Spread, answer_spread, withheld_result
from ..anonymity import visible_free_text as _visible_free_text
from ..questionnaire import Questionnaire
from ..scoring import RoundResult
from ..store import actions, clients, responses, rounds

T = TypeVar("T")


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
    comments: FreeText[Comment]
    actions: tuple[actions.Action, ...]
    respondents: int
    submitted: int
    generated_at: datetime
    policy: Policy
    spread: Mapping[str, Spread] = field(default_factory=dict)  # sign id → distribution

    @property
    def result(self) -> RoundResult:
        return self.outcome.result

    @property
    def results_visible(self) -> bool:
        return self.policy.results_visible

    @property
    def index_withheld(self) -> bool:
        """No index because of the anonymity floor (not for want of answers)."""
        result = self.result
        return result.index is None and any(s.status == "withheld" for s in result.signs)

    def comments_for(self, sign_id: str) -> list[Comment]:
        return [c for c in self.comments if c.sign_id == sign_id]

    def actions_for(self, sign_id: str) -> list[actions.Action]:
        return [a for a in self.actions if a.sign_id == sign_id]


def history(db: Database, current: rounds.Round) -> list[tuple[str, RoundResult]]:
    """The client's closed rounds of the same questionnaire up to this one, and this one
    (withheld when its results may not be shown)."""
    if results.policy(db, current).results_visible:
        latest = results.score(db, current)
    else:
        latest = withheld_result(current.questionnaire, current.kind)
    return [*history_before(db, current), (current.period, latest)]


def history_before(db: Database, current: rounds.Round) -> list[tuple[str, RoundResult]]:
    """The client's closed rounds of the same questionnaire before this one."""
    found = []
    for other in reversed(rounds.list_rounds(db, current.client_id)):
        if other.questionnaire_id != current.questionnaire_id:
            continue
        if other.id == current.id:
            break
        if not other.is_open:
            found.append((other.period, results.score(db, other)))
    return found


def visible_free_text(
    policy: Policy, entries: Iterable[T] | Callable[[], Iterable[T]], *, key: Callable[[T], Any]
) -> FreeText[T]:
    """Free text of a round as it may be shown (``anonymity.visible_free_text``): every kind
    of free text in a report goes through here. ``entries`` may be a function, called only
    when the text will be shown, so that withheld text is never even read."""
    if not policy.free_text_visible:
        return _visible_free_text(policy, (), key=key)
    return _visible_free_text(policy, entries() if callable(entries) else entries, key=key)


def _comments(db: Database, current: rounds.Round) -> list[Comment]:
    return [
        Comment(sign_id=row["sign_id"], body=row["body"], author=row["name"], role=row["role"])
        for row in responses.round_comments(db, current.id)
    ]


def withheld_outcome(current: rounds.Round) -> results.RoundOutcome:
    """The outcome of a round whose results are withheld: nothing scored, no next steps."""
    return results.RoundOutcome(
        result=withheld_result(current.questionnaire, current.kind),
        previous=None,
        previous_round=None,
        next_steps=(),
    )


def round_report(db: Database, current: rounds.Round, *, now: datetime | None = None):
    people = rounds.list_respondents(db, current.id)
    policy = results.policy(db, current)
    if policy.results_visible:
        outcome = results.outcome(db, current)
        spread = answer_spread(
            current.questionnaire, outcome.result, responses.submitted_responses(db, current.id)
        )
    else:
        outcome, spread = withheld_outcome(current), {}
    return RoundReport(
        round=current,
        client=clients.get_client(db, current.client_id),
        questionnaire=current.questionnaire,
        outcome=outcome,
        history=(*history_before(db, current), (current.period, outcome.result)),
        comments=visible_free_text(
            policy, lambda: _comments(db, current), key=lambda c: (c.sign_id, c.body)
        ),
        actions=tuple(actions.client_actions(db, current.client_id)),
        respondents=len(people),
        submitted=sum(1 for p in people if p.status == "submitted"),
        generated_at=now or datetime.now(UTC),
        policy=policy,
        spread=spread,
    )

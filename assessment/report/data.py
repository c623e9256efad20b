"""Everything one round's results page and PDF show, gathered from the store.

The web view and the PDF renderer both call :func:`round_report`, so both always show
the same numbers, recommendations, comments, answers to open questions and actions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlite_utils import Database

from .. import results
from ..questionnaire import Questionnaire, TextItem
from ..scoring import RoundResult
from ..store import actions, clients, responses, rounds


@dataclass(frozen=True)
class FreeText:
    """Something a respondent wrote in their own words: a comment on a sign (kind "comment")
    or the answer to one of the questionnaire's open questions (kind "answer", with its
    item id). Line breaks are kept (as "\n"); pages show them with white-space: pre-line."""

    kind: str  # "comment" or "answer"
    sign_id: str
    item_id: str | None  # the open question answered; None for a comment
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
    free_text: tuple[FreeText, ...]  # comments and answers to open questions
    actions: tuple[actions.Action, ...]
    respondents: int
    submitted: int
    generated_at: datetime

    @property
    def result(self) -> RoundResult:
        return self.outcome.result

    @property
    def comments(self) -> tuple[FreeText, ...]:
        return tuple(t for t in self.free_text if t.kind == "comment")

    def comments_for(self, sign_id: str) -> list[FreeText]:
        return [t for t in self.comments if t.sign_id == sign_id]

    def answers_for(self, sign_id: str) -> list[tuple[TextItem, list[FreeText]]]:
        """The sign's open questions that have answers, in questionnaire order, each with
        its answers."""
        sign = self.questionnaire.sign(sign_id)
        found = []
        for item in sign.items:
            said = [t for t in self.free_text if t.kind == "answer" and t.item_id == item.id]
            if said and isinstance(item, TextItem):
                found.append((item, said))
        return found

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


_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")


def tidy(text: str) -> str:
    """User text as pages show it: one kind of line break, no blank lines at either end,
    and at most one blank line in a row (line breaks are kept, not a page of empty lines)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return _BLANK_LINES.sub("\n\n", text)


def free_text(db: Database, current: rounds.Round) -> list[FreeText]:
    """Everything the round's respondents wrote in their own words: comments on the signs
    and answers to the open (text) questions asked in the round. The one place that decides
    which free text a page or report shows, and how anonymously."""
    q = current.questionnaire
    open_items = {
        item.id: sign.id
        for sign in q.signs
        for item in sign.items
        if isinstance(item, TextItem) and item.applies(current.kind)
    }
    entries = []
    for row in responses.round_free_text(db, current.id, open_items):
        body = tidy(row["body"])
        if not body:
            continue
        entries.append(
            FreeText(
                kind=row["kind"],
                sign_id=row["sign_id"] or open_items[row["item_id"]],
                item_id=row["item_id"],
                body=body,
                author=None if current.anonymous else row["name"],
                role=row["role"],
            )
        )
    if current.anonymous:
        # Not in answer order: the order must not hint at who wrote what.
        entries.sort(key=lambda t: (t.sign_id, t.kind != "comment", t.item_id or "", t.body))
    return entries


def round_report(db: Database, current: rounds.Round, *, now: datetime | None = None):
    people = rounds.list_respondents(db, current.id)
    return RoundReport(
        round=current,
        client=clients.get_client(db, current.client_id),
        questionnaire=current.questionnaire,
        outcome=results.outcome(db, current),
        history=tuple(history(db, current)),
        free_text=tuple(free_text(db, current)),
        actions=tuple(actions.client_actions(db, current.client_id)),
        respondents=len(people),
        submitted=sum(1 for p in people if p.status == "submitted"),
        generated_at=now or datetime.now(UTC),
    )

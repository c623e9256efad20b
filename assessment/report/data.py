"""Everything one round's results page and PDF show, from the round's record.

The round is read once (``results.load``); :func:`report_of` and the functions it uses
are pure functions of that record. The web view and the PDF renderer both call
:func:`round_report` (load, then :func:`report_of`), so both always show
the same numbers, recommendations, comments, answers to open questions and actions. The
round's anonymity policy is applied here, once (docs/anonymity.md): a report of a round
whose results are withheld holds no score and no free text, whoever renders it; every kind
of free text (comments and text answers alike) goes through :func:`visible_free_text`,
from :func:`free_text`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlite_utils import Database

from .. import results
from ..anonymity import FreeText, Policy, Spread, answer_spread, withheld_result
from ..anonymity import visible_free_text as _visible_free_text
from ..answers import in_own_words
from ..questionnaire import Questionnaire, TextItem
from ..round_evidence import RoundEvidence, figure_evidence
from ..scoring import RoundResult
from ..store import actions, clients, rounds

T = TypeVar("T")


@dataclass(frozen=True)
class FreeTextEntry:
    """Something a respondent wrote in their own words: a comment on a sign (kind "comment")
    or the answer to one of the questionnaire's open questions (kind "answer", with its
    item id). Line breaks are kept (as "\n"); pages show them with white-space: pre-line.
    A round's entries reach a page only inside a ``FreeText`` (see ``free_text``)."""

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
    #: Comments and answers to open questions, as the round may show them: empty and
    #: ``withheld`` below the text floor or while an anonymous round is open.
    free_text: FreeText[FreeTextEntry]
    actions: tuple[actions.Action, ...]
    respondents: int
    submitted: int
    generated_at: datetime
    policy: Policy
    spread: Mapping[str, Spread] = field(default_factory=dict)  # sign id → distribution
    #: What the round may show of its client side (None: it has none); the comparison
    #: itself is ``outcome.perception``.
    client_policy: Policy | None = None
    #: Both sides round by round, oldest first, this round last: (period, perception) of
    #: each of the client's rounds whose two views could be compared.
    sides_history: tuple = ()
    #: The period's incidents and invoice facts beside the scores (issue 28; counts and
    #: figures only, never a text or an author): None while the results are withheld.
    evidence: RoundEvidence | None = None

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

    @property
    def comments(self) -> tuple[FreeTextEntry, ...]:
        return tuple(t for t in self.free_text if t.kind == "comment")

    def comments_for(self, sign_id: str) -> list[FreeTextEntry]:
        return [t for t in self.comments if t.sign_id == sign_id]

    def answers_for(self, sign_id: str) -> list[tuple[TextItem, list[FreeTextEntry]]]:
        """The sign's open questions that have answers, in questionnaire order, each with
        its answers."""
        sign = self.questionnaire.sign(sign_id)
        found = []
        for item in sign.items:
            said = [t for t in self.free_text if t.kind == "answer" and t.item_id == item.id]
            if said and in_own_words(item):
                found.append((item, said))
        return found

    def actions_for(self, sign_id: str) -> list[actions.Action]:
        return [a for a in self.actions if a.sign_id == sign_id]


def history(record: results.RoundRecord) -> list[tuple[str, RoundResult]]:
    """The client's closed rounds of the same questionnaire up to this one, and this one
    (withheld when its results may not be shown)."""
    current = record.round
    if results.policy(record).results_visible:
        latest = results.score(record)
    else:
        latest = withheld_result(current.questionnaire, current.kind)
    return [*history_before(record), (current.period, latest)]


@dataclass(frozen=True)
class RoundLabel:
    """What names a round in a table of rounds: its period and kind (``vocab.round_name``),
    as a kickoff and a quarterly review of one period are two rounds."""

    period: str
    kind: str


def sides_history(record: results.RoundRecord, outcome: results.RoundOutcome) -> tuple:
    """The two sides of the client's rounds before this one and of this one, where both
    could be compared (the gap and the agreement across rounds): (RoundLabel, Perception)."""
    current = record.round
    found = []
    for other in reversed(record.rounds):
        if other.questionnaire_id != current.questionnaire_id or other.is_open:
            continue
        if other.id == current.id:
            break
        if not results.policy(record, other).results_visible:
            continue
        both = results.perception(record, results.score(record, other), other, with_previous=False)
        if both is not None and both.enough_client_answers:
            found.append((RoundLabel(other.period, other.kind), both))
    if outcome.perception is not None and outcome.perception.enough_client_answers:
        found.append((RoundLabel(current.period, current.kind), outcome.perception))
    return tuple(found)


def history_before(record: results.RoundRecord) -> list[tuple[str, RoundResult]]:
    """The client's closed rounds of the same questionnaire before this one."""
    current = record.round
    found = []
    for other in reversed(record.rounds):
        if other.questionnaire_id != current.questionnaire_id:
            continue
        if other.id == current.id:
            break
        if not other.is_open:
            found.append((other.period, results.score(record, other)))
    return found


_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")


def tidy(text: str) -> str:
    """User text as pages show it: one kind of line break, no blank lines at either end,
    and at most one blank line in a row (line breaks are kept, not a page of empty lines)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return _BLANK_LINES.sub("\n\n", text)


def visible_free_text(
    policy: Policy, entries: Iterable[T] | Callable[[], Iterable[T]], *, key: Callable[[T], Any]
) -> FreeText[T]:
    """Free text of a round as it may be shown (``anonymity.visible_free_text``): every kind
    of free text in a report goes through here. ``entries`` may be a function, called only
    when the text will be shown, so that withheld text is never even read."""
    if not policy.free_text_visible:
        return _visible_free_text(policy, (), key=key)
    return _visible_free_text(policy, entries() if callable(entries) else entries, key=key)


def _free_text_order(entry: FreeTextEntry) -> tuple:
    """An anonymous round's free text: by sign, its comments before its answers, then by
    question and text; never in answer order, which could hint at who wrote what."""
    return (entry.sign_id, entry.kind != "comment", entry.item_id or "", entry.body)


def _free_text_entries(record: results.RoundRecord) -> list[FreeTextEntry]:
    if record.written is None:  # ``load`` reads it whenever it may be shown
        raise results.NotRead(f"round {record.round.id}: its free text was not read")
    open_items = results.open_items(record.round)
    entries = []
    for row in record.written:
        body = tidy(row.body)
        if not body:
            continue
        entries.append(
            FreeTextEntry(
                kind=row.kind,
                sign_id=row.sign_id or open_items[row.item_id],
                item_id=row.item_id,
                body=body,
                author=row.name,
                role=row.role,
            )
        )
    return entries


def free_text(record: results.RoundRecord) -> FreeText[FreeTextEntry]:
    """Everything the round's respondents wrote in their own words, comments on the signs
    and answers to the open (text) questions asked in the round, as the round may show it:
    the one place pages and reports take free text from. Read only when shown (the text
    floor, see ``anonymity.Policy``: ``results.load`` does not read it otherwise); in an
    anonymous round without authors and not in answer order."""
    return visible_free_text(
        results.policy(record), lambda: _free_text_entries(record), key=_free_text_order
    )


def withheld_outcome(current: rounds.Round) -> results.RoundOutcome:
    """The outcome of a round whose results are withheld: nothing scored, no next steps."""
    return results.RoundOutcome(
        result=withheld_result(current.questionnaire, current.kind),
        previous=None,
        previous_round=None,
        next_steps=(),
    )


def round_report(db: Database, current: rounds.Round, *, now: datetime | None = None):
    """The round's report, read in one transaction (``results.load``)."""
    return report_of(results.load(db, current), now=now)


def report_of(record: results.RoundRecord, *, now: datetime | None = None) -> RoundReport:
    """What the round's results page and PDFs show, from its record (no database)."""
    current = record.round
    now = now or datetime.now(UTC)
    people = [p for p in record.people if p.side == "team"]
    policy = results.policy(record)
    if policy.results_visible:
        outcome = results.outcome(record)
        spread = answer_spread(current.questionnaire, outcome.result, record.responses(current))
    else:
        outcome, spread = withheld_outcome(current), {}
    return RoundReport(
        round=current,
        client=record.client,
        questionnaire=current.questionnaire,
        outcome=outcome,
        history=(*history_before(record), (current.period, outcome.result)),
        free_text=free_text(record),
        actions=record.actions,
        respondents=len(people),
        submitted=sum(1 for p in people if p.status == "submitted"),
        generated_at=now,
        policy=policy,
        spread=spread,
        client_policy=results.client_policy(record),
        sides_history=sides_history(record, outcome) if policy.results_visible else (),
        evidence=figure_evidence(
            current,
            outcome.result,
            now.date(),
            incidents=record.incidents,
            invoices=record.invoices,
            client_summary_invoices=record.client_summary_invoices,
        )
        if policy.results_visible
        else None,
    )

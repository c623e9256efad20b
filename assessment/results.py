"""A round's results: stored answers → scoring engine → next steps.

The one place that feeds the pure core from the store, so the round page, the report
and the CLI all show the same numbers. A round is read once: ``load(db, round)`` reads
everything its pages, reports, mail, alerts, API and exports show, in one read
transaction (``store.round_reads``: three statements, four when its free text may be
shown), into an immutable ``RoundRecord``; everything else here (``policy``,
``client_policy``, ``score``, ``outcome``, ``perception``, ``contact_views``) is a pure
function of that record. A closed round's result is stored when it closes and read back
from there; an open round is scored from its answers on each call.

Anonymous rounds are scored with their anonymity floor (see ``anonymity`` and
docs/anonymity.md), and what a round may show at all is its ``policy``: callers check
``policy(record).results_visible`` before they show a score.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from types import MappingProxyType

from sqlite_utils import Database

from .anonymity import Policy, withheld_result
from .answers import Response, in_own_words
from .evidence import Incident, Invoice
from .perception import Perception, perception_gap
from .playbook import ActionRecord, NextStep, gap_steps, recommend
from .questionnaire.diff import incomparable_signs
from .scoring import RoundResult, person_scores, score_round
from .sqlite import transaction
from .store import clients, responses, round_reads, rounds, snapshots
from .store.actions import Action
from .store.round_reads import Person, RoundCounts

#: Key in a stored result (beside ``RoundResult.to_dict()``): the floor it was scored with.
FLOOR_KEY = "anonymity_floor"


class ReopenRefused(PermissionError):
    """An anonymous round whose results were shown cannot be reopened."""


@dataclass(frozen=True)
class RoundOutcome:
    """Everything the screens and reports show about one round's scores."""

    result: RoundResult
    previous: RoundResult | None
    previous_round: rounds.Round | None
    next_steps: tuple[NextStep, ...]
    #: The client's side (a round with a mirror and client contacts): its result as the
    #: round may show it (withheld while open or under the floor), both sides compared,
    #: and the next steps the comparison calls for. None and () otherwise.
    client: RoundResult | None = None
    perception: Perception | None = None
    gap_steps: tuple[NextStep, ...] = ()
    #: Each client contact's own view, by name: only in a round whose client answers are
    #: attributed, and only when the client side may be shown.
    contacts: tuple[ContactView, ...] = ()


@dataclass(frozen=True)
class ContactView:
    """One client contact's own score of each sign (a round whose client answers are
    attributed): None for a sign they answered nothing of, or were not asked."""

    name: str
    client_role: str | None
    scores: Mapping[str, Fraction | None]


@dataclass(frozen=True)
class Written:
    """One thing a respondent wrote in their own words, as the store read it (a comment on
    a sign, or the answer to an open question), with who wrote it: read only when the
    round's free text may be shown (``free_text_visible``)."""

    kind: str  # "comment" or "answer"
    sign_id: str | None  # None for an answer: its question's sign
    item_id: str | None  # None for a comment
    body: str
    name: str
    role: str


class NotRead(LookupError):
    """The record holds no answers of that round and side (``load`` reads them only where
    a score must be computed or the results may be shown; closing asks with ``scoring``)."""


def _no_mapping() -> Mapping:
    return MappingProxyType({})


@dataclass(frozen=True)
class RoundRecord:
    """Everything a round's pages, reports, mail, alerts, API and exports show, read at one
    moment by ``load``: the functions below make each view of it without the database.

    Anonymity (docs/anonymity.md): the record holds the answers it must score, but
    nothing here hands one person's answers to a page: ``policy`` and ``client_policy``
    gate every score and text, and free text is not even read while it is withheld
    (``written`` is None then)."""

    round: rounds.Round
    client: clients.Client
    #: The round's respondents, both sides, in the order invited: their sides, roles and
    #: statuses (no tokens or addresses), and a name only where the round shows it, each
    #: client contact's in a round whose client answers are attributed ("" otherwise).
    people: tuple[Person, ...]
    #: The client's rounds, newest first (this one among them), with their counts.
    rounds: tuple[rounds.Round, ...]
    counts: Mapping[int, RoundCounts]
    #: Submitted answers by (round id, side): this round's where they are needed, and
    #: those of any earlier round whose stored result must be scored again; ``read``: the
    #: (round id, side) pairs whose answers were read (some may have none).
    answers: Mapping[tuple[int, str], tuple[Response, ...]]
    read: frozenset[tuple[int, str]]
    actions: tuple[Action, ...]
    incidents: tuple[Incident, ...]
    invoices: tuple[Invoice, ...]
    #: The lead includes the invoice facts in the round's client summary.
    client_summary_invoices: bool = False
    #: What the round's team wrote in their own words; None: withheld, so never read.
    written: tuple[Written, ...] | None = None
    #: The stored results of this round and the client's earlier ones, parsed once: round
    #: id → (the team's result, the floor it was scored with); → the client side's result.
    stored: Mapping[int, tuple[RoundResult, int | None]] = field(default_factory=_no_mapping)
    stored_client: Mapping[int, RoundResult] = field(default_factory=_no_mapping)

    def stored_result(self, current: rounds.Round) -> tuple[RoundResult, int | None]:
        """A closed round's stored result and the floor it was scored with."""
        found = self.stored.get(current.id)
        return found if found is not None else _stored(current.results)

    def stored_client_result(self, current: rounds.Round) -> RoundResult:
        found = self.stored_client.get(current.id)
        return found if found is not None else _stored(current.client_results)[0]

    def counts_of(self, current: rounds.Round) -> RoundCounts:
        return self.counts.get(current.id, _NO_COUNTS)

    def responses(self, current: rounds.Round, side: str = "team") -> tuple[Response, ...]:
        """The submitted answers of one side of ``current`` (one of the client's rounds)."""
        if (current.id, side) not in self.read:
            raise NotRead(f"round {current.id} ({side}): its answers were not read")
        return self.answers.get((current.id, side), ())


_NO_COUNTS = RoundCounts()


def _stale(record: RoundRecord, current: rounds.Round) -> bool:
    """A closed round whose stored result must be scored again (see ``score``)."""
    if current.is_open:
        return False
    if not current.results:
        return True
    return current.anonymous and record.stored_result(current)[1] is None


def _client_stale(current: rounds.Round, counts: RoundCounts) -> bool:
    """A closed round with a client side whose client result was never stored."""
    return (
        not current.is_open
        and current.mirror_digest is not None
        and counts.client_invited > 0
        and not current.client_results
    )


def load(
    db: Database, current: rounds.Round, *, scoring: bool = False, every_answer: bool = True
) -> RoundRecord:
    """Everything ``current``'s pages and reports show, read in one read transaction (three
    statements, four when its free text may be shown: ``store.round_reads``).

    ``current`` is the round as the caller read it (its status and floors are the ones
    judged); the counts, people and answers are the database's at this moment. Its
    answers are read only where something may be computed from them: when its results
    (or its client side's) may be shown, when a closed round's stored result must be
    scored again, or with ``scoring`` (closing scores an anonymous round before its
    results may be shown). ``every_answer=False``: a caller that shows no spread of the
    team's answers (``report_of`` does) needs none of a closed round's team answers,
    whose scores are stored. Text answers are never read with the scored ones."""
    with transaction(db, write=False):
        part = round_reads.client_part(db, current.client_id, current.id)
        held = snapshots.held_digests()
        found = round_reads.client_rounds(db, current.client_id, held)
        counts = {other.id: c for other, c, _ in found}
        invoices_included = any(inc for other, _, inc in found if other.id == current.id)
        listed = tuple(current if other.id == current.id else other for other, _, _ in found)
        # What the record's functions look at: this round and the client's earlier ones.
        upto = (current.created_at, current.id)
        earlier = [other for other in listed if (other.created_at, other.id) <= upto]
        draft = RoundRecord(
            round=current,
            client=part.client,
            people=tuple(
                person
                if person.side == "client" and current.client_attributed
                else replace(person, name="")
                for person in part.people
            ),
            rounds=listed,
            counts=MappingProxyType(counts),
            answers=MappingProxyType({}),
            read=frozenset(),
            actions=part.actions,
            incidents=part.incidents,
            invoices=part.invoices,
            client_summary_invoices=invoices_included,
            stored=MappingProxyType(
                {r.id: _stored(r.results) for r in earlier if r.results and not r.is_open}
            ),
            stored_client=MappingProxyType(
                {
                    r.id: _stored(r.client_results)[0]
                    for r in earlier
                    if r.client_results and not r.is_open
                }
            ),
        )
        wanted: set[tuple[int, str]] = set()
        team, client = policy(draft), client_policy(draft)
        if (
            scoring
            or _stale(draft, current)
            or (team.results_visible and (current.is_open or every_answer))
        ):
            wanted.add((current.id, "team"))
        # The client side's answers: scored while open (or never stored), and each
        # contact's own view shown where their answers are attributed.
        client_shown = client is not None and client.results_visible
        if current.mirror_digest is not None and (
            scoring
            or (client_shown and (current.is_open or current.client_attributed))
            or _client_stale(current, draft.counts_of(current))
        ):
            wanted.add((current.id, "client"))
        for other in earlier:
            if other.id == current.id:
                continue
            if _stale(draft, other):
                wanted.add((other.id, "team"))
            if _client_stale(other, draft.counts_of(other)):
                wanted.add((other.id, "client"))
        answers: dict = {}
        if wanted:
            involved = [r for r in listed if r.id in {rid for rid, _ in wanted}]
            answers = dict(
                round_reads.submitted_answers(
                    db, {rid for rid, _ in wanted}, _own_words_only(involved)
                )
            )
            answers = {key: value for key, value in answers.items() if key in wanted}
        written = None
        if team.free_text_visible:
            written = tuple(
                Written(**row)
                for row in responses.round_free_text(db, current.id, open_items(current))
            )
    return replace(
        draft, answers=MappingProxyType(answers), read=frozenset(wanted), written=written
    )


def open_items(current: rounds.Round) -> dict[str, str]:
    """The open (text) questions asked in the round: item id → its sign's id."""
    return {
        item.id: sign.id
        for sign in current.questionnaire.signs
        for item in sign.items
        if in_own_words(item) and item.applies(current.kind)
    }


def _own_words_only(involved: Iterable[rounds.Round]) -> set[str]:
    """Ids of items that are open questions in every questionnaire of these rounds (team
    and mirror), and so never scored: their answers are not read with the scored ones."""
    words: set[str] = set()
    other: set[str] = set()
    for current in involved:
        for q in (current.questionnaire, current.mirror):
            for item in q.items() if q is not None else ():
                (words if in_own_words(item) else other).add(item.id)
    return words - other


def previous_closed_round(record: RoundRecord, current: rounds.Round) -> rounds.Round | None:
    """The client's latest closed round of the same questionnaire id before ``current``
    (as ``store.rounds.previous_closed_round``)."""
    before = [
        other
        for other in record.rounds
        if other.questionnaire_id == current.questionnaire_id
        and other.status == "closed"
        and other.id != current.id
        and (other.created_at, other.id) < (current.created_at, current.id)
    ]
    return max(before, key=lambda other: (other.created_at, other.id), default=None)


def policy(record: RoundRecord, current: rounds.Round | None = None) -> Policy:
    """What the round (or another of the client's rounds) may show now
    (see ``anonymity.Policy``)."""
    current = current or record.round
    return Policy(
        anonymous=current.anonymous,
        is_open=current.is_open,
        submitted=record.counts_of(current).team_submitted,
        floor=current.anonymity_floor,
        text_floor=current.anonymity_text_floor,
    )


def client_floor(current: rounds.Round) -> int | None:
    """The fewest client answers the round's client view is shown from: its client floor
    when the client's answers are combined; None when they are attributed (each contact's
    view is shown by name, as in a named round: there is no floor)."""
    return None if current.client_attributed else current.client_floor


def client_policy(record: RoundRecord, current: rounds.Round | None = None) -> Policy | None:
    """What the round may show of its client side (None: it has none, no mirror or no
    client contact). Combined (the default): anonymous within the client group, even in a
    named round: nothing while open, and only from the round's client floor of client
    answers. Attributed: like a named round, everything as it comes in."""
    current = current or record.round
    if current.mirror_digest is None:
        return None
    counts = record.counts_of(current)
    if not counts.client_invited:
        return None
    return Policy(
        anonymous=not current.client_attributed,
        is_open=current.is_open,
        submitted=counts.client_submitted,
        floor=current.client_floor,
        text_floor=max(current.anonymity_text_floor, current.client_floor),
    )


def client_sign_minimum(current: rounds.Round) -> int | None:
    """The fewest client contacts who must answer a sign for the client's score of it:
    the mirror's own ``min_respondents``, or the client floor if higher (combined)."""
    mirror = current.mirror
    if mirror is None:
        return None
    return max(mirror.settings.min_respondents, client_floor(current) or 0)


_ASCII_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _nocase(name: str) -> str:
    """A name as SQLite's NOCASE collation compares it (ASCII letters folded only)."""
    return name.translate(_ASCII_FOLD)


def contact_views(record: RoundRecord) -> tuple[ContactView, ...]:
    """Each client contact's own view, by name (``person_scores``), in a round whose client
    answers are attributed and whose client side may be shown now; () otherwise."""
    current = record.round
    rules = client_policy(record)
    mirror = current.mirror
    if not current.client_attributed or rules is None or mirror is None:
        return ()
    if not rules.results_visible:
        return ()
    scores = person_scores(mirror, record.responses(current, "client"), kind=current.kind)
    people = sorted(
        (p for p in record.people if p.side == "client"), key=lambda p: (_nocase(p.name), p.id)
    )
    return tuple(
        ContactView(name=p.name, client_role=p.client_role, scores=scores[str(p.id)])
        for p in people
        if str(p.id) in scores
    )


def can_reopen(record: RoundRecord) -> bool:
    """Whether the round may be reopened: its team side allows it, and so does its client
    side (whose results, once shown, must not be shown again one answer apart)."""
    client = client_policy(record)
    return policy(record).can_reopen and (client is None or client.can_reopen)


def _stored(text: str) -> tuple[RoundResult, int | None]:
    """A stored result and the floor it was scored with."""
    data = json.loads(text)
    return RoundResult.from_dict(data), data.get(FLOOR_KEY)


def client_score(record: RoundRecord, current: rounds.Round | None = None) -> RoundResult | None:
    """The client side's result, computed by the engine with the round's floor (stored
    when the round closes): not yet gated by ``client_policy``. None without a mirror."""
    current = current or record.round
    mirror = current.mirror
    if mirror is None:
        return None
    if current.client_results and not current.is_open:
        return record.stored_client_result(current)
    previous_round = previous_closed_round(record, current)
    previous = None
    if previous_round is not None and previous_round.client_results:
        before = record.stored_client_result(previous_round)
        previous = before if before.questionnaire_id == mirror.id else None
    return score_round(
        mirror,
        record.responses(current, "client"),
        kind=current.kind,
        previous=previous,
        floor=client_floor(current),
        incomparable=incomparable_signs(previous_round.mirror, mirror)
        if previous is not None and previous_round.mirror is not None
        else (),
    )


def _shown_client(record: RoundRecord, current: rounds.Round) -> RoundResult | None:
    """The client side's result as the round may show it now."""
    rules = client_policy(record, current)
    if rules is None or current.mirror is None:
        return None
    if not rules.results_visible:
        return withheld_result(current.mirror, current.kind)
    return client_score(record, current)


def perception(
    record: RoundRecord,
    team: RoundResult,
    current: rounds.Round | None = None,
    *,
    with_previous: bool = True,
) -> Perception | None:
    """Both sides of the round compared (``perception.perception_gap``), the gap's trend
    against the previous closed round's; None without a client side."""
    current = current or record.round
    client = _shown_client(record, current)
    if client is None:
        return None
    before = None
    previous_round = previous_closed_round(record, current) if with_previous else None
    if previous_round is not None and policy(record, previous_round).results_visible:
        before = perception(
            record, score(record, previous_round), previous_round, with_previous=False
        )
    return perception_gap(current.questionnaire, team, client, previous=before)


def floor_of(current: rounds.Round) -> int | None:
    """The floor the engine scores the round with: None for a named round."""
    return current.anonymity_floor if current.anonymous else None


def score(record: RoundRecord, current: rounds.Round | None = None) -> RoundResult:
    """The result of the round (or of another of the client's rounds): stored when closed,
    else computed from submitted answers.

    A closed anonymous round whose stored result was not scored with its floor (written by
    something other than ``close_round``; ``apply_floors`` fixes those on migrating) is
    scored again rather than shown (``load`` reads its answers for that: the rare case in
    which a record holds the answers of another round)."""
    current = current or record.round
    if current.results and not current.is_open:
        result, floor = record.stored_result(current)
        if not current.anonymous or floor is not None:
            return result
    return compute(record, current)


def compute(record: RoundRecord, current: rounds.Round | None = None) -> RoundResult:
    """The round's result computed from its submitted answers now."""
    current = current or record.round
    previous_round = previous_closed_round(record, current)
    previous = score(record, previous_round) if previous_round else None
    return score_round(
        current.questionnaire,
        record.responses(current, "team"),
        kind=current.kind,
        previous=previous,
        floor=floor_of(current),
        incomparable=incomparable_signs(previous_round.questionnaire, current.questionnaire)
        if previous_round is not None
        else (),
    )


def _stored_text(current: rounds.Round, result: RoundResult) -> str:
    data = result.to_dict()
    if current.anonymous:
        data[FLOOR_KEY] = current.anonymity_floor
    return json.dumps(data)


def _actions(record: RoundRecord) -> list[ActionRecord]:
    return [
        ActionRecord(sign_id=a.sign_id, status=a.status, completed_at=a.completed_at, title=a.title)
        for a in sorted(record.actions, key=lambda a: a.id)
    ]


def speak_up_days(record: RoundRecord) -> dict[str, list[date]]:
    """Per sign, the days the team spoke up about it (incidents with a move), in order
    (as ``store.evidence.speak_up_days``)."""
    found: dict[str, list[date]] = {}
    for incident in sorted(record.incidents, key=lambda i: i.happened):
        if incident.moves:
            found.setdefault(incident.sign, []).append(incident.happened)
    return found


def outcome(record: RoundRecord) -> RoundOutcome:
    current = record.round
    result = score(record)
    previous_round = previous_closed_round(record, current)
    previous = score(record, previous_round) if previous_round else None
    if previous is not None and result.incomparable:
        # A sign scored differently before has no "not improved since" to tell.
        kept = tuple(s for s in previous.signs if s.sign_id not in result.incomparable)
        previous = replace(previous, signs=kept)
    steps = recommend(
        current.questionnaire,
        result,
        previous=previous if current.kind != "kickoff" else None,
        actions=_actions(record),
        previous_closed_at=previous_round.closed_at if previous_round else None,
        speak_ups=speak_up_days(record),  # issue 28
    )
    both = perception(record, result)
    return RoundOutcome(
        result,
        previous,
        previous_round,
        steps,
        client=_shown_client(record, current) if both is not None else None,
        perception=both,
        gap_steps=gap_steps(current.questionnaire, both),
        contacts=contact_views(record) if both is not None else (),
    )


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
        # No index because of the anonymity floor, not for want of answers.
        "withheld": result.index is None and any(s.status == "withheld" for s in result.signs),
        # Signs withheld for anonymity: the heat map says so instead of "no score".
        "withheld_signs": [s.sign_id for s in result.signs if s.status == "withheld"],
        # The questionnaire changed since the previous round: no trend, and the portfolio
        # says why instead of showing none.
        "incomparable": list(result.incomparable),
        **_gap_summary(outcome.perception),
    }


def _gap_summary(both: Perception | None) -> dict:
    """The portfolio's view of the two sides: the widest gap (points, client minus team),
    the flagged signs, and whether the client side had too few answers to compare."""
    if both is None:
        return {"gap": None, "gap_signs": [], "client_side": None}
    compared = [s for s in both.signs if s.gap is not None]
    widest = max(compared, key=lambda s: abs(s.gap), default=None)
    return {
        "gap": None if widest is None else widest.gap_points,
        "gap_signs": [s.sign_id for s in both.flagged],
        "client_side": "compared" if compared else "not_enough",
    }


def close_round(db: Database, current: rounds.Round) -> RoundResult:
    """Close the round and store its result and summary, so later views read one row.

    The answers are scored and the round closed under one write lock, so no answer can
    be saved between the scoring and the close: each submission is either in the stored
    result or refused because the round is closed (``store.responses.save_response``
    checks the status under the same lock). An anonymous round's result is stored with
    the floor it was scored with (``FLOOR_KEY``).
    """
    with transaction(db, write=True):
        record = load(db, current, scoring=True)
        client = client_score(record)
        rounds.set_status(
            db,
            current.id,
            "closed",
            _stored_text(current, outcome(record).result),
            None,
            None if client is None else json.dumps(client.to_dict()),
        )
        # The summary as the closed round shows it (the client side only now visible).
        closed = rounds.get_round(db, current.id)
        closing = outcome(load(db, closed, every_answer=False))
        rounds.save_summary(db, current.id, json.dumps(summary(closing)))
    return closing.result


def reopen_round(db: Database, current: rounds.Round) -> None:
    """Reopen: answers can change again, so the stored result is dropped.

    Raises ``ReopenRefused`` for an anonymous round whose results were shown: results of
    the same round shown twice, one answer apart, would give that answer away. The check
    and the reopening share one write lock, so the count it reads is the count reopened."""
    with transaction(db, write=True):
        if not can_reopen(load(db, current)):
            raise ReopenRefused(current.id)
        rounds.set_status(db, current.id, "open", None)


def apply_floors(db: Database) -> int:
    """Score again every closed anonymous round whose stored result was not scored with
    its floor (rounds closed before floors existed), oldest first so that each trend
    compares with a result that has been, and store it with its summary, keeping when the
    round closed. Returns how many were scored again; one query when there are none."""
    ids = [
        row[0]
        for row in db.execute(
            "SELECT id FROM rounds WHERE status = 'closed' AND anonymous = 1"
            " AND (results IS NULL OR json_extract(results, ?) IS NULL)"
            " ORDER BY created_at, id",
            [f"$.{FLOOR_KEY}"],
        ).fetchall()
    ]
    for round_id in ids:
        current = rounds.get_round(db, round_id)
        rescoring = load(db, current, scoring=True)
        rounds.replace_results(db, round_id, _stored_text(current, compute(rescoring)), None)
        rescored = rounds.get_round(db, round_id)
        rescored_record = load(db, rescored, every_answer=False)
        rounds.save_summary(db, round_id, json.dumps(summary(outcome(rescored_record))))
    return len(ids)


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
        record = load(db, current, every_answer=False)
        rounds.save_summary(db, round_id, json.dumps(summary(outcome(record))))
    return len(missing)

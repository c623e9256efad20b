"""A round's results: stored answers → scoring engine → next steps.

The one place that feeds the pure core from the store, so the round page, the report
and the CLI all show the same numbers. A closed round's result is stored when it closes
and read back from there; an open round is scored from its answers on each call.

Anonymous rounds are scored with their anonymity floor (see ``anonymity`` and
docs/anonymity.md), and what a round may show at all is its ``policy``: callers check
``policy(...).results_visible`` before they show a score.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction

from sqlite_utils import Database

from .anonymity import Policy, withheld_result
from .perception import Perception, perception_gap
from .playbook import ActionRecord, NextStep, gap_steps, recommend
from .questionnaire.diff import incomparable_signs
from .scoring import RoundResult, person_scores, score_round
from .sqlite import transaction
from .store import evidence, responses, rounds

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


def policy(db: Database, current: rounds.Round) -> Policy:
    """What the round may show now (see ``anonymity.Policy``)."""
    return Policy(
        anonymous=current.anonymous,
        is_open=current.is_open,
        submitted=rounds.submitted_count(db, current.id),
        floor=current.anonymity_floor,
        text_floor=current.anonymity_text_floor,
    )


def client_floor(current: rounds.Round) -> int | None:
    """The fewest client answers the round's client view is shown from: its client floor
    when the client's answers are combined; None when they are attributed (each contact's
    view is shown by name, as in a named round: there is no floor)."""
    return None if current.client_attributed else current.client_floor


def client_policy(db: Database, current: rounds.Round) -> Policy | None:
    """What the round may show of its client side (None: it has none, no mirror or no
    client contact). Combined (the default): anonymous within the client group, even in a
    named round: nothing while open, and only from the round's client floor of client
    answers. Attributed: like a named round, everything as it comes in."""
    if current.mirror_digest is None:
        return None
    invited = db.execute(
        "SELECT COUNT(*) FROM respondents WHERE round_id = ? AND side = 'client'", [current.id]
    ).fetchone()[0]
    if not invited:
        return None
    return Policy(
        anonymous=not current.client_attributed,
        is_open=current.is_open,
        submitted=rounds.submitted_count(db, current.id, side="client"),
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


def contact_views(db: Database, current: rounds.Round) -> tuple[ContactView, ...]:
    """Each client contact's own view, by name (``person_scores``), in a round whose client
    answers are attributed and whose client side may be shown now; () otherwise."""
    rules = client_policy(db, current)
    mirror = current.mirror
    if not current.client_attributed or rules is None or mirror is None:
        return ()
    if not rules.results_visible:
        return ()
    scores = person_scores(
        mirror, responses.submitted_responses(db, current.id, side="client"), kind=current.kind
    )
    people = db.execute(
        "SELECT id, name, client_role FROM respondents WHERE round_id = ? AND side = 'client'"
        " ORDER BY name COLLATE NOCASE, id",
        [current.id],
    ).fetchall()
    return tuple(
        ContactView(name=name, client_role=role, scores=scores[str(rid)])
        for rid, name, role in people
        if str(rid) in scores
    )


def can_reopen(db: Database, current: rounds.Round) -> bool:
    """Whether the round may be reopened: its team side allows it, and so does its client
    side (whose results, once shown, must not be shown again one answer apart)."""
    client = client_policy(db, current)
    return policy(db, current).can_reopen and (client is None or client.can_reopen)


def client_score(db: Database, current: rounds.Round) -> RoundResult | None:
    """The client side's result, computed by the engine with the round's floor (stored
    when the round closes): not yet gated by ``client_policy``. None without a mirror."""
    mirror = current.mirror
    if mirror is None:
        return None
    if current.client_results and not current.is_open:
        return RoundResult.from_dict(json.loads(current.client_results))
    previous_round = rounds.previous_closed_round(db, current)
    previous = None
    if previous_round is not None and previous_round.client_results:
        before = RoundResult.from_dict(json.loads(previous_round.client_results))
        previous = before if before.questionnaire_id == mirror.id else None
    return score_round(
        mirror,
        responses.submitted_responses(db, current.id, side="client"),
        kind=current.kind,
        previous=previous,
        floor=client_floor(current),
        incomparable=incomparable_signs(previous_round.mirror, mirror)
        if previous is not None and previous_round.mirror is not None
        else (),
    )


def _shown_client(db: Database, current: rounds.Round) -> RoundResult | None:
    """The client side's result as the round may show it now."""
    rules = client_policy(db, current)
    if rules is None or current.mirror is None:
        return None
    if not rules.results_visible:
        return withheld_result(current.mirror, current.kind)
    return client_score(db, current)


def perception(
    db: Database, current: rounds.Round, team: RoundResult, *, with_previous: bool = True
) -> Perception | None:
    """Both sides of the round compared (``perception.perception_gap``), the gap's trend
    against the previous closed round's; None without a client side."""
    client = _shown_client(db, current)
    if client is None:
        return None
    before = None
    previous_round = rounds.previous_closed_round(db, current) if with_previous else None
    if previous_round is not None and policy(db, previous_round).results_visible:
        before = perception(db, previous_round, score(db, previous_round), with_previous=False)
    return perception_gap(current.questionnaire, team, client, previous=before)


def floor_of(current: rounds.Round) -> int | None:
    """The floor the engine scores the round with: None for a named round."""
    return current.anonymity_floor if current.anonymous else None


def score(db: Database, current: rounds.Round) -> RoundResult:
    """The round's result: stored when closed, else computed from submitted answers.

    A closed anonymous round whose stored result was not scored with its floor (written by
    something other than ``close_round``; ``apply_floors`` fixes those on migrating) is
    scored again rather than shown."""
    if current.results and not current.is_open:
        data = json.loads(current.results)
        if not current.anonymous or data.get(FLOOR_KEY) is not None:
            return RoundResult.from_dict(data)
    return compute(db, current)


def compute(db: Database, current: rounds.Round) -> RoundResult:
    """The round's result computed from its submitted answers now."""
    previous_round = rounds.previous_closed_round(db, current)
    previous = score(db, previous_round) if previous_round else None
    return score_round(
        current.questionnaire,
        responses.submitted_responses(db, current.id),
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
    if previous is not None and result.incomparable:
        # A sign scored differently before has no "not improved since" to tell.
        kept = tuple(s for s in previous.signs if s.sign_id not in result.incomparable)
        previous = replace(previous, signs=kept)
    steps = recommend(
        current.questionnaire,
        result,
        previous=previous if current.kind != "kickoff" else None,
        actions=_actions(db, current.client_id),
        previous_closed_at=previous_round.closed_at if previous_round else None,
        speak_ups=evidence.speak_up_days(db, current.client_id),  # issue 28
    )
    both = perception(db, current, result)
    return RoundOutcome(
        result,
        previous,
        previous_round,
        steps,
        client=_shown_client(db, current) if both is not None else None,
        perception=both,
        gap_steps=gap_steps(current.questionnaire, both),
        contacts=contact_views(db, current) if both is not None else (),
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
        client = client_score(db, current)
        rounds.set_status(
            db,
            current.id,
            "closed",
            _stored_text(current, outcome(db, current).result),
            None,
            None if client is None else json.dumps(client.to_dict()),
        )
        # The summary as the closed round shows it (the client side only now visible).
        closed = rounds.get_round(db, current.id)
        closing = outcome(db, closed)
        rounds.save_summary(db, current.id, json.dumps(summary(closing)))
    return closing.result


def reopen_round(db: Database, current: rounds.Round) -> None:
    """Reopen: answers can change again, so the stored result is dropped.

    Raises ``ReopenRefused`` for an anonymous round whose results were shown: results of
    the same round shown twice, one answer apart, would give that answer away. The check
    and the reopening share one write lock, so the count it reads is the count reopened."""
    with transaction(db, write=True):
        if not can_reopen(db, current):
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
        rounds.replace_results(db, round_id, _stored_text(current, compute(db, current)), None)
        rescored = rounds.get_round(db, round_id)
        rounds.save_summary(db, round_id, json.dumps(summary(outcome(db, rescored))))
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
        rounds.save_summary(db, round_id, json.dumps(summary(outcome(db, current))))
    return len(missing)

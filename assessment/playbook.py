"""Playbook: (round result, previous result, actions) → the recommended next steps.

Pure: no Flask, no database. For every scored sign whose band is `settings.recommend_from`
or worse, the questionnaire's recommendation for that band. When the sign was at
`settings.escalate_from` or worse in the previous round as well as now, the sign's
`persisting` recommendation instead, marked as an escalation. When an action on the sign was
completed since the previous round and the sign has not improved by `settings.trend_threshold`
points, the step carries the completed actions and a note saying so (a ``vocab.Message``:
English here, any language where it is shown, from the catalogs). Kickoff rounds
have no escalations and no notes (the previous round is ignored). Steps come worst band first,
then lowest score, then in the questionnaire's order. Scores and changes are compared exactly
(`SignResult.exact_score`, the file's `trend_threshold` as written), so equal scores keep the
questionnaire's order and a change of exactly the threshold is an improvement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal, get_args

from .figures import change_text, gap_text, score_text
from .perception import Perception
from .questionnaire import Questionnaire, Text
from .scoring import RoundResult, SignResult
from .vocab import N_, Joined, Message

__all__ = [
    "ActionRecord",
    "NextStep",
    "format_change",
    "gap_steps",
    "recommend",
    "spoke_up_note",
    "stalled_note",
]


def stalled_note(change: str) -> Message:
    """The note on a step whose sign completed actions have not moved: `change` is the
    change in points as shown ("+1.9")."""
    return N_(
        "A completed action on this sign has not yet moved the score"
        " (%(change)s points since the last review).",
        change=change,
    )


def spoke_up_note(days: Sequence[date]) -> Message:
    """The note on a step whose sign did not improve after the team spoke up about it
    (logged incidents, issue 28): the days it did, as ISO dates."""
    return N_(
        "The sign persisted after the team spoke up on %(days)s.",
        days=Joined(day.isoformat() for day in days),
    )


def format_change(change: float, threshold: float | None = None, direction: str = "") -> str:
    """A change in points for display: one decimal, always signed ("+2.5", "−3.0", "0.0"),
    with more decimals where one would contradict `direction` against `threshold`
    (`figures.change_text`)."""
    return change_text(change, threshold, direction)


Moment = datetime | date
ActionStatus = Literal["open", "done"]


def _day_of(value: Moment | str | None) -> date | None:
    """The calendar day of a moment (UTC for an aware one), or None."""
    moment = _moment(value)
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return (moment.astimezone(UTC) if moment.tzinfo else moment).date()
    return moment


def _moment(value: Moment | str | None) -> Moment | None:
    """Accept a date, a datetime or an ISO 8601 string as stored in the database."""
    if value is None or isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    raise TypeError(f"expected a date, datetime or ISO string, got {type(value).__name__}")


def _after(when: Moment, since: Moment) -> bool:
    """Whether `when` is after `since`. Naive datetimes are taken as UTC; when either side is
    a plain date, calendar days are compared and the same day counts as after."""
    if isinstance(when, datetime) and isinstance(since, datetime):
        return _utc(when) > _utc(since)
    return _day(when) >= _day(since)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _day(moment: Moment) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


@dataclass(frozen=True)
class ActionRecord:
    """An agreed action on a sign. `completed_at` may be a date, datetime or ISO string."""

    sign_id: str
    status: ActionStatus
    completed_at: Moment | None = None
    title: str = ""

    def __post_init__(self):
        if self.status not in get_args(ActionStatus):
            raise ValueError(f"action status must be open or done, not {self.status!r}")
        object.__setattr__(self, "completed_at", _moment(self.completed_at))

    def completed_since(self, moment: Moment | str | None) -> bool:
        """Done, and (when `moment` is given) completed after it. A done action without a
        completion date counts only when there is no moment to compare with."""
        if self.status != "done":
            return False
        moment = _moment(moment)
        if moment is None:
            return True
        return self.completed_at is not None and _after(self.completed_at, moment)


@dataclass(frozen=True)
class NextStep:
    """One recommended next step.

    `change` is the sign's score now minus in the previous round (None when there is no
    comparable previous score). `stalled_actions` are the actions on the sign completed since
    the previous round when the sign did not improve by the trend threshold; `note` then says
    so (`note.get(lang)` in any language).
    """

    sign_id: str
    band_id: str
    score: float
    text: Text
    owner: str
    escalation: bool
    change: float | None = None
    stalled_actions: tuple[ActionRecord, ...] = ()
    note: Message | None = None
    #: Days the team spoke up about the sign (logged incidents) since the previous round,
    #: when it did not improve by the trend threshold: counted like completed actions.
    speak_ups: tuple[date, ...] = ()
    #: "sign": from the team's scores; "gap": the two sides see the sign very differently;
    #: "joint": both sides see a problem (``gap_steps``).
    basis: Literal["sign", "gap", "joint"] = "sign"

    @property
    def stalled(self) -> bool:
        return bool(self.stalled_actions)

    @property
    def key(self) -> str:
        """The step's identity, stored with an action made from it (``step_text`` gives
        its words again, in any language): ``band:<sign>:<band>`` for a sign's
        recommendation, ``persisting:<sign>``, ``gap:<sign>`` or ``joint:<sign>``."""
        if self.basis != "sign":
            return f"{self.basis}:{self.sign_id}"
        if self.escalation:
            return f"persisting:{self.sign_id}"
        return f"band:{self.sign_id}:{self.band_id}"


def _band_index_of(q: Questionnaire, result: SignResult) -> int:
    """The band of an earlier result in today's bands: by id, else by its score."""
    if any(band.id == result.band_id for band in q.bands):
        return q.band_index(result.band_id)
    return q.band_index(q.band_for(result.exact_score).id)


def recommend(
    questionnaire: Questionnaire,
    result: RoundResult,
    *,
    previous: RoundResult | None = None,
    actions: Sequence[ActionRecord] = (),
    previous_closed_at: Moment | str | None = None,
    speak_ups: Mapping[str, Sequence[date]] | None = None,
) -> tuple[NextStep, ...]:
    """The next steps for one round, worst band first, then lowest score, then file order.

    `previous` is the client's previous completed round of the same questionnaire id (any
    version; signs are matched by id) and `previous_closed_at` when it closed; an action
    counts as completed since the previous round when it was completed after that moment (or
    at all, when the moment is unknown). A kickoff `result` ignores `previous` and `actions`.
    `speak_ups` gives per sign the days the team spoke up (logged incidents); those after
    the previous round closed count like completed actions: a step whose sign did not
    improve carries them, and a note naming them when no completed action did.
    """
    q = questionnaire
    if result.questionnaire_id != q.id:
        raise ValueError(f"result is for questionnaire {result.questionnaire_id!r}, not {q.id!r}")
    if result.kind == "kickoff":
        previous = None
    if previous is not None and previous.questionnaire_id != q.id:
        raise ValueError(
            f"previous result is for questionnaire {previous.questionnaire_id!r}, not {q.id!r}"
        )
    settings = q.settings
    recommend_from = q.band_index(settings.recommend_from)
    escalate_from = q.band_index(settings.escalate_from)

    ranked = []
    for position, current in enumerate(result.signs):
        if current.exact_score is None or current.band_id is None:
            continue
        band = q.band_index(current.band_id)
        if band < recommend_from:
            continue
        sign = q.sign(current.sign_id)
        before = previous.get(sign.id) if previous is not None else None
        if before is not None and before.exact_score is None:
            before = None

        escalation = (
            band >= escalate_from
            and before is not None
            and _band_index_of(q, before) >= escalate_from
        )
        if escalation:
            recommendation = sign.persisting
        else:
            try:
                recommendation = sign.recommendations[current.band_id]
            except KeyError:
                raise LookupError(
                    f"questionnaire {q.id!r}, sign {sign.id!r}: "
                    f"no recommendation for band {current.band_id!r}"
                ) from None

        change = None if before is None else current.exact_score - before.exact_score
        stalled: tuple[ActionRecord, ...] = ()
        if change is not None and change < settings.exact_trend_threshold:
            stalled = tuple(
                action
                for action in actions
                if action.sign_id == sign.id and action.completed_since(previous_closed_at)
            )
        spoke: tuple[date, ...] = ()
        if change is not None and change < settings.exact_trend_threshold and speak_ups:
            since = _day_of(previous_closed_at)
            spoke = tuple(
                sorted(d for d in speak_ups.get(sign.id, ()) if since is None or d > since)
            )
        step = NextStep(
            sign_id=sign.id,
            band_id=current.band_id,
            score=current.score,
            text=recommendation.text,
            owner=recommendation.owner,
            escalation=escalation,
            change=None if change is None else float(change),
            stalled_actions=stalled,
            note=stalled_note(format_change(change, settings.exact_trend_threshold, "below"))
            if stalled
            else spoke_up_note(spoke)
            if spoke
            else None,
            speak_ups=spoke,
        )
        ranked.append(((-band, current.exact_score, position), step))
    ranked.sort(key=lambda pair: pair[0])
    return tuple(step for _, step in ranked)


#: The next step for a perception gap on a sign whose questionnaire gives none of its own.
GAP_TEXT = N_(
    "Compare views with the client, facts in hand: bring the dates, figures and examples"
    " behind the team's answers, ask for theirs, and agree what actually happened before"
    " deciding what to change."
)
#: The next step when both sides see a problem on a sign.
JOINT_TEXT = N_(
    "Both sides see a problem here: agree a joint plan with the client, with an owner on each"
    " side, one or two concrete changes and a date to review them together."
)
#: The owner of a general gap step and of a joint plan: the relationship's owner.
GAP_OWNER = "account"


def step_text(questionnaire: Questionnaire, key: str | None) -> Text | Message | None:
    """The words of the next step ``key`` (``NextStep.key``) in ``questionnaire``: an
    action made from a step shows them in the reader's language. None when the key names
    nothing in this questionnaire (then the action's own title stands)."""
    kind, _, rest = (key or "").partition(":")
    sign_id, _, band_id = rest.partition(":")
    try:
        sign = questionnaire.sign(sign_id)
    except KeyError:
        return None
    if kind == "band":
        found = sign.recommendations.get(band_id)
        return found.text if found is not None else None
    if kind == "persisting":
        return sign.persisting.text if sign.persisting is not None else None
    if kind == "gap":
        return sign.gap.text if sign.gap is not None else GAP_TEXT
    if kind == "joint":
        return JOINT_TEXT
    return None


def gap_note(questionnaire: Questionnaire, sign_gap) -> Message:
    """The numbers behind a gap or joint step, in any language."""
    q = questionnaire
    team = score_text(q, sign_gap.team)
    client = score_text(q, sign_gap.client)
    if sign_gap.flagged:
        return N_(
            "The team scores this sign %(team)s, the client %(client)s: a gap of %(gap)s points.",
            team=team,
            client=client,
            gap=gap_text(q, sign_gap.gap, True),
        )
    return N_(
        "Both sides score this sign low: the team %(team)s, the client %(client)s.",
        team=team,
        client=client,
    )


def gap_steps(questionnaire: Questionnaire, perception: Perception | None) -> tuple[NextStep, ...]:
    """The next steps the two sides' views call for: for each flagged gap, a fact-based
    conversation (the sign's own `gap` step if the file gives one, else ``GAP_TEXT``),
    widest gap first; then, for each sign both sides put at `escalate_from` or worse, a
    joint plan, lowest team score first. None without a client side to compare."""
    if perception is None:
        return ()
    q = questionnaire
    steps = []
    for s in sorted(perception.flagged, key=lambda s: (-abs(s.gap), s.team)):
        own = q.sign(s.sign_id).gap
        steps.append(
            NextStep(
                sign_id=s.sign_id,
                band_id=s.team_band_id,
                score=float(s.team),
                text=own.text if own is not None else GAP_TEXT,
                owner=own.owner if own is not None else GAP_OWNER,
                escalation=False,
                note=gap_note(q, s),
                basis="gap",
            )
        )
    for s in sorted(perception.agreed, key=lambda s: (s.team, s.client)):
        steps.append(
            NextStep(
                sign_id=s.sign_id,
                band_id=s.team_band_id,
                score=float(s.team),
                text=JOINT_TEXT,
                owner=GAP_OWNER,
                escalation=False,
                note=gap_note(q, s),
                basis="joint",
            )
        )
    return tuple(steps)

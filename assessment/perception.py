"""The perception gap: how the team and the client see each sign, side by side.

Pure: no Flask, no database, no PDF. The input is the two results of one round (the team's,
scored with its questionnaire, and the client's, scored with the questionnaire's mirror:
the same signs and bands, so the same 0-100 scale); the output is each sign's gap, the
client's score minus the team's, exactly. A gap of at least the team questionnaire's
`settings.gap_threshold` (a third of the scale unless the file says otherwise) either way is
flagged. When both sides put a sign at `settings.escalate_from` ("at risk") or worse
without such a gap, they *agree* something is wrong. Against the previous round's gap the gap is
"narrower" or "wider" by the trend threshold, else "steady". A client side below the round's
client floor (every client sign withheld or too thin) gives "not enough client answers",
never a gap; a sign one side is not asked in this kind of round says which side.

The two overall indexes are comparable (``like_for_like_index``): both are the weighted mean
over the signs *both* sides scored, with the team file's sign weights, so a sign only one
side scored moves neither. The method is in docs/scoring.md, "The perception gap".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from .questionnaire import Questionnaire
from .scores import RoundResult, SignResult

__all__ = ["GapStatus", "Perception", "SignGap", "like_for_like_index", "perception_gap"]

#: compared: both sides scored; not_enough_client: the client was asked, but its side is
#: withheld under the floor or has too few answers; team_unscored: the team was asked, but
#: its side has no score; not_asked_client: the client's questionnaire does not ask about
#: the sign in this kind of round (the team's does); not_asked_team: the reverse;
#: not_asked: neither side was asked about the sign in this kind of round.
GapStatus = Literal[
    "compared",
    "not_enough_client",
    "team_unscored",
    "not_asked_client",
    "not_asked_team",
    "not_asked",
]
GapTrend = Literal["narrower", "wider", "steady"]


@dataclass(frozen=True)
class SignGap:
    """One sign seen from both sides. ``gap`` is client minus team (positive: the client
    sees the sign as healthier than the team does), exact; ``flagged`` when its size
    reaches the threshold; ``agreed_concern`` when both sides are at the band from which
    signs are escalated (``settings.escalate_from``), or worse, and not flagged."""

    sign_id: str
    status: GapStatus
    team: Fraction | None = None
    client: Fraction | None = None
    team_band_id: str | None = None
    client_band_id: str | None = None
    flagged: bool = False
    agreed_concern: bool = False
    previous_gap: Fraction | None = None
    trend: GapTrend | None = None

    @property
    def gap(self) -> Fraction | None:
        if self.team is None or self.client is None:
            return None
        return self.client - self.team

    # Floats for display and exports; every decision above uses the exact values.
    @property
    def team_score(self) -> float | None:
        return None if self.team is None else float(self.team)

    @property
    def client_score(self) -> float | None:
        return None if self.client is None else float(self.client)

    @property
    def gap_points(self) -> float | None:
        gap = self.gap
        return None if gap is None else float(gap)


@dataclass(frozen=True)
class Perception:
    """Both sides of one round: every sign's gap, the two indexes and the threshold.

    ``team_index`` and ``client_index`` are like for like (``like_for_like_index``): over
    the signs both sides scored (``compared``), with the team file's sign weights; None
    when no sign was compared. ``left_out`` lists the signs they leave out, with why."""

    signs: tuple[SignGap, ...]
    threshold: Fraction
    team_index: Fraction | None
    client_index: Fraction | None
    client_respondents: int

    @property
    def enough_client_answers(self) -> bool:
        """Whether the client's side shows anything at all (else "not enough client
        answers" stands in for every gap)."""
        return any(s.client is not None for s in self.signs)

    @property
    def compared(self) -> tuple[SignGap, ...]:
        """The signs both sides scored: those the two indexes are computed over."""
        return tuple(s for s in self.signs if s.status == "compared")

    @property
    def left_out(self) -> tuple[SignGap, ...]:
        """The signs the two indexes leave out (each with its ``status``: why)."""
        return tuple(s for s in self.signs if s.status != "compared")

    @property
    def flagged(self) -> tuple[SignGap, ...]:
        return tuple(s for s in self.signs if s.flagged)

    @property
    def agreed(self) -> tuple[SignGap, ...]:
        return tuple(s for s in self.signs if s.agreed_concern)

    @property
    def index_gap(self) -> Fraction | None:
        if self.team_index is None or self.client_index is None:
            return None
        return self.client_index - self.team_index

    def get(self, sign_id: str) -> SignGap | None:
        for sign in self.signs:
            if sign.sign_id == sign_id:
                return sign
        return None


def like_for_like_index(
    questionnaire: Questionnaire, scores: Iterable[tuple[str, Fraction]]
) -> Fraction | None:
    """The weighted mean of ``scores`` ((sign id, exact score) pairs) with the sign weights
    of ``questionnaire`` (the team's file), exactly; None without a score. Given the
    scores of one side on the signs both sides scored, it is that side's comparable
    index."""
    weights = {sign.id: sign.exact_weight for sign in questionnaire.signs}
    total = weight = Fraction(0)
    for sign_id, score in scores:
        total += weights[sign_id] * score
        weight += weights[sign_id]
    return total / weight if weight else None


def _status(team: SignResult, client: SignResult | None) -> GapStatus:
    client_not_asked = client is None or client.status == "not_asked"
    if team.status == "not_asked":
        return "not_asked" if client_not_asked else "not_asked_team"
    if client_not_asked:
        return "not_asked_client"
    if client.exact_score is None:
        return "not_enough_client"
    if team.exact_score is None:
        return "team_unscored"
    return "compared"


def perception_gap(
    questionnaire: Questionnaire,
    team: RoundResult,
    client: RoundResult,
    *,
    previous: Perception | None = None,
) -> Perception:
    """Each sign of ``questionnaire`` (the team's) seen from both sides.

    ``client`` is the round's client result, scored from the mirror with the round's
    client floor (``withheld`` signs give "not enough client answers"); ``previous`` the
    previous round's perception, for the trend of each gap. Signs are matched by id; a
    sign the client's result lacks counts as not asked of the client. The indexes are
    like for like (``like_for_like_index``).
    """
    q = questionnaire
    settings = q.settings
    threshold = settings.exact_gap_threshold
    concern_from = q.band_index(settings.escalate_from)
    signs = []
    for mine in team.signs:
        theirs = client.get(mine.sign_id)
        status = _status(mine, theirs)
        if status != "compared":
            signs.append(
                SignGap(
                    mine.sign_id,
                    status,
                    team=mine.exact_score,
                    team_band_id=mine.band_id,
                    client=None if theirs is None else theirs.exact_score,
                    client_band_id=None if theirs is None else theirs.band_id,
                )
            )
            continue
        gap = theirs.exact_score - mine.exact_score
        flagged = abs(gap) >= threshold
        agreed = (
            not flagged
            and q.band_index(q.band_for(mine.exact_score).id) >= concern_from
            and q.band_index(q.band_for(theirs.exact_score).id) >= concern_from
        )
        # A sign scored differently than last time (a new questionnaire version) on either
        # side has no gap trend: the two gaps do not measure the same thing.
        changed = mine.sign_id in team.incomparable or mine.sign_id in client.incomparable
        before = previous.get(mine.sign_id) if previous is not None and not changed else None
        previous_gap = before.gap if before is not None else None
        trend: GapTrend | None = None
        if previous_gap is not None:
            change = abs(gap) - abs(previous_gap)
            limit = settings.exact_trend_threshold
            trend = "wider" if change >= limit else "narrower" if change <= -limit else "steady"
        signs.append(
            SignGap(
                mine.sign_id,
                "compared",
                team=mine.exact_score,
                client=theirs.exact_score,
                team_band_id=mine.band_id,
                client_band_id=theirs.band_id,
                flagged=flagged,
                agreed_concern=agreed,
                previous_gap=previous_gap,
                trend=trend,
            )
        )
    both = [s for s in signs if s.status == "compared"]
    return Perception(
        signs=tuple(signs),
        threshold=threshold,
        team_index=like_for_like_index(q, ((s.sign_id, s.team) for s in both)),
        client_index=like_for_like_index(q, ((s.sign_id, s.client) for s in both)),
        client_respondents=client.respondents,
    )

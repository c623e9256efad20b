"""The anonymity rules: what an anonymous round may show, when, and in what form.

Pure: no Flask, no database, no PDF. The promise these rules keep, and why each one is
there, is written down in docs/anonymity.md. In short, for an anonymous round:

- while it is open, nothing but progress (who is invited, has a draft, has submitted);
- once closed, results only when at least ``floor`` people submitted, and comments and
  text answers only when at least ``text_floor`` did ("withheld" otherwise, never shown
  as missing data);
- no individual extremes (the engine keeps no lowest or highest, see ``scoring``), spread
  as an agreement level in words and a coarse, pooled distribution of the answers;
- a round whose results were shown cannot be reopened: a second set of results, after
  one more person answered, would give that person's answers by subtraction.

Named (non-anonymous) rounds keep the live view: everything, as the answers come in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Generic, Literal, TypeVar

from .questionnaire import Questionnaire, exact
from .scoring import Response, RoundResult, ScoringInputError, SignResult, exact_item_health
from .vocab import (  # the floors' defaults: named in vocab, where the store reads them
    CLIENT_DISPLAYS,
    DEFAULT_CLIENT_FLOOR,
    DEFAULT_FLOOR,
    DEFAULT_TEXT_FLOOR,
    MIN_CLIENT_FLOOR,
    MIN_FLOOR,
)

__all__ = [
    "AGREEMENT_LEVELS",
    "CLIENT_DISPLAYS",
    "DEFAULT_CLIENT_FLOOR",
    "DEFAULT_FLOOR",
    "DEFAULT_TEXT_FLOOR",
    "MIN_CLIENT_FLOOR",
    "MIN_FLOOR",
    "FreeText",
    "Policy",
    "Spread",
    "State",
    "agreement_level",
    "answer_spread",
    "check_client_floor",
    "check_floors",
    "floors_of",
    "visible_free_text",
    "withheld_result",
]

State = Literal["live", "open", "withheld", "shown"]


def check_floors(floor: object, text_floor: object) -> list[str]:
    """What is wrong with a pair of floors (settings), as sentences; empty when fine."""
    problems = []
    for name, value in (("ANONYMITY_FLOOR", floor), ("ANONYMITY_TEXT_FLOOR", text_floor)):
        if type(value) is not int or value < MIN_FLOOR:
            problems.append(
                f"{name} must be a whole number of at least {MIN_FLOOR}, not {value!r}"
                " (use a named round for smaller teams)"
            )
    if not problems and text_floor < floor:
        problems.append(
            f"ANONYMITY_TEXT_FLOOR ({text_floor}) must not be lower than ANONYMITY_FLOOR ({floor})"
        )
    return problems


def check_client_floor(floor: object) -> list[str]:
    """What is wrong with a client floor (``CLIENT_FLOOR``), as sentences; empty when fine."""
    if type(floor) is not int or floor < MIN_CLIENT_FLOOR:
        return [
            f"CLIENT_FLOOR must be a whole number of at least {MIN_CLIENT_FLOOR}, not {floor!r}"
            " (choose attributed client answers for a single contact)"
        ]
    return []


@dataclass(frozen=True)
class Policy:
    """What one round may show now. ``submitted`` counts its submitted responses; the
    floors are the round's own (fixed when it was created)."""

    anonymous: bool
    is_open: bool
    submitted: int
    floor: int
    text_floor: int

    @property
    def state(self) -> State:
        """``live``: a named round, everything as it comes in; ``open``: an anonymous round
        still open, progress only; ``withheld``: closed with fewer submissions than the
        floor; ``shown``: closed at or above the floor."""
        if not self.anonymous:
            return "live"
        if self.is_open:
            return "open"
        return "shown" if self.submitted >= self.floor else "withheld"

    @property
    def results_visible(self) -> bool:
        """Scores, charts, next steps, the report and the exports may be shown."""
        return self.state in ("live", "shown")

    @property
    def free_text_visible(self) -> bool:
        """Comments and text answers may be shown."""
        if not self.results_visible:
            return False
        return not self.anonymous or self.submitted >= self.text_floor

    @property
    def can_reopen(self) -> bool:
        """Whether the round may be reopened: always for a named round; an anonymous one
        only if its results were never shown (closed below the floor)."""
        return not self.anonymous or self.state == "withheld"


T = TypeVar("T")


@dataclass(frozen=True)
class FreeText(Generic[T]):
    """A round's free text (comments and text answers, one concept with one floor) as the
    round may show it; ``withheld`` says that there may be some, kept back to protect
    anonymity (``entries`` is then empty)."""

    entries: tuple[T, ...] = ()
    withheld: bool = False

    def __bool__(self) -> bool:
        return bool(self.entries)

    def __iter__(self):
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


def _without_author(entry):
    return dataclasses.replace(entry, author=None)


def visible_free_text(
    policy: Policy,
    entries: Iterable[T],
    *,
    key: Callable[[T], Any],
    anonymise: Callable[[T], T] = _without_author,
) -> FreeText[T]:
    """The one gate every kind of free text goes through (comments and text answers, on
    pages, in the PDF and the pack, and in exports).

    In an anonymous round the entries come back through ``anonymise`` (by default: a
    dataclass's ``author`` set to None), sorted by ``key`` (never in answer order, which
    could hint at who wrote what), and only when the round shows free text at all;
    otherwise the result is withheld. A named round's entries come back as they are.
    """
    if not policy.free_text_visible:
        return FreeText(withheld=True)
    if not policy.anonymous:
        return FreeText(tuple(entries))
    return FreeText(tuple(sorted((anonymise(entry) for entry in entries), key=key)))


def withheld_result(questionnaire: Questionnaire, kind: str) -> RoundResult:
    """What a round shows while its results are withheld: every sign withheld, with no
    score and no counts, and no index. Built without reading a single answer. A sign that
    is not asked in this kind of round stays "not_asked" (never "withheld": it has no
    answers to protect), as the engine would report it."""
    q = questionnaire
    return RoundResult(
        questionnaire_id=q.id,
        questionnaire_version=q.version,
        kind=kind,
        signs=tuple(
            SignResult(
                sign_id=sign.id,
                score=None,
                band_id=None,
                status="withheld" if sign.scored_items(kind) else "not_asked",
                coverage=0.0,
                respondents=0,
                answered_pairs=0,
                applicable_pairs=0,
            )
            for sign in q.signs
        ),
        index=None,
        index_band_id=None,
        band_id=None,
        capped=False,
        trend=None,
        respondents=0,
    )


#: Agreement levels for rwg(j), from LeBreton & Senter (2008): (lowest rwg, level), exact.
AGREEMENT_LEVELS = (
    (Fraction(9, 10), "very_strong"),
    (Fraction(7, 10), "strong"),
    (Fraction(1, 2), "moderate"),
    (Fraction(3, 10), "weak"),
    (Fraction(0), "none"),
)


def agreement_level(rwg: Fraction | float | None) -> str | None:
    """An agreement figure in words (a level of ``AGREEMENT_LEVELS``), or None.

    Anonymous rounds show the level only: with three people, the exact figure and the mean
    of a one-question sign can give away everyone's answer. Compared exactly: pass the
    result's ``exact_rwg`` (a float is taken as its shortest decimal)."""
    if rwg is None:
        return None
    value = rwg if isinstance(rwg, Fraction) else exact(rwg)
    for lowest, level in AGREEMENT_LEVELS:
        if value >= lowest:
            return level
    return "none"


#: Health below this is an unfavourable answer, above ``FAVOURABLE_ABOVE`` a favourable one:
#: on the 5-point scale, the two answers on either side of the middle one. Compared with
#: each answer's exact health.
UNFAVOURABLE_BELOW = Fraction(40)
FAVOURABLE_ABOVE = Fraction(60)


@dataclass(frozen=True)
class Spread:
    """A sign's answers in three coarse groups, counted over every answer to the sign's
    scored questions (not per person), so that no count belongs to one person."""

    favourable: int = 0
    neutral: int = 0
    unfavourable: int = 0

    @property
    def total(self) -> int:
        return self.favourable + self.neutral + self.unfavourable

    def shares(self) -> tuple[int, int, int]:
        """Whole percentages (favourable, neutral, unfavourable) adding up to 100, by the
        largest remainder (computed exactly; equal remainders in that order); (0, 0, 0)
        when there are no answers."""
        counts = (self.favourable, self.neutral, self.unfavourable)
        if not self.total:
            return (0, 0, 0)
        exact_shares = [Fraction(100 * c, self.total) for c in counts]
        whole = [int(x) for x in exact_shares]
        order = sorted(range(3), key=lambda i: (whole[i] - exact_shares[i], i))
        for i in order[: 100 - sum(whole)]:
            whole[i] += 1
        return (whole[0], whole[1], whole[2])


def answer_spread(
    questionnaire: Questionnaire, result: RoundResult, responses: Iterable[Response]
) -> dict[str, Spread]:
    """The coarse distribution of each scored sign's answers (withheld, insufficient and
    not-asked signs get none). ``responses`` are those the result was scored from; each
    answer is placed by its exact health."""
    q = questionnaire
    points = len(q.scale.likert)
    shown = {s.sign_id for s in result.signs if s.status == "scored"}
    signs = {sign.id: sign for sign in q.signs if sign.id in shown}
    items = {
        item.id: (sign_id, item)
        for sign_id, sign in signs.items()
        for item in sign.scored_items(result.kind)
    }
    counts: dict[str, list[int]] = {sign_id: [0, 0, 0] for sign_id in signs}
    for response in responses:
        for item_id, value in response.answers.items():
            found = items.get(item_id)
            if found is None or value is None:
                continue
            sign_id, item = found
            try:
                health = exact_item_health(item, value, points=points)
            except ScoringInputError:
                continue  # a stored value the engine refuses is scored nowhere
            if health is None:
                continue
            group = 0 if health > FAVOURABLE_ABOVE else 2 if health < UNFAVOURABLE_BELOW else 1
            counts[sign_id][group] += 1
    return {sign_id: Spread(*c) for sign_id, c in counts.items()}


def floors_of(config: Mapping[str, Any]) -> tuple[int, int]:
    """(floor, text floor) from the app's settings, with the defaults."""
    return (
        config.get("ANONYMITY_FLOOR", DEFAULT_FLOOR),
        config.get("ANONYMITY_TEXT_FLOOR", DEFAULT_TEXT_FLOOR),
    )

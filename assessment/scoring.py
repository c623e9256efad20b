"""Scoring: (questionnaire, responses) → results per sign and overall.

Pure: no Flask, no database, no PDF. The input is the questionnaire model and plain data
(`Response`, each value checked by `answers.check_type`); the output is an immutable
`RoundResult` (the records are defined in `scores`; every name is importable from here).
The method is explained for a non-statistician in docs/scoring.md.

Some 600 lines, on purpose: the steps below, the exact integer arithmetic of the inner
loop and the per-questionnaire plan that feeds it read together, in the method's order.

Exact arithmetic: every number is computed as a `fractions.Fraction` from the numbers as the
file wrote them (`questionnaire.exact`: weight 0.1 is 1/10, a band from 62.5 starts at 125/2)
and from the answers as given, so a score of exactly 25 is 25, never 24.999999999999996, and
bands, verdicts, "raters disagree", trends and next steps are decided on exact values. Results
carry each score twice: a float for display and export (`score`, `index`) and the exact value
(`exact_score`, `exact_index`) that every decision uses, stored as "p/q" text.

1. Item health `h` (0 = lord, 100 = partner): a likert answer `a` in 1..A (A = 5) gives
   `(a − 1) / (A − 1) × 100` on a healthy item and `(A − a) / (A − 1) × 100` on a warning
   item; a number goes through the item's piecewise-linear breakpoints, clamped at both ends;
   a choice gives its option's score. N/A (`None`) and missing answers are left out.
2. A respondent's sign score is the weighted mean of `h` over the sign's answered scored items.
3. The round's sign score is the plain mean of the respondents' sign scores. A sign whose
   coverage (answered pairs / applicable pairs) is below `settings.min_coverage`, or with
   fewer than `settings.min_respondents` respondents, is "insufficient" and has no score.
4. The index is the weighted mean of the scored signs (sign weights). Its band is capped: a
   sign whose band is `settings.escalate_from` or worse holds the overall band to at best one
   band better than that sign's band.
5. Rater agreement rwg(j) (James, Demaree & Wolf 1984) over the sign's likert items.
6. Trend against the previous round's result: up / down when the change reaches
   `settings.trend_threshold`, steady otherwise. Kickoff rounds have no trend.
7. A sign none of whose scored items is asked in the round's kind is "not_asked": no score,
   band, coverage or trend, and left out of the index (for example payment at kickoff).
8. Anonymous rounds (`floor` given, see docs/anonymity.md): a sign with fewer respondents than
   the floor is "withheld" (no score, left out of the index like an insufficient one), no
   lowest or highest is kept, and role groups smaller than the floor are pooled. A sign not
   asked stays "not_asked": it had no answers to protect.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .answers import Answer, InvalidAnswers, Response, check_type, choices
from .lru import LRUCache
from .questionnaire import LIKERT_POINTS, ROUND_KINDS, Questionnaire, Sign, exact
from .scores import FORMAT, STATUSES, Direction, FrozenMap, RoundResult, SignResult, Trend

__all__ = [
    "FORMAT",
    "POOLED_ROLES",
    "STATUSES",
    "Answer",
    "FrozenMap",
    "ItemHealth",
    "Response",
    "RoundResult",
    "ScoringInputError",
    "SignResult",
    "Trend",
    "capped_band",
    "exact_item_health",
    "item_health",
    "person_scores",
    "role_means",
    "rwg_j",
    "score_round",
    "trend_between",
]


#: The `by_role` key of the role groups pooled in an anonymous round ("other roles").
POOLED_ROLES = "pooled"

_ZERO = Fraction(0)


class ScoringInputError(ValueError):
    """An answer the engine refuses to score; the message names the respondent and the item."""

    def __init__(
        self, message: str, *, respondent_id: str | None = None, item_id: str | None = None
    ):
        super().__init__(message)
        self.respondent_id = respondent_id
        self.item_id = item_id


# --------------------------------------------------------------------------------------
# Input


# --------------------------------------------------------------------------------------
# Item health


class _Invalid(Exception):
    """Internal: why a value is not a valid answer for an item."""


def _likert_health(item, value, points: int) -> Fraction:
    a = int(value)
    steps = points - 1
    return Fraction((a - 1) * 100 if item.direction == "healthy" else (points - a) * 100, steps)


def _number_health(item, value, points: int) -> Fraction:
    # Piecewise-linear through the breakpoints, flat beyond the first and the last; the answer
    # is taken as the decimal that was typed (a stored 2.1 is 21/10).
    return item.score_for(value)


def _choice_health(item, value, points: int) -> Fraction:
    return item.option(value).exact_score


#: Item type → the health of a value of that type (checked first: ``answers.check_type``);
#: None for an unscored type. Keyed like ``answers.TYPES``.
_HEALTH = {
    "likert": _likert_health,
    "number": _number_health,
    "choice": _choice_health,
    "text": None,
}


def _health(item, value, points: int) -> Fraction | None:
    try:
        handler = _HEALTH[item.type]
    except KeyError:
        raise NotImplementedError(f"no scoring rule for item type {item.type!r}") from None
    try:
        check_type(item, value, points=points)
    except InvalidAnswers as exc:
        raise _Invalid(exc.problems[item.id]) from None
    if handler is None or not item.scored:
        return None
    # No clamping: likert healths, option scores and breakpoint scores are all within 0..100
    # (the file is validated) and exact interpolation never leaves the breakpoints' range.
    return handler(item, value, points)


def exact_item_health(item, value: Answer, *, points: int = LIKERT_POINTS) -> Fraction | None:
    """The exact health `h` (0..100) of one answer, or None for N/A or an unscored item.

    `points` is the number of likert options (the questionnaire's `len(scale.likert)`).
    Raises `ScoringInputError` for a value that is not a valid answer to the item.
    """
    if value is None:
        return None
    try:
        return _health(item, value, points)
    except _Invalid as exc:
        raise ScoringInputError(f"item {item.id!r}: {exc}", item_id=item.id) from None


def item_health(item, value: Answer, *, points: int = LIKERT_POINTS) -> float | None:
    """`exact_item_health` as a float, for display and exports."""
    h = exact_item_health(item, value, points=points)
    return None if h is None else float(h)


@dataclass(frozen=True)
class ItemHealth:
    """One scored answer: the raw value, its exact health and `weight × health` (both kept,
    once per distinct answer, for the weighted means and for agreement)."""

    item_id: str
    value: int | float | str
    health: Fraction
    weight: Fraction
    weighted: Fraction
    #: weighted and weight as integers (numerator, denominator, numerator, denominator),
    #: read by the engine's inner loop (`_ratio`) without Fraction's property calls.
    terms: tuple[int, int, int, int] = field(default=(0, 1, 0, 1), repr=False, compare=False)

    def __post_init__(self):
        terms = (
            self.weighted.numerator,
            self.weighted.denominator,
            self.weight.numerator,
            self.weight.denominator,
        )
        object.__setattr__(self, "terms", terms)


# --------------------------------------------------------------------------------------
# The engine


def _exact_sum(values: Iterable[Fraction]) -> Fraction:
    """The exact sum of fractions, quickly: numerators are added as integers per denominator
    (the values of a round share a handful of denominators), then over their least common
    multiple, so one Fraction (one gcd) is made instead of one per addition."""
    numerators: dict[int, int] = {}
    for value in values:
        d = value.denominator
        numerators[d] = numerators.get(d, 0) + value.numerator
    if len(numerators) == 1:
        ((d, n),) = numerators.items()
        return Fraction(n, d)
    common = math.lcm(*numerators)
    return Fraction(sum(n * (common // d) for d, n in numerators.items()), common)


def _ratio(given: Sequence[ItemHealth]) -> Fraction:
    """Σ weight × health / Σ weight of one person's answers on a sign, exactly, with integer
    arithmetic and a single Fraction at the end (the hot loop of the engine)."""
    num, den, wnum, wden = 0, 1, 0, 1
    for answer in given:
        n, d, wn, wd = answer.terms
        if d == den:
            num += n
        else:
            num, den = num * d + n * den, den * d
        if wd == wden:
            wnum += wn
        else:
            wnum, wden = wnum * wd + wn * wden, wden * wd
    return Fraction(num * wden, den * wnum)


def _mean(values: Sequence[Fraction]) -> Fraction:
    return _exact_sum(values) / len(values)


def _weighted_mean(pairs: Iterable[tuple[Fraction, Fraction]]) -> Fraction | None:
    """Weighted mean of (weight, value) pairs; None when the weights sum to 0."""
    pairs = list(pairs)
    total = _exact_sum(w for w, _ in pairs)
    if total <= 0:
        return None
    return _exact_sum(w * v for w, v in pairs) / total


def _rwg(answers_per_item: Iterable[Iterable[int]], points: int) -> Fraction | None:
    variances = []
    for answers in answers_per_item:
        xs = [int(a) for a in answers]
        n = len(xs)
        if n < 2:
            continue
        total, squares = sum(xs), sum(x * x for x in xs)
        variances.append(Fraction(n * squares - total * total, n * (n - 1)))
    if not variances:
        return None
    j = len(variances)
    s2 = sum(variances, _ZERO) / j
    sigma2 = Fraction(points * points - 1, 12)
    if s2 >= sigma2:
        return _ZERO
    agreement = j * (1 - s2 / sigma2)
    return agreement / (agreement + s2 / sigma2)


def rwg_j(answers_per_item: Iterable[Iterable[int]], *, points: int = 5) -> float | None:
    """Multi-item within-group agreement rwg(j) (James, Demaree & Wolf, 1984).

    `answers_per_item` holds, for each likert item, the raw answers (1..points) of the
    respondents who answered it. Items with fewer than two answers are skipped; with no item
    left the result is None. `s²` is the mean sample variance over the items used, `σ²` the
    variance of a uniform ("random") answer, `(A² − 1) / 12`; when `s² ≥ σ²` the result is 0.
    Computed with exact fractions, so it is 1 exactly when everyone gave the same answers.
    """
    value = _rwg(answers_per_item, points)
    return None if value is None else float(value)


def trend_between(
    current: float | Fraction, previous: float | Fraction, threshold: float | Fraction
) -> Trend:
    """Up for a change of +threshold or more, down for −threshold or less, else steady.

    Compared exactly (floats are taken as their shortest decimals, `questionnaire.exact`), so
    a change of exactly the threshold counts: 65.1 after 60.1 is up by 5."""
    now, before, limit = exact(current), exact(previous), exact(threshold)
    delta = now - before
    if delta >= limit:
        direction: Direction = "up"
    elif delta <= -limit:
        direction = "down"
    else:
        direction = "steady"
    return Trend(previous=float(before), delta=float(delta), direction=direction)


@dataclass
class _Respondent:
    response: Response
    scored: dict[str, ItemHealth]  # item id → answer, for applicable scored items only


_MISSING = object()


@dataclass(frozen=True)
class _Plan:
    """What scoring one questionnaire in one kind of round needs, worked out once.

    `known` maps (item id, value type, value) to the scored answer (None: left out, an
    unscored item or one not asked in this kind) for every answer a likert or choice item
    can take: a round repeats these few answers many times. Other answers (numbers, texts)
    are converted once per round (see `_read_responses`)."""

    items: Mapping[str, Any]
    known: Mapping[tuple, ItemHealth | None]
    points: int


# Keyed by id(questionnaire): each entry holds its questionnaire, so no other object can
# take that id while the entry is kept.
_PLANS: LRUCache[tuple[int, str], tuple[Questionnaire, _Plan]] = LRUCache(64)


def _plan(q: Questionnaire, kind: str) -> _Plan:
    return _PLANS.get((id(q), kind), _new_plan, q, kind)[1]


def _new_plan(q: Questionnaire, kind: str) -> tuple[Questionnaire, _Plan]:
    points = len(q.scale.likert)
    known: dict[tuple, ItemHealth | None] = {}
    for item in q.items():
        values: list[Answer] = list(choices(q, item))
        # Likert answers also come as floats (3.0: a REAL column read back as it is).
        values += [float(value) for value in values if type(value) is int]
        for value in values:
            known[(item.id, value.__class__, value)] = _scored_answer(item, value, points, kind)
    return q, _Plan(items=q.items_by_id, known=known, points=points)


def _scored_answer(item, value, points: int, kind: str) -> ItemHealth | None:
    """The scored answer, None when it does not count; raises _Invalid for a wrong value."""
    h = _health(item, value, points)
    if h is None or not item.applies(kind):
        return None
    weight = item.exact_weight
    weighted = h if weight == 1 else weight * h
    return ItemHealth(item.id, value, h, weight, weighted)


def _read_responses(
    q: Questionnaire, responses: Iterable[Response], kind: str
) -> list[_Respondent]:
    """Check every answer and turn it into its exact health. Each distinct (item, value) is
    checked and converted once: likert and choice answers once per questionnaire and kind
    (`_plan`), others once per round."""
    plan = _plan(q, kind)
    items, known, points = plan.items, plan.known, plan.points
    others: dict[tuple, ItemHealth | None] = {}
    seen: set[str] = set()
    respondents = []
    for response in responses:
        rid = response.respondent_id
        if rid in seen:
            raise ScoringInputError(f"respondent {rid!r} appears twice", respondent_id=rid)
        seen.add(rid)
        scored = {}
        for item_id, value in response.answers.items():
            key = (item_id, value.__class__, value)
            try:
                found = known.get(key, _MISSING)
                if found is _MISSING:
                    found = others.get(key, _MISSING)
            except TypeError:  # an unhashable value: refused below
                found = _MISSING
            if found is _MISSING:
                pair = items.get(item_id)
                if pair is None:
                    raise ScoringInputError(
                        f"respondent {rid!r}: unknown item {item_id!r} in questionnaire {q.id!r}",
                        respondent_id=rid,
                        item_id=item_id,
                    )
                if value is None:
                    continue
                try:
                    found = _scored_answer(pair[1], value, points, kind)
                except _Invalid as exc:
                    raise ScoringInputError(
                        f"respondent {rid!r}, item {item_id!r}: {exc}",
                        respondent_id=rid,
                        item_id=item_id,
                    ) from None
                others[key] = found
            if found is not None:
                scored[item_id] = found
        respondents.append(_Respondent(response, scored))
    return respondents


def _not_asked(sign: Sign) -> SignResult:
    return SignResult(
        sign_id=sign.id,
        score=None,
        band_id=None,
        status="not_asked",
        coverage=0.0,
        respondents=0,
        answered_pairs=0,
        applicable_pairs=0,
    )


def _score_sign(
    q: Questionnaire,
    sign: Sign,
    kind: str,
    respondents: list[_Respondent],
    previous: RoundResult | None,
    floor: int | None = None,
) -> SignResult:
    settings = q.settings
    items = sign.scored_items(kind)
    if not items:
        return _not_asked(sign)
    ids = tuple(item.id for item in items)
    applicable = len(ids) * len(respondents)
    answered = 0
    scores: list[tuple[str | None, Fraction]] = []
    for respondent in respondents:
        got = respondent.scored
        given = [got[item_id] for item_id in ids if item_id in got]
        if not given:
            continue
        answered += len(given)
        scores.append((respondent.response.role, _ratio(given)))
    coverage = Fraction(answered, applicable) if applicable else _ZERO
    counts = dict(
        sign_id=sign.id,
        coverage=float(coverage),
        respondents=len(scores),
        answered_pairs=answered,
        applicable_pairs=applicable,
    )
    if (
        not scores
        or coverage < settings.exact_min_coverage
        or len(scores) < settings.min_respondents
    ):
        return SignResult(score=None, band_id=None, status="insufficient", **counts)
    if floor is not None and len(scores) < floor:
        return SignResult(score=None, band_id=None, status="withheld", **counts)

    values = [s for _, s in scores]
    score = _mean(values)
    shown = [float(s) for s in values]  # correctly rounded, so min/max agree with the exact
    rwg = None
    if len(scores) >= 2:
        rwg = _rwg(
            (
                [r.scored[item.id].value for r in respondents if item.id in r.scored]
                for item in items
                if item.type == "likert"
            ),
            len(q.scale.likert),
        )
    trend = None
    if previous is not None:
        before = previous.get(sign.id)
        if before is not None and before.exact_score is not None:
            trend = trend_between(score, before.exact_score, settings.exact_trend_threshold)
    return SignResult(
        score=float(score),
        exact_score=score,
        band_id=q.band_for(score).id,
        status="scored",
        rwg=None if rwg is None else float(rwg),
        exact_rwg=rwg,
        raters_disagree=None if rwg is None else rwg < settings.exact_agreement_threshold,
        lowest=None if floor is not None else min(shown),
        highest=None if floor is not None else max(shown),
        by_role=FrozenMap((role, float(v)) for role, v in role_means(scores, floor).items()),
        trend=trend,
        **counts,
    )


def person_scores(
    questionnaire: Questionnaire, responses: Iterable[Response], *, kind: str
) -> dict[str, dict[str, Fraction | None]]:
    """Each respondent's own score of each sign (step 2: the weighted mean of their answers
    to its items asked in ``kind``), exactly; None for a sign they answered none of, or
    that is not asked. For views that name people (a named round's respondents, the
    client contacts of a round whose client answers are attributed), never for an
    anonymous group. Keyed by ``respondent_id``, in the order given."""
    q = questionnaire
    signs = [(sign.id, tuple(item.id for item in sign.scored_items(kind))) for sign in q.signs]
    found: dict[str, dict[str, Fraction | None]] = {}
    for respondent in _read_responses(q, responses, kind):
        got = respondent.scored
        mine: dict[str, Fraction | None] = {}
        for sign_id, ids in signs:
            given = [got[item_id] for item_id in ids if item_id in got]
            mine[sign_id] = _ratio(given) if given else None
        found[respondent.response.respondent_id] = mine
    return found


def role_means(
    scores: Iterable[tuple[str | None, Fraction | float]], floor: int | None = None
) -> dict[str, Fraction]:
    """The exact mean score per role, from (role, person's score) pairs; people without a
    role are left out. Scores may be floats (taken as their shortest decimals).

    With a `floor` (anonymous rounds) no group smaller than the floor is shown: small groups
    are pooled under `POOLED_ROLES`, and while the pool is smaller than the floor the
    smallest shown group joins it, since the pool's mean would otherwise follow from the
    overall score and the others (complementary disclosure). A breakdown that would be the
    whole team in one group is empty.
    """
    groups: dict[str, list[Fraction]] = {}
    for role, s in scores:
        if role:
            groups.setdefault(role, []).append(s if isinstance(s, Fraction) else exact(s))
    if floor is None:
        return {role: _mean(v) for role, v in sorted(groups.items())}
    shown = {role: v for role, v in groups.items() if len(v) >= floor}
    pooled = [s for role, v in groups.items() if role not in shown for s in v]
    while 0 < len(pooled) < floor and shown:
        smallest = min(shown, key=lambda role: (len(shown[role]), role))
        pooled.extend(shown.pop(smallest))
    if not shown or (len(shown) == 1 and not pooled):
        return {}
    means = {role: _mean(v) for role, v in sorted(shown.items())}
    if pooled:
        means[POOLED_ROLES] = _mean(pooled)
    return means


def capped_band(
    questionnaire: Questionnaire, index_band_id: str, sign_band_ids: Iterable[str]
) -> str:
    """The overall band: the index's band, held down by the worst signs.

    A sign in band `settings.escalate_from` or worse allows the overall band to be at best one
    band better than its own: with bands healthy / watch / at risk / critical and escalation
    from "at risk", a critical sign gives at best "at risk" and an at-risk sign at best
    "watch"; a "watch" sign caps nothing. Bands are ordered best first, so "worse" is a
    higher index.
    """
    q = questionnaire
    escalate_from = q.band_index(q.settings.escalate_from)
    overall = q.band_index(index_band_id)
    for band_id in sign_band_ids:
        band = q.band_index(band_id)
        if band >= escalate_from:
            overall = max(overall, band - 1)
    return q.bands[overall].id


def score_round(
    questionnaire: Questionnaire,
    responses: Iterable[Response],
    *,
    kind: str,
    previous: RoundResult | None = None,
    floor: int | None = None,
    incomparable: Collection[str] = (),
) -> RoundResult:
    """Score one round: every sign, the overall index, its (capped) band and the trends.

    `incomparable`: ids of the signs whose score the previous round computed differently
    (its questionnaire version differs: ``questionnaire.diff.incomparable_signs``). They get
    no trend, nor does the index; the result lists them (``RoundResult.incomparable``).

    Only items that apply to `kind` count; a sign with none is "not_asked". `floor` is an
    anonymous round's anonymity floor (step 8 above); None for a named round. `previous` is
    the result of the client's previous completed round of the same questionnaire id (any
    version; signs are matched by id) and is used for the trend only; it is ignored for a
    kickoff round. Raises `ScoringInputError` for an answer that is not valid for its item,
    an unknown item id or a repeated respondent.
    """
    q = questionnaire
    if kind not in ROUND_KINDS:
        raise ValueError(f"unknown round kind {kind!r} (kinds: {', '.join(ROUND_KINDS)})")
    if kind == "kickoff":
        previous = None
    if previous is not None and previous.questionnaire_id != q.id:
        raise ValueError(
            f"previous result is for questionnaire {previous.questionnaire_id!r}, not {q.id!r}"
        )
    respondents = _read_responses(q, responses, kind)
    changed = tuple(s.id for s in q.signs if s.id in incomparable) if previous else ()
    signs = tuple(
        _score_sign(q, sign, kind, respondents, None if sign.id in changed else previous, floor)
        for sign in q.signs
    )

    weights = {sign.id: sign.exact_weight for sign in q.signs}
    index = _weighted_mean(
        (weights[s.sign_id], s.exact_score) for s in signs if s.exact_score is not None
    )
    index_band_id = band_id = None
    capped = False
    trend = None
    if index is not None:
        index_band_id = q.band_for(index).id
        band_id = capped_band(q, index_band_id, (s.band_id for s in signs if s.band_id))
        capped = band_id != index_band_id
        if previous is not None and previous.exact_index is not None and not changed:
            trend = trend_between(index, previous.exact_index, q.settings.exact_trend_threshold)
    return RoundResult(
        questionnaire_id=q.id,
        questionnaire_version=q.version,
        kind=kind,
        signs=signs,
        index=None if index is None else float(index),
        exact_index=index,
        index_band_id=index_band_id,
        band_id=band_id,
        capped=capped,
        trend=trend,
        respondents=len(respondents),
        incomparable=changed,
    )

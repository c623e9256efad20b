"""What scoring produces: a round's result and each sign's, and the trend between rounds.

Immutable, hashable and picklable (results cross process boundaries in the leadership
pack), and stored as JSON (`RoundResult.to_dict()`, layout `FORMAT`). Each score is kept
twice: a float for display and exports, and the exact fraction every decision uses
(docs/scoring.md). Read by the pages, the PDF, the exports and the anonymity rules without
any of the engine (`scoring`), which makes them and re-exports every name here.

Part of the pure core: standard library and the questionnaire model only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from .questionnaire import exact

__all__ = [
    "FORMAT",
    "STATUSES",
    "Direction",
    "FrozenMap",
    "RoundResult",
    "SignResult",
    "Status",
    "Trend",
]

#: Version of the layout written by `RoundResult.to_dict()`. Layout 1 gained the exact values
#: ("exact_score", "exact_index", "exact_rwg") as optional keys: results stored without them
#: are read with the stored floats taken as their shortest decimals (`questionnaire.exact`).
#: Statuses "not_asked" and "withheld" came later too; older results have neither.
FORMAT = 1

Direction = Literal["up", "down", "steady"]
Status = Literal["scored", "insufficient", "not_asked", "withheld"]
STATUSES: tuple[str, ...] = ("scored", "insufficient", "not_asked", "withheld")


class FrozenMap(Mapping):
    """A small read-only, hashable, picklable mapping (results may cross process boundaries)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping | Iterable[tuple[Any, Any]] = ()):
        object.__setattr__(self, "_data", dict(data))

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self) -> Iterator:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    # Fast paths: the dict's own views are read-only already.
    def __contains__(self, key) -> bool:
        return key in self._data

    def get(self, key, default=None):
        return self._data.get(key, default)

    def keys(self):
        return self._data.keys()

    def items(self):
        return self._data.items()

    def values(self):
        return self._data.values()

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __setattr__(self, name, value):
        raise AttributeError("FrozenMap is read-only")

    def __reduce__(self):
        return (FrozenMap, (self._data,))

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


@dataclass(frozen=True)
class Trend:
    """The change against the previous round: `delta = current − previous`."""

    previous: float
    delta: float
    direction: Direction

    def to_dict(self) -> dict:
        return {"previous": self.previous, "delta": self.delta, "direction": self.direction}

    @classmethod
    def from_dict(cls, data: Mapping) -> Trend:
        return cls(float(data["previous"]), float(data["delta"]), data["direction"])


@dataclass(frozen=True)
class SignResult:
    """One sign in one round.

    An insufficient sign keeps its counts (coverage, respondents, pairs) but has no score,
    band, agreement, spread, roles or trend: too little data to show any of them. A withheld
    sign (an anonymous round's sign with fewer respondents than the floor) is the same, for
    another reason: showing it could tell what one person answered. A sign that is not asked
    in the round's kind (status "not_asked") has none of them either, and zero counts: it was
    never a question in this round (so it is never withheld).

    `score` is for display; `exact_score` is the same score as an exact fraction, the value
    every decision uses. Given only `score` (an older stored result, a test), `exact_score` is
    its shortest decimal (`questionnaire.exact`).
    """

    sign_id: str
    score: float | None
    band_id: str | None
    status: Status
    coverage: float
    respondents: int
    answered_pairs: int
    applicable_pairs: int
    rwg: float | None = None
    raters_disagree: bool | None = None
    lowest: float | None = None
    highest: float | None = None
    by_role: Mapping[str, float] = field(default_factory=FrozenMap)
    trend: Trend | None = None
    exact_score: Fraction | None = None
    #: rwg as an exact fraction, for the agreement level in words (``anonymity``); derived
    #: from ``rwg`` when not given, and not compared (``rwg`` is).
    exact_rwg: Fraction | None = field(default=None, compare=False)

    def __post_init__(self):
        if not isinstance(self.by_role, FrozenMap):
            object.__setattr__(self, "by_role", FrozenMap(self.by_role))
        _pair(self, "score", "exact_score")
        _pair(self, "rwg", "exact_rwg")

    @property
    def scored(self) -> bool:
        return self.status == "scored"

    @property
    def not_asked(self) -> bool:
        """No scored item of the sign is asked in this kind of round."""
        return self.status == "not_asked"

    def to_dict(self) -> dict:
        return {
            "sign_id": self.sign_id,
            "score": self.score,
            "band_id": self.band_id,
            "status": self.status,
            "coverage": self.coverage,
            "respondents": self.respondents,
            "answered_pairs": self.answered_pairs,
            "applicable_pairs": self.applicable_pairs,
            "rwg": self.rwg,
            "raters_disagree": self.raters_disagree,
            "lowest": self.lowest,
            "highest": self.highest,
            "by_role": dict(self.by_role),
            "trend": None if self.trend is None else self.trend.to_dict(),
            "exact_score": _exact_text(self.exact_score),
            "exact_rwg": _exact_text(self.exact_rwg),
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> SignResult:
        return cls(
            sign_id=data["sign_id"],
            score=_opt_float(data["score"]),
            band_id=data["band_id"],
            status=data["status"],
            coverage=float(data["coverage"]),
            respondents=int(data["respondents"]),
            answered_pairs=int(data["answered_pairs"]),
            applicable_pairs=int(data["applicable_pairs"]),
            rwg=_opt_float(data["rwg"]),
            raters_disagree=data["raters_disagree"],
            lowest=_opt_float(data["lowest"]),
            highest=_opt_float(data["highest"]),
            by_role=FrozenMap((role, float(v)) for role, v in data["by_role"].items()),
            trend=None if data["trend"] is None else Trend.from_dict(data["trend"]),
            exact_score=_exact_from_text(data.get("exact_score")),
            exact_rwg=_exact_from_text(data.get("exact_rwg")),
        )


@dataclass(frozen=True)
class RoundResult:
    """The scores of one round.

    `index_band_id` is the band of the index itself; `band_id` is the overall band after the
    cap (`capped` tells whether the cap changed it). The verdict follows `band_id`. Both are
    None, like `index`, when no sign has a score. `respondents` counts the responses given to
    the engine. `exact_index` is the index as an exact fraction (see `SignResult`).
    """

    questionnaire_id: str
    questionnaire_version: int
    kind: str
    signs: tuple[SignResult, ...]
    index: float | None
    index_band_id: str | None
    band_id: str | None
    capped: bool
    trend: Trend | None
    respondents: int
    exact_index: Fraction | None = None
    #: Signs whose score is computed differently from the previous round's (the round's
    #: questionnaire version changed their items, weights or scale, or the bands): they
    #: have no trend, and neither has the index (``questionnaire.diff``).
    incomparable: tuple[str, ...] = ()

    def __post_init__(self):
        _pair(self, "index", "exact_index")

    def sign(self, sign_id: str) -> SignResult:
        for result in self.signs:
            if result.sign_id == sign_id:
                return result
        raise KeyError(sign_id)

    def get(self, sign_id: str) -> SignResult | None:
        """The sign's result, or None when this round's questionnaire had no such sign."""
        try:
            return self.sign(sign_id)
        except KeyError:
            return None

    def to_dict(self) -> dict:
        """A JSON-safe dict; `RoundResult.from_dict(r.to_dict()) == r`."""
        return {
            "format": FORMAT,
            "questionnaire_id": self.questionnaire_id,
            "questionnaire_version": self.questionnaire_version,
            "kind": self.kind,
            "index": self.index,
            "index_band_id": self.index_band_id,
            "band_id": self.band_id,
            "capped": self.capped,
            "trend": None if self.trend is None else self.trend.to_dict(),
            "respondents": self.respondents,
            "signs": [sign.to_dict() for sign in self.signs],
            "exact_index": _exact_text(self.exact_index),
            # Only when there are such signs: results stored before keep their form.
            **({"incomparable": list(self.incomparable)} if self.incomparable else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> RoundResult:
        """Rebuild a stored result. Raises ValueError for anything else."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise ValueError(f"not a stored round result of format {FORMAT}")
        try:
            return cls(
                questionnaire_id=data["questionnaire_id"],
                questionnaire_version=int(data["questionnaire_version"]),
                kind=data["kind"],
                signs=tuple(SignResult.from_dict(sign) for sign in data["signs"]),
                index=_opt_float(data["index"]),
                index_band_id=data["index_band_id"],
                band_id=data["band_id"],
                capped=bool(data["capped"]),
                trend=None if data["trend"] is None else Trend.from_dict(data["trend"]),
                respondents=int(data["respondents"]),
                exact_index=_exact_from_text(data.get("exact_index")),
                incomparable=tuple(data.get("incomparable", ())),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"stored round result is incomplete: {exc!r}") from None


def _opt_float(value) -> float | None:
    return None if value is None else float(value)


def _pair(result, shown: str, exact_name: str) -> None:
    """Fill in whichever of a display float and its exact value is missing."""
    value, exact_value = getattr(result, shown), getattr(result, exact_name)
    if exact_value is None and value is not None:
        object.__setattr__(result, exact_name, exact(value))
    elif exact_value is not None:
        if not isinstance(exact_value, Fraction):
            exact_value = exact(exact_value)
            object.__setattr__(result, exact_name, exact_value)
        if value is None:
            object.__setattr__(result, shown, float(exact_value))


def _exact_text(value: Fraction | None) -> str | None:
    """An exact value for JSON: "125/2", "25" (a float would round it)."""
    return None if value is None else str(value)


_EXACT_TEXT = re.compile(r"-?\d{1,400}(/[1-9]\d{0,399})?")


def _exact_from_text(text) -> Fraction | None:
    if text is None:
        return None
    if not isinstance(text, str) or not _EXACT_TEXT.fullmatch(text):
        raise ValueError(f"not an exact value: {text!r}")
    return Fraction(text)

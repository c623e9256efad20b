"""The items of a sign, one class per item type (``ITEM_CLASSES``)."""

import fractions
from decimal import Decimal
from functools import cached_property
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import Field, StrictBool, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .base import (
    NA_OPTION,
    ROUND_KINDS,
    Id,
    Number,
    RoundKind,
    Score,
    Text,
    Weight,
    _Frozen,
    exact,
)
from .errors import Found, _duplicates, _rules


class _Item(_Frozen):
    id: Id = Field(description="Unique across the questionnaire")
    text: Text = Field(description="The question or statement")
    help: Text | None = Field(default=None, description="Optional hint shown with the item")
    required: StrictBool = False
    applies_to: tuple[RoundKind, ...] = Field(
        default=ROUND_KINDS, min_length=1, description="Round kinds the item is asked in"
    )

    @field_validator("applies_to")
    @classmethod
    def _distinct_kinds(cls, kinds: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(kinds)) != len(kinds):
            raise PydanticCustomError("duplicate", "a round kind is listed twice")
        return kinds

    @property
    def scored(self) -> bool:
        return True

    def applies(self, kind: str) -> bool:
        """Whether the item is asked in a round of this kind."""
        return kind in self.applies_to

    @property
    def optional(self) -> bool:
        """An open question not marked required: left out of the form's progress and of
        the review of unanswered items (a blank one is no gap)."""
        return not self.scored and not self.required


class _ScoredItem(_Item):
    weight: Weight = Field(default=1.0, description="Weight within its sign (> 0)")
    allow_na: StrictBool = Field(
        default=True, description="Offer 'not applicable / don't know' (left out of every score)"
    )

    @cached_property
    def exact_weight(self) -> fractions.Fraction:
        """`weight` as the file wrote it (see `exact`)."""
        return exact(self.weight)


class LikertItem(_ScoredItem):
    """A statement rated on the five-point agreement scale."""

    type: Literal["likert"]
    direction: Literal["healthy", "warning"] = Field(
        description="healthy: agreeing means a healthy relationship; warning: the sign is present"
    )


class Breakpoint(_Frozen):
    """A point of a number item's score curve."""

    value: Number
    score: Score


class NumberItem(_ScoredItem):
    """A number (days, counts...) scored by linear interpolation between breakpoints."""

    type: Literal["number"]
    unit: Text
    min: Number = Field(description="Smallest allowed answer")
    max: Number = Field(description="Largest allowed answer")
    integer: StrictBool = Field(default=False, description="Only whole numbers are allowed")
    breakpoints: tuple[Breakpoint, ...] = Field(
        min_length=2, description="Score curve, values strictly ascending; clamped at the ends"
    )

    @model_validator(mode="after")
    def _check(self) -> "NumberItem":
        problems: Found = []
        if self.max <= self.min:
            problems.append((("max",), f"must be greater than min ({self.min:g})"))
        for i in range(1, len(self.breakpoints)):
            before, value = self.breakpoints[i - 1].value, self.breakpoints[i].value
            if value <= before:
                problems.append(
                    (
                        ("breakpoints", i, "value"),
                        f"breakpoint values must be strictly ascending: {value:g} after {before:g}",
                    )
                )
        _rules(problems)
        return self

    @cached_property
    def exact_breakpoints(self) -> tuple[tuple[fractions.Fraction, fractions.Fraction], ...]:
        """(value, score) of each breakpoint, as the file wrote them (see `exact`)."""
        return tuple((exact(point.value), exact(point.score)) for point in self.breakpoints)

    @cached_property
    def _segments(self) -> tuple[tuple[int, ...], ...]:
        """Per segment, as integers: its right end, its left end a/b, score e/f and slope c/d,
        so that `score_for` compares integers and makes one Fraction (one gcd) per answer."""
        found = []
        for (x0, y0), (x1, y1) in pairwise(self.exact_breakpoints):
            slope = (y1 - y0) / (x1 - x0)
            found.append(
                (
                    x1.numerator,
                    x1.denominator,
                    x0.numerator,
                    x0.denominator,
                    y0.numerator,
                    y0.denominator,
                    slope.numerator,
                    slope.denominator,
                )
            )
        return tuple(found)

    def score_for(self, value: "int | float | Decimal | fractions.Fraction") -> fractions.Fraction:
        """The exact 0-100 score of an answer: linear between breakpoints, flat beyond the ends.

        The answer is taken as the decimal it was given as (`exact`), so 2.1 days is 21/10."""
        x = exact(value)
        p, q = x.numerator, x.denominator
        points = self.exact_breakpoints
        first = points[0][0]
        if p * first.denominator <= first.numerator * q:
            return points[0][1]
        for rn, rd, a, b, e, f, c, d in self._segments:
            if p * rd <= rn * q:
                # e/f + (p/q − a/b) × c/d, over one common denominator.
                return fractions.Fraction(e * q * b * d + f * (p * b - a * q) * c, f * q * b * d)
        return points[-1][1]


class Option(_Frozen):
    """One answer of a choice item."""

    id: Id
    label: Text
    score: Score

    @cached_property
    def exact_score(self) -> fractions.Fraction:
        """`score` as the file wrote it (see `exact`)."""
        return exact(self.score)


class ChoiceItem(_ScoredItem):
    """A single choice among options, each with its own score."""

    type: Literal["choice"]
    options: tuple[Option, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> "ChoiceItem":
        problems: Found = [
            (("options", i, "id"), f"duplicate option id {option_id!r} in this item")
            for i, option_id in _duplicates(option.id for option in self.options)
        ]
        if (info.context or {}).get("file"):  # snapshots of older rounds still load
            problems += [
                (
                    ("options", i, "id"),
                    f"option id {NA_OPTION!r} is reserved for 'not applicable / don't know';"
                    " choose another id",
                )
                for i, option in enumerate(self.options)
                if option.id == NA_OPTION
            ]
        _rules(problems)
        return self

    def option(self, option_id: str) -> Option:
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(option_id)


class TextItem(_Item):
    """A free answer; never scored."""

    type: Literal["text"]
    max_length: int = Field(default=5000, strict=True, ge=1, le=100_000)

    @property
    def scored(self) -> bool:
        return False


Item = Annotated[LikertItem | NumberItem | ChoiceItem | TextItem, Field(discriminator="type")]
ITEM_CLASSES: dict[str, type[_Item]] = {
    "likert": LikertItem,
    "number": NumberItem,
    "choice": ChoiceItem,
    "text": TextItem,
}

"""The questionnaire as data: load TOML files into an immutable, validated model.

A questionnaire file (format: `docs/questionnaire-format.md`) declares its signs, items, answer
scale, bands, settings and recommendations. Loading checks everything once, so that a data error
is found by `assessment questions check` or the test suite, never while someone fills in a form.

Every error is a `QuestionnaireError` naming the file and, for each problem, the path of
the field (`signs[2].items[3].direction`), its line and what is allowed.

This module is part of the pure core: standard library and pydantic only.
"""

import fractions
import math
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "ITEM_CLASSES",
    "ITEM_TYPES",
    "LANGUAGES",
    "LIMITS",
    "NA_OPTION",
    "OWNER_ROLES",
    "ROUND_KINDS",
    "Band",
    "Breakpoint",
    "ChoiceItem",
    "DirectoryScan",
    "Item",
    "LikertItem",
    "NumberItem",
    "Option",
    "Problem",
    "Questionnaire",
    "QuestionnaireError",
    "Recommendation",
    "Scale",
    "Settings",
    "Sign",
    "Text",
    "TextItem",
    "duplicate_id_error",
    "exact",
    "load_directory",
    "load_questionnaire",
    "questionnaire_from_snapshot",
    "questionnaire_json_schema",
    "scan_directory",
    "summarize",
]

RoundKind = Literal["kickoff", "quarterly", "adhoc"]
OwnerRole = Literal["account", "delivery", "finance", "leadership"]

LANGUAGES = ("en", "zh-CN")
ROUND_KINDS: tuple[str, ...] = get_args(RoundKind)
OWNER_ROLES: tuple[str, ...] = get_args(OwnerRole)
ITEM_TYPES = ("likert", "number", "choice", "text")
#: The value the answer form sends for "not applicable / don't know". An option may not use
#: it as its id (a file that does is refused), or choosing that option would mean N/A.
NA_OPTION = "na"

SLUG = r"^[a-z0-9][a-z0-9_-]*$"
COLOUR = r"^#[0-9a-fA-F]{6}$"

Id = Annotated[str, Field(strict=True, pattern=SLUG)]
Score = Annotated[float, Field(strict=True, ge=0, le=100)]
Weight = Annotated[float, Field(strict=True, gt=0)]
Number = Annotated[float, Field(strict=True)]
Fraction = Annotated[float, Field(strict=True, ge=0, le=1)]

_RULES = "questionnaire_rules"

Loc = tuple[str | int, ...]  # a field's path as pydantic gives it: ("signs", 2, "items", 3)
Found = list[tuple[Loc, str]]  # problems found by a cross-field check: (sub-path, message)


# --- exact numbers ------------------------------------------------------------------------------


def exact(value: "int | float | Decimal | fractions.Fraction") -> fractions.Fraction:
    """A number of a questionnaire file (or an answer) as the exact decimal that was written.

    TOML floats reach Python as binary floats, so `0.1` is held as 0.1000000000000000055….
    Python's `repr` gives the shortest decimal that reads back as the same float, which is the
    decimal the file wrote for anything of up to 15 significant digits: `exact(0.1)` is 1/10,
    `exact(62.5)` is 125/2. Scoring compares and averages these exact values, never the floats
    (docs/scoring.md). Integers, decimals and fractions are taken as they are; booleans, NaN
    and infinities are refused (ValueError).
    """
    if isinstance(value, fractions.Fraction):
        return value
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int):
        return fractions.Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        if value.is_integer():
            return fractions.Fraction(int(value))
        text = repr(value)
        if "e" in text:
            return fractions.Fraction(text)
        whole, _, decimals = text.partition(".")  # what Fraction(text) does, without a regex
        return fractions.Fraction(int(whole + decimals), 10 ** len(decimals))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return fractions.Fraction(value)
    raise ValueError(f"not a number: {value!r}")


# --- errors -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a questionnaire: where (field path and line) and what is allowed."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path or '(document)'}: {self.message}"


class QuestionnaireError(ValueError):
    """A questionnaire file or snapshot that does not follow the format."""

    def __init__(self, file: str | Path, problems: Iterable[Problem]) -> None:
        self.file = str(file)
        self.problems = sorted(problems, key=lambda p: (p.line is None, p.line or 0))
        super().__init__(str(self))

    def __str__(self) -> str:
        # One self-contained "file:line: path: message" line per problem, as compilers print them,
        # so that editors and terminals can jump to the spot.
        return "\n".join(
            f"{self.file}:{p.line}: {p.path or '(document)'}: {p.message}"
            if p.line
            else f"{self.file}: {p.path or '(document)'}: {p.message}"
            for p in self.problems
        )


def _rules(problems: Found) -> None:
    """Raise the cross-field problems a model validator found, each with its own sub-path.

    A model validator can only raise one error located at the model itself; the sub-paths ride in
    the error context and `_problems` turns them into one located problem each.
    """
    if problems:
        summary = "; ".join(message for _, message in problems)
        raise PydanticCustomError(_RULES, "{summary}", {"summary": summary, "problems": problems})


# --- the model ----------------------------------------------------------------------------------


class _Frozen(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False
    )


class Text(_Frozen):
    """A human-readable text in every supported language."""

    # The pattern only tells editors that a blank text is refused; _not_blank does the check.
    en: str = Field(description="English", json_schema_extra={"pattern": r"\S"})
    zh_CN: str = Field(
        alias="zh-CN", description="Simplified Chinese", json_schema_extra={"pattern": r"\S"}
    )

    @field_validator("en", "zh_CN")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise PydanticCustomError("blank_text", "translation must not be empty")
        return value

    def get(self, lang: str | None) -> str:
        """The text in `lang`; any Chinese tag (`zh`, `zh_CN`, `zh-Hans`) gives zh-CN,
        anything else English."""
        if lang and lang.lower().startswith("zh"):
            return self.zh_CN
        return self.en


class Band(_Frozen):
    """A score band: scores from its min (inclusive) up to the next better band's min."""

    id: Id
    min: Score = Field(description="Inclusive lower threshold, 0-100")
    colour: str = Field(pattern=COLOUR, description="Colour as #rrggbb")
    label: Text
    verdict: Text = Field(description="Overall verdict on the partner-lord axis")

    @cached_property
    def exact_min(self) -> fractions.Fraction:
        """`min` as the file wrote it (see `exact`)."""
        return exact(self.min)


def _no_required_settings(schema: dict[str, Any]) -> None:
    # escalate_from and recommend_from default to band ids, filled in by Questionnaire.
    schema.pop("required", None)


class Settings(_Frozen):
    """Scoring and reporting settings."""

    model_config = ConfigDict(json_schema_extra=_no_required_settings)

    min_respondents: int = Field(
        default=2, strict=True, ge=1, description="Fewest respondents for a round to be scored"
    )
    min_coverage: Fraction = Field(
        default=0.5, description="Share of a sign's scored items that must be answered (0-1)"
    )
    agreement_threshold: Fraction = Field(
        default=0.70,
        description="rwg(j) agreement index below which the raters are said to disagree (0-1)",
    )
    trend_threshold: Score = Field(
        default=5.0, description="Smallest score change between rounds reported as a trend"
    )
    escalate_from: Id = Field(
        description="Band from which a sign counts as 'at risk or worse' (default: the third band)"
    )
    recommend_from: Id = Field(
        description="Band from which recommendations are given (default: the second band)"
    )

    # The thresholds as the file wrote them (see `exact`): scoring compares with these.

    @cached_property
    def exact_min_coverage(self) -> fractions.Fraction:
        return exact(self.min_coverage)

    @cached_property
    def exact_agreement_threshold(self) -> fractions.Fraction:
        return exact(self.agreement_threshold)

    @cached_property
    def exact_trend_threshold(self) -> fractions.Fraction:
        return exact(self.trend_threshold)


class Scale(_Frozen):
    """Labels of the answer scale."""

    likert: tuple[Text, ...] = Field(
        min_length=5, max_length=5, description="Five labels, strongly disagree to strongly agree"
    )
    na: Text = Field(description="Label of 'not applicable / don't know'")


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


class Recommendation(_Frozen):
    """A short, actionable next step and the role suggested to own it."""

    text: Text
    owner: OwnerRole


class Sign(_Frozen):
    """One warning sign: a section of items scored together."""

    id: Id
    title: Text
    description: Text
    weight: Weight = Field(default=1.0, description="Weight in the overall score (> 0)")
    items: tuple[Item, ...] = Field(min_length=1)
    recommendations: dict[str, Recommendation] = Field(
        default_factory=dict,
        description="Keyed by band id; one for every band from settings.recommend_from onward",
    )
    persisting: Recommendation = Field(
        description="Next step when the sign stays at escalate_from or worse two reviews running"
    )

    @cached_property
    def exact_weight(self) -> fractions.Fraction:
        """`weight` as the file wrote it (see `exact`)."""
        return exact(self.weight)

    @model_validator(mode="after")
    def _check(self) -> "Sign":
        if not any(item.scored for item in self.items):
            _rules([(("items",), "a sign needs at least one scored item (likert, number, choice)")])
        return self

    def scored_items(self, kind: str | None = None) -> tuple[Item, ...]:
        """The scored items, only those asked in rounds of `kind` if given."""
        return tuple(i for i in self.items if i.scored and (kind is None or i.applies(kind)))

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


def _no_required_settings_table(schema: dict[str, Any]) -> None:
    schema["required"] = [name for name in schema.get("required", []) if name != "settings"]


class Questionnaire(_Frozen):
    """A whole questionnaire, validated; bands are ordered best to worst."""

    model_config = ConfigDict(
        json_schema_extra=_no_required_settings_table, title="Partnership Check questionnaire"
    )

    id: Id
    version: int = Field(
        strict=True, ge=1, description="Raise when scoring-relevant content changes"
    )
    title: Text
    description: Text
    scale: Scale
    settings: Settings
    bands: tuple[Band, ...] = Field(
        min_length=2, description="Best band first, thresholds descending"
    )
    signs: tuple[Sign, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _default_settings(cls, data: Any) -> Any:
        """Fill in the settings whose defaults are band ids (the second and third band)."""
        if not isinstance(data, dict):
            return data
        settings = data.get("settings", {})
        bands = data.get("bands")
        if not isinstance(settings, dict) or not isinstance(bands, list):
            return data
        ids = [b["id"] for b in bands if isinstance(b, dict) and isinstance(b.get("id"), str)]
        if not ids:
            return data
        settings = {
            "recommend_from": ids[min(1, len(ids) - 1)],
            "escalate_from": ids[min(2, len(ids) - 1)],
            **settings,
        }
        return {**data, "settings": settings}

    @model_validator(mode="after")
    def _check(self) -> "Questionnaire":
        problems = [
            *self._check_bands(),
            *[
                (("signs", i, "id"), f"duplicate sign id {sign_id!r}")
                for i, sign_id in _duplicates(sign.id for sign in self.signs)
            ],
            *self._check_item_ids(),
            *self._check_recommendations(),
        ]
        _rules(problems)
        return self

    def _check_bands(self) -> Found:
        problems: Found = [
            (("bands", i, "id"), f"duplicate band id {band_id!r}")
            for i, band_id in _duplicates(band.id for band in self.bands)
        ]
        for i in range(1, len(self.bands)):
            better, band = self.bands[i - 1], self.bands[i]
            if band.min >= better.min:
                problems.append(
                    (
                        ("bands", i, "min"),
                        f"thresholds must be strictly descending, best band first: {band.min:g}"
                        f" is not below {better.min:g} of band {better.id!r}",
                    )
                )
        if self.bands[-1].min != 0:
            problems.append(
                (("bands", len(self.bands) - 1, "min"), "the last (worst) band must start at 0")
            )
        ids = [band.id for band in self.bands]
        for name in ("recommend_from", "escalate_from"):
            value = getattr(self.settings, name)
            if value not in ids:
                problems.append(
                    (("settings", name), f"unknown band {value!r}; allowed: {', '.join(ids)}")
                )
        recommend, escalate = self.settings.recommend_from, self.settings.escalate_from
        if recommend in ids and escalate in ids and ids.index(escalate) < ids.index(recommend):
            problems.append(
                (
                    ("settings", "escalate_from"),
                    f"band {escalate!r} is healthier than recommend_from {recommend!r};"
                    " escalation needs recommendations",
                )
            )
        return problems

    def _check_item_ids(self) -> Found:
        problems: Found = []
        first: dict[str, str] = {}
        for i, sign in enumerate(self.signs):
            for j, item in enumerate(sign.items):
                where = f"signs[{i}].items[{j}]"
                if item.id in first:
                    problems.append(
                        (
                            ("signs", i, "items", j, "id"),
                            f"duplicate item id {item.id!r} (first used at {first[item.id]});"
                            " item ids must be unique across the questionnaire",
                        )
                    )
                first.setdefault(item.id, where)
        return problems

    def _check_recommendations(self) -> Found:
        ids = [band.id for band in self.bands]
        if self.settings.recommend_from not in ids or len(set(ids)) < len(ids):
            return []  # reported by _check_bands
        wanted = ids[ids.index(self.settings.recommend_from) :]
        problems: Found = []
        for i, sign in enumerate(self.signs):
            for band_id in wanted:
                if band_id not in sign.recommendations:
                    problems.append(
                        (
                            ("signs", i, "recommendations", band_id),
                            f"missing recommendation for band {band_id!r}; every band from"
                            f" {wanted[0]!r} onward needs one: {', '.join(wanted)}",
                        )
                    )
            for band_id in sign.recommendations:
                if band_id not in wanted:
                    problems.append(
                        (
                            ("signs", i, "recommendations", band_id),
                            f"{band_id!r} is not a band that takes recommendations;"
                            f" allowed: {', '.join(wanted)}",
                        )
                    )
        return problems

    # --- look-ups --------------------------------------------------------------------------------

    def band_for(self, score: "float | fractions.Fraction") -> Band:
        """The band a 0-100 score falls in, compared exactly with each band's `min` as the file
        wrote it: a score of exactly 62.5 is in the band that starts at 62.5. A float score is
        taken as its shortest decimal (`exact`)."""
        value = exact(score)
        for band in self.bands:
            if value >= band.exact_min:
                return band
        return self.bands[-1]

    def band_index(self, band_id: str) -> int:
        """Position of a band, 0 being the healthiest; KeyError if unknown."""
        for i, band in enumerate(self.bands):
            if band.id == band_id:
                return i
        raise KeyError(band_id)

    def band(self, band_id: str) -> Band:
        return self.bands[self.band_index(band_id)]

    def sign(self, sign_id: str) -> Sign:
        for sign in self.signs:
            if sign.id == sign_id:
                return sign
        raise KeyError(sign_id)

    def items(self) -> tuple[Item, ...]:
        """Every item, in questionnaire order."""
        return tuple(item for sign in self.signs for item in sign.items)

    def item(self, item_id: str) -> Item:
        return self.items_by_id[item_id][1]

    def sign_of(self, item_id: str) -> Sign:
        return self.items_by_id[item_id][0]

    @cached_property
    def items_by_id(self) -> dict[str, tuple[Sign, Item]]:
        """(sign, item) by item id, built on first use (a form page looks up every item)."""
        return {item.id: (sign, item) for sign in self.signs for item in sign.items}

    def snapshot(self) -> dict[str, Any]:
        """A JSON-safe dict of the whole questionnaire, defaults included, that
        `questionnaire_from_snapshot()` turns back into an equal questionnaire."""
        return self.model_dump(mode="json", by_alias=True)


def _duplicates(values: Iterable[str]) -> list[tuple[int, str]]:
    """(index, value) of every value already seen earlier in the sequence."""
    seen: set[str] = set()
    found = []
    for i, value in enumerate(values):
        if value in seen:
            found.append((i, value))
        seen.add(value)
    return found


# --- loading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """How big a questionnaire file may be. Far above any real questionnaire (the shipped
    ones are 25 KB, nested 7 deep, with arrays of at most 31 entries), so that only a
    broken or hostile file meets them, and is refused with a message instead of using up
    the server's time, memory or stack."""

    file_bytes: int = 1_000_000
    depth: int = 16  # tables and arrays inside each other
    array: int = 1_000  # entries of one array
    string: int = 20_000  # characters of one string
    problems: int = 50  # problems reported; the rest are counted


LIMITS = Limits()


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Read and validate one questionnaire file; QuestionnaireError if anything is wrong.

    The file is UTF-8, with or without a byte order mark (Windows editors write one).
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = fh.read(LIMITS.file_bytes + 1)
    except OSError as exc:
        problem = Problem("", None, f"cannot read file: {exc.strerror}")
        raise QuestionnaireError(path, [problem]) from None
    if len(raw) > LIMITS.file_bytes:
        message = f"file is larger than {LIMITS.file_bytes:,} bytes; a questionnaire is far smaller"
        raise QuestionnaireError(path, [Problem("", None, message)])
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise QuestionnaireError(path, [Problem("", line, "file must be UTF-8 encoded")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise QuestionnaireError(path, [_syntax_problem(exc)]) from None
    except RecursionError:
        message = f"arrays or tables are nested too deeply (at most {LIMITS.depth} levels)"
        raise QuestionnaireError(path, [Problem("", None, message)]) from None
    oversized = _oversized(data)
    if oversized:
        lines = _LineMap(text)
        raise QuestionnaireError(
            path, [_problem(loc, message, lines) for loc, message in oversized]
        )
    return _validate(data, path, text, context={"file": True})


def _oversized(data: Any) -> Found:
    """Where parsed TOML goes beyond ``LIMITS`` (a walk with a stack of its own, so that no
    depth of nesting can exhaust Python's)."""
    found: Found = []
    stack: list[tuple[Loc, Any]] = [((), data)]
    while stack and len(found) < LIMITS.problems:
        loc, value = stack.pop()
        if isinstance(value, str) and len(value) > LIMITS.string:
            found.append((loc, f"a text of {len(value):,} characters; at most {LIMITS.string:,}"))
        if not isinstance(value, dict | list):
            continue
        if len(loc) >= LIMITS.depth:
            found.append((loc, f"nested too deeply (at most {LIMITS.depth} levels)"))
            continue
        if isinstance(value, list) and len(value) > LIMITS.array:
            found.append((loc, f"an array of {len(value):,} entries; at most {LIMITS.array:,}"))
            continue
        children = value.items() if isinstance(value, dict) else enumerate(value)
        stack.extend(((*loc, key), child) for key, child in children)
    return sorted(found, key=lambda problem: [str(part) for part in problem[0]])


@dataclass(frozen=True)
class DirectoryScan:
    """The questionnaires of a folder that can be used, and an error for each file that
    cannot (in file name order)."""

    questionnaires: dict[str, Questionnaire]
    errors: tuple[QuestionnaireError, ...]


def scan_directory(path: str | Path) -> DirectoryScan:
    """Every `*.toml` questionnaire in a directory, keyed by id, skipping broken files.

    A file that fails to load, or uses an id an earlier file (by name) already has, is
    left out and reported in ``errors``, so that one broken file never hides the others.
    """
    path = Path(path)
    found: dict[str, Questionnaire] = {}
    files: dict[str, Path] = {}
    errors: list[QuestionnaireError] = []
    if not path.is_dir():
        problem = Problem("", None, "the questionnaire folder does not exist (QUESTIONS_DIR)")
        return DirectoryScan({}, (QuestionnaireError(path, [problem]),))
    for file in sorted(path.glob("*.toml")):
        try:
            questionnaire = load_questionnaire(file)
        except QuestionnaireError as error:
            errors.append(error)
            continue
        if questionnaire.id in found:
            errors.append(duplicate_id_error(file, questionnaire.id, files[questionnaire.id]))
            continue
        found[questionnaire.id] = questionnaire
        files[questionnaire.id] = file
    return DirectoryScan(found, tuple(errors))


def load_directory(path: str | Path) -> dict[str, Questionnaire]:
    """Every `*.toml` questionnaire in a directory, keyed by id (ids must be unique);
    the first broken file's QuestionnaireError if any is. A missing folder holds none."""
    if not Path(path).is_dir():
        return {}
    scan = scan_directory(path)
    if scan.errors:
        raise scan.errors[0]
    return scan.questionnaires


def duplicate_id_error(
    file: str | Path, questionnaire_id: str, first: str | Path
) -> QuestionnaireError:
    """The error for a file whose questionnaire id another file (`first`) already uses."""
    line = _LineMap(Path(file).read_text(encoding="utf-8-sig")).line(("id",))
    message = f"id {questionnaire_id!r} is already used by {first}"
    return QuestionnaireError(file, [Problem("id", line, message)])


def questionnaire_from_snapshot(data: dict[str, Any]) -> Questionnaire:
    """Rebuild a questionnaire from `Questionnaire.snapshot()` (as stored with a round)."""
    return _validate(data, "<snapshot>", None)


def questionnaire_json_schema() -> dict[str, Any]:
    """JSON Schema of the file format, for editors (e.g. Taplo's `#:schema` directive)."""
    schema = Questionnaire.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def summarize(questionnaire: Questionnaire) -> dict[str, Any]:
    """What a questionnaire holds, for `assessment questions check`."""
    items = questionnaire.items()
    by_type = Counter(item.type for item in items)
    return {
        "id": questionnaire.id,
        "version": questionnaire.version,
        "title": questionnaire.title.model_dump(by_alias=True),
        "languages": list(LANGUAGES),
        "bands": [band.id for band in questionnaire.bands],
        "signs": [{"id": sign.id, "items": len(sign.items)} for sign in questionnaire.signs],
        "items": len(items),
        "items_by_type": {kind: by_type[kind] for kind in ITEM_TYPES},
    }


def _validate(
    data: Any, file: str | Path, text: str | None, context: dict | None = None
) -> Questionnaire:
    """``context={"file": True}`` adds the rules for new files (see ``NA_OPTION``)."""
    try:
        return Questionnaire.model_validate(data, context=context)
    except ValidationError as exc:
        lines = _LineMap(text) if text is not None else None
        problems = _problems(exc, lines)
        if len(problems) > LIMITS.problems:
            more = len(problems) - LIMITS.problems
            problems = [*problems[: LIMITS.problems], Problem("", None, f"... and {more} more")]
        raise QuestionnaireError(file, problems) from None


_SYNTAX_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _syntax_problem(exc: tomllib.TOMLDecodeError) -> Problem:
    message = str(exc)
    match = _SYNTAX_POSITION.search(message)
    if not match:
        return Problem("", None, f"TOML syntax error: {message}")
    line, column = match.groups()
    text = message[: match.start()]
    return Problem("", int(line), f"TOML syntax error at column {column}: {text}")


# --- turning pydantic errors into problems ------------------------------------------------------

_TYPE_MESSAGES = {
    "tuple_type": "expected an array",
    "list_type": "expected an array",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "string_type": "expected a string",
    "int_type": "expected an integer",
    "float_type": "expected a number",
    "bool_type": "expected true or false",
}


def _problems(exc: ValidationError, lines: "_LineMap | None") -> list[Problem]:
    errors = exc.errors(include_url=False)
    # pydantic counts only the valid elements of an array against its minimum length, so a bad
    # element also yields "too short" for its array: drop that echo, keep the real cause.
    inner = {tuple(e["loc"])[:n] for e in errors for n in range(len(e["loc"]))}
    problems = []
    for error in errors:
        raw_loc: Loc = tuple(error["loc"])
        if error["type"] == "too_short" and raw_loc in inner:
            continue
        loc = _without_union_tags(raw_loc)
        if error["type"] == _RULES:
            for sub, message in error["ctx"]["problems"]:
                problems.append(_problem(loc + tuple(sub), message, lines))
            continue
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc += ("type",)
        problems.append(_problem(loc, _explain(error, raw_loc), lines))
    return problems


def _problem(loc: Loc, message: str, lines: "_LineMap | None") -> Problem:
    return Problem(_format_path(loc), lines.line(loc) if lines else None, message)


def _format_path(loc: Loc) -> str:
    """`("signs", 2, "items", 3, "direction")` -> `signs[2].items[3].direction`."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def _without_union_tags(loc: Loc) -> Loc:
    """Drop the item-type segment pydantic inserts after `items[n]`."""
    return tuple(
        part
        for i, part in enumerate(loc)
        if not (
            part in ITEM_CLASSES
            and i >= 2
            and loc[i - 2] == "items"
            and isinstance(loc[i - 1], int)
        )
    )


def _explain(error: Any, raw_loc: Loc) -> str:
    """A message for one pydantic error that says what is allowed."""
    kind, ctx, value = error["type"], error.get("ctx", {}), error.get("input")
    last = raw_loc[-1] if raw_loc else None
    if kind == "missing":
        if last in LANGUAGES:
            return f"missing translation: every text needs {' and '.join(LANGUAGES)}"
        if raw_loc[:1] == ("settings",) and last in ("escalate_from", "recommend_from"):
            return (
                "required field is missing (its default is taken from the bands, which are invalid)"
            )
        return "required field is missing"
    if kind == "extra_forbidden":
        allowed = _fields_at(raw_loc[:-1])
        return f"unknown field {last!r}; allowed here: {', '.join(allowed)}"
    if kind == "union_tag_invalid":
        return f"unknown item type {ctx.get('tag')!r}; allowed: {', '.join(ITEM_TYPES)}"
    if kind == "union_tag_not_found":
        return f"missing item type; allowed: {', '.join(ITEM_TYPES)}"
    if kind in ("model_type", "dict_type") and _model_at(raw_loc) is Text:
        return (
            f"expected a table of translations with {' and '.join(LANGUAGES)} (got {_show(value)})"
        )
    if kind in _TYPE_MESSAGES:
        return f"{_TYPE_MESSAGES[kind]} (got {_show(value)})"
    if kind == "literal_error":
        return f"{_show(value)} is not allowed; expected {ctx.get('expected')}"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == SLUG:
            return (
                f"{_show(value)} is not a valid id: use lowercase letters, digits, '-' and '_',"
                " starting with a letter or digit"
            )
        if ctx.get("pattern") == COLOUR:
            return f"{_show(value)} is not a colour: use #rrggbb, for example '#2e7d32'"
    if kind == "too_short":
        return f"needs at least {_entries(ctx['min_length'])} (got {ctx['actual_length']})"
    if kind == "too_long":
        return f"allows at most {_entries(ctx['max_length'])} (got {ctx['actual_length']})"
    message = error["msg"].replace("Input should be", "must be", 1)
    return f"{message} (got {_show(value)})" if kind not in ("blank_text", "duplicate") else message


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list | tuple):
        return "an array"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _model_at(loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class that validates the value at `loc` (with pydantic's union tags)."""
    tp: Any = Questionnaire
    for part in loc:
        tp = _unwrap(tp)
        origin = get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            fields = tp.model_fields
            tp = next((f.annotation for n, f in fields.items() if part in (n, f.alias)), None)
        elif origin in (Union, UnionType):
            tp = ITEM_CLASSES.get(str(part))
        elif origin is tuple and isinstance(part, int):
            tp = get_args(tp)[0]
        elif origin is dict:
            tp = get_args(tp)[1]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    """Strip `Annotated` and `X | None` down to the underlying type."""
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, UnionType):
        members = [arg for arg in get_args(tp) if arg is not type(None)]
        if len(members) == 1:
            return _unwrap(members[0])
    return tp


def _fields_at(loc: Loc) -> list[str]:
    model = _model_at(loc)
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


# --- line numbers -------------------------------------------------------------------------------


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(r"[^,\]}\n#]*")


class _LineMap:
    """Line numbers of the keys, tables and array elements of a TOML document.

    tomllib reports no positions for a document it accepts, so this small scanner walks the
    (already parsed, hence valid) text once, following table headers, arrays of tables, dotted
    keys, inline tables and arrays. A path it has not seen falls back to the nearest enclosing
    one, so a missing field is reported at the line of its table.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._line = 1
        self._lines: dict[Loc, int] = {}
        self._arrays: dict[Loc, int] = {}
        with suppress(IndexError, ValueError, RecursionError):  # never hide the real error
            self._scan()

    def line(self, loc: Sequence[str | int]) -> int | None:
        path = tuple(loc)
        while path not in self._lines:
            if not path:
                return None
            path = path[:-1]
        return self._lines[path]

    # scanning

    def _record(self, path: Loc, line: int) -> None:
        for end in range(1, len(path) + 1):
            self._lines.setdefault(path[:end], line)

    def _peek(self, size: int = 1) -> str:
        return self._text[self._pos : self._pos + size]

    def _advance(self, size: int = 1) -> str:
        if self._pos >= len(self._text):
            raise IndexError("unexpected end of text")  # only on a scanner bug; see __init__
        chunk = self._text[self._pos : self._pos + size]
        self._line += chunk.count("\n")
        self._pos += size
        return chunk

    def _skip_spaces(self) -> None:
        while self._peek() in (" ", "\t") and self._peek():
            self._advance()

    def _skip_blank(self) -> bool:
        """Skip whitespace, newlines and comments; False at the end of the text."""
        while self._pos < len(self._text):
            char = self._peek()
            if char in " \t\r\n":
                self._advance()
            elif char == "#":
                end = self._text.find("\n", self._pos)
                self._advance((end if end >= 0 else len(self._text)) - self._pos)
            else:
                return True
        return False

    def _scan(self) -> None:
        table: Loc = ()
        while self._skip_blank():
            line = self._line
            if self._peek(2) == "[[":
                self._advance(2)
                table = self._resolve(self._keys(), new_element=True)
                self._advance(2)
            elif self._peek() == "[":
                self._advance()
                table = self._resolve(self._keys(), new_element=False)
                self._advance()
            else:
                path = table + self._keys()
                self._advance()  # "="
                self._record(path, line)
                self._value(path)
                continue
            self._record(table, line)

    def _resolve(self, keys: Loc, new_element: bool) -> Loc:
        """The full path of a table header, with the current index of every array of tables."""
        path: Loc = ()
        for i, key in enumerate(keys):
            path += (key,)
            if new_element and i == len(keys) - 1:
                count = self._arrays.get(path, 0)
                self._arrays[path] = count + 1
                path += (count,)
            elif path in self._arrays:
                path += (self._arrays[path] - 1,)
        return path

    def _keys(self) -> Loc:
        keys: list[str] = []
        while True:
            self._skip_spaces()
            char = self._peek()
            if char in ('"', "'"):
                start = self._pos + 1
                self._string()
                keys.append(self._text[start : self._pos - 1])
            else:
                match = _BARE_KEY.match(self._text, self._pos)
                if not match:
                    raise ValueError("key expected")
                keys.append(self._advance(match.end() - self._pos))
            self._skip_spaces()
            if self._peek() != ".":
                return tuple(keys)
            self._advance()

    def _string(self) -> None:
        quote = self._peek()
        if self._peek(3) == quote * 3:
            self._advance(3)
            while self._peek(3) != quote * 3:
                self._advance(2 if quote == '"' and self._peek() == "\\" else 1)
            self._advance(3)
            while self._peek() == quote:  # up to two quotes may close the content
                self._advance()
            return
        self._advance()
        while self._peek() != quote:
            self._advance(2 if quote == '"' and self._peek() == "\\" else 1)
        self._advance()

    def _value(self, path: Loc) -> None:
        self._skip_spaces()
        char = self._peek()
        if char in ('"', "'"):
            self._string()
        elif char == "[":
            self._advance()
            index = 0
            while self._skip_blank() and self._peek() != "]":
                self._record((*path, index), self._line)
                self._value((*path, index))
                self._skip_blank()
                if self._peek() == ",":
                    self._advance()
                index += 1
            self._advance()
        elif char == "{":
            self._advance()
            while True:
                self._skip_spaces()
                if self._peek() == "}":
                    self._advance()
                    return
                key_path = path + self._keys()
                self._advance()  # "="
                self._record(key_path, self._line)
                self._value(key_path)
                self._skip_spaces()
                if self._peek() == ",":
                    self._advance()
        else:
            match = _SCALAR.match(self._text, self._pos)
            self._advance(match.end() - self._pos)

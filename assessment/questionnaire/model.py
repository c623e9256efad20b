"""The questionnaire model: bands, settings, scale, signs and the questionnaire itself,
validated across fields (ids unique, thresholds ordered, recommendations complete)."""

import fractions
from functools import cached_property
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from ..evidence import (
    DEFAULT_EVIDENCE_INCIDENTS,
    DEFAULT_EVIDENCE_LATE_SHARE,
    DEFAULT_EVIDENCE_MIN_INVOICES,
    DEFAULT_LATE_GRACE_DAYS,
)
from .base import (
    COLOUR,
    LIKERT_POINTS,
    Fraction,
    Id,
    OwnerRole,
    Score,
    Text,
    Weight,
    _Frozen,
    exact,
)
from .errors import Found, _duplicates, _rules
from .items import Item


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
    gap_threshold: Score | None = Field(
        default=None,
        description="Smallest difference between the team's and the client's score of a sign"
        " flagged as a perception gap (default: a third of the scale, 33 1/3)",
    )

    # Evidence between rounds (assessment/evidence.py, docs/scoring.md "Evidence").
    late_grace_days: int = Field(
        default=DEFAULT_LATE_GRACE_DAYS,
        strict=True,
        ge=0,
        le=365,
        description="Days after its due date an invoice may be paid without counting as late",
    )
    evidence_late_share: Fraction = Field(
        default=float(DEFAULT_EVIDENCE_LATE_SHARE),
        description="Share of a period's invoices paid late from which the invoices contradict"
        " a healthy score of the invoice sign (0-1)",
    )
    evidence_min_invoices: int = Field(
        default=DEFAULT_EVIDENCE_MIN_INVOICES,
        strict=True,
        ge=1,
        description="Fewest invoices due in a period for the invoices to count as evidence",
    )
    evidence_incidents: int = Field(
        default=DEFAULT_EVIDENCE_INCIDENTS,
        strict=True,
        ge=1,
        description="Incidents of a sign in a period from which the log contradicts a healthy"
        " score",
    )
    invoice_sign: Id | None = Field(
        default=None,
        description="Id of the sign the client's invoices speak to (default: none; the"
        " invoice facts are then shown on their own)",
    )

    # The thresholds as the file wrote them (see `exact`): scoring compares with these.

    @cached_property
    def exact_evidence_late_share(self) -> fractions.Fraction:
        return exact(self.evidence_late_share)

    @cached_property
    def exact_min_coverage(self) -> fractions.Fraction:
        return exact(self.min_coverage)

    @cached_property
    def exact_agreement_threshold(self) -> fractions.Fraction:
        return exact(self.agreement_threshold)

    @cached_property
    def exact_trend_threshold(self) -> fractions.Fraction:
        return exact(self.trend_threshold)

    @cached_property
    def exact_gap_threshold(self) -> fractions.Fraction:
        """The gap threshold as written, or exactly a third of the 0-100 scale."""
        if self.gap_threshold is None:
            return DEFAULT_GAP_THRESHOLD
        return exact(self.gap_threshold)


#: A perception gap is flagged from a third of the scale on, unless the file says otherwise.
DEFAULT_GAP_THRESHOLD = fractions.Fraction(100, 3)
#: Who answers a questionnaire: the team about its client, or the client's people (a mirror).
Audience = Literal["team", "client"]


class Scale(_Frozen):
    """Labels of the answer scale."""

    likert: tuple[Text, ...] = Field(
        min_length=LIKERT_POINTS,
        max_length=LIKERT_POINTS,
        description="Five labels, strongly disagree to strongly agree",
    )
    na: Text = Field(description="Label of 'not applicable / don't know'")


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
    persisting: Recommendation | None = Field(
        default=None,
        description="Next step when the sign stays at escalate_from or worse two reviews running"
        " (required in a team questionnaire, not allowed in a client one)",
    )
    gap: Recommendation | None = Field(
        default=None,
        description="Next step when the team and the client see the sign very differently"
        " (a perception gap, see settings.gap_threshold); a general one when not given",
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
    audience: Audience = Field(
        default="team",
        description="Who answers: the team ('team') or the client's people ('client', a mirror)",
    )
    mirror: Id | None = Field(
        default=None,
        description="Id of the client questionnaire that mirrors this one (same signs and bands)",
    )
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
            *self._check_audience(),
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
        invoice_sign = self.settings.invoice_sign
        if invoice_sign is not None and invoice_sign not in [sign.id for sign in self.signs]:
            problems.append(
                (
                    ("settings", "invoice_sign"),
                    f"unknown sign {invoice_sign!r}; allowed:"
                    f" {', '.join(sign.id for sign in self.signs)}",
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

    def _check_audience(self) -> Found:
        """A team questionnaire gives next steps (a ``persisting`` one on every sign); a
        client one (a mirror) gives none, since the next steps come from the team's file,
        and declares no mirror of its own."""
        problems: Found = []
        for i, sign in enumerate(self.signs):
            if self.audience == "team" and sign.persisting is None:
                problems.append((("signs", i, "persisting"), "missing persisting recommendation"))
            if self.audience == "client" and sign.gap is not None:
                problems.append(
                    (
                        ("signs", i, "gap"),
                        "a client questionnaire gives no recommendations (the team's file does)",
                    )
                )
            if self.audience == "client" and sign.persisting is not None:
                problems.append(
                    (
                        ("signs", i, "persisting"),
                        "a client questionnaire gives no recommendations (the team's file does)",
                    )
                )
        if self.audience == "client" and self.mirror is not None:
            problems.append((("mirror",), "a client questionnaire cannot have a mirror itself"))
        if self.mirror is not None and self.mirror == self.id:
            problems.append((("mirror",), "a questionnaire cannot be its own mirror"))
        return problems

    def _check_recommendations(self) -> Found:
        ids = [band.id for band in self.bands]
        if self.audience == "client":
            return [
                (
                    ("signs", i, "recommendations"),
                    "a client questionnaire gives no recommendations (the team's file does)",
                )
                for i, sign in enumerate(self.signs)
                if sign.recommendations
            ]
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

    @cached_property
    def items_by_id(self) -> dict[str, tuple[Sign, Item]]:
        """(sign, item) by item id, built on first use (a form page looks up every item)."""
        return {item.id: (sign, item) for sign in self.signs for item in sign.items}

    def snapshot(self) -> dict[str, Any]:
        """A JSON-safe dict of the whole questionnaire, defaults included, that
        `questionnaire_from_snapshot()` turns back into an equal questionnaire."""
        return self.model_dump(mode="json", by_alias=True)

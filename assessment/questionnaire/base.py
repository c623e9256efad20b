"""The building blocks of the model: ids and numbers as a file writes them, texts in
every language, and the fixed vocabularies the format uses."""

import fractions
import math
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from .. import vocab

# Languages, round kinds and owner roles are named once, in ``vocab``.
LANGUAGES: tuple[str, ...] = vocab.LANGUAGES
ROUND_KINDS: tuple[str, ...] = vocab.ROUND_KINDS
OWNER_ROLES: tuple[str, ...] = vocab.OWNER_ROLES
# Literal of a tuple is Literal of its values: the JSON Schema lists them as an enum.
RoundKind = Literal[ROUND_KINDS]
OwnerRole = Literal[OWNER_ROLES]
ITEM_TYPES = ("likert", "number", "choice", "text")
#: Points of the agreement scale (a likert answer is 1 to 5): the scale has five labels.
LIKERT_POINTS = 5
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
        anything else English (`vocab.language_of`)."""
        return self.zh_CN if vocab.language_of(lang) == "zh-CN" else self.en

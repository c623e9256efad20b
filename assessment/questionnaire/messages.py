"""Error messages: pydantic's validation errors reworded as problems that say what is
allowed, each at its field's path and line."""

from collections.abc import Sequence
from types import UnionType
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from .base import COLOUR, ITEM_TYPES, LANGUAGES, SLUG, Text
from .errors import _RULES, Loc, Problem
from .items import ITEM_CLASSES
from .model import Questionnaire

if TYPE_CHECKING:
    from .lines import _LineMap

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

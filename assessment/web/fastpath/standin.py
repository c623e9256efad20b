"""Stand-ins for the people a compiled page must not show.

A compiled answer page is rendered once and then served to every respondent of its round
(``answer_page``), so nothing in it may come from whoever happened to open it first. It
is therefore rendered not with a respondent and their draft but with stand-ins: objects
that have only the fields they declare.

- A *slot* field gives a ``SlotValue``, which the page may only hand to ``slot()``: the
  page gets a marker there, filled with the real respondent's value per request.
- A *fixed* field gives its value. It must be part of the compiled page's cache key (the
  draft's status: each status has a page of its own).

Reading any other field raises ``NotASlot`` naming it, and so does using a slot value in
any other way (printing, testing, comparing it). A template changed to show, say, the
respondent's email fails the first time the page is compiled, in the tests and in
production alike, instead of showing the first visitor's email to everyone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn


class NotASlot(RuntimeError):
    """A compiled page used a person's field that it may not show (not one of its slots)."""


class SlotValue:
    """A stand-in's slot field: fit only to be handed to ``slot()``, which writes a marker
    and never looks at it. Any other use raises ``NotASlot``."""

    __slots__ = ("field",)

    def __init__(self, field: str) -> None:
        object.__setattr__(self, "field", field)

    def __repr__(self) -> str:
        return f"<slot value {self.field}>"

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise NotASlot(
            f"{self.field} is shown on a compiled page outside slot(): wrap it in"
            f" slot(key, {self.field}) and fill the key in answer_page.render_compiled"
        )

    __str__ = __html__ = __format__ = __bool__ = __len__ = __iter__ = __contains__ = _refuse
    __getitem__ = __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = _refuse
    __add__ = __radd__ = __mod__ = __mul__ = __int__ = __float__ = __index__ = _refuse

    def __getattr__(self, name: str) -> NoReturn:  # e.g. name|upper, name.split()
        self._refuse()


class StandIn:
    """An object with only the fields given; reading any other raises ``NotASlot``.

    Python's own attributes (``__class__``, ``__repr__`` ...) stay ordinary, so Jinja and
    markupsafe can inspect the object; every other name is a field."""

    __slots__ = ("_fields", "_label")

    def __init__(self, label: str, fields: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_label", label)
        object.__setattr__(self, "_fields", dict(fields))

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            return object.__getattribute__(self, name)
        fields = object.__getattribute__(self, "_fields")
        if name in fields:
            return fields[name]
        label = object.__getattribute__(self, "_label")
        raise NotASlot(
            f"a compiled page read {label}.{name}, which is not one of its slots: the"
            f" first visitor's {name} would be shown to everyone (see fastpath/standin.py)"
        )

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"a stand-in is read-only ({name})")

    def __repr__(self) -> str:
        label = object.__getattribute__(self, "_label")
        fields = object.__getattribute__(self, "_fields")
        return f"<stand-in {label}: {', '.join(sorted(fields))}>"


def stand_in(cls: type, *, slots: Iterable[str] = (), fixed: Mapping[str, Any] | None = None):
    """A stand-in for an instance of the dataclass ``cls``: ``slots`` are fields the page
    shows through ``slot()``, ``fixed`` fields with the value every page of its cache key
    has. A name that is no field of ``cls`` is a mistake (TypeError)."""
    fixed = dict(fixed or {})
    label = cls.__name__.lower()
    names = {field.name for field in dataclasses.fields(cls)}
    unknown = (set(slots) | set(fixed)) - names
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {name: SlotValue(f"{label}.{name}") for name in slots}
    return StandIn(label, {**values, **fixed})

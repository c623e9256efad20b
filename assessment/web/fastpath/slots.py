"""Pages rendered once and filled in per request.

A template marks each place whose content depends on the request with
``{{ slot(key, value) }}``. Rendered the usual way, ``slot`` is ``live_slot``: it gives
``value`` (calling it first if it is a function, so that work such as popping the flashed
messages only happens when the value is wanted). ``compile_page`` renders a template once
with a ``slot`` that writes a marker instead, and splits the HTML at the markers into a
``CompiledPage``; ``CompiledPage.fill`` then joins the pieces with one request's values
(as UTF-8 bytes), which costs microseconds where rendering costs milliseconds.

A key is a string or a tuple of strings (joined by ``slot_key``). The values given to
``fill`` are put into the page as they are: they must already be HTML (``escape`` user
text). A key with no value gives an empty string, so a page lists only what is set.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from flask import get_flashed_messages, render_template
from markupsafe import Markup

SEPARATOR = "\x1f"


def slot_key(*parts: object) -> str:
    """The key of a slot named by several parts, e.g. ("checked", field, value)."""
    return SEPARATOR.join(map(str, parts))


def _key(key: str | tuple) -> str:
    return slot_key(*key) if isinstance(key, tuple) else key


def live_slot(key: str | tuple, value: object) -> object:
    """``slot`` in a page rendered for one request: the value itself."""
    return value() if callable(value) else value


def flash_messages() -> Markup:
    """The flashed messages as alerts (the ``flashes`` slot of every page)."""
    messages = get_flashed_messages(with_categories=True)
    if not messages:
        return Markup("")
    return Markup(render_template("_flashes.html", messages=messages))


class _Markers:
    """``slot`` while compiling: a marker no page text can contain (it has a fresh nonce
    and control characters), and a count of the keys written."""

    def __init__(self) -> None:
        self.nonce = secrets.token_hex(8)
        self.written: Counter[str] = Counter()

    def __call__(self, key: str | tuple, value: object = None) -> Markup:
        key = _key(key)
        self.written[key] += 1
        return Markup(f"\x00{self.nonce}{SEPARATOR}{key}\x00")

    def split(self, html: str) -> list[str]:
        return re.split(re.escape(f"\x00{self.nonce}{SEPARATOR}") + "([^\x00]*)\x00", html)


@dataclass(frozen=True)
class CompiledPage:
    """Literal HTML and slot keys, alternating: literal, key, literal, …, literal."""

    pieces: tuple[str, ...]

    @cached_property
    def keys(self) -> frozenset[str]:
        return frozenset(self.pieces[1::2])

    @cached_property
    def _encoded(self) -> list[bytes]:
        """The pieces as UTF-8, with every slot empty: the page of no values."""
        return [
            piece.encode() if index % 2 == 0 else b"" for index, piece in enumerate(self.pieces)
        ]

    @cached_property
    def _positions(self) -> dict[str, list[int]]:
        """For each key, where its slots are in ``pieces`` (a key may be used more than once)."""
        positions: dict[str, list[int]] = {}
        for index in range(1, len(self.pieces), 2):
            positions.setdefault(self.pieces[index], []).append(index)
        return positions

    def fill(self, values: Mapping[str, str]) -> bytes:
        """The page with ``values`` in its slots, as UTF-8. The literal parts are encoded
        once and only the values given are encoded per request (encoding the whole page
        each time cost more than filling it), then everything is joined in one go."""
        pieces = self._encoded.copy()
        positions = self._positions
        for key, value in values.items():
            if value:
                encoded = value.encode()
                for index in positions.get(key, ()):
                    pieces[index] = encoded
        return b"".join(pieces)


class SlotError(RuntimeError):
    """A marker did not come through rendering intact (a template escaped or cut it)."""


def compile_page(template_name: str, **context) -> CompiledPage:
    """Render ``template_name`` once with markers in its slots (needs a request context,
    as any rendering does)."""
    markers = _Markers()
    pieces = markers.split(render_template(template_name, slot=markers, **context))
    if Counter(pieces[1::2]) != markers.written:
        raise SlotError(f"{template_name}: a slot marker was altered while rendering")
    return CompiledPage(tuple(pieces))

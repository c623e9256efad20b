"""Line numbers for a TOML document (tomllib reports none for a document it accepts)."""

import re
from collections.abc import Sequence
from contextlib import suppress

from .errors import Loc

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

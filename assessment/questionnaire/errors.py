"""What is wrong with a questionnaire: located problems and the error that lists them."""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic_core import PydanticCustomError

_RULES = "questionnaire_rules"

Loc = tuple[str | int, ...]  # a field's path as pydantic gives it: ("signs", 2, "items", 3)
Found = list[tuple[Loc, str]]  # problems found by a cross-field check: (sub-path, message)


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


def _duplicates(values: Iterable[str]) -> list[tuple[int, str]]:
    """(index, value) of every value already seen earlier in the sequence."""
    seen: set[str] = set()
    found = []
    for i, value in enumerate(values):
        if value in seen:
            found.append((i, value))
        seen.add(value)
    return found

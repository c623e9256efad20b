"""Loading: TOML files (or a round's stored snapshot) into a validated questionnaire,
with every problem located by field path and line."""

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .base import ITEM_TYPES, LANGUAGES
from .errors import Found, Loc, Problem, QuestionnaireError
from .lines import _LineMap
from .messages import _problem, _problems
from .model import Questionnaire


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
    for team_id in [q.id for q in found.values() if q.mirror is not None]:
        team = found[team_id]
        problems = mirror_problems(team, found.get(team.mirror))
        if problems:
            line = _LineMap(files[team_id].read_text(encoding="utf-8-sig")).line(("mirror",))
            errors.append(
                QuestionnaireError(files[team_id], [Problem("mirror", line, p) for p in problems])
            )
            del found[team_id]
    errors.sort(key=lambda error: str(error.file))
    return DirectoryScan(found, tuple(errors))


def mirror_problems(team: Questionnaire, mirror: Questionnaire | None) -> list[str]:
    """What keeps ``mirror`` from being the client's side of ``team`` (empty when nothing):
    it must be a client questionnaire in the same folder with the same signs (every sign of
    one exists in the other) and the same bands (ids and thresholds), so that both sides
    score each sign on the same 0-100 scale and fall in the same bands."""
    if mirror is None:
        return [
            f"mirror {team.mirror!r} is not a usable questionnaire in the folder"
            " (missing, or refused: see its own problems)"
        ]
    problems = []
    if mirror.audience != "client":
        problems.append(f'mirror {mirror.id!r} must have audience = "client"')
    ours, theirs = [s.id for s in team.signs], [s.id for s in mirror.signs]
    missing = [s for s in ours if s not in theirs]
    extra = [s for s in theirs if s not in ours]
    if missing:
        problems.append(f"mirror {mirror.id!r} lacks the signs {', '.join(missing)}")
    if extra:
        problems.append(f"mirror {mirror.id!r} has signs this file lacks: {', '.join(extra)}")
    bands = [(b.id, b.exact_min) for b in team.bands]
    if [(b.id, b.exact_min) for b in mirror.bands] != bands:
        problems.append(
            f"mirror {mirror.id!r} must have the same bands (ids and min) as this file:"
            f" {', '.join(f'{i} {float(m):g}' for i, m in bands)}"
        )
    if len(mirror.scale.likert) != len(team.scale.likert):
        problems.append(f"mirror {mirror.id!r} must use the same likert scale length")
    return problems


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
        "audience": questionnaire.audience,
        "mirror": questionnaire.mirror,
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

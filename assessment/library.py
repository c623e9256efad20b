"""The questionnaire library: every questionnaire with its versions, uploads of new
versions (TOML or a workbook), and publishing them for new rounds.

A version is a questionnaire's content, named by the SHA-256 of its snapshot (as rounds
pin it, ``store/snapshots.py``). Versions come from three places: the files of
``QUESTIONS_DIR``, uploads (kept as TOML files under ``questionnaires/`` in the instance
folder, never in the code tree) and the snapshots pinned by past rounds. New rounds are
offered, per questionnaire id, the highest version among the folder's file and the
published uploads (``available``); rounds already made keep the version they were made
with. Takes a Database and paths: no Flask, no request.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from .questionnaire import (
    DirectoryScan,
    Problem,
    Questionnaire,
    QuestionnaireError,
    load_questionnaire,
    mirror_problems,
    scan_directory,
)
from .questionnaire.diff import VersionDiff, diff
from .questionnaire.workbook import (
    WorkbookError,
    read_workbook,
    toml_text,
    workbook_bytes,
)
from .sqlite import transaction
from .store import library as rows
from .store.snapshots import questionnaire_of, snapshot_digest, snapshot_text
from .vocab import N_, Message

__all__ = [
    "UploadRefused",
    "Version",
    "available",
    "catalogue",
    "find",
    "previous",
    "publish",
    "toml_of",
    "upload",
]

FOLDER = "questionnaires"  # under the instance folder

#: (where, message): where is "items!F14", "line 12: signs[0].id" or "" (the file).
UploadProblem = tuple[str, Message | str]


class UploadRefused(ValueError):
    """An upload or a publication refused; ``problems`` says every reason. Nothing stored."""

    def __init__(self, problems: Sequence[UploadProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{w}: {m}" if w else str(m) for w, m in self.problems))


@dataclass
class Version:
    """One version of a questionnaire, wherever it comes from."""

    questionnaire: Questionnaire
    digest: str
    in_folder: Path | None = None  # the file of QUESTIONS_DIR that holds it
    upload: rows.Upload | None = None
    rounds: list[dict] = field(default_factory=list)
    offered: bool = False  # what new rounds of this id are made with

    @property
    def id(self) -> str:
        return self.questionnaire.id

    @property
    def number(self) -> int:
        return self.questionnaire.version


def folder(instance_path: str | Path) -> Path:
    return Path(instance_path) / FOLDER


def _published(db: Database, instance_path: str | Path) -> list[tuple[rows.Upload, Questionnaire]]:
    found = []
    for entry in rows.list_uploads(db):
        if entry.published:
            try:
                found.append((entry, load_questionnaire(folder(instance_path) / entry.file)))
            except QuestionnaireError:
                continue  # a file changed by hand in the instance folder: not offered
    return found


def available(
    db: Database,
    questions_dir: str | Path,
    instance_path: str | Path,
    *,
    extra: tuple[Questionnaire, ...] = (),
) -> DirectoryScan:
    """The questionnaires new rounds are made with: per id, the highest version among the
    folder's file and the published uploads (and ``extra``, to try a publication), each
    team questionnaire with a matching mirror; the files that cannot be used."""
    scan = scan_directory(questions_dir)
    chosen = dict(scan.questionnaires)
    for candidate in [q for _, q in _published(db, instance_path)] + list(extra):
        current = chosen.get(candidate.id)
        if current is None or candidate.version > current.version:
            chosen[candidate.id] = candidate
    errors = list(scan.errors)
    for team in [q for q in chosen.values() if q.mirror is not None]:
        problems = mirror_problems(team, chosen.get(team.mirror or ""))
        if problems:
            errors.append(
                QuestionnaireError(
                    f"{team.id} v{team.version}", [Problem("mirror", None, p) for p in problems]
                )
            )
            del chosen[team.id]
    return DirectoryScan(chosen, tuple(errors))


def catalogue(
    db: Database, questions_dir: str | Path, instance_path: str | Path
) -> dict[str, list[Version]]:
    """Every questionnaire id with its versions, highest first."""
    by_digest: dict[str, Version] = {}
    for path in sorted(Path(questions_dir).glob("*.toml")):
        try:
            questionnaire = load_questionnaire(path)
        except QuestionnaireError:
            continue
        digest = snapshot_digest(questionnaire)[1]
        by_digest.setdefault(digest, Version(questionnaire, digest, in_folder=path))
    for entry in rows.list_uploads(db):
        try:
            questionnaire = load_questionnaire(folder(instance_path) / entry.file)
        except QuestionnaireError:
            continue
        by_digest.setdefault(entry.digest, Version(questionnaire, entry.digest)).upload = entry
    for digest, used in rows.rounds_by_digest(db).items():
        if digest not in by_digest:
            by_digest[digest] = Version(questionnaire_of(snapshot_text(db, digest)), digest)
        by_digest[digest].rounds = used
    offered = available(db, questions_dir, instance_path).questionnaires
    found: dict[str, list[Version]] = {}
    for version in by_digest.values():
        current = offered.get(version.id)
        version.offered = current is not None and snapshot_digest(current)[1] == version.digest
        found.setdefault(version.id, []).append(version)
    for versions in found.values():
        versions.sort(key=lambda v: (v.number, v.offered, v.upload is not None), reverse=True)
    return dict(sorted(found.items()))


def find(versions: dict[str, list[Version]], questionnaire_id: str, digest: str) -> Version:
    for version in versions.get(questionnaire_id, []):
        if version.digest == digest:
            return version
    raise KeyError(digest)


def previous(versions: dict[str, list[Version]], version: Version) -> Version | None:
    """The version before ``version`` (the next one down the list), if any."""
    listed = versions.get(version.id, [])
    index = next(i for i, v in enumerate(listed) if v.digest == version.digest)
    return listed[index + 1] if index + 1 < len(listed) else None


def changes(versions: dict[str, list[Version]], version: Version) -> VersionDiff | None:
    before = previous(versions, version)
    return diff(before.questionnaire, version.questionnaire) if before else None


def toml_of(version: Version, instance_path: str | Path) -> bytes:
    """The version as a questionnaire file: its file when it has one, else written from
    its snapshot (through the workbook, which gives back the same questionnaire)."""
    if version.upload is not None:
        return (folder(instance_path) / version.upload.file).read_bytes()
    if version.in_folder is not None:
        return version.in_folder.read_bytes()
    document, _ = read_workbook(workbook_bytes(version.questionnaire), max_bytes=10**8)
    return toml_text(document).encode("utf-8")


def xlsx_of(version: Version) -> bytes:
    return workbook_bytes(version.questionnaire)


def _write(target: Path, data: bytes) -> None:
    """The file whole or not at all (a temporary file beside it, renamed into place)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(temp, target)
    finally:
        Path(temp).unlink(missing_ok=True)


def _parse(
    data: bytes, filename: str, scratch: Path, max_bytes: int, max_rows: int
) -> tuple[Questionnaire, bytes]:
    """The uploaded questionnaire and the TOML to keep; UploadRefused otherwise."""
    if len(data) > max_bytes:
        raise UploadRefused(
            [
                (
                    "",
                    N_(
                        "the file has %(size)s bytes; at most %(limit)s are allowed",
                        size=f"{len(data):,}",
                        limit=f"{max_bytes:,}",
                    ),
                )
            ]
        )
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) or filename.lower().endswith(
        (".xlsx", ".xls")
    ):
        try:
            document, questionnaire = read_workbook(
                data, max_bytes=max_bytes, max_rows=max_rows, name=filename
            )
        except WorkbookError as exc:
            raise UploadRefused(exc.problems) from None
        return questionnaire, toml_text(document, source=filename).encode("utf-8")
    scratch.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=scratch, prefix=".upload.", suffix=".toml")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        questionnaire = load_questionnaire(temp)
    except QuestionnaireError as exc:
        problems: list[UploadProblem] = [
            (
                N_("line %(line)s: %(path)s", line=p.line, path=p.path or "(document)")
                if p.line
                else p.path,
                p.message,
            )
            for p in exc.problems
        ]
        raise UploadRefused(problems) from None
    finally:
        Path(temp).unlink(missing_ok=True)
    return questionnaire, data


def upload(
    db: Database,
    *,
    data: bytes,
    filename: str,
    questions_dir: str | Path,
    instance_path: str | Path,
    user_id: int | None,
    max_bytes: int,
    max_rows: int,
) -> rows.Upload:
    """Check and keep an uploaded version (not yet published); UploadRefused with every
    problem otherwise, and then nothing is stored."""
    home = folder(instance_path)
    questionnaire, text = _parse(data, filename, home, max_bytes, max_rows)
    digest = snapshot_digest(questionnaire)[1]
    # What is kept must load as what was checked (a workbook's TOML is written here).
    try:
        kept = Questionnaire.model_validate(
            tomllib.loads(text.decode("utf-8-sig")), context={"file": True}
        )
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError):
        kept = None
    if kept is None or snapshot_digest(kept)[1] != digest:
        raise UploadRefused([("", N_("the file cannot be read as a questionnaire"))])
    versions = catalogue(db, questions_dir, instance_path).get(questionnaire.id, [])
    highest = max((v.number for v in versions), default=0)
    if versions and questionnaire.version <= highest:
        raise UploadRefused(
            [
                (
                    "version",
                    N_(
                        "version %(version)s of %(id)s exists already: a new version needs"
                        " a higher number (the highest so far is %(highest)s)",
                        version=questionnaire.version,
                        id=questionnaire.id,
                        highest=highest,
                    ),
                )
            ]
        )
    # A name of its own, so that a failed upload removes only its own file.
    name = f"{questionnaire.id}-v{questionnaire.version}-{digest[:12]}-{secrets.token_hex(4)}.toml"
    _write(home / name, text)
    try:
        with transaction(db, write=True):
            upload_id = rows.add(
                db,
                questionnaire_id=questionnaire.id,
                version=questionnaire.version,
                digest=digest,
                file=name,
                source_name=Path(filename).name[:200],
                user_id=user_id,
            )
    except sqlite3.IntegrityError:  # the same version uploaded a moment ago by someone else
        (home / name).unlink(missing_ok=True)
        raise UploadRefused([("version", N_("this version was uploaded a moment ago"))]) from None
    except Exception:
        (home / name).unlink(missing_ok=True)
        raise
    return rows.get(db, upload_id)


def publish(
    db: Database,
    upload_id: int,
    *,
    questions_dir: str | Path,
    instance_path: str | Path,
    user_id: int | None,
) -> rows.Upload:
    """Offer an uploaded version for new rounds, unless it would leave a questionnaire
    without a matching mirror (UploadRefused, naming the problems). When the version only
    matches an unpublished upload of its partner (a team questionnaire and its mirror
    changed together), both are published."""
    entry = rows.get(db, upload_id)
    questionnaire = load_questionnaire(folder(instance_path) / entry.file)
    before = available(db, questions_dir, instance_path)
    known = {str(error) for error in before.errors}

    def new_errors(extra: tuple[Questionnaire, ...]) -> list[QuestionnaireError]:
        after = available(db, questions_dir, instance_path, extra=extra)
        return [error for error in after.errors if str(error) not in known]

    together: list[tuple[rows.Upload, Questionnaire]] = []
    problems = new_errors((questionnaire,))
    if problems:
        # A team questionnaire and its mirror that change their signs or bands together
        # are published together: the partner's highest unpublished upload goes along.
        partners = {questionnaire.mirror} | {
            q.id for q in before.questionnaires.values() if q.mirror == questionnaire.id
        }
        drafts = {}
        for other in rows.list_uploads(db):
            if other.questionnaire_id in partners and not other.published:
                drafts.setdefault(other.questionnaire_id, other)
        together = [
            (other, load_questionnaire(folder(instance_path) / other.file))
            for other in drafts.values()
        ]
        if together and not new_errors((questionnaire, *(q for _, q in together))):
            problems = []
    if problems:
        raise UploadRefused(
            [(error.file, str(problem.message)) for error in problems for problem in error.problems]
        )
    with transaction(db, write=True):
        rows.publish(db, upload_id, user_id)
        for other, _ in together:
            rows.publish(db, other.id, user_id)
    return rows.get(db, upload_id)

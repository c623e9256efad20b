"""Backup and restore of the SQLite database, safe while the app is serving.

``backup`` copies the live database with SQLite's online backup API in one step: it reads
one consistent snapshot (in WAL mode writers carry on meanwhile; transactions not yet
committed are not in the copy), writes it to a temporary file beside the target, checks
it and renames it into place, so a backup file is either complete or absent.

``restore`` checks a backup on a private copy first (SQLite header, ``PRAGMA
integrity_check``, foreign keys, the ``_sqlite_migrations`` table of the set
"assessment", no migration this code does not know), upgrades that copy if it
is older, keeps a backup of the current database as ``<db>.before-restore-<timestamp>``
and then writes the copy into the live database with the backup API in reverse: one
SQLite transaction, so other connections see the old database or the new one, never a
mix. Still, stop the server for a restore when you can: requests in flight during the
restore may fail, anything written after the safety copy is lost, and login sessions
refer to users by id (see docs/data.md).

No Flask here: the CLI (``assessment backup`` / ``restore``) passes the database path.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import tempfile
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from .migrations import migrations
from .sqlite import BUSY_TIMEOUT_MS, connect, create_private
from .upgrade import upgrade

__all__ = [
    "MIGRATION_SET",
    "SQLITE_HEADER",
    "BackupError",
    "BackupInfo",
    "RestoreRefused",
    "RestoreResult",
    "backup",
    "before_restore_path",
    "inspect_backup",
    "known_migrations",
    "restore",
]

SQLITE_HEADER = b"SQLite format 3\x00"
MIGRATION_SET = migrations.name
_TIMEOUT = BUSY_TIMEOUT_MS / 1000


class BackupError(Exception):
    """The backup could not be written; nothing was left at the target."""


class RestoreRefused(ValueError):
    """The file is not a database this app can restore; the message says why."""


@dataclass(frozen=True)
class BackupInfo:
    """What a checked backup holds."""

    path: Path
    applied: tuple[str, ...]  # its migrations of the set "assessment", in order
    pending: tuple[str, ...]  # those this code will apply after the restore
    counts: dict[str, int]  # rows per table


@dataclass(frozen=True)
class RestoreResult:
    info: BackupInfo
    previous: Path | None  # the copy of the database that was replaced
    migrated: tuple[str, ...]  # migrations applied to the restored data


def known_migrations() -> tuple[str, ...]:
    """The names of every migration this code has, in order."""
    return tuple(m.name for m in migrations.pending(Database(memory=True)))


def _fsync_dir(directory: Path) -> None:
    with suppress(OSError):  # not possible on every platform and filesystem
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _temp_beside(path: Path, label: str) -> Path:
    return path.with_name(f".{path.name}.{label}-{secrets.token_hex(4)}.tmp")


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def backup(db_path: str | os.PathLike, target: str | os.PathLike, *, force: bool = False) -> Path:
    """Copy the database at ``db_path`` to ``target`` while it may be in use.

    The copy is a single file (rollback journal mode, no ``-wal`` beside it, readable by
    its owner only) that passed ``PRAGMA integrity_check``. Refuses an existing ``target``
    unless ``force``.
    """
    source, target = Path(db_path), Path(target)
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    if _same_file(source, target):
        raise BackupError("the backup cannot replace the database itself")
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give a file name")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    if target.exists() and not force:
        raise BackupError(f"{target} exists; use --force to overwrite it")
    temp = _temp_beside(target, "backup")
    try:
        # Readable by the owner only: a backup holds password hashes and people's answers.
        os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        with (
            closing(sqlite3.connect(source, timeout=_TIMEOUT)) as src,
            closing(sqlite3.connect(temp)) as dst,
        ):
            # pages=-1: the whole database in one step, from one read snapshot. A stepwise
            # copy would restart each time another connection writes.
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode = DELETE")
            problems = [row[0] for row in dst.execute("PRAGMA integrity_check").fetchall()]
            if problems != ["ok"]:
                raise BackupError("the copy fails PRAGMA integrity_check: " + "; ".join(problems))
        with open(temp, "rb+") as fh:
            os.fsync(fh.fileno())
        if force:
            os.replace(temp, target)
        else:
            try:
                os.link(temp, target)  # fails if the target appeared meanwhile
            except FileExistsError:
                raise BackupError(f"{target} exists; use --force to overwrite it") from None
            except OSError:  # a filesystem without hard links
                if target.exists():
                    raise BackupError(f"{target} exists; use --force to overwrite it") from None
                os.replace(temp, target)
        _fsync_dir(target.parent)
    except sqlite3.Error as exc:
        raise BackupError(f"could not back up {source}: {exc}") from exc
    finally:
        _remove(temp)
    return target


def before_restore_path(db_path: str | os.PathLike, when: datetime | None = None) -> Path:
    """Where the database is kept before a restore: ``<db>.before-restore-<UTC time>``."""
    db_path = Path(db_path)
    stamp = (when or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    path = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
    n = 1
    while path.exists():
        n += 1
        path = db_path.with_name(f"{db_path.name}.before-restore-{stamp}-{n}")
    return path


def _check_header(path: Path) -> None:
    if not path.is_file():
        raise RestoreRefused(f"{path} is not a file")
    with open(path, "rb") as fh:
        head = fh.read(100)
    if not head.startswith(SQLITE_HEADER) or len(head) < 100:
        raise RestoreRefused(f"{path} is not an SQLite database (it lacks the SQLite header)")


def _stage(path: Path, temp: Path) -> None:
    """Copy the backup (and a ``-wal`` file beside it, part of the same database) to
    ``temp``, so that checking it cannot change the original. The copies are readable
    by their owner only, like the database."""
    create_private(temp)
    shutil.copyfile(path, temp)  # writes into the existing file: its mode stays
    wal = Path(f"{path}-wal")
    if wal.is_file():
        create_private(f"{temp}-wal")
        shutil.copyfile(wal, f"{temp}-wal")


def _check(conn: sqlite3.Connection, path: Path) -> BackupInfo:
    """Everything that makes a database one this code can restore; raises RestoreRefused."""
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        raise RestoreRefused(f"{path} is damaged: {exc}") from None
    if problems != ["ok"]:
        shown = "; ".join(problems[:3]) + (" ..." if len(problems) > 3 else "")
        raise RestoreRefused(f"{path} is damaged (PRAGMA integrity_check: {shown})")
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).fetchall()
    ]
    this_app = "it is not a Partnership Check database"
    if migrations.migrations_table not in tables:
        raise RestoreRefused(f"{path} has no {migrations.migrations_table} table: {this_app}")
    try:
        rows = conn.execute(
            f"SELECT migration_set, name FROM {migrations.migrations_table} ORDER BY rowid"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise RestoreRefused(f"{path}: unreadable migrations table ({exc}): {this_app}") from None
    applied = tuple(name for migration_set, name in rows if migration_set == MIGRATION_SET)
    if not applied:
        others = sorted({migration_set for migration_set, _ in rows})
        found = f" (it has migrations of {', '.join(map(repr, others))})" if others else ""
        raise RestoreRefused(
            f"{path} has no migrations of the set {MIGRATION_SET!r}{found}: {this_app}"
        )
    known = known_migrations()
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise RestoreRefused(
            f"{path} was made by a newer version of the app: it has migrations this version "
            f"does not know ({', '.join(unknown)}). Upgrade the app, then restore."
        )
    if set(applied) != set(known[: len(applied)]):
        raise RestoreRefused(
            f"{path} has the migrations {', '.join(applied)}, which do not follow this app's "
            f"history ({', '.join(known)})"
        )
    violations = conn.execute("PRAGMA foreign_key_check").fetchall()
    if violations:
        tables_hit = sorted({row[0] for row in violations})
        raise RestoreRefused(
            f"{path} has {len(violations)} broken references (PRAGMA foreign_key_check) in "
            + ", ".join(tables_hit)
        )
    counts = {
        table: conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
        for table in tables
        if not table.startswith("sqlite_")
    }
    return BackupInfo(
        path=path,
        applied=applied,
        pending=tuple(name for name in known if name not in applied),
        counts=counts,
    )


def inspect_backup(path: str | os.PathLike) -> BackupInfo:
    """Check that ``path`` is a backup this code can restore, without changing it.

    Raises ``RestoreRefused`` saying why not: not SQLite, damaged, another app's database,
    or made by a newer version of this app. The checks run on a temporary copy.
    """
    path = Path(path)
    _check_header(path)
    with tempfile.TemporaryDirectory(prefix="assessment-check-") as scratch:
        temp = Path(scratch) / "candidate.sqlite3"
        _stage(path, temp)
        with closing(sqlite3.connect(temp)) as conn:
            return _check(conn, path)


def restore(db_path: str | os.PathLike, backup_path: str | os.PathLike) -> RestoreResult:
    """Replace the database at ``db_path`` with the backup at ``backup_path``.

    The backup is checked (``inspect_backup``) and migrated forward on a copy; only then is
    the current database copied to ``before_restore_path(db_path)`` and overwritten in one
    SQLite transaction. Raises ``RestoreRefused`` (nothing changed) or ``BackupError``.
    """
    db_path, backup_path = Path(db_path), Path(backup_path)
    if _same_file(db_path, backup_path):
        raise RestoreRefused("that file is the database itself")
    _check_header(backup_path)
    staged = _temp_beside(db_path, "restore")
    try:
        _stage(backup_path, staged)
        with closing(sqlite3.connect(staged)) as conn:
            info = _check(conn, backup_path)
            if db_path.exists():
                # Backing up into a WAL database needs equal page sizes.
                with closing(sqlite3.connect(db_path, timeout=_TIMEOUT)) as live:
                    page_size = live.execute("PRAGMA page_size").fetchone()[0]
                if conn.execute("PRAGMA page_size").fetchone()[0] != page_size:
                    conn.execute("PRAGMA journal_mode = DELETE")
                    conn.execute(f"PRAGMA page_size = {int(page_size)}")
                    conn.execute("VACUUM")
        staged_db = connect(str(staged))
        try:
            migrated = tuple(upgrade(staged_db))
            staged_db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except (sqlite3.Error, ValueError) as exc:
            raise RestoreRefused(f"{backup_path} could not be migrated forward: {exc}") from exc
        finally:
            staged_db.close()

        previous = None
        if db_path.exists():
            previous = backup(db_path, before_restore_path(db_path))
        try:
            create_private(db_path)  # a database restored where there was none
            with (
                closing(sqlite3.connect(staged)) as src,
                closing(sqlite3.connect(db_path, timeout=_TIMEOUT)) as dst,
            ):
                src.backup(dst, pages=-1)
                if dst.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    dst.execute("PRAGMA journal_mode = WAL")
                check = dst.execute("PRAGMA quick_check").fetchone()[0]
                if check != "ok":
                    raise BackupError(f"the restored database fails PRAGMA quick_check: {check}")
        except sqlite3.Error as exc:
            raise BackupError(
                f"could not write {db_path}: {exc}"
                + (f"; the previous database is kept as {previous}" if previous else "")
            ) from exc
    finally:
        _remove(staged)
    return RestoreResult(info=info, previous=previous, migrated=migrated)

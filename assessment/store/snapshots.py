"""Questionnaire snapshots: each round's questionnaire, pinned when the round was made.

A round pins its questionnaire at creation: the whole questionnaire is stored as a
snapshot, so its results stay reproducible after the file in ``questions/`` changes.
Snapshots are stored once each in ``questionnaire_snapshots``, named by the SHA-256 of
their text; rounds of the same questionnaire share one.
"""

from __future__ import annotations

import hashlib
import json

from sqlite_utils import Database

from ..lru import LRUCache, cached
from ..questionnaire import Questionnaire, questionnaire_from_snapshot
from ..sqlite import utc_stamp
from .clients import NotFound


@cached(64)
def questionnaire_of(snapshot: str) -> Questionnaire:
    """The questionnaire of a stored snapshot, parsed once per process."""
    return questionnaire_from_snapshot(json.loads(snapshot))


SNAPSHOT_CACHE = 64  # snapshot texts per process, about 20 KB each
_snapshots: LRUCache[str, str] = LRUCache(SNAPSHOT_CACHE)


def snapshot_text(db: Database, digest: str, text: str | None = None) -> str:
    """The snapshot named ``digest``, read once per process: a digest names one text for
    good, whichever database it is in, so the text may be kept. Handing out the same
    string each time also spares ``questionnaire_of`` hashing 20 KB per call. ``text``:
    the snapshot's text when a query read it already (``round_reads.client_rounds``)."""
    if text is not None:
        return _snapshots.get(digest, str, text)
    return _snapshots.get(digest, _read_snapshot, db, digest)


def held_digests() -> list[str]:
    """The digests whose snapshot texts the process holds (no query needed for them)."""
    return list(_snapshots.keys())


def _read_snapshot(db: Database, digest: str) -> str:
    row = db.execute(
        "SELECT snapshot FROM questionnaire_snapshots WHERE digest = ?", [digest]
    ).fetchone()
    if row is None:
        raise NotFound(digest)
    return row[0]


def snapshot_digest(questionnaire: Questionnaire) -> tuple[str, str]:
    """(the snapshot's text, its SHA-256): what names a questionnaire's content."""
    text = json.dumps(questionnaire.snapshot(), ensure_ascii=False, sort_keys=True)
    return text, hashlib.sha256(text.encode()).hexdigest()


def store_snapshot(db: Database, questionnaire: Questionnaire) -> str:
    """Store the questionnaire's snapshot unless it is there already; its digest."""
    text, digest = snapshot_digest(questionnaire)
    now = utc_stamp()
    db.execute(
        "INSERT INTO questionnaire_snapshots (digest, snapshot, created_at, updated_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING",
        [digest, text, now, now],
    )
    return digest

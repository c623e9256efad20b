"""Making a leadership pack asked for in the web app, in the background.

The web app stores what was asked (``store.packs``) and hands the pack's id to the
background worker, which calls ``make_pack``: it renders the pack with
``report.pack.render_pack`` (reports in worker processes that are replaced as they grow,
unchanged reports from the report cache), writing how many reports are done as it goes,
keeps the file under ``packs/`` in the instance folder (the newest ``KEEP`` packs) and
records in the audit log that the requester opened each round's results, as
``assessment pack`` does. Nothing here needs a request: only the app (its settings,
templates and translations) and the database.

A pack whose task is delivered twice is made once (``packs.claim``). A pack that cannot be
made is marked failed with a reason the portfolio page shows.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from sqlite_utils import Database

from .mail.packs import FOLDER, queue_pack_mail
from .report.pack import PackError, period_reports, render_pack
from .sqlite import transaction
from .store import audit, packs, users

__all__ = ["KEEP", "PACK_FOLDER", "make_pack", "pack_path"]

log = logging.getLogger(__name__)

PACK_FOLDER = FOLDER
KEEP = 20  # pack files kept in the instance folder; older ones are deleted


def pack_path(app: Flask, job: packs.PackJob) -> Path | None:
    """Where the pack's file is, if it has one."""
    return Path(app.instance_path) / PACK_FOLDER / job.file if job.file else None


def make_pack(
    app: Flask,
    db: Database,
    job_id: int,
    *,
    jobs: int | None = None,
) -> packs.PackJob:
    """Make the pack ``job_id`` (if nobody has started it); the job as it ends.

    When the job has recipients, their messages (the PDF attached, ``mail.packs``) are
    queued in the transaction that marks the pack done. ``jobs``: worker processes
    (default: one per core)."""
    with transaction(db, write=True):
        if not packs.claim(db, job_id):
            return packs.get_job(db, job_id)
    job = packs.get_job(db, job_id)
    try:
        reports = period_reports(
            db, job.period, now=datetime.now(UTC), include_open=job.include_open
        )
        if not reports:
            raise PackError(job.period)
        total = len(reports)
        done = 0
        _progress(db, job_id, 0, total)

        def progress(_report) -> None:
            nonlocal done
            done += 1
            _progress(db, job_id, done, total)

        data = render_pack(
            reports, job.language, period=job.period, jobs=jobs, app=app, progress=progress
        )
        name = _store_file(app, job_id, data)
        with transaction(db, write=True):
            packs.finish(db, job_id, name)
            _record_views(db, job, [report.round.id for report in reports])
            queue_pack_mail(db, packs.get_job(db, job_id), by=_requester(db, job))
    except PackError:
        with transaction(db, write=True):
            packs.fail(db, job_id, "empty")
        return packs.get_job(db, job_id)
    except Exception:
        log.exception("leadership pack %s could not be made", job_id)
        with transaction(db, write=True):
            packs.fail(db, job_id, "error")
        return packs.get_job(db, job_id)
    _drop_old_files(app, db)
    return packs.get_job(db, job_id)


def _progress(db: Database, job_id: int, done: int, total: int) -> None:
    with transaction(db, write=True):
        packs.set_progress(db, job_id, done, total)


def _store_file(app: Flask, job_id: int, data: bytes) -> str:
    """The pack's PDF in the instance folder (0600, written whole or not at all)."""
    folder = Path(app.instance_path) / PACK_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"pack-{job_id}.pdf"
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".pdf", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(temporary, folder / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return name


def _requester(db: Database, job: packs.PackJob) -> str:
    user = users.get_user(db, job.requested_by) if job.requested_by else None
    return user.email if user else "leadership pack"


def _record_views(db: Database, job: packs.PackJob, round_ids: list[int]) -> None:
    user = users.get_user(db, job.requested_by) if job.requested_by else None
    for round_id in round_ids:
        audit.record(
            db,
            user_id=user.id if user else None,
            actor=user.email if user else "leadership pack",
            action="results.viewed",
            object_type="round",
            object_id=round_id,
            details={"page": "pack", "language": job.language, "pack": job.id},
        )


def _drop_old_files(app: Flask, db: Database) -> None:
    folder = Path(app.instance_path) / PACK_FOLDER
    with transaction(db, write=True):
        for job_id, name in packs.files_to_drop(db, KEEP):
            (folder / name).unlink(missing_ok=True)
            packs.forget_file(db, job_id)

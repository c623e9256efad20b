"""The leadership pack by mail: one message per leadership address, the PDF attached.

Queued when the pack is finished (``pack_jobs.make_pack``, in the transaction that
marks it done), written and sent by the worker like every other message. A pack larger
than ``ATTACH_LIMIT`` (mail servers refuse large messages) is not attached: the message
links to the pack's download on the portfolio page instead. The copy kept in the outbox
has the text, never the file.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from flask import Flask
from flask_babel import gettext
from sqlite_utils import Database

from ..store import outbox, packs
from ..store.clients import NotFound
from ..vocab import N_
from . import compose
from .kinds import register

ATTACH_LIMIT = 10 * 1024 * 1024  # bytes
FOLDER = "packs"  # in the instance folder (pack_jobs.PACK_FOLDER)


def queue_pack_mail(db: Database, job: packs.PackJob, *, by: str) -> list[int]:
    """A message with the pack for each of the job's recipients (once per address)."""
    messages = [
        outbox.NewMessage(
            key=f"leadership-pack:{job.id}:{address.casefold()}",
            kind="leadership_pack",
            to_address=address,
            language=job.language,
            details={"pack": job.id},
        )
        for address in job.recipients
    ]
    return outbox.queue(db, messages, queued_by=by)


def attachment_name(job: packs.PackJob) -> str:
    period = re.sub(r"[^\w.-]+", "-", job.period).strip("-") or "period"
    return f"leadership-pack_{period}_{job.language}.pdf"


@register("leadership_pack", N_("Leadership pack"))
def render_pack_mail(app: Flask, db: Database, message: outbox.Message, keep_link: bool):
    try:
        job = packs.get_job(db, message.details.get("pack", 0))
    except NotFound:
        return compose.Cancel(N_("the pack was deleted"))
    path = Path(app.instance_path) / FOLDER / job.file if job.file else None
    if path is None or not path.exists():
        return compose.Cancel(N_("the pack's file is no longer kept"))
    size = path.stat().st_size
    attached = size <= ATTACH_LIMIT

    def subject() -> str:
        return gettext("Leadership pack %(period)s", period=job.period)

    rendered = compose.render(
        app,
        "leadership_pack",
        message.language,
        subject,
        {
            "period": job.period,
            "clients": job.total,
            "attached": attached,
            "file_name": attachment_name(job),
            "megabytes": f"{size / 1024 / 1024:.1f}",
            "link": compose.public_url(app, "packs.download", job_id=job.id),
        },
    )
    if not attached:
        return rendered
    pdf = compose.Attachment(attachment_name(job), path.read_bytes(), "application/pdf")
    return dataclasses.replace(rendered, attachments=(pdf,))

"""Due dates: a round closes itself when its due date has ended.

"Ended" is midnight after the due date in the instance's time zone (``TIMEZONE``). The
round is closed exactly as a lead's *Close round* closes it (``results.close_round``:
the answers scored and the result stored under one write lock, so an answer saved a
moment before is in the result and any later one is refused), recorded in the audit log
as closed by the worker, and its account lead is told by mail, in the same transaction;
the home page tells leads too (``store.deadlines.closed_on_due_date_since``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from sqlite_utils import Database

from .. import clock, results
from ..mail import kinds
from ..sqlite import transaction
from ..store import audit, deadlines, rounds

WORKER = "worker (due date)"
log = logging.getLogger(__name__)


def close_past_due(db: Database, config: Mapping, now: datetime | None = None) -> list[int]:
    """Close every open round whose due date is over; returns their ids."""
    today = clock.local_today(config, now).isoformat()
    closed = []
    for round_id in deadlines.past_due(db, today):
        with transaction(db, write=True):  # the status is read again under the write lock
            current = rounds.get_round(db, round_id)
            if not current.is_open or not current.due_date or current.due_date >= today:
                continue  # extended or closed by a lead meanwhile
            results.close_round(db, current)
            deadlines.mark_closed_on_due_date(db, current.id)
            audit.record(
                db,
                user_id=None,
                actor=WORKER,
                action="round.closed",
                object_type="round",
                object_id=current.id,
                details={
                    "client": current.client_name,
                    "period": current.period,
                    "due_date": current.due_date,
                },
            )
            after = rounds.get_round(db, current.id)
            kinds.queue_round_closed(db, after, by=WORKER, closed_at=after.closed_at)
        log.info(
            "Closed round %s (%s %s): due %s",
            round_id,
            current.client_name,
            current.period,
            current.due_date,
        )
        closed.append(round_id)
    return closed

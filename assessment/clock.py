"""Dates and times in the instance's time zone (the ``TIMEZONE`` setting).

Timestamps are stored in UTC (``sqlite.utc_stamp``); due dates are calendar days where the team
works. A round due on a day is open until that day ends there, and reminders and the
"never twice the same day" rule count days there too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def zone(config: Mapping) -> ZoneInfo:
    return ZoneInfo(config.get("TIMEZONE") or "UTC")


def utc_now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """A moment as stored: UTC, ISO 8601, to the second (like ``sqlite.utc_stamp``)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def local_now(config: Mapping, now: datetime | None = None) -> datetime:
    return (now or utc_now()).astimezone(zone(config))


def local_today(config: Mapping, now: datetime | None = None) -> date:
    return local_now(config, now).date()


def local_day_of(config: Mapping, stored: str) -> date:
    """The local calendar day of a stored UTC timestamp."""
    return datetime.fromisoformat(stored).astimezone(zone(config)).date()


def parse_day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
